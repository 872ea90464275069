"""Once after publishing: is the post really online? ("did it really post?")"""

from __future__ import annotations

import logging

from django.db import transaction

from essayons.connectors.base import Published
from essayons.connectors.errors import ConnectorError
from essayons.connectors.registry import CONNECTORS
from essayons.publishing import clock
from essayons.publishing.models import (
    Attempt,
    AttemptKind,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
)
from essayons.publishing.services.notify import owner_tell
from essayons.publishing.services.state import error_class_name, scrub, worker_name

log = logging.getLogger(__name__)


def delivery_permalink_check(*, delivery_id: int) -> bool | None:
    """Ask the network for the live post; True seen, False missing (owner told), None unknown."""
    delivery = (
        Delivery.objects.select_related("business", "connection", "post")
        .filter(pk=delivery_id, status=DeliveryStatus.PUBLISHED, connection__isnull=False)
        .first()
    )
    if delivery is None or delivery.connection is None:
        return None
    connector_class = CONNECTORS.get(delivery.connection.kind)
    if connector_class is None:
        return None
    attempt = Attempt.objects.create(
        delivery=delivery,
        kind=AttemptKind.PERMALINK,
        started_at=clock.now(),
        worker_id=worker_name(),
    )
    published = Published(remote_id=delivery.remote_id, url=delivery.remote_url)
    try:
        seen: bool | None = connector_class(delivery.connection).permalink_check(published)
        outcome = AttemptOutcome.CHECKED_OK if seen else AttemptOutcome.CHECKED_MISSING
        closing = {}
    except Exception as error:  # a check that cannot conclude says nothing; it is not retried
        seen, outcome = None, AttemptOutcome.TRANSIENT
        name = (
            error_class_name(error) if isinstance(error, ConnectorError) else type(error).__name__
        )
        closing = {"error_class": name[:40], "detail": scrub(str(error), delivery.connection)}
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            permalink_checked_at=clock.now(), permalink_ok=seen
        )
        Attempt.objects.filter(pk=attempt.pk).update(
            outcome=outcome, finished_at=clock.now(), **closing
        )
        if seen is False:
            owner_tell(delivery, "permalink_missing")
    return seen
