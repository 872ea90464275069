"""Messages arriving (webhooks, polls, the counter), sorted by the worker, labels corrected."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from essayons.accounts.models import Business, User
from essayons.accounts.roles import Perm
from essayons.accounts.services import notification_send
from essayons.connectors.base import Incoming
from essayons.connectors.models import Connection
from essayons.inbox.models import (
    MAX_TEXT,
    OFFLINE_CHANNELS,
    Conversation,
    Direction,
    LabelCorrection,
    Message,
    Reply,
    TargetTime,
)
from essayons.inbox.triage import Correction, Label, Verdict, triage_classify
from essayons.publishing.models import Delivery

log = logging.getLogger(__name__)

__all__ = ["Incoming"]  # re-exported: the inbox's callers name it from here

# The most recent corrections of one business are enough to steer triage (see Correction).
CORRECTIONS_KEPT = 300
# A message still unsorted after this long lost its task (worker down, queue flushed): again.
TRIAGE_GRACE = timedelta(minutes=2)
CONTEXT_KEYS = 20
CONTEXT_VALUE = 500


def corrections_for(business: Business) -> list[Correction]:
    rows = LabelCorrection.objects.filter(business=business).order_by("-created_at")
    return [Correction(text=r.text, label=Label(r.label)) for r in rows[:CORRECTIONS_KEPT]]


def message_receive(
    *,
    business: Business,
    incoming: Incoming,
    connection: Connection | None = None,
    label: str = "",
) -> Message:
    """Store one incoming message once; the worker sorts it (`message_triage`).

    A message already stored (same business, channel and remote id: a webhook retried, a
    poll overlapping the last one) is returned and nothing is added; if its words or stars
    changed (an edited review), they are updated and it is sorted again. `label` is
    given only when a person chose the kind themselves (the counter form): no sorting then.
    Sorting is left to the worker so that a webhook answers at once and the web processes
    never load the language model.
    """
    existing = Message.objects.filter(
        business=business, channel=incoming.channel, remote_id=incoming.remote_id
    ).first()
    if existing is not None:
        return _message_edited(existing, incoming)
    try:
        with transaction.atomic():
            message = _message_create(business, incoming, connection, label)
    except IntegrityError:  # the same message arrived twice at the same moment
        return Message.objects.get(
            business=business, channel=incoming.channel, remote_id=incoming.remote_id
        )
    if not label:
        _triage_enqueue(message.pk)
    return message


def _message_create(
    business: Business, incoming: Incoming, connection: Connection | None, label: str
) -> Message:
    thread = _thread_of(business, incoming)
    excerpt, url = _our_post(business, incoming)
    conversation, _created = Conversation.objects.get_or_create(
        business=business,
        channel=incoming.channel,
        remote_thread_id=thread[:255],
        defaults={
            "connection": connection,
            "post_remote_id": incoming.post_remote_id[:255],
            "post_url": (incoming.post_url or url)[:500],
            "post_excerpt": (incoming.post_excerpt or excerpt)[:500],
            "customer_name": incoming.author_name[:200],
            "customer_remote_id": incoming.author_remote_id[:255],
        },
    )
    chosen = {"label": label, "triaged_at": timezone.now()} if label else {}
    return Message.objects.create(
        conversation=conversation,
        business=business,
        channel=incoming.channel,
        remote_id=incoming.remote_id[:255],
        author_name=incoming.author_name[:200],
        author_remote_id=incoming.author_remote_id[:255],
        text=incoming.text[:MAX_TEXT],
        received_at=incoming.received_at,
        direction=Direction.IN,
        reply_context=_context(incoming),
        **chosen,
    )


def _our_post(business: Business, incoming: Incoming) -> tuple[str, str]:
    """(text, link) of our own post the customer is answering, when Essayons published it:
    the owner sees what was said without the network being asked for it."""
    if not incoming.post_remote_id:
        return "", ""
    delivery = (
        Delivery.objects.filter(
            business=business,
            channel=incoming.channel,
            remote_id=incoming.post_remote_id,
        )
        .select_related("post")
        .first()
    )
    if delivery is None:
        return "", ""
    url = delivery.remote_url if delivery.remote_url.startswith("https://") else ""
    return delivery.post.text, url


def _thread_of(business: Business, incoming: Incoming) -> str:
    """The conversation it belongs to. A customer answering one of OUR replies continues the
    conversation that reply was part of (Mastodon and Bluesky give each answer its own id)."""
    if incoming.post_remote_id:
        ours = (
            Reply.objects.filter(
                business=business,
                remote_id=incoming.post_remote_id,
                message__channel=incoming.channel,
            )
            .values_list("message__conversation__remote_thread_id", flat=True)
            .first()
        )
        if ours:
            return ours
    return incoming.thread_id or incoming.author_remote_id or incoming.remote_id


def _message_edited(message: Message, incoming: Incoming) -> Message:
    """The customer changed what they said (an edited review: 5 stars become 1): keep the new
    words and sort it again, unless a person already chose its kind."""
    context = _context(incoming)
    text = incoming.text[:MAX_TEXT]
    if text == message.text and context.get("rating") == message.reply_context.get("rating"):
        return message
    again = {} if message.label_corrected_at else {"triaged_at": None}
    Message.objects.filter(pk=message.pk).update(text=text, reply_context=context, **again)
    if again:
        _triage_enqueue(message.pk)
    message.refresh_from_db()
    return message


def _context(incoming: Incoming) -> dict[str, str]:
    """What the connector asked to keep, as short strings (it comes from the network)."""
    items = list((incoming.context or {}).items())[:CONTEXT_KEYS]
    return {str(k)[:100]: str(v)[:CONTEXT_VALUE] for k, v in items}


def _triage_enqueue(message_id: int) -> None:
    from essayons.inbox.tasks import inbox_message_triage

    transaction.on_commit(lambda: inbox_message_triage.enqueue(message_id=message_id))


def message_triage(*, message_id: int) -> Message | None:
    """Sort one stored message (in the worker); a label a person set is never overwritten."""
    message = Message.objects.select_related("business").filter(pk=message_id).first()
    if message is None or message.triaged:
        return message
    verdict = _verdict(message)
    Message.objects.filter(
        pk=message.pk, triaged_at__isnull=True, label_corrected_at__isnull=True
    ).update(
        label=verdict.label,
        confidence=verdict.confidence,
        reasons=[str(r) for r in verdict.reasons],
        triaged_at=timezone.now(),
    )
    message.refresh_from_db()
    return message


def _verdict(message: Message) -> Verdict:
    """The stars of a review speak first: 1–2 stars is an unhappy customer, whatever the words."""
    stars = message.rating
    if stars is not None and stars <= 2:
        reason = _("gave %(stars)d stars out of 5") % {"stars": stars}
        return Verdict(Label.COMPLAINT, 1.0, [reason])
    if stars is not None and not message.text.strip():
        label = Label.PRAISE if stars >= 4 else Label.OTHER
        return Verdict(label, 1.0, [_("gave %(stars)d stars out of 5") % {"stars": stars}])
    return triage_classify(message.text, corrections=corrections_for(message.business))


def messages_untriaged_requeue() -> int:
    """Messages whose sorting task was lost get one again; returns how many."""
    late = Message.objects.filter(
        triaged_at__isnull=True, received_at__lt=timezone.now() - TRIAGE_GRACE
    ).values_list("pk", flat=True)[:500]
    ids = list(late)
    for message_id in ids:
        _triage_enqueue(message_id)
    return len(ids)


def counter_message_create(
    *, business: Business, channel: str, who: str, text: str, kind: str = ""
) -> Message:
    """Something said at the counter or on the phone, entered by hand.

    The person who heard it may say what it was (`kind`); otherwise the worker sorts it.
    """
    incoming = Incoming(
        channel=channel,
        remote_id="local-" + secrets.token_hex(12),
        text=text,
        received_at=timezone.now(),
        author_name=who,
    )
    return message_receive(business=business, incoming=incoming, label=kind)


def label_correct(*, message: Message, label: str, by: User) -> Message:
    """The owner's label wins, and similar messages of THIS business will follow it."""
    now = timezone.now()
    with transaction.atomic():
        LabelCorrection.objects.create(
            business=message.business, message=message, text=message.text, label=label
        )
        message.label = label
        message.label_corrected_by = by
        message.label_corrected_at = now
        message.triaged_at = message.triaged_at or now
        message.save(
            update_fields=["label", "label_corrected_by", "label_corrected_at", "triaged_at"]
        )
    return message


def message_mark_answered(*, message: Message, by: User) -> bool:
    """Answered by hand (at the counter, on the phone, on the network itself): no network call."""
    return (
        Message.objects.filter(pk=message.pk, answered_at__isnull=True).update(
            answered_at=timezone.now(), answered_by=by
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
