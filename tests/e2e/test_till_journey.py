"""The cashier at the till, on a phone: codes, "how did you hear of us?", and a weak connection."""

from __future__ import annotations

import time
from decimal import Decimal

from playwright.sync_api import expect

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import Role
from essayons.tracking.models import DeclaredSource, PromoCode, Redemption
from essayons.tracking.till_services import code_create
from tests.e2e.conftest import log_in, screenshot


def _till(transactional_db):
    business = Business.objects.create(
        name="Boulangerie Ti Pain",
        trade=Trade.BAKERY,
        town="Fort-de-France",
        timezone="America/Martinique",
    )
    cashier = User.objects.create_user(
        email="caisse@ti-pain.test", password="correct horse battery", display_name="Jo"
    )
    Membership.objects.create(user=cashier, business=business, role=Role.CASHIER)
    return business, cashier


def _record(phone, code, amount):
    phone.get_by_role("textbox", name="Code").fill(code)
    phone.get_by_label("Montant du panier (€)").fill(amount)
    phone.get_by_role("button", name="Enregistrer").click()


def _wait_for(predicate, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_cashier_records_codes_and_answers_on_a_phone(phone, transactional_db):
    business, cashier = _till(transactional_db)
    code_create(
        business=business, code="GALETTE27", description="-10 % en boutique", single_use=True
    )
    log_in(phone, cashier.email)
    phone.goto(f"{phone.base}/e/{business.public_id}/caisse/enregistrer/")
    expect(phone.get_by_text("Aujourd’hui : 0 code, 0 réponse")).to_be_visible()

    _record(phone, "galette27", "12,50")
    answer = phone.locator("[data-answer]")
    expect(answer).to_contain_text("C’est noté : GALETTE27, panier de 12,50 €.")
    expect(answer).to_contain_text("À appliquer : -10 % en boutique")
    expect(phone.get_by_text("Aujourd’hui : 1 code, 0 réponse")).to_be_visible()
    expect(phone.get_by_role("textbox", name="Code")).to_have_value("")
    screenshot(phone, "till-recorded")

    _record(phone, "GALETTE27", "8")
    expect(answer).to_contain_text("déjà utilisé")
    screenshot(phone, "till-already-used")

    phone.get_by_role("button", name="Facebook").click()
    expect(answer).to_contain_text("Merci ! « Facebook » est noté.")
    expect(phone.get_by_text("Aujourd’hui : 1 code, 1 réponse")).to_be_visible()

    redemption = Redemption.objects.get(business=business)
    assert redemption.amount == Decimal("12.50") and redemption.recorded_by == cashier
    assert PromoCode.objects.get(code="GALETTE27").uses == 1
    assert list(DeclaredSource.objects.values_list("source", flat=True)) == ["facebook"]


def test_a_tap_made_offline_is_sent_once_when_the_network_comes_back(phone, transactional_db):
    business, cashier = _till(transactional_db)
    code_create(business=business, code="GALETTE27")
    log_in(phone, cashier.email)
    phone.goto(f"{phone.base}/e/{business.public_id}/caisse/enregistrer/")
    expect(phone.get_by_text("Aujourd’hui : 0 code, 0 réponse")).to_be_visible()

    phone.context.set_offline(True)
    _record(phone, "GALETTE27", "23,40")
    expect(phone.locator("[data-answer]")).to_contain_text("Pas de réseau")
    expect(phone.locator("[data-pending]")).to_have_text("1 envoi en attente.")
    phone.get_by_role("button", name="Instagram").click()
    expect(phone.locator("[data-pending]")).to_have_text("2 envois en attente.")
    screenshot(phone, "till-offline")
    assert Redemption.objects.count() == 0 and DeclaredSource.objects.count() == 0

    phone.context.set_offline(False)
    expect(phone.locator("[data-pending]")).to_be_hidden(timeout=15_000)
    expect(phone.locator("[data-answer]")).to_contain_text("Envoyé au retour du réseau")
    assert _wait_for(
        lambda: Redemption.objects.count() == 1 and DeclaredSource.objects.count() == 1
    )

    # The page is reloaded and the retry timer runs again: nothing is sent twice.
    phone.reload()
    phone.wait_for_timeout(6_000)
    assert Redemption.objects.count() == 1
    assert Redemption.objects.get().amount == Decimal("23.40")
    assert DeclaredSource.objects.get().source == "instagram"
    assert PromoCode.objects.get(code="GALETTE27").uses == 1
    screenshot(phone, "till-back-online")
