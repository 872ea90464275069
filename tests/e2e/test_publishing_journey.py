"""The owner connects a Mastodon account, schedules a post, the worker publishes it once, and
the post's page shows it published with its link; later the token is revoked and the next
post shows the reconnect message with its button.

The far side is a real Mastodon API peer: `mastodon-mock` (a stateful server, started here on
127.0.0.1), reached by Essayons's own Mastodon connector through lib/http (loopback allowed
for this test only). The OAuth consent happens on the peer's own page, in the browser. The
scheduler's tick and the worker run in this process (immediate task backend), with the
engine's clock moved past the post's time.
"""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from essayons.accounts.models import Business, Membership, Notification, Trade, User
from essayons.accounts.roles import Role
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.lib.http import allow_loopback
from essayons.planner.models import Post, PostStatus
from essayons.publishing import clock
from essayons.publishing.models import Delivery, DeliveryStatus
from essayons.publishing.services import publishing_tick
from tests.e2e.conftest import log_in, screenshot


@pytest.fixture
def mastodon_peer():
    try:
        from mastodon_mock.testing.server import MockServer
    except ImportError:
        if os.environ.get("ESSAYONS_REQUIRE_SERVICES") == "1":
            pytest.fail("mastodon-mock is required here (pip install -r requirements-dev.txt)")
        pytest.skip("mastodon-mock is not installed (pip install -r requirements-dev.txt)")
    with MockServer() as server, allow_loopback():
        yield server


def peer_call(peer, method: str, path: str, token: str | None = None):
    request = urllib.request.Request(f"{peer.base_url}{path}", method=method)  # noqa: S310
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback peer)
        return json.loads(answer.read() or b"null")


def schedule_in_composer(page, base: str, text: str, when) -> Post:
    page.goto(f"{base}/publications/nouvelle/")
    page.get_by_label("Texte").fill(text)
    for box in page.locator('input[name="channels"]').all():
        box.set_checked(box.get_attribute("value") == "mastodon")
    page.get_by_label("Jour").fill(when.date().isoformat())
    page.get_by_label("Heure").fill(when.strftime("%H:%M"))
    page.get_by_role("button", name="Programmer", exact=True).click()
    expect(page.get_by_text("Programmée : elle attendra son heure.")).to_be_visible()
    return Post.objects.get(text=text)


def run_worker_at(moment) -> None:
    """The scheduler's tick and the worker, as they would run at `moment`."""
    clock.now = lambda: moment  # type: ignore[assignment]
    publishing_tick()


def test_connect_schedule_publish_then_reconnect(
    page, mastodon_peer, settings, live_server, monkeypatch
):
    settings.SITE_URL = live_server.url  # the OAuth callback comes back to this server
    settings.PUBLISH_THREADS = 1
    monkeypatch.setattr(clock, "now", clock.now)
    business = Business.objects.create(
        name="Boulangerie Ti Pain",
        trade=Trade.BAKERY,
        town="Fort-de-France",
        timezone="America/Martinique",
    )
    owner = User.objects.create_user(
        email="lea@ti-pain.test", password="correct horse battery", display_name="Léa"
    )
    Membership.objects.create(user=owner, business=business, role=Role.OWNER)
    base = f"{page.base}/e/{business.public_id}"

    # Connect: the instance's address, then consent on the instance's own page.
    log_in(page, "lea@ti-pain.test")
    page.wait_for_url(lambda url: "connexion" not in url)
    page.goto(f"{base}/connexions/")
    page.get_by_role("link", name="Connecter Mastodon").or_(
        page.get_by_role("button", name="Connecter Mastodon")
    ).first.click()
    page.get_by_label("Votre serveur Mastodon").fill(mastodon_peer.base_url)
    page.locator('main form button[type="submit"]').first.click()
    page.get_by_role("button", name="(@alice)").click()
    expect(page.get_by_text("@alice").first).to_be_visible()
    connection = Connection.objects.get(business=business, kind="mastodon")
    assert connection.status == ConnectionStatus.ACTIVE
    screenshot(page, "publishing-connected")

    # Schedule a post for tomorrow noon, local time.
    local = ZoneInfo(business.timezone)
    noon = (timezone.now().astimezone(local) + timedelta(days=1)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    text = "La fournée de midi sort du four : pain au beurre encore tiède 🥖 Passez nous voir !"
    post = schedule_in_composer(page, base, text, noon)
    assert post.status == PostStatus.SCHEDULED

    # Before its time nothing goes; at its time the worker publishes it, once.
    run_worker_at(post.scheduled_at - timedelta(minutes=5))
    assert Delivery.objects.get(post=post).status == DeliveryStatus.SCHEDULED
    run_worker_at(post.scheduled_at + timedelta(seconds=3))
    run_worker_at(post.scheduled_at + timedelta(seconds=8))
    delivery = Delivery.objects.get(post=post)
    assert delivery.status == DeliveryStatus.PUBLISHED
    statuses = peer_call(mastodon_peer, "GET", "/api/v1/accounts/verify_credentials", "alice_token")
    mine = peer_call(
        mastodon_peer, "GET", f"/api/v1/accounts/{statuses['id']}/statuses", "alice_token"
    )
    assert [s["id"] for s in mine if "pain au beurre" in s["content"]] == [delivery.remote_id]

    page.goto(f"{base}/publications/{post.pk}/diffusion/")
    row = page.locator('li.delivery[data-channel="mastodon"]')
    expect(row).to_contain_text("Publiée")
    link = row.get_by_role("link", name="La voir en ligne")
    expect(link).to_have_attribute("href", delivery.remote_url)
    screenshot(page, "publishing-published")
    day = noon.date().isoformat()
    page.goto(f"{base}/calendrier/semaine/?week={day}")
    expect(page.locator(f'a.chip[href$="/publications/{post.pk}/"]')).to_contain_text("Publiée")

    # The instance revokes the token: the next post stops there and says what to do.
    peer_call(mastodon_peer, "POST", "/api/v1/_mock/reset")  # tokens and statuses are gone
    later = schedule_in_composer(
        page, base, "Demain : galettes au beurre salé, sur commande.", noon + timedelta(hours=2)
    )
    run_worker_at(later.scheduled_at + timedelta(seconds=3))
    assert Delivery.objects.get(post=later).status == DeliveryStatus.NEEDS_RECONNECT
    assert Connection.objects.get(pk=connection.pk).status == ConnectionStatus.NEEDS_RECONNECT
    assert Notification.objects.filter(user=owner, text__contains="Reconnectez").exists()

    page.goto(f"{base}/publications/{later.pk}/diffusion/")
    row = page.locator('li.delivery[data-channel="mastodon"]')
    expect(row).to_contain_text("Reconnectez votre page ou votre compte")
    button = row.get_by_role("link", name="Reconnecter le compte")
    expect(button).to_have_attribute("href", f"/e/{business.public_id}/connexions/")
    screenshot(page, "publishing-reconnect")
    button.click()
    expect(page).to_have_url(f"{base}/connexions/")
