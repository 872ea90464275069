"""Promo codes: creating them (typed or one per customer), switching them, who may."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from essayons.tracking.models import Campaign, PromoCode
from essayons.tracking.till_services import SAFE_ALPHABET, code_create, codes_for_emails


def _url(name, business, *args):
    return reverse(f"tracking:{name}", args=[business.public_id, *args])


@pytest.mark.django_db
def test_owner_creates_a_typed_code(client_as, owner, business):
    response = client_as(owner).post(
        _url("code_new", business),
        {
            "code": "galette 27",
            "description": "-10 % en boutique",
            "new_campaign": "Galette des rois",
            "channel": "facebook",
            "valid_from": "2027-01-04",
            "valid_until": "2027-01-17",
        },
    )
    assert response.status_code == 302
    promo = PromoCode.objects.get(business=business)
    assert (promo.code, promo.campaign.slug, promo.single_use, promo.max_uses) == (
        "GALETTE27",
        "galette-des-rois",
        False,
        None,
    )
    assert str(promo.valid_until) == "2027-01-17"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"code": "GAL€TTE"}, "Entre 3 et 32 lettres et chiffres"),
        ({"code": "<script>alert(1)</script>"}, "Entre 3 et 32 lettres et chiffres"),
        ({"code": "AB"}, "Entre 3 et 32 lettres et chiffres"),
        ({"code": "A" * 50}, "au plus 40 caractères"),
        ({"code": "GALETTE27"}, "Le code GALETTE27 existe déjà"),
        (
            {"code": "NEW1", "valid_from": "2027-02-01", "valid_until": "2027-01-01"},
            "La fin vient avant le début",
        ),
        ({"code": "NEW2", "single_use": "on", "max_uses": "5"}, "laissez ce champ vide"),
        ({"code": "NEW3", "max_uses": "-1"}, "supérieure ou égale à 1"),
        ({"code": "NEW4", "valid_from": "demain"}, "Saisissez une date valide"),
    ],
)
def test_code_form_errors_are_french_and_keep_what_was_typed(
    client_as, owner, business, fields, words
):
    code_create(business=business, code="GALETTE27")
    data = {"description": "<b>offert</b>", **fields}
    response = client_as(owner).post(_url("code_new", business), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert words in html
    assert "&lt;b&gt;offert&lt;/b&gt;" in html and "<b>offert</b>" not in html
    assert "<script>alert(1)</script>" not in html
    assert PromoCode.objects.count() == 1


@pytest.mark.django_db
def test_list_escapes_descriptions_and_shows_uses(client_as, helper, business):
    code_create(
        business=business, code="HTML1", description="<img src=x onerror=alert(1)>", max_uses=5
    )
    html = client_as(helper).get(_url("codes", business)).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "0 / 5" in html


@pytest.mark.django_db
def test_one_code_per_customer(client_as, owner, business):
    campaign = Campaign.objects.create(business=business, name="Merci", slug="merci")
    response = client_as(owner).post(
        _url("codes_generate", business),
        {
            "emails": "Anne@Example.org\nbruno@example.org; chloe@example.org\n\nanne@example.org",
            "code_start": "merci",
            "campaign": str(campaign.pk),
            "description": "Un croissant offert",
        },
    )
    assert response.status_code == 200
    codes = PromoCode.objects.filter(business=business).order_by("for_email")
    assert [promo.for_email for promo in codes] == [
        "anne@example.org",
        "bruno@example.org",
        "chloe@example.org",
    ]
    for promo in codes:
        assert re.fullmatch(f"MERCI[{SAFE_ALPHABET}]{{6}}", promo.code)
        assert promo.single_use and promo.campaign == campaign
        assert promo.code in response.content.decode()
    assert not set("01OI") & set("".join(p.code[5:] for p in codes))
    again = codes_for_emails(
        business=business, emails=["ANNE@example.org"], prefix="MERCI", campaign=campaign
    )
    assert again[0].code == codes[0].code
    assert PromoCode.objects.count() == 3


@pytest.mark.django_db
def test_generated_codes_refuse_bad_addresses_with_line_numbers(client_as, owner, business):
    response = client_as(owner).post(
        _url("codes_generate", business),
        {"emails": "anne@example.org\nnot-an-email\n<script>x</script>@", "code_start": "MERCI"},
    )
    html = response.content.decode()
    assert "Ligne 2 : « not-an-email » n’est pas une adresse e-mail." in html
    assert "Ligne 3" in html and "<script>x</script>" not in html
    assert "anne@example.org" in html  # what was typed is kept
    assert PromoCode.objects.count() == 0


@pytest.mark.django_db
def test_who_may_see_and_make_codes(client_as, owner, advisor, helper, cashier, outsider, business):
    promo = code_create(business=business, code="GALETTE27")
    for person, list_status, new_status in (
        (owner, 200, 200),
        (advisor, 200, 200),
        (helper, 200, 403),
        (cashier, 403, 403),
        (outsider, 404, 404),
    ):
        client = client_as(person)
        assert client.get(_url("codes", business)).status_code == list_status
        assert client.get(_url("code_new", business)).status_code == new_status
        assert client.get(_url("codes_generate", business)).status_code == new_status
    assert (
        client_as(helper).post(_url("code_switch", business, promo.pk), {"active": "0"}).status_code
        == 403
    )
    promo.refresh_from_db()
    assert promo.is_active


@pytest.mark.django_db
def test_switch_a_code_off_and_on(client_as, owner, business, other_business):
    promo = code_create(business=business, code="GALETTE27")
    foreign = code_create(business=other_business, code="AILLEURS")
    client = client_as(owner)
    client.post(_url("code_switch", business, promo.pk), {"active": "0"})
    promo.refresh_from_db()
    assert not promo.is_active
    client.post(_url("code_switch", business, promo.pk), {"active": "1"})
    promo.refresh_from_db()
    assert promo.is_active
    assert (
        client.post(_url("code_switch", business, foreign.pk), {"active": "0"}).status_code == 404
    )
    foreign.refresh_from_db()
    assert foreign.is_active


@pytest.mark.django_db
def test_same_code_in_two_businesses(business, other_business):
    code_create(business=business, code="GALETTE27")
    assert code_create(business=other_business, code="GALETTE27").code == "GALETTE27"


@pytest.mark.django_db
def test_demo_data(business, owner):
    from essayons.tracking.demo_measure import demo_measure_create
    from essayons.tracking.models import TrackedLink

    demo_measure_create(business=business, owner=owner)
    link = TrackedLink.objects.get(business=business)
    assert (link.utm_source, link.utm_medium, link.utm_campaign) == (
        "facebook",
        "ad",
        "galette-des-rois",
    )
    promo = PromoCode.objects.get(business=business)
    assert promo.code == "GALETTE27" and not promo.single_use
