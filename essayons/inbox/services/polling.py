"""Reading what customers said on networks that do not push it (Google, Instagram, …).

A poll walks pages with the connector's own cursor. Each page is stored, then its cursor,
in one transaction: a poll that fails half-way leaves the cursor where it was, the next poll
asks for the same page again and `message_receive` skips what is already stored. Nothing is
lost, nothing is stored twice (CONTRACTS.md §3.2).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from essayons.connectors.base import Incoming
from essayons.connectors.errors import AuthExpired, ConnectorError, RateLimited
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.registry import CONNECTORS
from essayons.connectors.services import connection_throttle
from essayons.inbox.models import Message, PollCursor
from essayons.inbox.services.messages import message_receive

log = logging.getLogger(__name__)

# Pages read per poll and kind: a backlog is caught up over a few polls, never in one burst.
MAX_PAGES = 10


def poll_cursor_read(*, connection: Connection, kind: str) -> str:
    """Where the last successful poll of this connection and kind stopped ("" = from the start)."""
    found = PollCursor.objects.filter(connection=connection, kind=kind).first()
    return found.cursor if found else ""


def poll_batch_store(
    *, connection: Connection, kind: str, items: list[Incoming], next_cursor: str
) -> list[Message]:
    """Store one page of polled items, then move the cursor past it, in one transaction."""
    with transaction.atomic():
        stored = [
            message_receive(business=connection.business, incoming=item, connection=connection)
            for item in items
        ]
        PollCursor.objects.update_or_create(
            connection=connection, kind=kind, defaults={"cursor": next_cursor[:500]}
        )
    return stored


def polls_due() -> list[tuple[int, str]]:
    """(connection id, kind) of every working connection whose network is polled."""
    now = timezone.now()
    due: list[tuple[int, str]] = []
    for connection in Connection.objects.filter(status=ConnectionStatus.ACTIVE):
        connector_class = CONNECTORS.get(connection.kind)
        if connector_class is None:
            continue
        if connection.rate_limited_until and connection.rate_limited_until > now:
            continue
        due.extend((connection.pk, kind) for kind in connector_class.inbox_kinds)
    return due


def connection_poll(*, connection_id: int, kind: str, max_pages: int = MAX_PAGES) -> int:
    """Read new items of one kind from one connection; returns how many new messages came.

    A refusal stops this poll only: an expired connection waits for its owner to reconnect
    (shown on the connections page), a rate limit is remembered, anything else is tried
    again at the next period from the same cursor.
    """
    connection = (
        Connection.objects.select_related("business")
        .filter(pk=connection_id, status=ConnectionStatus.ACTIVE)
        .first()
    )
    connector_class = CONNECTORS.get(connection.kind) if connection else None
    if connection is None or connector_class is None or kind not in connector_class.inbox_kinds:
        return 0
    connector = connector_class(connection)
    added = 0
    for _page in range(max_pages):
        cursor = poll_cursor_read(connection=connection, kind=kind)
        try:
            page = connector.inbox_poll(kind=kind, cursor=cursor)
        except ConnectorError as error:
            _poll_failed(connection, kind, error)
            return added
        added += len(_new_keys(connection, page.items))
        poll_batch_store(
            connection=connection, kind=kind, items=list(page.items), next_cursor=page.next_cursor
        )
        if not page.more:
            break
    return added


def _new_keys(connection: Connection, items: Sequence[Incoming]) -> set[tuple[str, str]]:
    """(channel, remote id) of the items not stored yet: one query on the unique key."""
    keys = {(item.channel, item.remote_id) for item in items}
    known = Message.objects.filter(
        business=connection.business,
        channel__in={channel for channel, _id in keys},
        remote_id__in={remote_id for _channel, remote_id in keys},
    ).values_list("channel", "remote_id")
    return keys - set(known)


def _poll_failed(connection: Connection, kind: str, error: ConnectorError) -> None:
    if isinstance(error, AuthExpired):
        Connection.objects.filter(pk=connection.pk, status=ConnectionStatus.ACTIVE).update(
            status=ConnectionStatus.NEEDS_RECONNECT,
            last_error_code=(error.code or "auth")[:80],
            last_error_at=timezone.now(),
        )
    elif isinstance(error, RateLimited):
        connection_throttle(connection=connection, until=error.retry_at)
    log.info(
        "polling %s of connection %s stopped: %s %s",
        kind,
        connection.pk,
        type(error).__name__,
        error.code,
    )
