"""The transitions a worker makes on a delivery it holds, each in one short transaction.

Every write is conditional on `claimed_by` (and a state a worker holds it in), so a worker
overtaken by the lease never overwrites the one that took over. The post row is locked
before any delivery row, in the same order as the planner's writes: no deadlock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet

from essayons.connectors.base import Published
from essayons.connectors.errors import (
    AuthExpired,
    ConnectorError,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.planner.models import Post, PostStatus
from essayons.publishing import clock, conf
from essayons.publishing.explain import NETWORK_MESSAGE_SHOWN, explanation_key
from essayons.publishing.models import (
    OPEN_STATUSES,
    Attempt,
    AttemptKind,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
)
from essayons.publishing.services.notify import manual_details, owner_tell

log = logging.getLogger("essayons.publishing.services.send")
S = DeliveryStatus
OUT = AttemptOutcome
ERROR_CLASSES: tuple[type[ConnectorError], ...] = (
    RateLimited,
    AuthExpired,
    Rejected,
    UnknownOutcome,
    Transient,
)
# States a worker holds a delivery in (`unknown` too: the lease may have moved it meanwhile).
IN_HAND = (S.CLAIMED, S.SENDING, S.UNKNOWN)
PUBLISHING_STATES = frozenset({PostStatus.PUBLISHING, PostStatus.PUBLISHED, PostStatus.FAILED})
DETAIL_CHARS = 300

# SQLite has one writer at a time; threads of one worker that queue on a Python lock hand
# over in microseconds, where SQLite's own busy handler sleeps up to 100 ms between checks.
_sqlite_turn = threading.RLock()


@contextmanager
def write_turn() -> Iterator[None]:
    """One transaction at a time per process on SQLite; nothing to wait for elsewhere."""
    turn = _sqlite_turn if db_connection.vendor == "sqlite" else nullcontext()
    with turn, transaction.atomic():
        yield


def worker_name() -> str:
    """host:pid:thread, unique among the workers running at one time."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{threading.get_native_id()}"[:64]


def error_class_name(error: ConnectorError) -> str:
    return next((c.__name__ for c in ERROR_CLASSES if isinstance(error, c)), "ConnectorError")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def scrub(text: str, connection: Connection | None) -> str:
    """`text` cut to fit, with the connection's credentials blanked out (ASVS 16.x, case 20)."""
    if connection is not None:
        try:
            secrets = [s for s in _strings(connection.credentials) if len(s) >= 6]
        except Exception:  # unreadable credentials must not hide the error being recorded
            secrets = []
        for secret in secrets:
            text = text.replace(secret, "***")
    return text[:DETAIL_CHARS]


# --- The post ------------------------------------------------------------------------------


def lock_posts(post_ids: list[int], *, whole: bool = True) -> dict[int, Post]:
    """Lock post rows, in id order, before any delivery row: the order every writer follows
    (the planner too), so that no two transactions wait on each other.

    `whole=False` loads only what deriving a status needs (the rest loads on demand)."""
    posts = Post.objects.select_for_update().filter(pk__in=post_ids).order_by("pk")
    posts = posts.select_related("business") if whole else posts.only("pk", "status", "business_id")
    return {post.pk: post for post in posts}


def lock_post(post_id: int, *, whole: bool = True) -> Post:
    return lock_posts([post_id], whole=whole)[post_id]


def _post_status(statuses: list[str]) -> str | None:
    live = [s for s in statuses if s != S.CANCELLED]
    if not statuses:
        return None
    if not live:
        return PostStatus.CANCELLED
    if any(s in OPEN_STATUSES for s in live):
        return PostStatus.PUBLISHING
    if all(s == S.PUBLISHED for s in live):
        return PostStatus.PUBLISHED
    return PostStatus.FAILED


def posts_sync(posts: list[Post]) -> None:
    """Derive each publishing post's status from its deliveries (the post rows locked)."""
    publishing = {p.pk: p for p in posts if p.status in PUBLISHING_STATES}
    if not publishing:
        return
    statuses: dict[int, list[str]] = {pk: [] for pk in publishing}
    for post_id, status in Delivery.objects.filter(post_id__in=publishing).values_list(
        "post_id", "status"
    ):
        statuses[post_id].append(status)
    changes: dict[str, list[int]] = {}
    for pk, post in publishing.items():
        target = _post_status(statuses[pk])
        if target is not None and target != post.status:
            changes.setdefault(target, []).append(pk)
            post.status = target
    for target, pks in changes.items():
        Post.objects.filter(pk__in=pks).update(
            status=target, version=F("version") + 1, updated_at=clock.now()
        )


def post_sync(post: Post) -> None:
    posts_sync([post])


# --- Settling ------------------------------------------------------------------------------


def attempt_start(delivery: Delivery, kind: str, worker: str, **fields: Any) -> Attempt:
    return Attempt.objects.create(
        delivery=delivery, kind=kind, started_at=clock.now(), worker_id=worker, **fields
    )


def finish(attempt: Attempt | None, outcome: str, **fields: Any) -> None:
    if attempt is not None:
        Attempt.objects.filter(pk=attempt.pk).update(
            outcome=outcome, finished_at=clock.now(), **fields
        )


def settle(
    delivery: Delivery,
    worker: str,
    status: str,
    *,
    attempt: Attempt | None = None,
    outcome: str = "",
    attempt_fields: dict[str, Any] | None = None,
    then: Callable[[], None] | None = None,
    **fields: Any,
) -> str:
    """Move a delivery this worker holds to `status`, in one transaction with the post locked,
    its attempt closed and the post's status derived; `then` runs only if the move happened."""
    with write_turn():
        post = lock_post(delivery.post_id, whole=False)
        moved = Delivery.objects.filter(
            pk=delivery.pk, claimed_by=worker, status__in=IN_HAND
        ).update(status=status, version=F("version") + 1, **fields)
        finish(attempt, outcome, **(attempt_fields or {}))
        if moved != 1:
            log.warning("delivery %s was taken over before it could become %s", delivery.pk, status)
            return ""
        post_sync(post)
        if then is not None:
            delivery.post.status = post.status
            then()
    return status


def tell_once(delivery: Delivery, key: str, until: Any = None) -> None:
    """Tell the owner this delivery is held up (and until when), once per delivery."""
    if Delivery.objects.filter(pk=delivery.pk, alerted_at__isnull=True).update(
        alerted_at=clock.now()
    ):
        owner_tell(delivery, key, time=until)


def alert_once(delivery: Delivery, key: str, until: Any) -> None:
    """A wait (quota, backoff) that makes the delivery late: the owner hears it once, with the
    time it will go; a short wait is not worth a message."""
    if until > delivery.due_at + conf.late_alert():
        tell_once(delivery, key, until)


def published(
    delivery: Delivery,
    worker: str,
    attempt: Attempt | None,
    found: Published,
    outcome: str,
) -> str:
    """Published: the remote id is written in the same transaction that says so."""
    now = clock.now()
    manual = delivery.connection_id is None
    return settle(
        delivery,
        worker,
        S.PUBLISHED,
        attempt=attempt,
        outcome=outcome,
        attempt_fields={"remote_id": found.remote_id[:255]},
        remote_id=found.remote_id[:255],
        remote_url=found.url[:500],
        published_at=now,
        needs_reconcile=False,
        next_try_at=None,
        permalink_check_at=None if manual else now + conf.PERMALINK_DELAY,
        last_error_class="",
        last_error_code="",
        last_message_key="",
        last_error_detail="",
    )


def update_in_order(deliveries: QuerySet[Delivery], **fields: Any) -> int:
    """Update many deliveries, their rows locked in id order first, like every other writer
    that holds several (no deadlock between two of them)."""
    with write_turn():
        ids = list(deliveries.select_for_update().order_by("pk").values_list("pk", flat=True))
        return Delivery.objects.filter(pk__in=ids).update(version=F("version") + 1, **fields)


def published_many(worker: str, results: list[tuple[Delivery, Attempt, Published]]) -> int:
    """Record a batch of successes in one transaction: each remote id with the status that
    says published. Returns how many were recorded (the others were taken over meanwhile;
    their attempt keeps the remote id for whoever reconciles them)."""
    if not results:
        return 0
    now = clock.now()
    recorded = 0
    with write_turn():
        posts = lock_posts(sorted({d.post_id for d, _a, _f in results}), whole=False)
        for delivery, attempt, found in sorted(results, key=lambda r: r[0].pk):
            recorded += Delivery.objects.filter(
                pk=delivery.pk, claimed_by=worker, status__in=IN_HAND
            ).update(
                status=S.PUBLISHED,
                version=F("version") + 1,
                remote_id=found.remote_id[:255],
                remote_url=found.url[:500],
                published_at=now,
                needs_reconcile=False,
                next_try_at=None,
                permalink_check_at=now + conf.PERMALINK_DELAY,
                last_error_class="",
                last_error_code="",
                last_message_key="",
                last_error_detail="",
            )
            attempt.outcome, attempt.finished_at = OUT.PUBLISHED, now
            attempt.remote_id = found.remote_id[:255]
        Attempt.objects.bulk_update(
            [a for _d, a, _f in results], ["outcome", "finished_at", "remote_id"]
        )
        posts_sync(list(posts.values()))
    return recorded


def connection_rate_limited(connection: Connection, until: Any) -> None:
    """The whole account waits: its other deliveries are not even tried before `until`."""
    Connection.objects.filter(pk=connection.pk).filter(
        Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lt=until)
    ).update(rate_limited_until=until)
    waiting = Delivery.objects.filter(
        connection=connection,
        status__in=[S.SCHEDULED, S.DEFERRED, S.PENDING],
        next_try_at__lt=until,
    )
    update_in_order(waiting, status=S.DEFERRED, next_try_at=until)


def connection_expired(connection: Connection, delivery: Delivery, code: str) -> None:
    """Stop this account only (never another business's), and tell its owner once."""
    flipped = Connection.objects.filter(pk=connection.pk, status=ConnectionStatus.ACTIVE).update(
        status=ConnectionStatus.NEEDS_RECONNECT,
        last_error_code=code[:80],
        last_error_at=clock.now(),
    )
    waiting = Delivery.objects.filter(
        connection=connection, status__in=[S.SCHEDULED, S.DEFERRED, S.PENDING]
    )
    update_in_order(waiting, status=S.NEEDS_RECONNECT, next_try_at=None)
    if flipped:
        owner_tell(delivery, "auth_expired")


def failure(delivery: Delivery, worker: str, attempt: Attempt, error: ConnectorError) -> str:
    """The error class decides; the network's code only chooses the French explanation."""
    now = clock.now()
    cls = error_class_name(error)
    key = explanation_key(network=delivery.channel, error_class=cls, code=error.code)
    detail = scrub(str(error), delivery.connection)
    recorded = {
        "last_error_class": cls,
        "last_error_code": error.code[:80],
        "last_message_key": key,
        "last_error_detail": detail,
    }
    closing = {"error_class": cls, "code": error.code[:80], "message_key": key, "detail": detail}

    def to(status: str, outcome: str, then: Callable[[], None] | None = None, **fields: Any) -> str:
        return settle(
            delivery,
            worker,
            status,
            attempt=attempt,
            outcome=outcome,
            attempt_fields=closing,
            then=then,
            **{**recorded, **fields},
        )

    connection = delivery.connection
    if isinstance(error, RateLimited):
        until = max(error.retry_at, now + conf.MIN_DEFER)
        done = to(
            S.DEFERRED,
            OUT.RATE_LIMITED,
            lambda: alert_once(delivery, key, until),
            next_try_at=until,
        )
        if connection is not None:
            connection_rate_limited(connection, until)
        return done
    if isinstance(error, AuthExpired):
        done = to(S.NEEDS_RECONNECT, OUT.AUTH_EXPIRED, next_try_at=None)
        if connection is not None:
            connection_expired(connection, delivery, error.code)
        return done
    if isinstance(error, Rejected):
        shown = detail if key in NETWORK_MESSAGE_SHOWN else ""
        return to(
            S.FAILED,
            OUT.REJECTED,
            lambda: owner_tell(delivery, key, network_message=shown),
            next_try_at=None,
        )
    if not isinstance(error, Transient):
        # UnknownOutcome (or no known class): maybe it went out, ask the network first.
        # Counted towards the cap (checked before the next try), so that a connector that
        # always fails this way ends with the owner, not in a loop.
        return to(
            S.UNKNOWN,
            OUT.UNKNOWN,
            needs_reconcile=True,
            transient_failures=F("transient_failures") + 1,
            next_try_at=now + conf.RECONCILE_DELAY,
        )
    failures = delivery.transient_failures + 1
    if failures >= conf.max_attempts():
        return to(
            S.FAILED,
            OUT.TRANSIENT,
            lambda: owner_tell(delivery, "gave_up"),
            transient_failures=failures,
            next_try_at=None,
            last_message_key="gave_up",
        )
    until = now + conf.backoff(failures)
    return to(
        S.DEFERRED,
        OUT.TRANSIENT,
        lambda: alert_once(delivery, key, until),
        transient_failures=failures,
        next_try_at=until,
    )


def hand_over(delivery: Delivery, worker: str) -> str:
    """No connected account: the owner posts it by hand (the manual channel)."""
    with write_turn():
        attempt = attempt_start(delivery, AttemptKind.HAND_OVER, worker, message_key="manual")
    return settle(
        delivery,
        worker,
        S.MANUAL_PENDING,
        attempt=attempt,
        outcome=OUT.HANDED_OVER,
        then=lambda: owner_tell(delivery, "manual", details=manual_details(delivery)),
        connection=None,
        next_try_at=None,
        last_message_key="manual",
    )


def owner_decides(
    delivery: Delivery, worker: str, attempt: Attempt | None, error: ConnectorError | None
) -> str:
    """The network cannot tell whether the post arrived: never guess, ask the owner."""
    closing = {}
    if error is not None:
        closing = {
            "error_class": error_class_name(error),
            "code": error.code[:80],
            "detail": scrub(str(error), delivery.connection),
        }
    return settle(
        delivery,
        worker,
        S.UNKNOWN,
        attempt=attempt,
        outcome=OUT.UNKNOWN,
        attempt_fields={**closing, "message_key": "owner_check"},
        then=lambda: owner_tell(delivery, "owner_check"),
        next_try_at=None,
        last_message_key="owner_check",
    )
