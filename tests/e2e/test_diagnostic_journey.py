"""The readiness check in a real Chromium: an owner answers every screen, reads the report and
prints it; a cashier who opens the diagnostic is refused politely."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import Role
from tests.e2e.conftest import ARTIFACTS, log_in, screenshot

PASSWORD = "correct horse battery"


def member(business: Business, email: str, role: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, display_name="Josiane")
    Membership.objects.create(user=user, business=business, role=role)
    return user


@pytest.fixture
def bakery(transactional_db) -> Business:
    return Business.objects.create(
        name="Boulangerie Ti Pain", trade=Trade.BAKERY, town="Fort-de-France",
        timezone="America/Martinique",
    )  # fmt: skip


def choose(page, key: str, *labels: str) -> None:
    for label in labels:
        page.locator(f"#q-{key}").get_by_label(label, exact=True).check()


def next_screen(page, number: int) -> None:
    page.get_by_role("button", name="Suivant").click()
    expect(page.get_by_text(f"Écran {number} sur 8")).to_be_visible()


def test_owner_answers_every_screen_and_prints_the_report(page, bakery):
    member(bakery, "josiane@tipain.test", Role.OWNER)
    log_in(page, "josiane@tipain.test")
    page.wait_for_url(lambda url: "connexion" not in url)
    page.goto(f"{page.base}/e/{bakery.public_id}/etat-des-lieux/")
    page.get_by_role("link", name="Commencer l'état des lieux").click()
    page.get_by_role("button", name="Commencer").click()

    expect(page.get_by_role("heading", name="Les trois questions")).to_be_visible()
    choose(page, "interest", "Peut-être, j'aimerais en être sûr")
    choose(page, "ready", "En partie")
    choose(page, "philosophy", "Oui, si on reste nous-mêmes, sans en faire trop")
    choose(page, "show_work", "Les produits oui, les personnes non")
    next_screen(page, 2)

    # A typing slip is refused in French beside the field, and what was typed stays.
    hours = page.get_by_label("Combien d'heures par semaine")
    hours.fill("500")
    choose(page, "who", "Moi, le dirigeant")
    page.get_by_label("Quel budget par mois").fill("30")
    choose(page, "photos", "De temps en temps, sans savoir si elles sont réussies")
    page.get_by_role("button", name="Suivant").click()
    expect(page.get_by_text("Indiquez un nombre entre 0 et 60.")).to_be_visible()
    expect(page.get_by_label("Combien d'heures par semaine")).to_have_value("500")
    expect(page.locator("#q-who").get_by_label("Moi, le dirigeant", exact=True)).to_be_checked()
    screenshot(page, "diagnostic-screen-error")
    page.get_by_label("Combien d'heures par semaine").fill("2")
    next_screen(page, 3)

    choose(page, "website", "Oui")
    choose(page, "website_age", "Il y a plus de 3 ans")
    choose(page, "website_sells", "Non, il présente seulement l'entreprise")
    next_screen(page, 4)

    choose(page, "google_claimed", "Non, ou elle existe sans moi")
    choose(page, "google_up_to_date", "Non")
    choose(page, "reviews_answered", "Jamais")
    next_screen(page, 5)

    choose(page, "facebook", "Dernière publication il y a plus de 6 mois")
    page.get_by_label("Combien de personnes suivent votre page Facebook").fill("600")
    choose(page, "instagram", "Je n'en ai pas")
    next_screen(page, 6)

    page.get_by_label("Quelle part de vos clients").fill("70")
    choose(page, "age_groups", "25 à 44 ans", "45 à 64 ans", "65 ans et plus")
    choose(page, "customer_type", "Des particuliers")
    choose(page, "found_by", "En passant devant", "Par le bouche-à-oreille")
    next_screen(page, 7)

    choose(page, "goals", "Plus de clients en boutique", "Être mieux connu et bien noté")
    choose(page, "customer_file", "Non")
    choose(page, "knows_source", "Non")
    choose(page, "tried_ads", "Oui, mais je ne sais pas ce qu'elle a rapporté")
    next_screen(page, 8)

    choose(page, "complaint_who", "Moi, le dirigeant")
    choose(page, "complaint_speed", "Au bout d'une semaine ou plus")
    choose(page, "promise_kept", "La plupart du temps")
    page.get_by_role("button", name="Voir mon état des lieux").click()

    expect(
        page.get_by_role("heading", name="État des lieux de Boulangerie Ti Pain")
    ).to_be_visible()
    expect(page.locator("#verdict .badge")).to_have_text("Prêt, à petits pas")
    channels = page.locator("#channels")
    expect(channels.get_by_role("heading", name="1. Fiche Google")).to_be_visible()
    expect(channels.get_by_role("heading", name="2. Facebook")).to_be_visible()
    expect(page.locator("#checklist li").first).to_contain_text(
        "Revendiquez d'abord votre fiche Google"
    )
    expect(page.get_by_role("link", name="CL-GOOGLE-CLAIM")).to_be_visible()
    screenshot(page, "diagnostic-report")

    print_button = page.get_by_role("button", name="Imprimer / enregistrer en PDF")
    expect(print_button).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(page.locator("a.term").first).to_be_hidden()
    expect(page.locator("#roadmap")).to_be_visible()
    screenshot(page, "diagnostic-report-print")
    pdf = ARTIFACTS / "diagnostic-report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.stat().st_size > 10_000


def test_a_cashier_opening_the_diagnostic_is_refused_politely(phone, bakery):
    member(bakery, "caisse@tipain.test", Role.CASHIER)
    log_in(phone, "caisse@tipain.test")
    phone.wait_for_url(lambda url: "connexion" not in url)
    response = phone.goto(f"{phone.base}/e/{bakery.public_id}/etat-des-lieux/")
    assert response is not None and response.status == 403
    expect(
        phone.get_by_role("heading", name="Cette page ne fait pas partie de votre rôle")
    ).to_be_visible()
    expect(phone.get_by_text("Commencer l'état des lieux")).to_have_count(0)
