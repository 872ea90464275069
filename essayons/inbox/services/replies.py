"""Replies: drafted, sent once when a person pressed send, and settled when the outcome is unknown.

A reply follows the publishing engine's rule (CONTRACTS.md §3.1): claim, write `sending`
before the call, and after a timeout or a 5xx ask the network (`find_reply`) before anything
else. Nothing resends a reply on its own but the same key on a network where that key makes
a second copy impossible (Google's upsert, Mastodon's idempotency key, Bluesky's record key):
that is the connector's `find_reply` to decide.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from essayons.accounts.models import Business, Membership, User
from essayons.accounts.roles import Perm
from essayons.connectors.base import Connector, Published, Reconciliation, ReplyTarget
from essayons.connectors.errors import (
    AuthExpired,
    ConnectorError,
    RateLimited,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.registry import CONNECTORS
from essayons.connectors.services import connection_throttle
from essayons.inbox.models import Message, Reply, ReplyStatus
from essayons.inbox.triage import Label
from essayons.publishing.keys import attempt_key_new

log = logging.getLogger(__name__)

# An unknown reply is asked about again after this long, this many times, then left to the
# owner (who can also ask at once from the conversation page).
CHECK_AFTER = timedelta(minutes=2)
MAX_CHECKS = 5


def reply_draft_save(*, message: Message, text: str) -> Reply:
    """Keep the reply being written; its attempt key is fixed now, before any try to send.

    A reply that did not go out (failed) becomes a draft again, with the same key, waiting
    for a person to press send again.
    """
    reply = message.replies.filter(status__in=[ReplyStatus.DRAFT, ReplyStatus.FAILED]).first()
    if reply is None:
        return Reply.objects.create(
            business=message.business,
            message=message,
            text=text,
            attempt_key=attempt_key_new(),  # a TID: also a Bluesky record key
        )
    revived = {"pressed_send_by": None} if reply.status == ReplyStatus.FAILED else {}
    Reply.objects.filter(pk=reply.pk, status=reply.status).update(
        text=text, status=ReplyStatus.DRAFT, error="", **revived
    )
    reply.refresh_from_db()
    return reply


def reply_press_send(*, reply: Reply, by: User) -> bool:
    """A person pressed send: record who, then hand the reply to the task worker.

    This is the only way a reply gets `pressed_send_by`, and `reply_send` refuses any reply
    without it: no automation path can send a reply (a complaint's least of all).
    """
    from essayons.inbox.tasks import inbox_reply_send

    if reply.message.label == Label.COMPLAINT and not _may_answer_complaints(by, reply.business):
        return False
    moved = Reply.objects.filter(
        pk=reply.pk, status=ReplyStatus.DRAFT, pressed_send_by__isnull=True
    ).update(pressed_send_by=by)
    if moved != 1:
        return False
    transaction.on_commit(lambda: inbox_reply_send.enqueue(reply_id=reply.pk))
    return True


def _may_answer_complaints(user: User, business: Business) -> bool:
    membership = Membership.objects.filter(user=user, business=business).first()
    return membership is not None and membership.can(Perm.APPROVE_POSTS)


def reply_send(*, reply_id: int) -> Reply:
    """Send one reply through its connector, at most once.

    Claimed by a conditional update (draft and pressed by a person → sending) before the
    call; a second run finds nothing to claim. An unknown outcome is recorded as such and
    settled by `reply_reconcile`, never retried blind; a refusal is recorded as failed.
    """
    claimed = Reply.objects.filter(
        pk=reply_id, status=ReplyStatus.DRAFT, pressed_send_by__isnull=False
    ).update(status=ReplyStatus.SENDING, sending_at=timezone.now())
    reply = Reply.objects.select_related("message__conversation__connection").get(pk=reply_id)
    if claimed != 1:
        return reply
    connector = _connector_for(reply)
    if connector is None:
        return _reply_finish(reply, ReplyStatus.FAILED, error="cannot_reply")
    try:
        published = connector.reply(
            target=_target(reply.message), text=reply.text, attempt_key=reply.attempt_key
        )
    except UnknownOutcome as error:
        return _reply_finish(reply, ReplyStatus.UNKNOWN, error=error.code or "unknown")
    except ConnectorError as error:
        return _reply_finish(reply, ReplyStatus.FAILED, error=_refusal(reply, error))
    except Exception:  # anything unexpected may have reached the network: never retry blind
        log.exception("reply %s ended in an unexpected error", reply_id)
        return _reply_finish(reply, ReplyStatus.UNKNOWN, error="unexpected")
    return _reply_finish(reply, ReplyStatus.SENT, remote_id=published.remote_id)


def _refusal(reply: Reply, error: ConnectorError) -> str:
    """Nothing went out. The error's class says what the owner can do; the network's code,
    kept for a refusal of this very reply, says why (essayons/inbox/explain.py)."""
    connection = reply.message.conversation.connection
    if isinstance(error, AuthExpired) and connection is not None:
        Connection.objects.filter(pk=connection.pk, status=ConnectionStatus.ACTIVE).update(
            status=ConnectionStatus.NEEDS_RECONNECT,
            last_error_code=(error.code or "auth")[:80],
            last_error_at=timezone.now(),
        )
        return "auth_expired"
    if isinstance(error, RateLimited):
        if connection is not None:
            connection_throttle(connection=connection, until=error.retry_at)
        return "rate_limited"
    if isinstance(error, Transient):
        return "transient"
    return error.code or "rejected"


def _connector_for(reply: Reply) -> Connector | None:
    connection = reply.message.conversation.connection
    connector_class = CONNECTORS.get(connection.kind) if connection else None
    if connection is None or connector_class is None or not connector_class.supports_reply:
        return None
    return connector_class(connection)


def _target(message: Message) -> ReplyTarget:
    conversation = message.conversation
    return ReplyTarget(
        remote_id=message.remote_id,
        author_remote_id=message.author_remote_id,
        thread_id=conversation.remote_thread_id,
        post_remote_id=conversation.post_remote_id,
        context=dict(message.reply_context or {}),
    )


def _reply_finish(
    reply: Reply,
    status: str,
    *,
    error: str = "",
    remote_id: str = "",
    was: str = ReplyStatus.SENDING,
    by: User | None = None,
) -> Reply:
    _reply_move(reply, status, error=error, remote_id=remote_id, was=was, by=by)
    reply.refresh_from_db()
    return reply


def _reply_move(
    reply: Reply, status: str, *, error: str, remote_id: str, was: str, by: User | None
) -> bool:
    """From `was` to `status`, if nobody moved it first; a sent reply answers its message."""
    now = timezone.now()
    with transaction.atomic():
        moved = Reply.objects.filter(pk=reply.pk, status=was).update(
            status=status,
            error=error[:300],
            remote_id=remote_id[:255],
            sent_at=now if status == ReplyStatus.SENT else None,
        )
        if moved and status == ReplyStatus.SENT:
            Message.objects.filter(pk=reply.message_id, answered_at__isnull=True).update(
                answered_at=now, answered_by=by or reply.pressed_send_by, reply=reply
            )
    return moved == 1


def reply_reconcile(*, reply_id: int) -> Reply:
    """Ask the network whether an unknown reply arrived: sent, not sent, or still unknown.

    "Not sent" means the network is sure it never got it: the reply becomes failed, and the
    owner sees "not sent, send again" (same key; the connector makes a second copy
    impossible where the network allows it). Each check is counted; after MAX_CHECKS the
    worker stops asking and the owner decides from the conversation page.
    """
    counted = Reply.objects.filter(pk=reply_id, status=ReplyStatus.UNKNOWN).update(
        checks=F("checks") + 1
    )
    reply = Reply.objects.select_related("message__conversation__connection").get(pk=reply_id)
    connector = _connector_for(reply)
    if counted != 1 or connector is None:
        return reply
    since = reply.sending_at or reply.created_at
    try:
        found = connector.find_reply(
            target=_target(reply.message),
            text=reply.text,
            attempt_key=reply.attempt_key,
            since=since,
        )
    except ConnectorError as error:
        log.info("reply %s still unknown: %s %s", reply_id, type(error).__name__, error.code)
        return reply
    if found is None and _too_soon_to_say(connector, since):
        return reply  # a list read may not show a reply made seconds ago: ask again later
    if found is None:
        return _reply_finish(
            reply, ReplyStatus.FAILED, error="not_delivered", was=ReplyStatus.UNKNOWN
        )
    return _found(reply, found)


def _found(reply: Reply, found: Published) -> Reply:
    return _reply_finish(
        reply, ReplyStatus.SENT, remote_id=found.remote_id, was=ReplyStatus.UNKNOWN
    )


def _too_soon_to_say(connector: Connector, since: datetime) -> bool:
    """Networks looked up by listing (Facebook) answer "not there" too early to be believed."""
    listing = connector.reply_reconciliation == Reconciliation.FEED_LOOKUP
    return listing and timezone.now() - since < CHECK_AFTER


def reply_confirm(*, reply: Reply, arrived: bool, by: User) -> bool:
    """The owner looked on the network: "it is there" (sent) or "it is not" (send again)."""
    status = ReplyStatus.SENT if arrived else ReplyStatus.FAILED
    error = "" if arrived else "not_there"
    return _reply_move(reply, status, error=error, remote_id="", was=ReplyStatus.UNKNOWN, by=by)


def replies_unknown_due() -> list[int]:
    """Unknown replies the worker should ask the network about now."""
    return list(
        Reply.objects.filter(
            status=ReplyStatus.UNKNOWN,
            checks__lt=MAX_CHECKS,
            sending_at__lt=timezone.now() - CHECK_AFTER,
        ).values_list("pk", flat=True)[:200]
    )


def reply_retry(*, reply: Reply) -> bool:
    """After a failure (nothing reached the network) the same reply, same key, may go again."""
    return (
        Reply.objects.filter(pk=reply.pk, status=ReplyStatus.FAILED).update(
            status=ReplyStatus.DRAFT, pressed_send_by=None, error=""
        )
        == 1
    )
