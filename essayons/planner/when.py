"""Local times of a business turned into instants, refusing the ones a clock change makes
impossible or double (e.g. 02:30 on the last Sunday of March in Europe/Paris)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class NonExistentTime(ValueError):
    """The clocks jump over this local time that day."""


class AmbiguousTime(ValueError):
    """The clocks go back and this local time happens twice that day."""


def local_datetime(day: date, at: time, timezone: str) -> datetime:
    """The aware datetime for a wall-clock time in `timezone`; raises on gaps and overlaps."""
    zone = ZoneInfo(timezone)
    first = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    second = first.replace(fold=1)
    if first.utcoffset() != second.utcoffset():
        # zoneinfo gives a gap time the offset before the jump at fold=0 and after it at
        # fold=1; a round trip through UTC tells a gap (wall time changes) from an overlap.
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != first.replace(
            tzinfo=None
        ):
            raise NonExistentTime(f"{day} {at} does not exist in {timezone}")
        raise AmbiguousTime(f"{day} {at} happens twice in {timezone}")
    return first


def local_datetime_lenient(day: date, at: time, timezone: str) -> datetime:
    """Like local_datetime, but a gap moves one hour later and an overlap takes the first."""
    try:
        return local_datetime(day, at, timezone)
    except NonExistentTime:
        shifted = datetime.combine(day, at) + timedelta(hours=1)
        return datetime.combine(shifted.date(), shifted.time(), tzinfo=ZoneInfo(timezone))
    except AmbiguousTime:
        return datetime.combine(day, at, tzinfo=ZoneInfo(timezone))


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def week_key(monday: date) -> str:
    """The ISO week of `monday`, e.g. “2026-W49”: the prefix of that week's planned slots."""
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"
