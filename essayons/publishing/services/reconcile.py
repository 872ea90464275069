"""After an uncertain try: ask the network before anything else (CONTRACTS.md §3.1).

Each connector knows how (its `reconciliation`): the same Idempotency-Key or a lookup
(Mastodon), the record key chosen first (Bluesky), the container's status (Instagram), the
page feed since the first try (Facebook); when the network cannot tell (LinkedIn), it raises
UnknownOutcome and the owner decides. Never a blind retry.
"""

from __future__ import annotations

from essayons.connectors.base import Connector, Outgoing, Published
from essayons.connectors.errors import AuthExpired, ConnectorError, RateLimited, UnknownOutcome
from essayons.publishing import clock, conf
from essayons.publishing.models import Attempt, AttemptKind, Delivery
from essayons.publishing.services.notify import owner_tell
from essayons.publishing.services.state import (
    OUT,
    S,
    attempt_start,
    failure,
    finish,
    log,
    owner_decides,
    published,
    settle,
    write_turn,
)


def reconcile(
    delivery: Delivery, worker: str, connector: Connector, outgoing: Outgoing
) -> str | None:
    """Did an earlier try arrive? A status when settled; None when it surely did not."""
    own = (
        delivery.attempts.filter(outcome__in=[OUT.PUBLISHED, OUT.FOUND])
        .exclude(remote_id="")
        .first()
    )
    if own is not None:  # an overtaken worker saw it published and recorded the id
        return published(delivery, worker, None, Published(own.remote_id), OUT.FOUND)
    first_try = (
        delivery.attempts.filter(kind=AttemptKind.PUBLISH)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    since = first_try or delivery.claimed_at or delivery.due_at
    with write_turn():
        attempt = attempt_start(delivery, AttemptKind.RECONCILE, worker)
    try:
        found = connector.find_published(outgoing, since=since)
    except UnknownOutcome as error:
        return owner_decides(delivery, worker, attempt, error)
    except (RateLimited, AuthExpired) as error:
        return failure(delivery, worker, attempt, error)
    except Exception as error:  # Transient, or anything: check again later, a few times
        return _later(delivery, worker, attempt, error)
    if found is not None:
        return published(delivery, worker, attempt, found, OUT.FOUND)
    with write_turn():
        finish(attempt, OUT.NOT_FOUND)
        Delivery.objects.filter(pk=delivery.pk, claimed_by=worker).update(needs_reconcile=False)
    if delivery.transient_failures >= conf.max_attempts():
        return settle(
            delivery,
            worker,
            S.FAILED,
            then=lambda: owner_tell(delivery, "gave_up"),
            next_try_at=None,
            last_message_key="gave_up",
        )
    return None


def _later(delivery: Delivery, worker: str, attempt: Attempt, error: Exception) -> str:
    failures = delivery.reconcile_failures + 1
    connector_error = error if isinstance(error, ConnectorError) else None
    if connector_error is None:
        log.exception("find_published crashed for delivery %s", delivery.pk)
    if failures >= conf.max_attempts():
        Delivery.objects.filter(pk=delivery.pk).update(reconcile_failures=failures)
        return owner_decides(delivery, worker, attempt, connector_error)
    return settle(
        delivery,
        worker,
        S.UNKNOWN,
        attempt=attempt,
        outcome=OUT.TRANSIENT,
        attempt_fields={"error_class": type(error).__name__[:40]},
        reconcile_failures=failures,
        next_try_at=clock.now() + conf.backoff(failures),
    )
