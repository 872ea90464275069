from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from essayons.brand.models import Charte, split_terms
from essayons.brand.queries import charte_prefill

pytestmark = pytest.mark.django_db


def edit_url(business):
    return reverse("brand:edit", args=[business.public_id])


def charte_url(business):
    return reverse("brand:charte", args=[business.public_id])


FILLED = {
    "what_we_sell": "Pain, viennoiseries, gâteaux péi",
    "customers": "Les familles du quartier",
    "promise": "Du pain cuit sur place chaque matin",
    "proof": "Notre levain depuis 2009",
    "address_form": "vous",
    "emojis": "few",
    "tone_words": "chaleureux, simple",
    "words_to_use": "fait maison\nnotre équipe",
    "words_to_avoid": "pas cher, industriel",
    "never_promise": "livraison en 1 heure",
}


def test_owner_without_a_charte_goes_to_a_prefilled_worksheet(business, owner, client_as):
    client = client_as(owner)
    response = client.get(charte_url(business))
    assert response.status_code == 302 and response["Location"] == edit_url(business)
    page = client.get(edit_url(business)).content.decode()
    assert "Ma marque en clair" in page
    assert "Boulangerie, pâtisserie à Fort-de-France" in page


def test_prefill_uses_the_diagnostic_answers(business, monkeypatch):
    answers = {
        "customer_type": "individuals",
        "local_share": 70,
        "age_groups": ["25_44", "65_plus"],
        "philosophy": "authentic",
        "goals": ["walk_in", "bookings"],
        "show_work": "products",
        "promise_kept": "no",
    }
    monkeypatch.setattr(
        "essayons.diagnostic.queries.diagnostic_summary",
        lambda *, business: SimpleNamespace(answers=answers),
    )
    with translation.override("fr"):
        prefill = charte_prefill(business=business)
    assert (
        prefill["customers"]
        == "Surtout des particuliers, dont 70 % vivent ou travaillent près de Fort-de-France, âgés de 25 à 44 ans, 65 ans et plus"
    )
    assert prefill["tone_words"] == "simple, vrai, sans en faire trop"
    assert split_terms(prefill["words_to_use"]) == [
        "passez nous voir",
        "réservez",
        "Fort-de-France",
    ]
    assert "visage" in prefill["words_to_avoid"]
    assert "délai" in prefill["never_promise"]


def test_owner_writes_the_charte_and_gets_a_printable_page(business, owner, client_as):
    client = client_as(owner)
    assert client.post(edit_url(business), FILLED).status_code == 302
    charte = Charte.objects.get(business=business)
    assert charte.avoid_terms == ["pas cher", "industriel"] and charte.updated_by == owner
    page = client.get(charte_url(business)).content.decode()
    assert "Du pain cuit sur place chaque matin" in page
    assert "window.print()" in page and "no-print" in page and 'class="card"' in page
    assert "<li>fait maison</li>" in page


def test_hostile_and_oversized_input(business, owner, client_as):
    client = client_as(owner)
    hostile = {**FILLED, "promise": '<script>alert("x")</script>'}
    client.post(edit_url(business), hostile)
    page = client.get(charte_url(business)).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    too_long = client.post(
        edit_url(business), {**FILLED, "promise": "a" * 601, "address_form": "ils"}
    )
    assert too_long.status_code == 400
    body = too_long.content.decode()
    assert "Pain, viennoiseries, gâteaux péi" in body  # what was typed is kept
    assert Charte.objects.get().promise == hostile["promise"]


def test_who_may_read_and_write(business, helper, cashier, advisor, outsider, client_as):
    Charte.objects.create(business=business, promise="Du bon pain")
    assert "Du bon pain" in client_as(helper).get(charte_url(business)).content.decode()
    assert client_as(helper).get(edit_url(business)).status_code == 403
    assert client_as(helper).post(edit_url(business), FILLED).status_code == 403
    assert client_as(advisor).get(edit_url(business)).status_code == 200
    assert client_as(cashier).get(charte_url(business)).status_code == 403
    assert client_as(outsider).get(charte_url(business)).status_code == 404
    assert client_as(outsider).post(edit_url(business), FILLED).status_code == 404
    assert Charte.objects.get().promise == "Du bon pain"


def test_helper_sees_a_plain_note_when_there_is_no_charte_yet(business, helper, client_as):
    page = client_as(helper).get(charte_url(business)).content.decode()
    assert "La charte n’est pas encore écrite" in page


def test_split_terms():
    assert split_terms(" a, b ;c\n\n« d »\n") == ["a", "b", "c", "d"]
