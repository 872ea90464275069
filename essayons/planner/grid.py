"""The calendar's month and week grids, in the business's time zone.

One query for the posts of the period, whatever their number (the month cell shows a few
and counts the rest); local dates are computed, not queried.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from essayons.accounts.models import Business
from essayons.diagnostic.channels import Channel
from essayons.planner.localdates import LocalDate, dates_between
from essayons.planner.models import PostStatus
from essayons.planner.plan import Slot, WeeklyPlan
from essayons.planner.queries import live_posts
from essayons.planner.when import week_key

POSTS_PER_MONTH_CELL = 3
LABEL_CHARS = 60
SHORT_NAMES: dict[str, str] = {
    Channel.FACEBOOK: "FB",
    Channel.INSTAGRAM: "IG",
    Channel.LINKEDIN: "in",
    Channel.GOOGLE: "G",
    Channel.MASTODON: "M",
    Channel.BLUESKY: "BS",
}


@dataclass
class Day:
    day: date
    in_period: bool
    is_today: bool
    iso: str = ""
    posts: list[CalendarPost] = field(default_factory=list)
    dates: list[LocalDate] = field(default_factory=list)
    open_slots: list[Slot] = field(default_factory=list)

    @property
    def shown(self) -> list[CalendarPost]:
        return self.posts[:POSTS_PER_MONTH_CELL]

    @property
    def hidden(self) -> int:
        return max(0, len(self.posts) - POSTS_PER_MONTH_CELL)


@dataclass
class MonthGrid:
    first: date
    weeks: list[list[Day]]
    previous: date
    next: date
    total: int


@dataclass
class WeekGrid:
    monday: date
    days: list[Day]
    previous: date
    next: date
    total: int


@dataclass(slots=True)
class CalendarPost:
    """What a calendar chip shows of a post; built from plain rows, not model instances."""

    pk: int
    status: str
    version: int
    text: str
    label: str
    local: datetime
    hhmm: str
    slot_key: str
    status_label: str
    networks: list[str]
    networks_short: str
    url: str
    move_url: str


def _period_posts(
    business: Business, start: date, end: date, channel: str, status: str
) -> list[CalendarPost]:
    """Live posts from local midnight of `start` to local midnight of `end` (excluded).

    One query of plain rows: a month may hold hundreds of posts, and per-post work
    (model instances, URL reversing, label translation) is what would make it slow.
    """
    zone = ZoneInfo(business.timezone)
    posts = live_posts(business).filter(
        scheduled_at__gte=datetime.combine(start, time(), tzinfo=zone),
        scheduled_at__lt=datetime.combine(end, time(), tzinfo=zone),
    )
    if status:
        posts = posts.filter(status=status)
    rows = posts.order_by("scheduled_at", "id").values_list(
        "id", "status", "version", "text", "idea", "channels", "scheduled_at", "slot_key"
    )
    status_labels = {value: str(label) for value, label in PostStatus.choices}
    network_labels = {value: str(label) for value, label in Channel.choices}
    prefix = reverse("planner:post", args=[business.public_id, 0])[: -len("0/")]
    found = []
    for pk, state, version, text, idea, channels, scheduled_at, slot_key in rows:
        # Channels are a small JSON list: filtering here keeps SQLite and PostgreSQL alike.
        if channel and channel not in channels:
            continue
        local = scheduled_at.astimezone(zone)
        found.append(
            CalendarPost(
                pk=pk,
                status=state,
                version=version,
                text=text,
                label=(text or idea)[:LABEL_CHARS],
                local=local,
                hhmm=local.strftime("%H:%M"),
                slot_key=slot_key,
                status_label=status_labels.get(state, state),
                networks=[network_labels.get(c, c) for c in channels],
                networks_short=" ".join(SHORT_NAMES.get(c, c) for c in channels),
                url=f"{prefix}{pk}/",
                move_url=f"{prefix}{pk}/deplacer/",
            )
        )
    return found


def _days(
    business: Business,
    start: date,
    end: date,
    period: tuple[date, date],
    today: date,
    channel: str,
    status: str,
) -> tuple[dict[date, Day], int]:
    days = {
        start + timedelta(days=n): Day(
            day=start + timedelta(days=n),
            in_period=period[0] <= start + timedelta(days=n) < period[1],
            is_today=start + timedelta(days=n) == today,
            iso=(start + timedelta(days=n)).isoformat(),
        )
        for n in range((end - start).days)
    }
    posts = _period_posts(business, start, end, channel, status)
    for post in posts:
        days[post.local.date()].posts.append(post)
    for item in dates_between(start=start, end=end - timedelta(days=1), timezone=business.timezone):
        days[item.day].dates.append(item)
    return days, len(posts)


def month_grid(
    *, business: Business, first: date, today: date, channel: str = "", status: str = ""
) -> MonthGrid:
    first = first.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=7 - last.weekday())
    days, total = _days(
        business, start, end, (first, last + timedelta(days=1)), today, channel, status
    )
    ordered = list(days.values())
    return MonthGrid(
        first=first,
        weeks=[ordered[i : i + 7] for i in range(0, len(ordered), 7)],
        previous=(first - timedelta(days=1)).replace(day=1),
        next=last + timedelta(days=1),
        total=total,
    )


def week_grid(
    *,
    business: Business,
    monday: date,
    today: date,
    plan: WeeklyPlan | None = None,
    channel: str = "",
    status: str = "",
) -> WeekGrid:
    end = monday + timedelta(days=7)
    days, total = _days(business, monday, end, (monday, end), today, channel, status)
    if plan is not None:
        prefix = week_key(monday)
        filled = {post.slot_key for day in days.values() for post in day.posts}
        for slot in plan.fitting_slots:
            if f"{prefix}/{slot.key}" not in filled and (not channel or slot.channel == channel):
                days[monday + timedelta(days=slot.weekday)].open_slots.append(slot)
    return WeekGrid(
        monday=monday,
        days=list(days.values()),
        previous=monday - timedelta(days=7),
        next=end,
        total=total,
    )
