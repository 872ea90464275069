"""The connections page: who may see it, health and expiry, connect buttons, disconnect, check,
setup notes; another business's connection answers 404 everywhere (CONTRACTS.md §4 case 15)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.tests.support import answer, connection_make, fixtures_of
from essayons.lib.http import FakeTransport, use_transport

pytestmark = pytest.mark.django_db
facebook = fixtures_of(__file__.replace("/tests/", "/facebook/tests/"))
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def apps_configured(settings):
    settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET = "1234567890", "APP-SECRET-VALUE"
    settings.GOOGLE_CLIENT_ID = settings.GOOGLE_CLIENT_SECRET = ""
    settings.LINKEDIN_CLIENT_ID = settings.LINKEDIN_CLIENT_SECRET = ""


@pytest.fixture
def page(business):
    return connection_make(
        business,
        "facebook",
        "546349135390552",
        {"page_token": "PAGE-TOKEN-SECRET-1"},
        account_name="Boulangerie Test",
        account_url="https://www.facebook.com/boulangerietest",
    )


@pytest.fixture
def foreign(other_business):
    return connection_make(
        other_business,
        "linkedin",
        "urn:li:organization:9",
        {"access_token": "OTHER-TOKEN"},
        account_name="Salon Ailleurs",
    )


def url(name, business, *args):
    return reverse(f"connectors:{name}", args=[business.public_id, *args])


def test_page_who_may(client_as, business, owner, advisor, helper, cashier, outsider):
    assert client_as(owner).get(url("list", business)).status_code == 200
    assert client_as(advisor).get(url("list", business)).status_code == 200
    assert client_as(helper).get(url("list", business)).status_code == 403
    assert client_as(cashier).get(url("list", business)).status_code == 403
    assert client_as(outsider).get(url("list", business)).status_code == 404
    anonymous = client_as(None).get(url("list", business))
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]


def test_page_shows_connections_of_this_business_only_and_never_a_token(
    client_as, business, owner, page, foreign
):
    body = client_as(owner).get(url("list", business)).content.decode()
    assert "Boulangerie Test" in body and "Fonctionne" in body
    assert "Salon Ailleurs" not in body
    assert "PAGE-TOKEN-SECRET-1" not in body and "OTHER-TOKEN" not in body
    assert page.credentials_encrypted not in body


def test_every_registered_network_has_a_button_or_the_setup_explanation(client_as, business, owner):
    body = client_as(owner).get(url("list", business)).content.decode()
    assert 'action="' + url("facebook_connect", business) + '"' in body
    assert 'action="' + url("instagram_connect", business) + '"' in body
    assert "GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET" in body
    assert "LINKEDIN_CLIENT_ID, LINKEDIN_CLIENT_SECRET" in body
    assert url("setup", business, "google") in body
    assert "doit d’abord créer une application" in body


def test_expiring_connection_warns_a_week_ahead_with_the_reconnect_button(
    client_as, business, owner
):
    connection_make(
        business,
        "linkedin",
        "urn:li:organization:1",
        {"access_token": "LI-TOKEN"},
        account_name="Boulangerie SARL",
        expires_at=timezone.now() + timedelta(days=3),
    )
    body = client_as(owner).get(url("list", business)).content.decode()
    assert "À reconnecter" in body
    assert "L’accès prend fin le" in body
    assert "Reconnecter" in body


def test_refused_connection_shows_needs_reconnecting(client_as, business, owner, page):
    Connection.objects.filter(pk=page.pk).update(status=ConnectionStatus.NEEDS_RECONNECT)
    body = client_as(owner).get(url("list", business)).content.decode()
    assert "À reconnecter" in body
    assert "n’accepte plus cette connexion" in body
    assert 'action="' + url("facebook_connect", business) + '"' in body


def test_disconnect_forgets_the_token(
    client_as, business, owner, page, django_capture_on_commit_callbacks
):
    with (
        use_transport(FakeTransport()) as fake,
        django_capture_on_commit_callbacks(execute=True),  # the revocation task (test_disconnect)
    ):
        response = client_as(owner).post(url("disconnect", business, page.pk))
    assert response["Location"] == url("list", business)
    assert fake.requests == []  # a Page token revokes nothing (facebook/connector.py)
    page.refresh_from_db()
    assert page.status == ConnectionStatus.DISABLED
    assert page.credentials_encrypted == "" and page.credentials == {}
    body = client_as(owner).get(url("list", business)).content.decode()
    assert f'id="connection-{page.pk}"' not in body


def test_disconnect_with_htmx_returns_the_partial(client_as, business, owner, page):
    response = client_as(owner).post(url("disconnect", business, page.pk), **HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="connections">')


def test_disconnect_who_may(client_as, business, owner, helper, cashier, outsider, page):
    assert client_as(owner).get(url("disconnect", business, page.pk)).status_code == 405
    assert client_as(helper).post(url("disconnect", business, page.pk)).status_code == 403
    assert client_as(cashier).post(url("disconnect", business, page.pk)).status_code == 403
    assert client_as(outsider).post(url("disconnect", business, page.pk)).status_code == 404
    page.refresh_from_db()
    assert page.status == ConnectionStatus.ACTIVE


def test_check_now_who_may(client_as, business, owner, helper, cashier, outsider, page):
    assert client_as(owner).get(url("verify", business, page.pk)).status_code == 405
    for person, status in ((helper, 403), (cashier, 403), (outsider, 404)):
        fake = FakeTransport(answer(facebook("page")))
        with use_transport(fake):
            assert client_as(person).post(url("verify", business, page.pk)).status_code == status
        assert fake.requests == []


def test_another_business_connection_answers_404_on_every_view(client_as, business, owner, foreign):
    client = client_as(owner)
    for name in ("disconnect", "verify"):
        assert client.post(url(name, business, foreign.pk)).status_code == 404
        assert client.post(url(name, business, 999_999)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == ConnectionStatus.ACTIVE and foreign.credentials


def test_check_now_marks_a_revoked_connection(client_as, business, owner, page, foreign):
    with use_transport(FakeTransport(answer(facebook("error_190_460"), status=400))):
        response = client_as(owner).post(url("verify", business, page.pk), follow=True)
    assert "merci de la reconnecter" in response.content.decode()
    page.refresh_from_db()
    foreign.refresh_from_db()
    assert page.status == ConnectionStatus.NEEDS_RECONNECT and page.last_error_code == "190"
    assert foreign.status == ConnectionStatus.ACTIVE  # other tenants untouched


def test_check_now_when_it_works(client_as, business, owner, page):
    with use_transport(FakeTransport(answer(facebook("page")))):
        response = client_as(owner).post(url("verify", business, page.pk), follow=True)
    assert "ça fonctionne" in response.content.decode()
    page.refresh_from_db()
    assert page.last_verified_at is not None


def test_setup_notes(client_as, business, owner, helper, outsider):
    response = client_as(owner).get(url("setup", business, "google"))
    assert response.status_code == 200
    assert "/connexions/google/retour/" in response.content.decode()
    assert client_as(owner).get(url("setup", business, "unknown")).status_code == 404
    assert (
        client_as(owner).get(f"/e/{business.public_id}/connexions/../installation/").status_code
        == 404
    )
    assert client_as(helper).get(url("setup", business, "google")).status_code == 403
    assert client_as(outsider).get(url("setup", business, "google")).status_code == 404
