"""Browser journeys of the accounts app: a newcomer sets up a business; a cashier stays at the till."""

from __future__ import annotations

from playwright.sync_api import expect

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import Role
from tests.e2e.conftest import log_in, screenshot

PASSWORD = "Une baguette bien cuite 42"


def test_sign_up_create_a_business_in_martinique_and_land_on_its_dashboard(page, transactional_db):
    page.goto(page.base + "/")
    # Not logged in: the home page asks to log in, which offers to create an account.
    page.get_by_role("link", name="Créer mon compte").click()
    page.get_by_label("Adresse e-mail").fill("marie@ti-pain.test")
    page.get_by_label("Votre nom").fill("Marie")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Mot de passe, une seconde fois").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()

    expect(page.get_by_role("heading", name="Créer mon entreprise")).to_be_visible()
    page.get_by_label("Nom de l’entreprise").fill("Boulangerie Ti Pain")
    page.get_by_label("Boulangerie, pâtisserie").check()
    page.get_by_label("Ville").fill("Fort-de-France")
    page.get_by_label("Fuseau horaire").select_option("America/Martinique")
    screenshot(page, "accounts-create-business")
    page.get_by_role("button", name="Créer mon entreprise").click()

    expect(page.get_by_role("heading", level=1, name="Boulangerie Ti Pain")).to_be_visible()
    business = Business.objects.get(name="Boulangerie Ti Pain")
    assert page.url == f"{page.base}/e/{business.public_id}/"
    assert business.timezone == "America/Martinique" and business.trade == Trade.BAKERY
    owner = Membership.objects.get(business=business)
    assert owner.user.email == "marie@ti-pain.test" and owner.role == Role.OWNER
    expect(page.get_by_role("heading", name="Prochaine étape")).to_be_visible()
    expect(page.get_by_role("link", name="Faire l’état des lieux")).to_have_attribute(
        "href", f"/e/{business.public_id}/etat-des-lieux/"
    )
    expect(page.get_by_text("Martinique (America/Martinique)")).to_be_visible()
    screenshot(page, "accounts-dashboard")


def test_cashier_lands_on_the_till_and_is_politely_refused_the_dashboard(phone, transactional_db):
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

    log_in(phone, cashier.email)
    phone.wait_for_url(f"**/e/{business.public_id}/caisse/**")
    expect(phone.get_by_role("heading", name="Un client a un code")).to_be_visible()

    response = phone.goto(f"{phone.base}/e/{business.public_id}/")
    assert response is not None and response.status == 403
    expect(
        phone.get_by_role("heading", name="Cette page ne fait pas partie de votre rôle")
    ).to_be_visible()
    expect(phone.get_by_text("Prochaine étape")).to_have_count(0)
    screenshot(phone, "accounts-cashier-refused")
