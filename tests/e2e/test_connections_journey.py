"""The owner on a phone looks after the business's connected accounts: a LinkedIn access ending
soon is flagged with its date and a reconnect button, a network the installer has not set up
explains what is missing, and a Facebook Page is disconnected (htmx, without leaving the page)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import Role
from essayons.connectors.models import Connection, ConnectionStatus
from tests.e2e.conftest import log_in, screenshot


def _business_with_connections(settings):
    settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET = "1234567890", "APP-SECRET-VALUE"
    settings.GOOGLE_CLIENT_ID = settings.GOOGLE_CLIENT_SECRET = ""
    settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "86abc", "LI-SECRET"
    business = Business.objects.create(
        name="Boulangerie Ti Pain",
        trade=Trade.BAKERY,
        town="Fort-de-France",
        timezone="America/Martinique",
    )
    owner = User.objects.create_user(
        email="patronne@ti-pain.test", password="correct horse battery", display_name="Léa"
    )
    Membership.objects.create(user=owner, business=business, role=Role.OWNER)
    for kind, account, name, credentials, expires in [
        (
            "facebook",
            "546349135390552",
            "Ti Pain sur Facebook",
            {"page_token": "PAGE-TOKEN-E2E"},
            None,
        ),
        (
            "linkedin",
            "urn:li:organization:2414183",
            "Ti Pain SARL",
            {"access_token": "LI-TOKEN-E2E"},
            timezone.now() + timedelta(days=4),
        ),
    ]:
        connection = Connection(
            business=business, kind=kind, account_id=account, account_name=name, expires_at=expires
        )
        connection.credentials = credentials
        connection.save()
    return business, owner


def test_owner_sees_health_and_disconnects_a_page(phone, settings, transactional_db):
    business, _owner = _business_with_connections(settings)
    log_in(phone, "patronne@ti-pain.test")
    phone.goto(f"{phone.base}/e/{business.public_id}/connexions/")
    expect(phone.get_by_role("heading", name="Comptes connectés")).to_be_visible()

    linkedin = phone.locator(".card", has_text="Ti Pain SARL")
    expect(linkedin.get_by_text("À reconnecter")).to_be_visible()
    expect(linkedin.get_by_text("L’accès prend fin le")).to_be_visible()
    expect(linkedin.get_by_role("button", name="Reconnecter")).to_be_visible()
    expect(phone.locator("#network-google")).to_contain_text("GOOGLE_CLIENT_ID")
    expect(phone.get_by_role("button", name="Connecter Page Facebook")).to_be_visible()
    assert "PAGE-TOKEN-E2E" not in phone.content() and "LI-TOKEN-E2E" not in phone.content()
    screenshot(phone, "connections-phone")

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.locator(".card", has_text="Ti Pain sur Facebook").get_by_role(
        "button", name="Déconnecter"
    ).click()
    expect(phone.locator(".card", has_text="Ti Pain sur Facebook")).to_have_count(0)
    facebook = Connection.objects.get(kind="facebook")
    assert facebook.status == ConnectionStatus.DISABLED and facebook.credentials == {}
    screenshot(phone, "connections-after-disconnect")
