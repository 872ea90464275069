"""Error pages speak French (English on request), and bad posts get a 400, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_404_in_french_by_default(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
    assert '<html lang="fr">' in response.content.decode()


def test_404_in_english_when_the_browser_asks(client):
    response = client.get("/nope/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_403_in_french_for_a_role_without_the_permission(client_as, business, cashier):
    response = client_as(cashier).get(reverse("accounts:dashboard", args=[business.public_id]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Cette page ne fait pas partie de votre rôle" in page
    assert "demandez au dirigeant" in page


def test_a_foreign_business_answers_404_in_french(client_as, business, outsider):
    response = client_as(outsider).get(reverse("accounts:dashboard", args=[business.public_id]))
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_500_page_stands_alone_in_french(client):
    from essayons.ops.views import server_error

    response = server_error(client.get("/").wsgi_request)
    assert response.status_code == 500
    assert "Un problème est survenu de notre côté" in response.content.decode()


@pytest.fixture(params=["form", "csrf"])
def poster(request, settings, business, owner):
    """(client, urls): a form reading the body itself, or any POST through the CSRF check.

    With CSRF checks on, as in production, the middleware reads the body of every POST that
    carries the CSRF cookie, whatever the view: that is where a bad body must give 400.
    """
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    urls = [reverse("accounts:login"), reverse("set_language")]
    if request.param == "form":
        return Client(), urls
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    dashboard = reverse("accounts:dashboard", args=[business.public_id])
    client.get(dashboard)  # its forms set the CSRF cookie
    assert "csrftoken" in client.cookies
    return client, [*urls, dashboard]


def test_an_oversized_post_gets_the_french_400_page(poster):
    poster, urls = poster
    for url in urls:
        response = poster.post(url, {"email": "a" * 20_000, "password": "x"})
        assert response.status_code == 400, url
        assert "Demande incomprise" in response.content.decode()


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=é"],
)
def test_a_malformed_multipart_body_gets_400(poster, content_type):
    poster, urls = poster
    for url in urls:
        response = poster.generic("POST", url, b"--x\r\nnot a part\r\n", content_type=content_type)
        assert response.status_code == 400, url
