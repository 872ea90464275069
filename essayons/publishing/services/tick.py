"""One beat of the scheduler loop (`manage.py publish_scheduler`, docs/adr/0005).

Each step is a conditional update or an idempotent plan, so several schedulers may run at
once (one per node) without harm: two that pick the same delivery hand it to the queue twice,
and only one worker's claim succeeds.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import partial

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q

from essayons.connectors.models import ConnectionStatus
from essayons.publishing import clock, conf
from essayons.publishing.models import (
    DUE_STATUSES,
    Attempt,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
    Heartbeat,
)
from essayons.publishing.queries import SCHEDULER, WORKER, late_filter
from essayons.publishing.services.notify import owner_tell
from essayons.publishing.services.plan import deliveries_sweep

log = logging.getLogger(__name__)
S = DeliveryStatus
ROUNDS = 10  # rounds of `tick_limit` deliveries per tick at most; the next tick goes on
ALERT_LIMIT = 200
PERMALINK_LIMIT = 200  # a burst of checks must not crowd the burst of posts


@dataclass
class TickReport:
    released: int = 0
    resumed: int = 0
    planned: int = 0
    queued: int = 0
    requeued: int = 0
    alerted: int = 0
    permalinks: int = 0

    def __bool__(self) -> bool:
        return any(asdict(self).values())


def heartbeat(name: str, now: datetime) -> None:
    """The row the health page reads: this process is alive at `now`."""
    fields = {"last_seen_at": now, "host": socket.gethostname()[:255], "pid": os.getpid()}
    if not Heartbeat.objects.filter(name=name).update(**fields):
        Heartbeat.objects.get_or_create(name=name, defaults=fields)


def deliveries_release_stuck(now: datetime) -> int:
    """Give back what dead workers held: a claim made no call (back to the queue); a send may
    have reached the network (unknown: reconcile first, never a blind retry)."""
    cutoff = now - conf.lease()
    stale = Q(claimed_at__lt=cutoff)
    back = Delivery.objects.filter(stale, status=S.CLAIMED, needs_reconcile=False).update(
        status=S.SCHEDULED, next_try_at=now, version=F("version") + 1
    )
    back += Delivery.objects.filter(stale, status=S.CLAIMED, needs_reconcile=True).update(
        status=S.UNKNOWN, next_try_at=now, version=F("version") + 1
    )
    back += Delivery.objects.filter(stale, status=S.SENDING).update(
        status=S.UNKNOWN,
        needs_reconcile=True,
        transient_failures=F("transient_failures") + 1,
        next_try_at=now,
        last_message_key="unknown_outcome",
        version=F("version") + 1,
    )
    # Their attempts will never finish: say so (an attempt outlives its worker by a lease).
    Attempt.objects.filter(outcome=AttemptOutcome.IN_PROGRESS, started_at__lt=cutoff).update(
        outcome=AttemptOutcome.LOST, finished_at=now
    )
    if back:
        log.warning("%s deliveries given back after their worker stopped answering", back)
    return back


def deliveries_resume(now: datetime) -> int:
    """Deliveries waiting for a reconnection go again once their account works."""
    waiting = Delivery.objects.filter(
        status=S.NEEDS_RECONNECT, connection__status=ConnectionStatus.ACTIVE
    )
    resumed = waiting.filter(needs_reconcile=False).update(
        status=S.SCHEDULED, next_try_at=now, version=F("version") + 1
    )
    return resumed + waiting.filter(needs_reconcile=True).update(
        status=S.UNKNOWN, next_try_at=now, version=F("version") + 1
    )


def _batches(ids: list[int]) -> list[list[int]]:
    size = conf.threads()
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _enqueue(ids: list[int]) -> None:
    from essayons.publishing.tasks import SEND_PRIORITY, deliveries_send, enqueue

    for batch in _batches(ids):
        enqueue(deliveries_send, SEND_PRIORITY, delivery_ids=batch)


def _enqueue_checks(ids: list[int]) -> None:
    from essayons.publishing.tasks import CHECK_PRIORITY, enqueue, permalinks_check

    for batch in _batches(ids):
        enqueue(permalinks_check, CHECK_PRIORITY, delivery_ids=batch)


def _queue_round(now: datetime, limit: int) -> int:
    due = Delivery.objects.filter(status__in=DUE_STATUSES, next_try_at__lte=now).filter(
        Q(connection__isnull=True)
        | Q(connection__rate_limited_until__isnull=True)
        | Q(connection__rate_limited_until__lte=now)
    )
    with transaction.atomic():
        if db_connection.features.has_select_for_update_skip_locked:
            # Several schedulers on PostgreSQL: each takes rows the others are not taking.
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.order_by("next_try_at", "pk").values_list("pk", flat=True)[:limit])
        if not ids:
            return 0
        Delivery.objects.filter(pk__in=ids, status__in=DUE_STATUSES).update(
            status=S.PENDING, queued_at=now, version=F("version") + 1
        )
        transaction.on_commit(partial(_enqueue, ids))
    return len(ids)


def deliveries_queue_due(now: datetime) -> int:
    """Hand every due delivery to the task queue (as `pending`), batch by batch."""
    limit, total = conf.tick_limit(), 0
    for _round in range(ROUNDS):
        queued = _queue_round(now, limit)
        total += queued
        if queued < limit:
            break
    return total


def deliveries_requeue_lost(now: datetime) -> int:
    """A queued delivery no worker claimed for long: its task was lost (a flushed Redis…)."""
    ids = list(
        Delivery.objects.filter(status=S.PENDING, queued_at__lt=now - conf.queue_lease())
        .order_by("queued_at")
        .values_list("pk", flat=True)[: conf.tick_limit()]
    )
    if ids:
        Delivery.objects.filter(pk__in=ids, status=S.PENDING).update(queued_at=now)
        transaction.on_commit(partial(_enqueue, ids))
        log.warning("%s queued deliveries handed to the queue again", len(ids))
    return len(ids)


def deliveries_alert_late(now: datetime) -> int:
    """A delivery late beyond PUBLISH_LATE_ALERT_MINUTES raises one alert: never silence.

    The e-mail leaves at once, not through the task queue: the queue may be the problem.
    """
    late = list(
        Delivery.objects.filter(late_filter(now), alerted_at__isnull=True)
        .select_related("business", "post")
        .order_by("due_at")[:ALERT_LIMIT]
    )
    alerted = 0
    for delivery in late:
        if Delivery.objects.filter(pk=delivery.pk, alerted_at__isnull=True).update(alerted_at=now):
            owner_tell(delivery, "late", time=delivery.due_at, urgent=True)
            alerted += 1
    if alerted:
        log.error("%s deliveries are late by more than %s", alerted, conf.late_alert())
    return alerted


def permalinks_queue(now: datetime) -> int:
    """Published a minute ago: check once that the post is really online."""
    due = Delivery.objects.filter(status=S.PUBLISHED, permalink_check_at__lte=now)
    with transaction.atomic():
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(
            due.order_by("permalink_check_at").values_list("pk", flat=True)[:PERMALINK_LIMIT]
        )
        Delivery.objects.filter(pk__in=ids).update(permalink_check_at=None)
        transaction.on_commit(partial(_enqueue_checks, ids))
    return len(ids)


def worker_ping(now: datetime) -> None:
    """Every minute, a tiny task that proves a worker is taking tasks (health page)."""
    from essayons.publishing.tasks import BEAT_PRIORITY, enqueue, worker_beat

    row = Heartbeat.objects.filter(name=WORKER).first()
    sent = (row.detail or {}).get("ping_sent_at") if row else None
    if sent and now - datetime.fromisoformat(sent) < conf.WORKER_PING_EVERY:
        return
    if row is None:
        Heartbeat.objects.get_or_create(
            name=WORKER, defaults={"last_seen_at": datetime.fromtimestamp(0, tz=now.tzinfo)}
        )
    Heartbeat.objects.filter(name=WORKER).update(detail={"ping_sent_at": now.isoformat()})
    transaction.on_commit(partial(enqueue, worker_beat, BEAT_PRIORITY))


def publishing_tick(now: datetime | None = None) -> TickReport:
    """One beat: heartbeat, give back stuck deliveries, plan, queue what is due, alert."""
    now = now or clock.now()
    heartbeat(SCHEDULER, now)
    report = TickReport()
    report.released = deliveries_release_stuck(now)
    report.resumed = deliveries_resume(now)
    report.planned = deliveries_sweep()
    report.queued = deliveries_queue_due(now)
    report.requeued = deliveries_requeue_lost(now)
    report.alerted = deliveries_alert_late(now)
    report.permalinks = permalinks_queue(now)
    worker_ping(now)
    return report
