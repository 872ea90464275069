"""“Prepare my week”: one draft per planned slot of a week, each with a suggested idea."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone

from essayons.accounts.models import Membership
from essayons.planner.ideas import Idea, ideas_of_kind
from essayons.planner.kinds import ContentKind
from essayons.planner.localdates import DateKind, LocalDate, dates_to_announce
from essayons.planner.models import EventAction, Post, PostEvent, PostStatus
from essayons.planner.plan import Slot
from essayons.planner.queries import plan_settings, weekly_plan
from essayons.planner.when import local_datetime_lenient, week_key

# A draft needs a little time ahead of it to be worth writing.
MIN_LEAD = timedelta(minutes=30)


@dataclass(frozen=True)
class WeekPrepared:
    created: int
    already: int  # slots that already had their draft (the action is idempotent)
    past: int  # slots whose time had already gone
    left_out: int  # slots asked for but not fitting in the hours


@dataclass(frozen=True)
class Suggestion:
    kind: str
    text: str
    ref: str


def week_prepare(*, membership: Membership, monday: date) -> WeekPrepared:
    """Create the missing drafts for the planned slots of the week starting `monday`.

    Idempotent: a slot's draft is keyed by week and slot (unique per business), so running
    it again, even concurrently, creates nothing new. Deleted drafts are not recreated.
    """
    business = membership.business
    plan = weekly_plan(plan_settings(business=business), monday=monday)
    prefix = week_key(monday)
    existing = set(
        Post.objects.filter(business=business, slot_key__startswith=prefix + "/").values_list(
            "slot_key", flat=True
        )
    )
    picker = _IdeaPicker(membership, monday)
    now = timezone.now()
    created = already = past = 0
    for slot in plan.fitting_slots:
        key = f"{prefix}/{slot.key}"
        when = local_datetime_lenient(
            monday + timedelta(days=slot.weekday), slot.time, business.timezone
        )
        if key in existing:
            already += 1
            continue
        if when <= now + MIN_LEAD:
            past += 1
            continue
        suggestion = picker.pick(slot, when)
        if _draft_create(membership, slot, key, when, suggestion):
            created += 1
        else:
            already += 1
    return WeekPrepared(created, already, past, len(plan.slots) - len(plan.fitting_slots))


def _draft_create(
    membership: Membership, slot: Slot, key: str, when: datetime, suggestion: Suggestion
) -> bool:
    try:
        with transaction.atomic():
            post = Post.objects.create(
                business=membership.business,
                author=membership.user,
                updated_by=membership.user,
                status=PostStatus.DRAFT,
                kind=suggestion.kind,
                channels=[slot.channel],
                scheduled_at=when,
                idea=suggestion.text,
                idea_ref=suggestion.ref,
                slot_key=key,
            )
            PostEvent.objects.create(
                post=post,
                actor=membership.user,
                action=EventAction.CREATED,
                to_status=PostStatus.DRAFT,
                details={"prepared_week": key.split("/")[0]},
            )
    except IntegrityError:
        return False  # another run created this slot's draft meanwhile
    return True


class _IdeaPicker:
    """Local dates first (on a slot before the date), then the trade's least used ideas."""

    def __init__(self, membership: Membership, monday: date) -> None:
        business = membership.business
        self.trade = business.trade
        self.last_used = dict(
            Post.objects.filter(business=business)
            .exclude(idea_ref="")
            .values("idea_ref")
            .annotate(last=Max("created_at"))
            .values_list("idea_ref", "last")
        )
        self.dates = [
            d
            for d in dates_to_announce(
                start=monday, end=monday + timedelta(days=6), timezone=business.timezone
            )
            if _date_ref(d) not in self.last_used
        ]

    def pick(self, slot: Slot, when: datetime) -> Suggestion:
        local_day = timezone.localtime(when, when.tzinfo).date()
        for item in self.dates:
            if item.announce_from <= local_day <= item.day:
                self.dates.remove(item)
                kind = ContentKind.OFFERS if item.kind == DateKind.COMMERCIAL else ContentKind.LOCAL
                day = formats.date_format(item.day, "l j F")
                return Suggestion(kind, f"{item.name} ({day}) — {item.idea}", _date_ref(item))
        idea = self._least_used(ideas_of_kind(self.trade, slot.kind))
        if idea is None:
            return Suggestion(slot.kind, "", "")
        self.last_used[idea.ref] = timezone.now()
        return Suggestion(slot.kind, idea.text(), idea.ref)

    def _least_used(self, ideas: list[Idea]) -> Idea | None:
        unused = [idea for idea in ideas if idea.ref not in self.last_used]
        if unused:
            return unused[0]
        return min(ideas, key=lambda idea: self.last_used[idea.ref], default=None)


def _date_ref(item: LocalDate) -> str:
    return f"date/{item.key}/{item.day.isoformat()}"
