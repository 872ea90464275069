"""The scheduler's tick: planning sweep, queue, leases, late alerts, heartbeats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from essayons.accounts.models import Notification
from essayons.connectors.errors import Transient
from essayons.connectors.models import ConnectionStatus
from essayons.planner.models import Post, PostStatus
from essayons.publishing import conf
from essayons.publishing.models import Delivery, DeliveryStatus, Heartbeat
from essayons.publishing.queries import health_of
from essayons.publishing.services import deliveries_plan, publishing_tick
from essayons.publishing.services.tick import deliveries_queue_due, deliveries_requeue_lost
from essayons.publishing.tests.conftest import START, connect, only, schedule
from essayons.publishing.tests.fakes import fails

S = DeliveryStatus
pytestmark = pytest.mark.django_db


def test_the_sweep_plans_a_scheduled_post_nobody_planned(clock, network, tick, business):
    connect(business)
    post = Post.objects.create(
        business=business,
        status=PostStatus.SCHEDULED,
        text="Oublié ?",
        channels=["mastodon", "bluesky", "email"],
        scheduled_at=START + timedelta(hours=1),
    )
    tick()
    assert sorted(post.deliveries.values_list("channel", flat=True)) == ["bluesky", "mastodon"]
    assert only(post).connection is not None and only(post, "bluesky").connection is None

    clock.now = post.scheduled_at
    tick()
    assert only(post).status == S.PUBLISHED


def test_the_sweep_cancels_what_a_taken_back_post_left_behind(clock, tick, business):
    post = schedule(business)
    Post.objects.filter(pk=post.pk).update(deleted_at=START, version=post.version + 1)
    tick()
    assert only(post).status == S.CANCELLED


def test_planning_follows_the_post_and_keeps_the_key_until_a_failure(clock, business):
    connect(business)
    post = schedule(business, channels=["mastodon", "linkedin"])
    key = only(post).attempt_key
    assert only(post, "linkedin").connection is None

    post.channels = ["mastodon", "facebook"]
    post.scheduled_at += timedelta(hours=2)
    post.version += 1
    post.save()
    deliveries_plan(post=post)
    assert only(post).attempt_key == key and only(post).due_at == post.scheduled_at
    assert only(post, "linkedin").status == S.CANCELLED
    assert only(post, "facebook").status == S.SCHEDULED

    Delivery.objects.filter(post=post, channel="mastodon").update(status=S.FAILED)
    post.version += 1
    post.save()
    deliveries_plan(post=post)
    assert only(post).status == S.SCHEDULED and only(post).attempt_key != key

    Delivery.objects.filter(post=post, channel="mastodon").update(status=S.PUBLISHED)
    post.version += 1
    post.save()
    deliveries_plan(post=post)
    assert only(post).status == S.PUBLISHED  # never touched again


def test_a_queued_delivery_is_handed_out_once_even_by_two_schedulers(clock, business):
    post = schedule(business)
    clock.now = post.scheduled_at
    assert deliveries_queue_due(clock.now) == 1
    assert deliveries_queue_due(clock.now) == 0
    assert only(post).status == S.PENDING


def test_a_queued_delivery_whose_task_was_lost_is_queued_again(clock, business):
    post = schedule(business)
    clock.now = post.scheduled_at
    deliveries_queue_due(clock.now)
    assert deliveries_requeue_lost(clock.now) == 0
    clock.now += conf.queue_lease() + timedelta(seconds=1)
    assert deliveries_requeue_lost(clock.now) == 1


def test_a_late_delivery_raises_one_alert_at_once_even_without_a_worker(
    clock, network, business, owner, settings
):
    """No worker takes the queue (its tasks never run here): the scheduler alone alerts,
    and its e-mail leaves at once rather than through the stalled queue."""
    settings.PUBLISH_LATE_ALERT_MINUTES = 10
    connect(business)
    post = schedule(business)
    for minutes in (0, 5, 10):
        clock.now = post.scheduled_at + timedelta(minutes=minutes)
        publishing_tick()
    assert only(post).status == S.PENDING
    assert not Notification.objects.filter(user=owner).exists()

    clock.now = post.scheduled_at + timedelta(minutes=10, seconds=1)
    publishing_tick()
    clock.advance(minutes=30)
    publishing_tick()

    [note] = Notification.objects.filter(user=owner)
    assert "La publication prévue à 12:00 sur Mastodon n’est pas encore partie." in note.text
    assert note.url == f"/e/{business.public_id}/a-la-main/{only(post).pk}/"
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert network.calls == []


def test_retries_pushing_a_delivery_late_tell_the_owner_once_when_it_goes(
    clock, network, tick, business, owner
):
    connect(business)
    network.steps = [fails(Transient("503", code="503"))]
    post = schedule(business)
    clock.now = post.scheduled_at
    tick()  # tries again in 1 minute, then 5 (still under 10), then 15: late
    for _ in range(4):
        clock.now = only(post).next_try_at
        tick()
    notes = list(Notification.objects.filter(user=owner))
    texts = [n.text for n in notes]
    assert len(notes) == 2, texts  # "retries at HH:MM" once, then "gave up"
    assert (
        "Rien à faire : Essayons réessaie à 12:21." in texts[1]
        or "Rien à faire : Essayons réessaie à 12:21." in texts[0]
    )
    assert any("même après plusieurs essais" in t for t in texts)


def test_a_delivery_waiting_for_the_owner_does_not_raise_late_alerts(clock, tick, business, owner):
    post = schedule(business, channels=["linkedin"])
    clock.now = post.scheduled_at
    tick()
    clock.advance(hours=2)
    tick()
    assert Notification.objects.filter(user=owner).count() == 1  # the hand-over itself


def test_a_stuck_delivery_is_visible_on_the_health_page_data(clock, business):
    post = schedule(business)
    Delivery.objects.filter(post=post).update(status=S.SENDING, claimed_at=START, claimed_by="w")
    clock.now = START + conf.lease() + timedelta(seconds=5)
    health = health_of(business)
    assert [d.pk for d in health.stuck] == [only(post).pk]
    assert not health.ok


def test_heartbeats_of_scheduler_and_worker(clock, tick, business):
    tick()
    assert Heartbeat.objects.get(name="scheduler").last_seen_at == START
    assert Heartbeat.objects.get(name="worker").last_seen_at == START  # the ping task ran
    health = health_of(business)
    assert health.scheduler.alive and health.worker.alive

    clock.advance(minutes=10)
    health = health_of(business)
    assert not health.scheduler.alive and not health.worker.alive


def test_a_reconnected_account_resumes_its_deliveries(clock, network, tick, business):
    connection = connect(business, status=ConnectionStatus.NEEDS_RECONNECT)
    post = schedule(business)
    clock.now = post.scheduled_at
    tick()
    assert only(post).status == S.NEEDS_RECONNECT
    assert network.calls == []

    connection.status = ConnectionStatus.ACTIVE
    connection.save()
    tick()
    tick()
    assert only(post).status == S.PUBLISHED


def test_the_scheduler_command_runs_one_tick(clock, business, django_capture_on_commit_callbacks):
    post = schedule(business)
    clock.now = post.scheduled_at
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduler", "--once")
    assert only(post).status == S.MANUAL_PENDING
    assert Heartbeat.objects.filter(name="scheduler").exists()
