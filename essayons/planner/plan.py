"""The weekly plan: which posts, on which network and day, fit in the hours the owner has.

Pure functions of (hours, channels, effort model, rhythm asked). The plan never overbooks:
the time for answering customers is set aside first, then posts are added while they fit;
posts the owner asks for beyond that are kept, marked as not fitting, and counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from essayons.diagnostic.channels import Channel
from essayons.planner.effort import EffortModel
from essayons.planner.kinds import ContentKind, mix_sequence

# Beyond these a very small business gains little and tires quickly.
MAX_POSTS_PER_WEEK: dict[str, int] = {
    Channel.FACEBOOK: 4,
    Channel.INSTAGRAM: 5,
    Channel.LINKEDIN: 2,
    Channel.GOOGLE: 2,
    Channel.MASTODON: 5,
    Channel.BLUESKY: 5,
}
MAX_ASKED_PER_WEEK = 7  # one a day per network at most

# Days (0 = Monday) for n posts a week on one network: spread out, Saturday kept for shops.
WEEKDAY_SPREAD: dict[int, tuple[int, ...]] = {
    1: (3,),
    2: (1, 4),
    3: (0, 2, 4),
    4: (0, 2, 4, 5),
    5: (0, 1, 2, 4, 5),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}

# Local times when each network's audience tends to be looking; the owner moves posts freely.
POST_TIME: dict[str, time] = {
    Channel.FACEBOOK: time(12, 0),
    Channel.INSTAGRAM: time(18, 0),
    Channel.LINKEDIN: time(8, 30),
    Channel.GOOGLE: time(10, 0),
    Channel.MASTODON: time(12, 30),
    Channel.BLUESKY: time(13, 0),
}


@dataclass(frozen=True)
class Slot:
    channel: str
    ordinal: int  # 0 for the network's first post of the week, 1 for the second…
    weekday: int
    time: time
    kind: str
    minutes: int
    fits: bool

    @property
    def key(self) -> str:
        """Stable within a week as long as the rhythm of this network does not change."""
        return f"{self.channel}-{self.ordinal}"


@dataclass(frozen=True)
class ChannelLine:
    channel: str
    planned: int
    asked: int
    minutes: int


@dataclass(frozen=True)
class WeeklyPlan:
    hours: Decimal
    channels: tuple[str, ...]
    automatic: bool
    budget_minutes: int
    reply_minutes: int
    replies_per_week: int
    posting_budget: int
    slots: tuple[Slot, ...]
    hours_needed: Decimal  # to the half hour, replies included, for everything asked

    @property
    def fitting_slots(self) -> list[Slot]:
        return [slot for slot in self.slots if slot.fits]

    @property
    def planned_minutes(self) -> int:
        return sum(slot.minutes for slot in self.fitting_slots)

    @property
    def asked_minutes(self) -> int:
        return sum(slot.minutes for slot in self.slots)

    @property
    def total_minutes(self) -> int:
        return self.reply_minutes + self.planned_minutes

    @property
    def spare_minutes(self) -> int:
        return self.budget_minutes - self.total_minutes

    @property
    def over_minutes(self) -> int:
        return max(0, self.asked_minutes - self.posting_budget)

    @property
    def fits(self) -> bool:
        return all(slot.fits for slot in self.slots) and not self.unplanned_channels

    @property
    def unplanned_channels(self) -> list[str]:
        """Networks chosen that get no post at all in the time given."""
        planned = {slot.channel for slot in self.fitting_slots}
        return [channel for channel in self.channels if channel not in planned]

    @property
    def channel_lines(self) -> list[ChannelLine]:
        return [
            ChannelLine(
                channel=channel,
                planned=sum(1 for s in self.fitting_slots if s.channel == channel),
                asked=sum(1 for s in self.slots if s.channel == channel),
                minutes=sum(s.minutes for s in self.fitting_slots if s.channel == channel),
            )
            for channel in self.channels
        ]

    @property
    def mix(self) -> dict[str, int]:
        counts = dict.fromkeys(ContentKind.values, 0)
        for slot in self.fitting_slots:
            counts[slot.kind] += 1
        return counts


def plan_build(
    *,
    hours: Decimal,
    channels: Sequence[str],
    effort: EffortModel,
    asked: Mapping[str, int] | None = None,
    week: int = 0,
) -> WeeklyPlan:
    """The week for `channels` (in order of priority) within `hours`.

    `asked` maps a network to the number of posts a week the owner wants there; networks
    missing from it (or all of them when it is empty) get the rhythm that fits. `week`
    (see `week_number`) turns the content mix from one week to the next.
    """
    channels = tuple(dict.fromkeys(c for c in channels if c in MAX_POSTS_PER_WEEK))
    budget = max(0, int(hours * 60))
    reply_minutes = budget * effort.reply_share_percent // 100
    posting_budget = budget - reply_minutes
    asked = {c: n for c, n in (asked or {}).items() if c in channels}
    counts = _asked_counts(channels, asked, effort, posting_budget, week)
    order = _round_robin(channels, counts)
    kinds = mix_sequence(len(order), week=week)
    remaining = posting_budget
    unplaced = []
    for (channel, ordinal), kind in zip(order, kinds, strict=True):
        minutes = effort.minutes(kind=kind, channel=channel)
        fits = minutes <= remaining
        remaining -= minutes if fits else 0
        unplaced.append((channel, ordinal, kind, minutes, fits))
    slots = tuple(_place(unplaced, counts))
    needed = sum(s.minutes for s in slots) + sum(
        min(effort.post_minutes[c].values()) for c in channels if not counts.get(c)
    )
    return WeeklyPlan(
        hours=hours,
        channels=channels,
        automatic=not asked,
        budget_minutes=budget,
        reply_minutes=reply_minutes,
        replies_per_week=reply_minutes // effort.reply_minutes,
        posting_budget=posting_budget,
        slots=slots,
        hours_needed=_hours_for(needed, effort.reply_share_percent),
    )


def _hours_for(posting_minutes: int, reply_share_percent: int) -> Decimal:
    """The weekly hours, rounded up to the half hour, whose posting share holds these minutes."""
    total = math.ceil(posting_minutes * 100 / (100 - reply_share_percent))
    return Decimal(math.ceil(total / 30)) / 2


def week_number(monday: date) -> int:
    """A running number of the week, the same for every day of it."""
    return monday.toordinal() // 7


def _asked_counts(
    channels: tuple[str, ...],
    asked: Mapping[str, int],
    effort: EffortModel,
    budget: int,
    week: int,
) -> dict[str, int]:
    """Posts per network: what was asked, and for the rest the most that fits, fairly.

    Networks are served in turns (each gets a first post before any gets a second), a post
    is added only if its minutes fit in what is left, and each kind follows the mix.
    """
    counts = {c: min(max(0, asked[c]), MAX_ASKED_PER_WEEK) for c in channels if c in asked}
    free = [c for c in channels if c not in asked]
    remaining = budget - _minutes_of(channels, counts, effort, week)
    if not free or remaining <= 0:
        return {**counts, **dict.fromkeys(free, 0)}
    counts.update(dict.fromkeys(free, 0))
    added = True
    while added:
        added = False
        for channel in free:
            if counts[channel] >= MAX_POSTS_PER_WEEK[channel]:
                continue
            trial = {**counts, channel: counts[channel] + 1}
            cost = _minutes_of(channels, trial, effort, week)
            if cost <= budget:
                counts = trial
                added = True
    return counts


def _minutes_of(
    channels: tuple[str, ...], counts: Mapping[str, int], effort: EffortModel, week: int
) -> int:
    order = _round_robin(channels, counts)
    kinds = mix_sequence(len(order), week=week)
    return sum(
        effort.minutes(kind=kind, channel=channel)
        for (channel, _ordinal), kind in zip(order, kinds, strict=True)
    )


def _round_robin(channels: Sequence[str], counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """(channel, ordinal) in turns: every network's first post, then every second post…"""
    rounds = max(counts.values(), default=0)
    return [
        (channel, ordinal)
        for ordinal in range(rounds)
        for channel in channels
        if ordinal < counts.get(channel, 0)
    ]


def _place(
    unplaced: list[tuple[str, int, str, int, bool]], counts: Mapping[str, int]
) -> list[Slot]:
    slots = []
    for channel, ordinal, kind, minutes, fits in unplaced:
        days = WEEKDAY_SPREAD[min(counts[channel], MAX_ASKED_PER_WEEK)]
        slots.append(
            Slot(
                channel=channel,
                ordinal=ordinal,
                weekday=days[ordinal],
                time=POST_TIME[channel],
                kind=kind,
                minutes=minutes,
                fits=fits,
            )
        )
    return sorted(slots, key=lambda s: (s.weekday, s.time, s.channel))
