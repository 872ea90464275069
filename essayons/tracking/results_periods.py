"""The periods the results are read over: a month, or the whole span of the data."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from essayons.accounts.models import Business
from essayons.tracking.models import AdSpend, DailyRollup, Order, RollupGrain


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    by_month: bool
    key: str

    @property
    def previous(self) -> Period | None:
        if self.by_month:
            return None
        end = self.start - timedelta(days=1)
        return month_period(end.year, end.month)

    def buckets(self) -> list[date]:
        if self.by_month:
            months, current = [], self.start.replace(day=1)
            while current <= self.end:
                months.append(current)
                current = _next_month(current)
            return months
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last), False, f"{year:04d}-{month:02d}")


def data_span(business: Business) -> tuple[date, date] | None:
    """The first and last local day with data (orders, ad spend, folded clicks, codes, answers).

    One query: each end is an ordered, indexed lookup (MIN and MAX together would make SQLite
    read a whole index).
    """

    def first(queryset: QuerySet[Any], field: str, descending: bool = False) -> Subquery:
        order = f"-{field}" if descending else field
        return Subquery(queryset.filter(business=OuterRef("pk")).order_by(order).values(field)[:1])

    days = DailyRollup.objects.filter(grain=RollupGrain.DAY)
    row = (
        Business.objects.filter(pk=business.pk)
        .annotate(
            o1=first(Order.objects.all(), "placed_on"),
            o2=first(Order.objects.all(), "placed_on", descending=True),
            a1=first(AdSpend.objects.all(), "period_start"),
            a2=first(AdSpend.objects.all(), "period_end", descending=True),
            r1=first(days, "day"),
            r2=first(days, "day", descending=True),
        )
        .values_list("o1", "a1", "r1", "o2", "a2", "r2")
        .get()
    )
    firsts = [day for day in row[:3] if day is not None]
    lasts = [day for day in row[3:] if day is not None]
    if not firsts or not lasts:
        return None
    return min(firsts), max(lasts)


def period_choose(business: Business, raw: str | None) -> tuple[Period, list[Period], Period]:
    """The period asked for (``YYYY-MM`` or ``tout``), the months to offer, and "all".

    Without a choice: the month of the latest data (this month when something happened in
    it), so that the page opens on something to read.
    """
    today = timezone.now().astimezone(ZoneInfo(business.timezone)).date()
    span = data_span(business)
    first, last = span or (today, today)
    months = []
    current = min(first, today).replace(day=1)
    while current <= max(last, today):
        months.append(month_period(current.year, current.month))
        current = _next_month(current)
    everything = Period(min(first, today), max(last, today), True, "tout")
    if raw == "tout":
        return everything, months, everything
    chosen = next((m for m in months if m.key == raw), None)
    if chosen is None:
        chosen = next(m for m in months if m.start <= last <= m.end)
    return chosen, months, everything
