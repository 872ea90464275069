"""Reads of the inbox: the ordered list, what is overdue, monthly figures, ambassadors."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from essayons.accounts.models import Business
from essayons.brand.models import AddressForm, Charte, EmojiUse
from essayons.inbox.models import DEFAULT_TARGET_HOURS, Direction, Message, TargetTime
from essayons.inbox.procedures import Facts, Tone
from essayons.inbox.triage import Label, triage_rank_key

# Messages that call for an answer (the rest is spam, insults, off-topic).
TO_ANSWER = (Label.COMPLAINT, Label.QUESTION, Label.PRAISE)
INBOX_PAGE = 200
AMBASSADOR_MIN_PRAISE = 2
# Someone who says they recommend or share the business counts as an ambassador at once.
RECOMMENDS = re.compile(r"recommand|recommend|partag|\bshar(e|ed|ing)\b", re.IGNORECASE)


def target_hours(business: Business) -> dict[str, int]:
    """Hours within which each kind of message should be answered (defaults unless edited)."""
    hours = dict(DEFAULT_TARGET_HOURS)
    hours.update(TargetTime.objects.filter(business=business).values_list("label", "hours"))
    return hours


def is_overdue(message: Message, hours: dict[str, int], now: datetime) -> bool:
    limit = hours.get(message.label)
    if limit is None or message.answered_at is not None:
        return False
    return now - message.received_at > timedelta(hours=limit)


@dataclass(frozen=True)
class InboxRow:
    message: Message
    overdue: bool


def inbox_messages(
    *, business: Business, label: str = "", channel: str = "", answered: str = ""
) -> list[InboxRow]:
    """What waits for an answer first: not sorted yet (it may be a complaint), complaints,
    questions, then the rest, oldest first within each; then what is answered, latest first.

    Ordered by the database before the page is cut, so that an old unanswered complaint is
    never pushed off the page by newer messages.
    """
    rows = Message.objects.filter(business=business, direction=Direction.IN)
    if label:
        rows = rows.filter(label=label)
    if channel:
        rows = rows.filter(channel=channel)
    rows = rows.select_related("conversation")
    waiting: list[Message] = []
    if answered != "yes":
        waiting = list(
            rows.filter(answered_at__isnull=True)
            .annotate(rank=_RANK)
            .order_by("rank", "received_at", "pk")[:INBOX_PAGE]
        )
    done: list[Message] = []
    if answered != "no" and len(waiting) < INBOX_PAGE:
        done = list(
            rows.filter(answered_at__isnull=False).order_by("-answered_at", "-pk")[
                : INBOX_PAGE - len(waiting)
            ]
        )
    hours = target_hours(business)
    now = timezone.now()
    return [InboxRow(message=m, overdue=is_overdue(m, hours, now)) for m in waiting + done]


def _rank_of(label: str) -> int:
    return triage_rank_key(label, datetime.min)[0]


# Not sorted yet, then complaints, then questions, then the rest (triage_rank_key's order).
_RANK = Case(
    When(triaged_at__isnull=True, then=Value(-1)),
    *(
        When(label=label, then=Value(_rank_of(label)))
        for label in (Label.COMPLAINT, Label.QUESTION)
    ),
    default=Value(_rank_of(Label.OTHER)),
    output_field=IntegerField(),
)


def overdue_complaints() -> list[Message]:
    """Unanswered complaints past their business's target and not alerted yet."""
    waiting = Message.objects.filter(
        direction=Direction.IN,
        label=Label.COMPLAINT,
        answered_at__isnull=True,
        overdue_alerted_at__isnull=True,
    ).select_related("business")
    now = timezone.now()
    hours_of: dict[int, dict[str, int]] = {}
    late = []
    for message in waiting:
        if message.business_id not in hours_of:
            hours_of[message.business_id] = target_hours(message.business)
        if is_overdue(message, hours_of[message.business_id], now):
            late.append(message)
    return late


def inbox_month_figures(*, business: Business, month: date) -> tuple[timedelta | None, float]:
    """(median response time, share answered) of the messages calling for an answer that
    arrived during `month` (any day of it), in the business's time zone; share in 0..1."""
    start, end = _month_bounds(business, month)
    rows = list(
        Message.objects.filter(
            business=business,
            direction=Direction.IN,
            label__in=TO_ANSWER,
            received_at__gte=start,
            received_at__lt=end,
        ).values_list("received_at", "answered_at")
    )
    if not rows:
        return None, 0.0
    seconds = [(done - came).total_seconds() for came, done in rows if done is not None]
    share = len(seconds) / len(rows)
    return (timedelta(seconds=statistics.median(seconds)) if seconds else None), share


@dataclass(frozen=True)
class MonthFigures:
    asked: int
    median: timedelta | None
    share: float

    @property
    def share_percent(self) -> int:
        return round(100 * self.share)

    @property
    def median_text(self) -> str:
        return duration_words(self.median) if self.median is not None else "—"


def inbox_month_summary(*, business: Business, month: date | None = None) -> MonthFigures:
    """One month's answer figures (the inbox, the results page); this month by default."""
    if month is None:
        month = timezone.now().astimezone(ZoneInfo(business.timezone)).date()
    asked = inbox_month_count(business=business, month=month)
    median, share = inbox_month_figures(business=business, month=month)
    return MonthFigures(asked=asked, median=median, share=share)


def inbox_month_count(*, business: Business, month: date) -> int:
    start, end = _month_bounds(business, month)
    return Message.objects.filter(
        business=business,
        direction=Direction.IN,
        label__in=TO_ANSWER,
        received_at__gte=start,
        received_at__lt=end,
    ).count()


def _month_bounds(business: Business, month: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(business.timezone)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=zone)
    return start, end


def duration_words(duration: timedelta) -> str:
    """A wait in the unit a person would say: "25 min", "3 h", "2 days"."""
    minutes = max(1, round(duration.total_seconds() / 60))
    if minutes < 60:
        return gettext("%(n)d min") % {"n": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return gettext("%(n)d h") % {"n": hours}
    days = round(hours / 24)
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


@dataclass
class Ambassador:
    name: str
    channel: str
    channel_label: str
    messages: list[Message] = field(default_factory=list)
    recommends: bool = False


def ambassadors(*, business: Business) -> list[Ambassador]:
    """People who praised at least twice, or who say they recommend or share the business."""
    people: dict[tuple[str, str], Ambassador] = {}
    praise = Message.objects.filter(
        business=business, direction=Direction.IN, label=Label.PRAISE
    ).order_by("received_at")
    for message in praise:
        who = message.author_remote_id or message.author_name.strip().casefold()
        if not who:
            continue
        person = people.setdefault(
            (message.channel, who),
            Ambassador(
                name=message.author_name,
                channel=message.channel,
                channel_label=str(message.get_channel_display()),
            ),
        )
        person.messages.append(message)
        person.recommends = person.recommends or bool(RECOMMENDS.search(message.text))
    chosen = [
        p for p in people.values() if len(p.messages) >= AMBASSADOR_MIN_PRAISE or p.recommends
    ]
    return sorted(chosen, key=lambda p: -len(p.messages))


def tone_for(business: Business) -> Tone:
    """The charter's voice, or a polite default when the charter is not written yet."""
    charte = Charte.objects.filter(business=business).first()
    if charte is None:
        return Tone()
    return Tone(
        familiar=charte.address_form == AddressForm.TU,
        emojis=charte.emojis != EmojiUse.NONE,
        promise=charte.promise.strip(),
        words_to_avoid=tuple(charte.avoid_terms),
    )


def facts_for(business: Business) -> Facts:
    # The business profile has no opening hours yet: the suggestion leaves a marked blank.
    return Facts(name=business.name, town=business.town, address=business.address)


def earlier_messages(message: Message) -> list[Message]:
    """What the same person said before on the same channel (this thread or others)."""
    same_person = Message.objects.filter(
        business=message.business, channel=message.channel, received_at__lt=message.received_at
    )
    if message.author_remote_id:
        same_person = same_person.filter(author_remote_id=message.author_remote_id)
    elif message.author_name:
        same_person = same_person.filter(author_name__iexact=message.author_name)
    else:
        same_person = same_person.filter(conversation=message.conversation)
    return list(same_person.order_by("-received_at")[:20])
