"""Reads of the publishing engine: which account a delivery uses, and how things stand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from essayons.accounts.models import Business
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.planner.models import Post
from essayons.publishing import clock, conf
from essayons.publishing.models import (
    ON_THE_WAY_STATUSES,
    Delivery,
    DeliveryStatus,
    Heartbeat,
)

S = DeliveryStatus
SCHEDULER = "scheduler"
WORKER = "worker"


def _preference(account: Connection) -> tuple[bool, float, int]:
    """A working account first, then the most recently checked, then the newest."""
    checked = account.last_verified_at.timestamp() if account.last_verified_at else 0.0
    return (account.status != ConnectionStatus.ACTIVE, -checked, -account.pk)


def accounts_of(
    *, business_id: int, channels: list[str], working: bool = False
) -> dict[str, Connection]:
    """The account each channel publishes with: a working one first (the most recently
    checked), else one waiting for a reconnection; never a disconnected one."""
    accounts = Connection.objects.filter(business_id=business_id, kind__in=channels)
    if working:
        accounts = accounts.filter(status=ConnectionStatus.ACTIVE)
    else:
        accounts = accounts.exclude(status=ConnectionStatus.DISABLED)
    found: dict[str, Connection] = {}
    for account in sorted(accounts, key=_preference):
        found.setdefault(account.kind, account)
    return found


def connection_for(*, business_id: int, channel: str, working: bool = False) -> Connection | None:
    """`accounts_of` for one channel; `working`: an active account only."""
    return accounts_of(business_id=business_id, channels=[channel], working=working).get(channel)


def deliveries_of(post: Post) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(post=post, business_id=post.business_id)
        .select_related("connection")
        .prefetch_related("attempts", "attempts__actor")
        .order_by("channel")
    )


def late_filter(now: datetime) -> Q:
    """Deliveries still on their way (no one waits for the owner) past the alert threshold."""
    on_the_way = Q(status__in=ON_THE_WAY_STATUSES) | Q(status=S.UNKNOWN, next_try_at__isnull=False)
    return on_the_way & Q(due_at__lt=now - conf.late_alert())


@dataclass(frozen=True)
class Beat:
    name: str
    seen_at: datetime | None
    age: timedelta | None
    alive: bool


@dataclass
class Health:
    scheduler: Beat
    worker: Beat
    counts: dict[str, int]
    waiting: int
    oldest_waiting: timedelta | None
    late: list[Delivery] = field(default_factory=list)
    stuck: list[Delivery] = field(default_factory=list)
    needs_owner: list[Delivery] = field(default_factory=list)

    @property
    def count_rows(self) -> list[tuple[str, int]]:
        return [(str(S(status).label), n) for status, n in sorted(self.counts.items())]

    @property
    def ok(self) -> bool:
        return self.scheduler.alive and self.worker.alive and not self.late and not self.stuck


def _beat(name: str, now: datetime, allowed: timedelta) -> Beat:
    row = Heartbeat.objects.filter(name=name).first()
    if row is None:
        return Beat(name, None, None, False)
    age = now - row.last_seen_at
    return Beat(name, row.last_seen_at, age, age <= allowed)


SHOWN = 50
RECENT = timedelta(days=30)  # failures older than this are history, not a to-do


def health_of(business: Business) -> Health:
    """The engine as one business sees it: heartbeats, its queue, what is late or stuck."""
    now = clock.now()
    mine = Delivery.objects.filter(business=business).select_related("post", "connection")
    counts = dict(
        mine.filter(status__in=[s for s in S.values if s not in (S.PUBLISHED, S.CANCELLED)])
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    waiting = mine.filter(status=S.PENDING)
    oldest = waiting.order_by("queued_at").values_list("queued_at", flat=True).first()
    tick = timedelta(seconds=conf.tick_seconds())
    return Health(
        scheduler=_beat(SCHEDULER, now, tick * 3 + timedelta(seconds=30)),
        worker=_beat(WORKER, now, conf.WORKER_PING_EVERY * 3),
        counts=counts,
        waiting=waiting.count(),
        oldest_waiting=(now - oldest) if oldest else None,
        late=list(mine.filter(late_filter(now))[:SHOWN]),
        stuck=list(
            mine.filter(status__in=[S.CLAIMED, S.SENDING], claimed_at__lt=now - conf.lease())[
                :SHOWN
            ]
        ),
        needs_owner=list(
            mine.filter(
                Q(status__in=[S.NEEDS_RECONNECT, S.MANUAL_PENDING])
                | Q(status=S.UNKNOWN, next_try_at__isnull=True)
                | Q(status=S.FAILED, due_at__gte=now - RECENT)
            ).order_by("-due_at")[:SHOWN]
        ),
    )
