"""Tracked links: the destination check, the service other apps call, the pages and QR codes."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from essayons.diagnostic.channels import Channel
from essayons.tracking.links_services import (
    CODE_LENGTH,
    campaign_get_or_create,
    code_draw,
    destination_check,
    link_activate,
    link_create,
    link_short_url,
)
from essayons.tracking.models import Campaign, Click, Medium, TrackedLink

BAD_DESTINATIONS = {
    "javascript:alert(1)": "scheme",
    "JavaScript:alert(document.cookie)": "scheme",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==": "scheme",
    "ftp://example.org/file.txt": "scheme",
    "file:///etc/passwd": "scheme",
    "/galettes": "scheme",
    "www.example.org/galettes": "scheme",
    "//example.org/galettes": "scheme",
    "https://": "host",
    "https://user:secret@example.org/": "credentials",
    "https://user@example.org/": "credentials",
    "https://example.org/une galette": "spaces",
    "https://example.org/\ttab": "spaces",
    "https://example.org/\r\nSet-Cookie:x=1": "spaces",
    'https://example.org/"><script>alert(1)</script>': "characters",
    "<a href='https://example.org'>ici</a>": "spaces",
    "https://example.org/" + "a" * 2000: "too_long",
    "http://127.0.0.1/admin/": "private",
    "http://10.0.0.5/": "private",
    "http://169.254.169.254/latest/meta-data/": "private",
    "http://[::1]/": "private",
    "http://localhost:8000/": "private",
    "https://exa mple.org/": "spaces",
    "https://example.org:99999/": "invalid",
    "http://127.0.0.1:8000/r/abcdefgh12": "private",
}


@pytest.mark.parametrize(("raw", "code"), BAD_DESTINATIONS.items())
def test_bad_destinations_are_refused_with_a_reason(raw, code):
    with pytest.raises(ValidationError) as caught:
        destination_check(raw)
    assert caught.value.code == code


def test_link_to_our_own_short_links_is_refused(settings):
    settings.SITE_URL = "https://essayons.example"
    with pytest.raises(ValidationError) as caught:
        destination_check("https://essayons.example/r/abcdefgh12")
    assert caught.value.code == "loop"
    assert destination_check("https://essayons.example/inscription/") == (
        "https://essayons.example/inscription/"
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  https://example.org/galettes  ", "https://example.org/galettes"),
        ("HTTPS://Example.ORG/Galettes?x=1#haut", "https://example.org/Galettes?x=1#haut"),
        ("https://pâtisserie.example/crème", "https://xn--ptisserie-b2a.example/cr%C3%A8me"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
    ],
)
def test_good_destinations_are_normalised(raw, clean):
    assert destination_check(raw) == clean


def test_codes_are_random_base62_and_long():
    codes = {code_draw() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(f"[0-9A-Za-z]{{{CODE_LENGTH}}}", code) for code in codes)
    assert CODE_LENGTH >= 8


@pytest.mark.django_db
def test_link_create_fills_the_utm_defaults(business):
    campaign = Campaign.objects.create(business=business, name="Galette des rois", slug="galette")
    link = link_create(
        business=business,
        destination="https://example.org/galettes",
        channel=Channel.FACEBOOK,
        campaign=campaign,
        label="Affiche",
    )
    assert (link.utm_source, link.utm_medium, link.utm_campaign) == (
        "facebook",
        "social",
        "galette",
    )
    assert link.is_active and len(link.code) == CODE_LENGTH
    mail = link_create(business=business, destination="https://example.org/", channel=Channel.EMAIL)
    assert (mail.utm_source, mail.utm_medium, mail.utm_campaign) == ("email", "email", "")
    poster = link_create(business=business, destination="https://example.org/", channel="")
    assert (poster.utm_source, poster.utm_medium) == ("print", "print")
    ad = link_create(
        business=business,
        destination="https://example.org/",
        channel=Channel.INSTAGRAM,
        medium=Medium.AD,
        utm={"utm_content": "carrousel", "utm_source": "  ", "utm_campaign": "hiver"},
    )
    assert (ad.utm_source, ad.utm_medium, ad.utm_campaign, ad.utm_content) == (
        "instagram",
        "ad",
        "hiver",
        "carrousel",
    )


@pytest.mark.django_db
def test_link_create_refuses_bad_destination_and_foreign_campaign(business, other_business):
    with pytest.raises(ValidationError):
        link_create(business=business, destination="javascript:alert(1)", channel="")
    foreign = Campaign.objects.create(business=other_business, name="X", slug="x")
    with pytest.raises(ValueError):
        link_create(
            business=business, destination="https://example.org/", channel="", campaign=foreign
        )
    assert TrackedLink.objects.count() == 0


@pytest.mark.django_db
def test_link_short_url_and_campaign_slug(business, settings):
    settings.SITE_URL = "https://essayons.example"
    link = link_create(business=business, destination="https://example.org/", channel="")
    assert link_short_url(link) == f"https://essayons.example/r/{link.code}"
    first = campaign_get_or_create(business=business, name="Fête des mères !")
    assert first.slug == "fete-des-meres"
    assert campaign_get_or_create(business=business, name="fête des mères") == first


# --- Pages ------------------------------------------------------------------------------------


def _url(name, business, *args):
    return reverse(f"tracking:{name}", args=[business.public_id, *args])


@pytest.fixture
def link(business):
    return link_create(
        business=business, destination="https://example.org/galettes", channel=Channel.FACEBOOK
    )


@pytest.mark.django_db
def test_list_shows_people_and_bots_apart(client_as, owner, business, link):
    from django.utils import timezone

    Click.objects.create(link=link, at=timezone.now(), is_bot=False)
    Click.objects.create(link=link, at=timezone.now(), is_bot=False)
    Click.objects.create(link=link, at=timezone.now(), is_bot=True)
    response = client_as(owner).get(_url("links", business))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong class="link-clicks">2</strong>' in html
    assert "1 visite par un robot" in html
    assert f"/r/{link.code}" in html


@pytest.mark.django_db
def test_who_may_see_and_change_links(
    client_as, owner, advisor, helper, cashier, outsider, business, link
):
    for person in (owner, advisor, helper):
        assert client_as(person).get(_url("links", business)).status_code == 200
    assert client_as(cashier).get(_url("links", business)).status_code == 403
    assert client_as(outsider).get(_url("links", business)).status_code == 404
    assert client_as(None).get(_url("links", business)).status_code == 302
    for person, status in (
        (owner, 200),
        (advisor, 200),
        (helper, 403),
        (cashier, 403),
        (outsider, 404),
    ):
        assert client_as(person).get(_url("link_new", business)).status_code == status
        assert client_as(person).get(_url("link_edit", business, link.pk)).status_code == status
    helper_post = client_as(helper).post(_url("link_switch", business, link.pk), {"active": "0"})
    assert helper_post.status_code == 403
    link.refresh_from_db()
    assert link.is_active


@pytest.mark.django_db
def test_create_link_through_the_form(client_as, owner, business):
    response = client_as(owner).post(
        _url("link_new", business),
        {
            "destination": "https://example.org/galettes?ref=site",
            "label": "Affiche vitrine",
            "channel": "",
            "medium": "",
            "new_campaign": "Galette des rois",
            "utm_content": "vitrine",
        },
    )
    assert response.status_code == 302
    link = TrackedLink.objects.get(business=business)
    assert link.campaign.slug == "galette-des-rois"
    assert (link.utm_source, link.utm_medium, link.utm_campaign, link.utm_content) == (
        "print",
        "print",
        "galette-des-rois",
        "vitrine",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ("javascript:alert(1)", "commençant par https://"),
        ("https://example.org/<script>alert(1)</script>", "caractères qui n’ont rien à faire"),
        ("https://example.org/a b", "pas d’espace"),
        ("https://moi:secret@example.org/", "identifiant et le mot de passe"),
        ("https://example.org/" + "x" * 5000, "trop longue"),
        ("", "Ce champ est obligatoire"),
    ],
)
def test_form_errors_are_french_and_keep_what_was_typed(
    client_as, owner, business, destination, message
):
    response = client_as(owner).post(
        _url("link_new", business), {"destination": destination, "label": "<b>Mon lien</b>"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "&lt;b&gt;Mon lien&lt;/b&gt;" in html and "<b>Mon lien</b>" not in html
    assert "<script>alert(1)</script>" not in html
    assert TrackedLink.objects.count() == 0


@pytest.mark.django_db
def test_campaign_of_another_business_cannot_be_chosen(client_as, owner, business, other_business):
    foreign = Campaign.objects.create(business=other_business, name="Ailleurs", slug="ailleurs")
    response = client_as(owner).post(
        _url("link_new", business),
        {"destination": "https://example.org/", "campaign": str(foreign.pk)},
    )
    assert response.status_code == 200
    assert TrackedLink.objects.count() == 0


@pytest.mark.django_db
def test_edit_keeps_the_code_and_switch_off_on(client_as, owner, business, link):
    client = client_as(owner)
    code = link.code
    page = client.get(_url("link_edit", business, link.pk))
    assert "https://example.org/galettes" in page.content.decode()
    response = client.post(
        _url("link_edit", business, link.pk),
        {"destination": "https://example.org/rois", "channel": "instagram", "utm_source": "insta"},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.code, link.destination, link.utm_source, link.utm_medium) == (
        code,
        "https://example.org/rois",
        "insta",
        "social",
    )
    client.post(_url("link_switch", business, link.pk), {"active": "0"})
    link.refresh_from_db()
    assert not link.is_active
    client.post(_url("link_switch", business, link.pk), {"active": "1"})
    link.refresh_from_db()
    assert link.is_active
    assert client.get(_url("link_switch", business, link.pk)).status_code == 405


@pytest.mark.django_db
def test_foreign_link_answers_404(client_as, outsider, owner, business, other_business, link):
    foreign = link_create(business=other_business, destination="https://example.org/", channel="")
    client = client_as(owner)
    assert client.get(_url("link_edit", business, foreign.pk)).status_code == 404
    assert (
        client.post(_url("link_switch", business, foreign.pk), {"active": "0"}).status_code == 404
    )
    assert client.get(_url("link_qr_svg", business, foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


# --- QR codes ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_qr_svg_is_valid_and_downloadable(client_as, owner, business, link):
    response = client_as(owner).get(_url("link_qr_svg", business, link.pk) + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert f"{link.code}.svg" in response["Content-Disposition"]
    root = ET.fromstring(response.content)  # noqa: S314 (our own SVG, not untrusted)
    assert root.tag.endswith("svg")
    assert int(float(root.get("width"))) >= 21 * 10


@pytest.mark.django_db
def test_qr_png_is_print_ready(client_as, helper, business, link):
    response = client_as(helper).get(_url("link_qr_png", business, link.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.width >= 1200 and image.width == image.height
    assert round(image.info["dpi"][0]) == 300
    # Quiet zone: the outer band (4 modules of the symbol) is white.
    corner = image.convert("L").crop((0, 0, image.width // 30, image.height // 30))
    assert corner.getextrema() == (255, 255)


@pytest.mark.django_db
def test_qr_png_encodes_the_short_link(business, link, settings):
    """Each module of the printed PNG matches the QR matrix of the short link."""
    import segno

    from essayons.tracking.qr import QUIET_ZONE, qr_png

    settings.SITE_URL = "https://essayons.example"
    url = link_short_url(link)
    matrix = segno.make(url, error="m", micro=False).matrix
    image = Image.open(io.BytesIO(qr_png(url))).convert("L")
    modules = len(matrix) + 2 * QUIET_ZONE
    scale = image.width // modules
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            x = (col + QUIET_ZONE) * scale + scale // 2
            y = (row + QUIET_ZONE) * scale + scale // 2
            assert (image.getpixel((x, y)) == 0) == bool(dark)


@pytest.mark.django_db
def test_link_activate(business, link):
    link_activate(link=link, active=False)
    assert not TrackedLink.objects.get(pk=link.pk).is_active
