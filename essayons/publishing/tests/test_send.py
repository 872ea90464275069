"""The engine, one delivery at a time: from due to published, or to the owner told why not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from essayons.accounts.models import Notification
from essayons.connectors.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from essayons.connectors.models import ConnectionStatus
from essayons.planner.models import PostStatus
from essayons.publishing.models import (
    Attempt,
    AttemptKind,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
)
from essayons.publishing.tests.conftest import START, connect, only, schedule
from essayons.publishing.tests.fakes import creates_then, fails, ok

S = DeliveryStatus
OUT = AttemptOutcome
pytestmark = pytest.mark.django_db


def due(clock, post):
    clock.now = post.scheduled_at + timedelta(seconds=1)


def test_a_due_delivery_is_published_once_with_its_remote_id(clock, network, tick, business, owner):
    connect(business)
    post = schedule(business)

    tick()
    assert network.calls == []  # not due yet

    due(clock, post)
    tick()
    tick()

    delivery = only(post)
    assert delivery.status == S.PUBLISHED
    assert delivery.remote_id == network.posts[delivery.attempt_key][0]
    assert delivery.remote_url.startswith("https://fake.example/")
    assert network.verbs() == ["publish"]
    [attempt] = delivery.attempts.all()
    assert (attempt.kind, attempt.outcome, attempt.remote_id) == (
        AttemptKind.PUBLISH,
        OUT.PUBLISHED,
        delivery.remote_id,
    )
    assert attempt.finished_at is not None and attempt.worker_id
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_the_text_reaches_the_network_untouched_with_the_key_fixed_at_planning(
    clock, network, tick, business
):
    connect(business)
    text = "Crème brûlée ✨ à 3 € 👨‍👩‍👧 https://ti-pain.example/menu"
    post = schedule(business, text=text)
    key = only(post).attempt_key

    due(clock, post)
    tick()

    [sent] = network.seen
    assert sent.text.encode() == text.encode()
    assert sent.attempt_key == key


def test_the_permalink_is_checked_once_a_minute_after_publishing(
    clock, network, tick, business, owner
):
    connect(business)
    post = schedule(business)
    due(clock, post)
    tick()
    tick()
    assert "permalink" not in network.verbs()

    clock.advance(minutes=2)
    network.permalink_ok = False
    tick()
    tick()

    delivery = only(post)
    assert network.verbs().count("permalink") == 1
    assert delivery.permalink_ok is False and delivery.permalink_checked_at is not None
    note = Notification.objects.get(user=owner)
    assert "Nous ne retrouvons pas votre publication sur Mastodon" in note.text


def test_without_a_connected_account_the_owner_gets_the_text_to_post_by_hand(
    clock, tick, business, owner, django_capture_on_commit_callbacks
):
    post = schedule(business, channels=["linkedin"], text="Galette des rois : commandez ! <b>")
    delivery = only(post, "linkedin")
    assert delivery.connection is None

    due(clock, post)
    tick()

    delivery.refresh_from_db()
    assert delivery.status == S.MANUAL_PENDING
    assert delivery.attempts.get().outcome == OUT.HANDED_OVER
    note = Notification.objects.get(user=owner)
    assert note.url == f"/e/{business.public_id}/a-la-main/{delivery.pk}/"
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "Galette des rois : commandez ! <b>" in message.body
    assert f"/e/{business.public_id}/a-la-main/{delivery.pk}/" in message.body
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHING  # until the owner says "I posted it"


def test_an_account_connected_after_scheduling_is_used(clock, network, tick, business):
    post = schedule(business)
    assert only(post).connection is None
    connection = connect(business)

    due(clock, post)
    tick()

    delivery = only(post)
    assert delivery.status == S.PUBLISHED
    assert delivery.connection == connection


def test_a_refusal_fails_with_the_reason_in_french_and_an_email(
    clock, network, tick, business, owner
):
    connect(business)
    network.steps = [
        fails(Rejected("Validation failed: Text character limit exceeded", code="422"))
    ]
    post = schedule(business)

    due(clock, post)
    tick()
    tick()

    delivery = only(post)
    assert delivery.status == S.FAILED
    assert (delivery.last_error_class, delivery.last_error_code) == ("Rejected", "422")
    assert network.verbs() == ["publish"]
    note = Notification.objects.get(user=owner)
    assert "Mastodon a refusé cette publication" in note.text
    assert "Validation failed" in note.text
    assert note.url == f"/e/{business.public_id}/publications/{post.pk}/modifier/"
    assert len(mail.outbox) == 1 and "refusé" in mail.outbox[0].body
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED


def test_a_duplicate_is_explained_as_such(clock, network, tick, business, owner):
    connect(business, kind="mastodon")
    network.steps = [fails(Rejected("(#506) Duplicate status message", code="duplicate"))]
    post = schedule(business)
    due(clock, post)
    tick()

    assert only(post).last_message_key == "duplicate"
    assert "identique à une publication récente" in Notification.objects.get(user=owner).text


def test_transient_failures_back_off_then_give_up_and_tell_the_owner(
    clock, network, tick, business, owner, settings
):
    settings.PUBLISH_MAX_ATTEMPTS = 3
    connect(business)
    network.steps = [fails(Transient("502", code="502"))]
    post = schedule(business)
    due(clock, post)

    tick()
    delivery = only(post)
    assert delivery.status == S.DEFERRED
    assert delivery.next_try_at == clock.now + timedelta(minutes=1)
    tick()  # not yet: no hot loop
    assert network.verbs() == ["publish"]

    clock.now = delivery.next_try_at
    tick()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.transient_failures) == (S.DEFERRED, 2)
    assert delivery.next_try_at == clock.now + timedelta(minutes=5)

    clock.now = delivery.next_try_at
    tick()
    delivery.refresh_from_db()
    assert delivery.status == S.FAILED and delivery.last_message_key == "gave_up"
    assert network.verbs() == ["publish"] * 3
    assert "même après plusieurs essais" in Notification.objects.get(user=owner).text


def test_an_owner_retry_sends_a_failed_delivery_again(clock, network, tick, business, owner):
    from essayons.publishing.services import delivery_retry

    connect(business)
    network.steps = [fails(Rejected("nope", code="10")), ok]
    post = schedule(business)
    due(clock, post)
    tick()
    delivery = only(post)
    assert delivery.status == S.FAILED

    delivery_retry(delivery=delivery, user=owner)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHING
    tick()

    delivery.refresh_from_db()
    assert delivery.status == S.PUBLISHED
    assert [a.outcome for a in delivery.attempts.all()] == [
        OUT.REJECTED,
        OUT.RETRIED,
        OUT.PUBLISHED,
    ]
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_an_unknown_outcome_is_reconciled_before_anything_else(clock, network, tick, business):
    connect(business)
    network.steps = [creates_then(UnknownOutcome("timeout", code="timeout")), ok]
    post = schedule(business)
    due(clock, post)

    tick()
    delivery = only(post)
    assert delivery.status == S.UNKNOWN and delivery.needs_reconcile
    tick()  # the network is given time to settle: nothing yet
    assert network.verbs() == ["publish"]

    clock.advance(minutes=1)
    tick()

    delivery.refresh_from_db()
    assert delivery.status == S.PUBLISHED
    assert network.verbs() == ["publish", "find"]
    assert network.creates == 1
    assert delivery.remote_id == network.posts[delivery.attempt_key][0]
    assert [a.outcome for a in delivery.attempts.all()] == [OUT.UNKNOWN, OUT.FOUND]


def test_a_post_surely_not_there_is_sent_again_with_the_same_key(clock, network, tick, business):
    connect(business)
    network.steps = [fails(UnknownOutcome("reset", code="reset")), ok]
    post = schedule(business)
    due(clock, post)
    tick()
    clock.advance(minutes=1)
    tick()

    delivery = only(post)
    assert delivery.status == S.PUBLISHED
    assert network.verbs() == ["publish", "find", "publish"]
    keys = {key for _verb, key, _c in network.calls}
    assert keys == {delivery.attempt_key}
    assert network.creates == 1


def test_when_the_network_cannot_tell_the_owner_decides(clock, network, tick, business, owner):
    connect(business)
    network.steps = [fails(UnknownOutcome("500", code="500"))]
    network.find_steps = [fails(UnknownOutcome("no read permission", code="403"))]
    post = schedule(business)
    due(clock, post)
    tick()
    clock.advance(minutes=1)
    tick()
    clock.advance(hours=5)
    tick()

    delivery = only(post)
    assert delivery.status == S.UNKNOWN and delivery.next_try_at is None
    assert network.verbs() == ["publish", "find"]  # and nothing more, ever, without the owner
    note = Notification.objects.get(user=owner, text__contains="Regardez votre compte")
    assert note.url == f"/e/{business.public_id}/a-la-main/{delivery.pk}/"


def test_a_connector_that_crashes_is_treated_as_maybe_sent(clock, network, tick, business):
    connect(business)
    network.steps = [fails(KeyError("boom"))]
    post = schedule(business)
    due(clock, post)
    tick()

    delivery = only(post)
    assert delivery.status == S.UNKNOWN and delivery.needs_reconcile
    assert delivery.attempts.get().code == "crash"


def test_content_that_breaks_a_rule_holds_back_every_network(
    clock, network, other_network, tick, business, owner
):
    connect(business, kind="mastodon")
    connect(business, kind="bluesky")
    post = schedule(business, channels=["mastodon", "bluesky"], text="é" * 301)

    due(clock, post)
    tick()

    assert network.calls == [] and other_network.calls == []
    assert {d.status for d in post.deliveries.all()} == {S.FAILED}
    assert only(post, "bluesky").last_message_key == "content_limits"
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED
    [note] = Notification.objects.filter(user=owner)
    assert "Bluesky" in note.text and "300" in note.text


def test_a_post_taken_back_before_its_time_is_not_sent(clock, network, tick, business):
    connect(business)
    post = schedule(business)
    post.status = PostStatus.DRAFT
    post.version += 1
    post.save()

    due(clock, post)
    tick()

    assert network.calls == []
    assert only(post).status == S.CANCELLED


def test_a_post_moved_later_goes_at_its_new_time(clock, network, tick, business):
    connect(business)
    post = schedule(business)
    post.scheduled_at += timedelta(hours=2)
    post.version += 1
    post.save()

    due(clock, post)
    clock.now = post.scheduled_at - timedelta(hours=2) + timedelta(seconds=1)
    tick()
    assert network.calls == []
    assert only(post).due_at == post.scheduled_at

    clock.now = post.scheduled_at
    tick()
    assert only(post).status == S.PUBLISHED


def test_attempts_are_recorded_before_the_network_is_called(clock, network, tick, business):
    connect(business)
    post = schedule(business)
    seen: dict[str, object] = {}

    def look(outgoing):
        delivery = only(post)
        seen["status"] = delivery.status
        seen["attempt"] = list(delivery.attempts.values_list("kind", "outcome"))

    network.on_publish = look
    due(clock, post)
    tick()

    assert seen == {"status": S.SENDING, "attempt": [(AttemptKind.PUBLISH, OUT.IN_PROGRESS)]}


def test_a_deleted_account_row_leaves_the_delivery_to_the_owner(
    clock, network, tick, business, owner
):
    connection = connect(business)
    post = schedule(business)
    connection.delete()
    due(clock, post)
    tick()
    assert only(post).status == S.MANUAL_PENDING


def test_a_disconnected_account_hands_the_post_over(clock, network, tick, business, owner):
    connect(business, status=ConnectionStatus.DISABLED)
    post = schedule(business)
    due(clock, post)
    tick()
    assert only(post).status == S.MANUAL_PENDING
    assert network.calls == []


def test_nothing_is_sent_twice_when_the_task_runs_twice(clock, network, business):
    from essayons.publishing.services import delivery_send

    connect(business)
    post = schedule(business)
    delivery = only(post)
    Delivery.objects.filter(pk=delivery.pk).update(status=S.PENDING, next_try_at=START)
    clock.now = post.scheduled_at

    assert delivery_send(delivery_id=delivery.pk) == S.PUBLISHED
    assert delivery_send(delivery_id=delivery.pk) == ""
    assert only(post).status == S.PUBLISHED
    assert network.creates == 1
    assert Attempt.objects.filter(delivery=delivery).count() == 1


def test_rate_limited_or_auth_expired_errors_do_not_spill_to_other_classes(
    clock, network, tick, business
):
    """Sanity: the five classes lead to five different states."""
    connect(business)
    outcomes = {
        RateLimited("slow", retry_at=START + timedelta(hours=3)): S.DEFERRED,
        AuthExpired("401", code="401"): S.NEEDS_RECONNECT,
        Rejected("no", code="422"): S.FAILED,
        Transient("503", code="503"): S.DEFERRED,
        UnknownOutcome("504", code="504"): S.UNKNOWN,
    }
    for error, expected in outcomes.items():
        network.steps = [fails(error)]
        post = schedule(business, text=f"post {expected} {id(error)}")
        due(clock, post)
        tick()
        assert only(post).status == expected, error
        business.connections.update(status=ConnectionStatus.ACTIVE, rate_limited_until=None)


def test_a_batch_is_taken_together_and_each_ends_in_its_own_state(
    clock, network, other_network, business, owner, django_capture_on_commit_callbacks
):
    from essayons.publishing.services.batch import deliveries_send_many
    from essayons.publishing.services.tick import deliveries_queue_due

    connect(business, kind="mastodon")
    connect(business, kind="bluesky")
    network.steps = [ok, fails(Rejected("no", code="422"))]
    fine = schedule(business, channels=["mastodon", "bluesky"], text="ensemble")
    refused = schedule(business, channels=["mastodon"], text="refusée")
    by_hand = schedule(business, channels=["linkedin"], text="à la main")
    taken_back = schedule(business, channels=["bluesky"], text="reprise")
    clock.now = fine.scheduled_at + timedelta(seconds=1)
    deliveries_queue_due(clock.now)
    taken_back.status = PostStatus.DRAFT
    taken_back.save()
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        counts = deliveries_send_many(ids)

    assert counts == {"published": 2, "failed": 1, "manual_pending": 1}
    assert {d.status for d in fine.deliveries.all()} == {S.PUBLISHED}
    assert only(refused).status == S.FAILED
    assert only(by_hand, "linkedin").status == S.MANUAL_PENDING
    assert only(taken_back, "bluesky").status == S.CANCELLED
    fine.refresh_from_db()
    assert fine.status == PostStatus.PUBLISHED
    assert network.creates == 1 and other_network.creates == 1
    assert deliveries_send_many(ids) == {}  # nothing is taken twice
    assert network.creates == 1
