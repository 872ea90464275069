"""CONTRACTS.md §4, the cases that concern publishing, at the engine level.

Each test names its case and fails if the protection it checks is removed (a blind retry
after an unknown outcome, a claim that is not conditional, a rate limit that is not per
account…). Case 5 with real racing processes and case 1 with a real SIGKILL are in
test_processes.py; the networks' own halves (Mastodon's key within the hour, Bluesky's
getRecord, Instagram's container) are in each connector's tests.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection as db

from essayons.accounts.models import Notification
from essayons.connectors.base import Limits
from essayons.connectors.errors import AuthExpired, RateLimited, Rejected, UnknownOutcome
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.registry import CONNECTORS
from essayons.lib import http
from essayons.planner.models import PostStatus
from essayons.publishing import conf, keys
from essayons.publishing.content import content_check
from essayons.publishing.forms import PostedLinkForm
from essayons.publishing.models import AttemptOutcome, Delivery, DeliveryStatus
from essayons.publishing.services import send as send_module
from essayons.publishing.services import state as state_module
from essayons.publishing.tests.conftest import START, TOKEN, connect, only, schedule
from essayons.publishing.tests.fakenet import FakeNet, FakeNetConnector, stats
from essayons.publishing.tests.fakes import Killed, connector_class, creates_then, fails, ok

S = DeliveryStatus
OUT = AttemptOutcome
pytestmark = pytest.mark.django_db
SPECS = Path("/work/shared/specs/atproto/interop-test-files/syntax")
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def due(clock, post):
    clock.now = post.scheduled_at + timedelta(seconds=1)


def after_lease(clock, settings):
    clock.advance(seconds=settings.PUBLISH_LEASE_SECONDS + 1)


@pytest.fixture(autouse=True)
def _short_lease(settings):
    settings.PUBLISH_LEASE_SECONDS = 600


# --- Case 1: worker crash after remote success ------------------------------------------------


def test_case_01_killed_after_the_network_said_yes_is_reconciled_never_resent(
    clock, network, tick, business, settings
):
    connect(business)
    network.steps = [creates_then(Killed()), ok]
    post = schedule(business)
    due(clock, post)

    tick()  # the worker "dies" between the network's answer and our commit
    delivery = only(post)
    assert delivery.status == S.SENDING
    assert network.creates == 1

    tick()  # before the lease runs out, nobody touches it
    assert only(post).status == S.SENDING

    after_lease(clock, settings)
    tick()  # restart: the lease makes it unknown, reconciliation finds it

    delivery = only(post)
    assert delivery.status == S.PUBLISHED
    assert delivery.remote_id == network.posts[delivery.attempt_key][0]
    assert network.creates == 1
    assert network.verbs() == ["publish", "find"]
    assert [a.outcome for a in delivery.attempts.all()] == [OUT.LOST, OUT.FOUND]


def test_case_01_killed_inside_the_commit_itself_rolls_back_and_reconciles(
    clock, network, tick, business, settings, monkeypatch
):
    connect(business)
    post = schedule(business)
    real_sync = state_module.posts_sync

    def dies_while_committing(posts):
        if Delivery.objects.filter(post__in=posts, status=S.PUBLISHED).exists():
            raise Killed
        real_sync(posts)

    monkeypatch.setattr(state_module, "posts_sync", dies_while_committing)
    due(clock, post)
    tick()
    assert only(post).status == S.SENDING  # the transaction that said "published" never was

    monkeypatch.setattr(state_module, "posts_sync", real_sync)
    after_lease(clock, settings)
    tick()
    assert only(post).status == S.PUBLISHED
    assert network.creates == 1 and network.verbs() == ["publish", "find"]


def test_case_01_killed_before_the_claim_commits_leaves_it_queued_then_sent_once(
    clock, network, tick, business, monkeypatch
):
    connect(business)
    post = schedule(business)
    real = send_module.outgoings_for

    def dies(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(send_module, "outgoings_for", dies)
    due(clock, post)
    tick()
    assert only(post).status == S.PENDING and network.calls == []
    assert not only(post).attempts.exists()

    monkeypatch.setattr(send_module, "outgoings_for", real)
    tick()
    assert network.calls == []  # still queued: its task is presumed running until the queue lease
    clock.now += conf.queue_lease() + timedelta(seconds=1)
    tick()
    assert only(post).status == S.PUBLISHED
    assert network.verbs() == ["publish"]  # nothing was sent before: no reconciliation needed


def test_case_01_killed_while_checking_is_checked_again_after_the_lease(
    clock, network, tick, business, settings
):
    connect(business)
    network.steps = [fails(UnknownOutcome("timeout", code="no_answer"))]
    network.find_steps = [fails(Killed()), lambda net, post: None]
    post = schedule(business)
    due(clock, post)
    tick()
    clock.advance(minutes=1)
    tick()  # dies inside find_published: claimed, a read only
    assert only(post).status == S.CLAIMED

    network.steps = [ok]
    after_lease(clock, settings)
    tick()
    delivery = only(post)
    assert delivery.status == S.PUBLISHED
    assert network.verbs() == ["publish", "find", "find", "publish"]
    assert network.creates == 1


# --- Case 2: ambiguous 5xx with a side effect (Facebook code 2) --------------------------------


def test_case_02_an_ambiguous_error_after_a_create_is_found_not_resent(
    clock, network, tick, business
):
    connect(business)
    network.steps = [creates_then(UnknownOutcome("An unexpected error has occurred", code="2")), ok]
    post = schedule(business)
    due(clock, post)
    tick()
    clock.advance(minutes=1)
    tick()
    tick()

    assert only(post).status == S.PUBLISHED
    assert network.verbs() == ["publish", "find"]
    assert network.creates == 1


# --- Case 3: a retry reuses the key ----------------------------------------------------------


def test_case_03_the_retry_carries_the_same_key_and_looks_first_even_hours_later(
    clock, network, tick, business
):
    connect(business)
    network.steps = [fails(UnknownOutcome("timed out", code="no_answer")), ok]
    post = schedule(business)
    due(clock, post)
    tick()
    clock.advance(hours=2)  # well past Mastodon's one hour of idempotency
    tick()

    assert network.verbs() == ["publish", "find", "publish"]
    keys_sent = [key for verb, key, _c in network.calls if verb == "publish"]
    assert keys_sent == [only(post).attempt_key] * 2
    assert network.creates == 1


# --- Case 4: Bluesky's record key chosen once ------------------------------------------------


def examples(name: str) -> list[str]:
    """The lines of an AT Protocol interop file, comments left out."""
    lines = (SPECS / name).read_text().splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_case_04_the_attempt_key_is_a_valid_tid_chosen_before_the_first_try():
    valid, invalid = (examples(name) for name in ("tid_syntax_valid.txt", "tid_syntax_invalid.txt"))
    assert valid and invalid
    assert all(TID.match(v) for v in valid)
    assert not any(TID.match(v) for v in invalid)
    made = [keys.attempt_key_new() for _ in range(2000)]
    assert all(TID.match(k) for k in made)
    assert len(set(made)) == len(made) and made == sorted(made)


def test_case_04_a_lost_answer_is_found_under_the_same_record_key(
    clock, other_network, tick, business
):
    connect(business, kind="bluesky")
    other_network.steps = [creates_then(UnknownOutcome("InternalServerError", code="500")), ok]
    post = schedule(business, channels=["bluesky"])
    key = only(post, "bluesky").attempt_key
    due(clock, post)
    tick()
    clock.advance(minutes=1)
    tick()

    delivery = only(post, "bluesky")
    assert delivery.status == S.PUBLISHED and delivery.attempt_key == key
    assert other_network.posts == {key: [delivery.remote_id]}  # listRecords would say 1


# --- Case 6: a revoked token stops that account only ------------------------------------------


def test_case_06_a_revoked_token_stops_one_account_tells_its_owner_and_spares_others(
    clock, network, tick, business, owner, other_business, outsider
):
    mine = connect(business)
    theirs = connect(other_business)
    network.steps = [fails(AuthExpired("Error validating access token", code="190")), ok]
    first = schedule(business, text="un")
    second = schedule(business, text="deux", at=first.scheduled_at + timedelta(minutes=30))
    elsewhere = schedule(other_business, text="ailleurs")
    due(clock, first)
    tick()

    mine.refresh_from_db()
    assert mine.status == ConnectionStatus.NEEDS_RECONNECT and mine.last_error_code == "190"
    assert only(first).status == S.NEEDS_RECONNECT
    assert only(second).status == S.NEEDS_RECONNECT  # not even tried
    assert only(elsewhere).status == S.PUBLISHED
    clock.advance(hours=3)
    tick()
    tick()
    assert [c for v, k, c in network.calls if c == mine.pk] == [mine.pk]  # no retries
    assert Connection.objects.get(pk=theirs.pk).status == ConnectionStatus.ACTIVE

    [note] = Notification.objects.filter(user=owner)
    assert "Reconnectez votre page ou votre compte" in note.text
    assert note.url == f"/e/{business.public_id}/connexions/"
    assert not Notification.objects.filter(user=outsider).exists()
    assert [m.to for m in mail.outbox] == [[owner.email]]

    Connection.objects.filter(pk=mine.pk).update(status=ConnectionStatus.ACTIVE)  # reconnected
    tick()
    assert only(first).status == S.PUBLISHED and only(second).status == S.PUBLISHED


# --- Case 7: rate limits, per account, deferred until the reset, no hot loop ------------------


def test_case_07_a_rate_limit_defers_that_account_until_the_reset_without_a_hot_loop(
    clock, network, tick, business, other_business
):
    mine = connect(business)
    connect(other_business)
    reset = START + timedelta(hours=1, minutes=20)
    network.steps = [fails(RateLimited("429", retry_at=reset, code="429")), ok]
    posts = [schedule(business, text=f"p{n}") for n in range(3)]
    elsewhere = schedule(other_business, text="ailleurs")
    due(clock, posts[0])
    tick()

    mine.refresh_from_db()
    assert mine.rate_limited_until == reset
    assert {only(p).status for p in posts} == {S.DEFERRED}
    assert {only(p).next_try_at for p in posts} == {reset}
    assert only(elsewhere).status == S.PUBLISHED  # per account, not global
    for _ in range(20):
        clock.advance(seconds=5)
        tick()
    assert [c for v, k, c in network.calls if c == mine.pk] == [mine.pk]

    clock.now = reset
    tick()
    assert {only(p).status for p in posts} == {S.PUBLISHED}


def test_case_07_a_reset_in_the_past_or_missing_never_makes_a_hot_loop(
    clock, network, tick, business
):
    connect(business)
    network.steps = [fails(RateLimited("429", retry_at=START - timedelta(hours=1), code="429")), ok]
    post = schedule(business)
    due(clock, post)
    tick()
    delivery = only(post)
    assert delivery.next_try_at >= clock.now + timedelta(seconds=10)
    clock.advance(seconds=5)
    tick()
    assert network.verbs() == ["publish"]


def test_case_07_headers_missing_is_not_zero_percent_used_at_the_connector():
    """A 429 without a reset header still makes the (HTTP) connector wait, a minute here."""
    from datetime import UTC, datetime

    from essayons.connectors.base import Outgoing

    account = Connection(kind="mastodon", instance_url="https://social.example", account_id="a")
    account.credentials = {"access_token": "acct"}
    answer = http.FakeTransport(http.Response.of_json({}, status=429))
    with http.use_transport(answer), pytest.raises(RateLimited) as limited:
        FakeNetConnector(account).publish(Outgoing(text="deux", attempt_key="k2"))
    assert answer.last.headers["Idempotency-Key"] == "k2"
    assert limited.value.retry_at >= datetime.now(tz=UTC) + timedelta(seconds=50)


# --- Case 8: a publishing quota defers, never fails ---------------------------------------------


def test_case_08_a_quota_reached_defers_and_says_when_in_local_time(
    clock, network, tick, business, owner
):
    connect(business)
    reset = START + timedelta(hours=6, minutes=5)  # 17:05 in Martinique
    network.steps = [fails(RateLimited("50/50 posts", retry_at=reset, code="quota")), ok]
    post = schedule(business)
    due(clock, post)
    tick()

    delivery = only(post)
    assert delivery.status == S.DEFERRED and delivery.next_try_at == reset
    [note] = Notification.objects.filter(user=owner)
    assert "la limite est atteinte" in note.text
    assert "Rien à faire : elle partira à 17:05." in note.text
    clock.now = reset
    tick()
    assert only(post).status == S.PUBLISHED


# --- Case 9: content limits refused before the due time, never half-published -----------------


def test_case_09_limits_are_refused_in_french_before_the_due_time(monkeypatch, business, clock):
    monkeypatch.setitem(
        CONNECTORS,
        "facebook",
        type(
            "FB",
            (connector_class("facebook", None),),
            {"limits": Limits(max_length=63206, max_images=10, min_lead_minutes=10)},
        ),
    )
    connect(business, kind="facebook")
    mastodon = connect(business, kind="mastodon")
    mastodon.limits = {"max_length": 100, "max_images": 4, "url_length": 23}
    mastodon.save()
    monkeypatch.setitem(CONNECTORS, "mastodon", connector_class("mastodon", None))

    def codes(**kwargs):
        found = content_check(business=business, **kwargs)
        return {(p.channel, p.code) for p in found}

    assert codes(text="🙂" * 301, image_count=0, channels=["bluesky"]) == {
        ("bluesky", "text_too_long")
    }
    assert ("bluesky", "text_too_heavy") in codes(
        text="👨‍👩‍👧" * 300, image_count=0, channels=["bluesky"]
    )
    assert codes(text="x" * 101, image_count=0, channels=["mastodon"]) == {
        ("mastodon", "text_too_long")
    }
    assert codes(text="ok", image_count=5, channels=["mastodon"]) == {
        ("mastodon", "too_many_images")
    }
    soon = clock.now + timedelta(minutes=9)
    assert codes(text="ok", image_count=0, channels=["facebook"], scheduled_at=soon) == {
        ("facebook", "too_soon")
    }
    assert (
        codes(
            text="ok",
            image_count=0,
            channels=["facebook"],
            scheduled_at=soon + timedelta(minutes=2),
        )
        == set()
    )
    [problem] = content_check(
        business=business, text="x" * 101, image_count=0, channels=["mastodon"]
    )
    assert (
        problem.message == "101 caractères pour 100 au plus sur votre compte : raccourcissez de 1."
    )


def test_case_09_a_refusal_on_one_network_holds_back_every_network(
    clock, network, other_network, tick, business
):
    connect(business, kind="mastodon")
    connect(business, kind="bluesky")
    post = schedule(business, channels=["mastodon", "bluesky"], text="👨‍👩‍👧" * 300)
    due(clock, post)
    tick()
    assert network.calls == [] and other_network.calls == []
    assert {d.status for d in post.deliveries.all()} == {S.FAILED}


# --- Case 10: non-ASCII text reaches the connector byte for byte -----------------------------


def test_case_10_emoji_and_accents_reach_the_connector_untouched(
    clock, other_network, tick, business
):
    connect(business, kind="bluesky")
    text = "Fête 🎉 à Fort-de-France : https://ti-pain.example/fête"
    post = schedule(business, channels=["bluesky"], text=text)
    due(clock, post)
    tick()
    [sent] = other_network.seen
    assert sent.text.encode("utf-8") == text.encode("utf-8")
    assert (
        content_check(business=business, text="👨‍👩‍👧" * 300, image_count=0, channels=["bluesky"])[
            0
        ].code
        == "text_too_heavy"
    )


# --- Case 16: SSRF ------------------------------------------------------------------------------


def test_case_16_an_account_pointing_at_a_private_address_is_refused_before_any_socket(
    clock, monkeypatch, tick, business, owner
):
    monkeypatch.setitem(CONNECTORS, "mastodon", FakeNetConnector)
    # The loopback switch is process-wide for tests; make sure no earlier test left it on.
    monkeypatch.setattr(http, "_loopback_allowed", False)
    with FakeNet(latency=0) as net:
        connect(business, instance_url=net.url)  # 127.0.0.1, without allow_loopback
        post = schedule(business)
        due(clock, post)
        tick()
        seen = stats(net.url)
    delivery = only(post)
    assert seen["creates"] == 0 and seen.get("received", 0) == 0
    assert delivery.status == S.FAILED and delivery.last_message_key == "blocked_url"
    assert "pas une adresse publique" in Notification.objects.get(user=owner).text


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.org/post",
        "https://",
    ],
)
def test_case_16_a_link_given_by_hand_must_be_a_web_address(url):
    form = PostedLinkForm({"url": url})
    assert not form.is_valid()
    assert "url" in form.errors


# --- Case 20: secrets never in logs, pages, attempts or e-mails -------------------------------


def test_case_20_a_token_in_an_error_never_reaches_records_notes_mails_or_logs(
    clock, network, tick, business, owner, caplog
):
    caplog.set_level(logging.DEBUG)
    connect(business)
    network.steps = [fails(Rejected(f"bad request for access_token={TOKEN}", code="100"))]
    post = schedule(business)
    due(clock, post)
    tick()

    delivery = only(post)
    assert delivery.status == S.FAILED
    places = [
        delivery.last_error_detail,
        *[a.detail for a in delivery.attempts.all()],
        *[n.text for n in Notification.objects.all()],
        *[f"{m.subject} {m.body}" for m in mail.outbox],
        caplog.text,
    ]
    assert "access_token=***" in delivery.last_error_detail
    assert all(TOKEN not in place for place in places)
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials_encrypted FROM connectors_connection")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert TOKEN not in stored


def test_other_tenants_accounts_are_never_used(clock, network, tick, business, other_business):
    theirs = connect(other_business)
    post = schedule(business)
    Delivery.objects.filter(post=post).update(connection=theirs)
    due(clock, post)
    tick()
    assert network.calls == []
    assert only(post).status == S.FAILED
    assert post.business.pk != theirs.business_id
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED
