"""Writes of the inbox: messages arriving, labels corrected, replies drafted and sent."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from essayons.accounts.models import Business, Membership, User
from essayons.accounts.roles import Perm
from essayons.accounts.services import notification_send
from essayons.connectors.errors import ConnectorError, UnknownOutcome
from essayons.connectors.models import Connection
from essayons.connectors.registry import CONNECTORS
from essayons.inbox.models import (
    OFFLINE_CHANNELS,
    Conversation,
    Direction,
    LabelCorrection,
    Message,
    PollCursor,
    Reply,
    ReplyStatus,
    TargetTime,
)
from essayons.inbox.triage import Correction, Label, triage_classify

log = logging.getLogger(__name__)

# The most recent corrections of one business are enough to steer triage (see Correction).
CORRECTIONS_KEPT = 300


@dataclass(frozen=True)
class Incoming:
    """One message as a network (or the counter form) hands it over."""

    channel: str
    remote_id: str
    text: str
    received_at: datetime
    author_name: str = ""
    author_remote_id: str = ""
    thread_id: str = ""
    post_remote_id: str = ""
    post_url: str = ""
    post_excerpt: str = ""


def corrections_for(business: Business) -> list[Correction]:
    rows = LabelCorrection.objects.filter(business=business).order_by("-created_at")
    return [Correction(text=r.text, label=Label(r.label)) for r in rows[:CORRECTIONS_KEPT]]


def message_receive(
    *, business: Business, incoming: Incoming, connection: Connection | None = None
) -> Message:
    """Store one incoming message once, triaged with this business's corrections.

    A message already stored (same business, channel and remote id: a webhook retried, a
    poll overlapping the last one) is returned unchanged and nothing is added.
    """
    existing = Message.objects.filter(
        business=business, channel=incoming.channel, remote_id=incoming.remote_id
    ).first()
    if existing is not None:
        return existing
    verdict = triage_classify(incoming.text, corrections=corrections_for(business))
    thread = incoming.thread_id or incoming.author_remote_id or incoming.remote_id
    try:
        with transaction.atomic():
            conversation, _created = Conversation.objects.get_or_create(
                business=business,
                channel=incoming.channel,
                remote_thread_id=thread,
                defaults={
                    "connection": connection,
                    "post_remote_id": incoming.post_remote_id,
                    "post_url": incoming.post_url,
                    "post_excerpt": incoming.post_excerpt[:500],
                    "customer_name": incoming.author_name[:200],
                    "customer_remote_id": incoming.author_remote_id,
                },
            )
            return Message.objects.create(
                conversation=conversation,
                business=business,
                channel=incoming.channel,
                remote_id=incoming.remote_id,
                author_name=incoming.author_name[:200],
                author_remote_id=incoming.author_remote_id,
                text=incoming.text,
                received_at=incoming.received_at,
                direction=Direction.IN,
                label=verdict.label,
                confidence=verdict.confidence,
                reasons=[str(r) for r in verdict.reasons],
            )
    except IntegrityError:  # the same message arrived twice at the same moment
        return Message.objects.get(
            business=business, channel=incoming.channel, remote_id=incoming.remote_id
        )


def counter_message_create(*, business: Business, channel: str, who: str, text: str) -> Message:
    """Something said at the counter or on the phone, entered by hand; triaged like the rest."""
    incoming = Incoming(
        channel=channel,
        remote_id="local-" + secrets.token_hex(12),
        text=text,
        received_at=timezone.now(),
        author_name=who,
    )
    return message_receive(business=business, incoming=incoming)


def label_correct(*, message: Message, label: str, by: User) -> Message:
    """The owner's label wins, and similar messages of THIS business will follow it."""
    with transaction.atomic():
        LabelCorrection.objects.create(
            business=message.business, message=message, text=message.text, label=label
        )
        message.label = label
        message.label_corrected_by = by
        message.label_corrected_at = timezone.now()
        message.save(update_fields=["label", "label_corrected_by", "label_corrected_at"])
    return message


def message_mark_answered(*, message: Message, by: User) -> bool:
    """Answered by hand (at the counter, on the phone, on the network itself): no network call."""
    return (
        Message.objects.filter(pk=message.pk, answered_at__isnull=True).update(
            answered_at=timezone.now(), answered_by=by
        )
        == 1
    )


def reply_draft_save(*, message: Message, text: str) -> Reply:
    """Keep the reply being written; its attempt key is fixed now, before any try to send."""
    reply = message.replies.filter(status__in=[ReplyStatus.DRAFT, ReplyStatus.FAILED]).first()
    if reply is None:
        return Reply.objects.create(
            business=message.business,
            message=message,
            text=text,
            attempt_key=secrets.token_urlsafe(24),
        )
    Reply.objects.filter(pk=reply.pk).update(text=text, status=ReplyStatus.DRAFT, error="")
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
    never retried blindly; a refusal or a connector that cannot reply is recorded as failed.
    """
    claimed = Reply.objects.filter(
        pk=reply_id, status=ReplyStatus.DRAFT, pressed_send_by__isnull=False
    ).update(status=ReplyStatus.SENDING)
    reply = Reply.objects.select_related("message__conversation__connection").get(pk=reply_id)
    if claimed != 1:
        return reply
    message = reply.message
    connection = message.conversation.connection
    connector_class = CONNECTORS.get(connection.kind) if connection else None
    if (
        connection is None
        or connector_class is None
        or not connector_class.supports_reply
        or not hasattr(connector_class, "reply")
    ):
        return _reply_finish(reply, ReplyStatus.FAILED, error="cannot_reply")
    try:
        published = connector_class(connection).reply(  # type: ignore[attr-defined]
            to_remote_id=message.remote_id, text=reply.text, attempt_key=reply.attempt_key
        )
    except UnknownOutcome as error:
        return _reply_finish(reply, ReplyStatus.UNKNOWN, error=error.code or "unknown")
    except ConnectorError as error:
        return _reply_finish(reply, ReplyStatus.FAILED, error=error.code or type(error).__name__)
    except Exception:  # anything unexpected may have reached the network: never retry blind
        log.exception("reply %s ended in an unexpected error", reply_id)
        return _reply_finish(reply, ReplyStatus.UNKNOWN, error="unexpected")
    return _reply_finish(reply, ReplyStatus.SENT, remote_id=published.remote_id)


def _reply_finish(reply: Reply, status: str, *, error: str = "", remote_id: str = "") -> Reply:
    now = timezone.now()
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk, status=ReplyStatus.SENDING).update(
            status=status,
            error=error[:300],
            remote_id=remote_id,
            sent_at=now if status == ReplyStatus.SENT else None,
        )
        if status == ReplyStatus.SENT:
            Message.objects.filter(pk=reply.message_id, answered_at__isnull=True).update(
                answered_at=now, answered_by=reply.pressed_send_by, reply=reply
            )
    reply.refresh_from_db()
    return reply


def reply_retry(*, reply: Reply) -> bool:
    """After a failure (nothing reached the network) the same reply, same key, may go again."""
    return (
        Reply.objects.filter(pk=reply.pk, status=ReplyStatus.FAILED).update(
            status=ReplyStatus.DRAFT, pressed_send_by=None, error=""
        )
        == 1
    )


def is_offline(message: Message) -> bool:
    return message.channel in OFFLINE_CHANNELS


def overdue_alert_send(*, message: Message) -> bool:
    """Tell the owners once that a complaint waits too long; the claim makes it once only."""
    claimed = Message.objects.filter(pk=message.pk, overdue_alerted_at__isnull=True).update(
        overdue_alerted_at=timezone.now()
    )
    if claimed != 1:
        return False
    who = message.author_name or _("a customer")
    notification_send(
        business=message.business,
        text=_("An unhappy customer (%(who)s) has been waiting too long for an answer.")
        % {"who": who},
        url=reverse("inbox:conversation", args=[message.business.public_id, message.pk]),
        perm=Perm.APPROVE_POSTS,
        details=message.text[:500],
        urgent=True,
    )
    return True


def target_times_save(*, business: Business, hours: dict[str, int]) -> None:
    for label, value in hours.items():
        TargetTime.objects.update_or_create(
            business=business, label=label, defaults={"hours": value}
        )


def poll_cursor_read(*, connection: Connection, kind: str) -> str:
    """Where the last successful poll of this connection and kind stopped ("" = from the start)."""
    found = PollCursor.objects.filter(connection=connection, kind=kind).first()
    return found.cursor if found else ""


def poll_batch_store(
    *, connection: Connection, kind: str, items: list[Incoming], next_cursor: str
) -> list[Message]:
    """Store one page of polled items, then move the cursor past it, in one transaction.

    A poll that fails half-way leaves the cursor where it was: the next poll asks for the
    same page again and `message_receive` skips what is already stored. Nothing is lost,
    nothing is stored twice.
    """
    with transaction.atomic():
        stored = [
            message_receive(business=connection.business, incoming=item, connection=connection)
            for item in items
        ]
        PollCursor.objects.update_or_create(
            connection=connection, kind=kind, defaults={"cursor": next_cursor[:500]}
        )
    return stored
