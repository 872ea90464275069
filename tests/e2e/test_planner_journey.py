"""Plan within the hours I have, in a real Chromium: the owner writes the charte, gets a plan
for 2 hours a week and prepares the week; the helper turns a prepared draft into a post and
sends it for approval; the owner approves it from a phone; the calendar shows it scheduled."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import Role
from essayons.brand.models import Charte
from essayons.planner.models import Plan, Post, PostStatus
from tests.e2e.conftest import log_in, screenshot

PASSWORD = "correct horse battery"


def member(business: Business, email: str, role: str, name: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, display_name=name)
    Membership.objects.create(user=user, business=business, role=role)
    return user


@pytest.fixture
def bakery(transactional_db) -> Business:
    return Business.objects.create(
        name="Boulangerie Ti Pain", trade=Trade.BAKERY, town="Fort-de-France",
        timezone="America/Martinique",
    )  # fmt: skip


def test_charte_plan_week_helper_draft_phone_approval_calendar(page, phone, bakery):
    member(bakery, "josiane@tipain.test", Role.OWNER, "Josiane")
    member(bakery, "kevin@tipain.test", Role.HELPER, "Kévin")
    base = f"{page.base}/e/{bakery.public_id}"

    # The owner writes the charte (the worksheet opens prefilled) and prints it.
    log_in(page, "josiane@tipain.test")
    page.wait_for_url(lambda url: "connexion" not in url)
    page.goto(f"{base}/ma-marque/")
    expect(page.get_by_role("heading", name="Ma marque en clair")).to_be_visible()
    expect(page.get_by_label("Ce que nous vendons")).to_have_value(re.compile("Boulangerie"))
    page.get_by_label("Pourquoi les clients nous choisissent").fill(
        "Du pain cuit sur place trois fois par jour"
    )
    page.get_by_label("La preuve").fill("Fournées à 6 h, 11 h et 16 h 30 depuis 1987")
    page.get_by_label("Les mots et les sujets à éviter").fill("pas cher\nindustriel")
    page.get_by_role("button", name="Enregistrer ma charte").click()
    expect(page.get_by_text("Du pain cuit sur place trois fois par jour")).to_be_visible()
    assert Charte.objects.get(business=bakery).avoid_terms == ["pas cher", "industriel"]
    screenshot(page, "planner-charte")

    # The plan for 2 hours a week on Facebook and Google fits, and says so.
    page.goto(f"{base}/plan/")
    page.get_by_label("Les heures par semaine dont vous disposez vraiment").fill("2")
    page.get_by_label("Facebook", exact=True).check()
    page.get_by_label("Fiche Google", exact=True).check()
    with page.expect_response(lambda r: r.url.endswith("/plan/") and r.request.method == "POST"):
        page.get_by_role("button", name="Enregistrer et refaire le plan").click()
    expect(page.get_by_text("Une première proposition")).to_have_count(0)  # the plan is saved
    expect(page.get_by_text("Tout tient")).to_be_visible()
    expect(page.get_by_role("heading", name="Votre semaine en 2 h")).to_be_visible()
    assert Plan.objects.get(business=bakery).hours_per_week == 2
    screenshot(page, "planner-plan")

    # One click prepares next week: a draft with an idea for every planned post.
    page.get_by_role("button", name="Préparer ma semaine").click()
    expect(page.get_by_text(re.compile(r"\d+ brouillons? préparés?"))).to_be_visible()
    drafts = Post.objects.filter(business=bakery, status=PostStatus.DRAFT)
    assert drafts.count() >= 2 and all(post.idea for post in drafts)
    page.get_by_role("button", name="Préparer cette semaine").click()
    expect(
        page.get_by_text("avaient déjà leur brouillon").or_(
            page.get_by_text("avait déjà son brouillon")
        )
    ).to_be_visible()
    assert Post.objects.filter(business=bakery).count() == drafts.count()
    page.context.clear_cookies()

    # The helper opens a prepared draft, writes it, sees the charte's hint, sends it for approval.
    log_in(page, "kevin@tipain.test")
    page.wait_for_url(lambda url: "connexion" not in url)
    draft = (
        Post.objects.filter(business=bakery).exclude(channels__icontains="google").first()
        or drafts.first()
    )
    page.goto(f"{base}/publications/{draft.pk}/modifier/")
    expect(page.get_by_text("Idée :")).to_be_visible()
    page.get_by_label("Texte").fill("Notre pain pas cher sort du four à 11 h.")
    expect(page.locator('[data-hint="avoid_word"]')).to_be_visible()
    expect(page.locator('[data-network="facebook"]')).to_contain_text("/ 63206")
    screenshot(page, "planner-composer-hint")
    page.get_by_label("Texte").fill(
        "La fournée de 11 h sort du four : pain au beurre encore tiède. Passez nous voir !"
    )
    expect(page.locator('[data-hint="avoid_word"]')).to_have_count(0)
    page.get_by_role("button", name="Envoyer pour validation").click()
    expect(page.get_by_text("Envoyée pour validation")).to_be_visible()
    draft.refresh_from_db()
    assert draft.status == PostStatus.AWAITING_APPROVAL

    # The owner approves from the phone in two taps: the post in "needs your attention", then Approve.
    log_in(phone, "josiane@tipain.test")
    phone.wait_for_url(lambda url: "connexion" not in url)
    phone.goto(f"{base}/plan/")
    attention = phone.locator("section.attention")
    expect(attention).to_contain_text("1 publication à valider")
    attention.get_by_role("link", name=re.compile("pain au beurre")).tap()
    phone.get_by_role("button", name="Approuver").tap()
    expect(phone.get_by_text("Approuvée : la publication est programmée.")).to_be_visible()
    draft.refresh_from_db()
    assert draft.status == PostStatus.SCHEDULED
    assert draft.events.filter(action="approved", actor__email="josiane@tipain.test").exists()
    screenshot(phone, "planner-phone-approved")

    # The calendar shows it scheduled.
    local_day = draft.scheduled_at.astimezone(ZoneInfo(bakery.timezone)).date()
    phone.goto(f"{base}/calendrier/semaine/?week={local_day.isoformat()}")
    chip = phone.locator(f'a.chip[href$="/publications/{draft.pk}/"]')
    expect(chip).to_contain_text("Programmée")
    page.goto(f"{base}/calendrier/?month={local_day:%Y-%m}")
    expect(
        page.locator(f'a.chip[href$="/publications/{draft.pk}/"]')
        .or_(page.get_by_text("autres"))
        .first
    ).to_be_visible()
    screenshot(phone, "planner-calendar-scheduled")
    page.goto(f"{base}/calendrier/semaine/?week={local_day.isoformat()}")
    expect(page.locator(f'a.chip[href$="/publications/{draft.pk}/"]')).to_contain_text("Programmée")
    screenshot(page, "planner-week-desktop")
