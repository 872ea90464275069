"""The local calendar of a business, computed for any year: public holidays, shop dates
and the overseas territories' own days. Pure functions; nothing is stored.

The territory comes from the business's time zone (accounts.Territory). Movable feasts are
counted from Easter (dateutil's Western Easter). Each date carries a lead time: the number
of days before it when Essayons starts suggesting it. Names and ideas are in `texts.py`.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.easter import easter
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Territory
from essayons.planner.localdates.texts import TEXTS

ANTILLES = frozenset({Territory.MARTINIQUE, Territory.GUADELOUPE})
CARNIVAL_TERRITORIES = frozenset({Territory.MARTINIQUE, Territory.GUADELOUPE, Territory.GUYANE})
OVERSEAS = frozenset(
    {Territory.MARTINIQUE, Territory.GUADELOUPE, Territory.GUYANE, Territory.REUNION}
)
MONDAY, WEDNESDAY, THURSDAY, SATURDAY, SUNDAY = 0, 2, 3, 5, 6


class DateKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    COMMERCIAL = "commercial", _("Shop date")
    LOCAL = "local", _("Local life")


@dataclass(frozen=True)
class LocalDate:
    day: date
    key: str
    name: str | Promise
    kind: str
    lead_days: int
    idea: str | Promise
    approximate: bool = False  # set each year by the authorities; the day shown is typical

    @property
    def announce_from(self) -> date:
        return self.day - timedelta(days=self.lead_days)


def _dated(
    key: str, day: date, kind: str, lead: int, *, text: str = "", approximate: bool = False
) -> LocalDate:
    name, idea = TEXTS[text or key]
    return LocalDate(day, key, name, kind, lead, idea, approximate)


def territory_of(timezone: str) -> str:
    return timezone if timezone in Territory.values else Territory.PARIS


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (0 = Monday) of the month; n = -1 for the last one."""
    days = [
        date(year, month, day)
        for day in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, day).weekday() == weekday
    ]
    return days[n - 1] if n > 0 else days[n]


def mothers_day(year: int) -> date:
    """Last Sunday of May, or the first Sunday of June when that is Pentecost
    (Code de l'action sociale et des familles, art. D215-1)."""
    last_sunday = nth_weekday(year, 5, SUNDAY, -1)
    if last_sunday == easter(year) + timedelta(days=49):
        return nth_weekday(year, 6, SUNDAY, 1)
    return last_sunday


def epiphany(year: int) -> date:
    """In France the Epiphany is kept on the Sunday between 2 and 8 January."""
    return next(date(year, 1, d) for d in range(2, 9) if date(year, 1, d).weekday() == SUNDAY)


def advent_sunday(year: int) -> date:
    """The first Sunday of Advent: four Sundays before Christmas."""
    christmas = date(year, 12, 25)
    sunday_before = christmas - timedelta(days=(christmas.weekday() + 1) % 7 or 7)
    return sunday_before - timedelta(weeks=3)


def winter_sales_mainland(year: int) -> date:
    """Second Wednesday of January, or the first when the second falls after the 12th
    (Code de commerce, art. D310-15-2; four weeks from 8 a.m.)."""
    second = nth_weekday(year, 1, WEDNESDAY, 2)
    return second if second.day <= 12 else nth_weekday(year, 1, WEDNESDAY, 1)


def summer_sales_mainland(year: int) -> date:
    """Last Wednesday of June, or the one before when the last falls after the 28th
    (Code de commerce, art. D310-15-2)."""
    last = nth_weekday(year, 6, WEDNESDAY, -1)
    return last if last.day <= 28 else last - timedelta(days=7)


def sales_starts(year: int, territory: str) -> list[tuple[str, date]]:
    """(season key, first day) of the legal sales for a territory.

    Overseas dates come from the annex of the arrêté of 27 May 2019 (taken under Code de
    commerce art. D310-15-2, observed 2020–2024): Guadeloupe, first Saturday of January and
    last Saturday of September; Martinique, national winter dates and first Thursday of
    October; Guyane, national dates; La Réunion, first Saturday of February (austral summer)
    and of September (austral winter). A prefect may move a year's dates by decree.
    """
    if territory == Territory.GUADELOUPE:
        return [
            ("sales_winter", nth_weekday(year, 1, SATURDAY, 1)),
            ("sales_summer", nth_weekday(year, 9, SATURDAY, -1)),
        ]
    if territory == Territory.MARTINIQUE:
        return [
            ("sales_winter", winter_sales_mainland(year)),
            ("sales_summer", nth_weekday(year, 10, THURSDAY, 1)),
        ]
    if territory == Territory.REUNION:
        return [
            ("sales_summer", nth_weekday(year, 2, SATURDAY, 1)),
            ("sales_winter", nth_weekday(year, 9, SATURDAY, 1)),
        ]
    return [
        ("sales_winter", winter_sales_mainland(year)),
        ("sales_summer", summer_sales_mainland(year)),
    ]


ABOLITION_OF_SLAVERY: dict[str, tuple[int, int]] = {
    Territory.MARTINIQUE: (5, 22),
    Territory.GUADELOUPE: (5, 27),
    Territory.GUYANE: (6, 10),
    Territory.REUNION: (12, 20),
}

Builder = Callable[[int, str], Iterable[LocalDate]]


def _public_holidays(year: int, territory: str) -> Iterable[LocalDate]:
    e = easter(year)
    rows = [  # (key, day, lead days)
        ("new_year", date(year, 1, 1), 7),
        ("easter_monday", e + timedelta(days=1), 5),
        ("labour_day", date(year, 5, 1), 5),
        ("victory_day", date(year, 5, 8), 5),
        ("ascension", e + timedelta(days=39), 5),
        ("whit_monday", e + timedelta(days=50), 5),
        ("bastille_day", date(year, 7, 14), 7),
        ("assumption", date(year, 8, 15), 7),
        ("all_saints", date(year, 11, 1), 5),
        ("armistice", date(year, 11, 11), 5),
        ("christmas", date(year, 12, 25), 21),
    ]
    if territory in ABOLITION_OF_SLAVERY:
        month, day = ABOLITION_OF_SLAVERY[territory]
        rows.append(("abolition", date(year, month, day), 7))
    if territory in ANTILLES:
        rows.append(("schoelcher_day", date(year, 7, 21), 5))
    return [_dated(key, day, DateKind.HOLIDAY, lead) for key, day, lead in rows]


def _shop_dates(year: int, territory: str) -> Iterable[LocalDate]:
    e = easter(year)
    found = [
        _dated(key, day, DateKind.COMMERCIAL, 7, text="sales")
        for key, day in sales_starts(year, territory)
    ]
    rows = [  # (key, day, lead days)
        ("epiphany", epiphany(year), 10),
        ("candlemas", date(year, 2, 2), 7),
        ("valentines_day", date(year, 2, 14), 10),
        ("grandmothers_day", nth_weekday(year, 3, SUNDAY, 1), 10),
        ("april_fools", date(year, 4, 1), 5),
        ("easter", e, 14),
        ("mothers_day", mothers_day(year), 14),
        ("fathers_day", nth_weekday(year, 6, SUNDAY, 3), 14),
        ("music_day", date(year, 6, 21), 7),
        ("heritage_days", nth_weekday(year, 9, SATURDAY, 3), 10),
        ("halloween", date(year, 10, 31), 10),
        ("black_friday", nth_weekday(year, 11, THURSDAY, 4) + timedelta(days=1), 10),
        ("new_years_eve", date(year, 12, 31), 14),
    ]
    found += [_dated(key, day, DateKind.COMMERCIAL, lead) for key, day, lead in rows]
    # The school year starts around 1 September, mid-August in La Réunion (set by each rectorat).
    rentree = date(year, 8, 16) if territory == Territory.REUNION else date(year, 9, 1)
    found.append(_dated("back_to_school", rentree, DateKind.COMMERCIAL, 14, approximate=True))
    if territory not in CARNIVAL_TERRITORIES:
        found.append(
            _dated(
                "mardi_gras",
                e - timedelta(days=47),
                DateKind.COMMERCIAL,
                7,
                text="mardi_gras_mainland",
            )
        )
    return found


def _carnival(year: int, territory: str) -> Iterable[LocalDate]:
    """Carnival days counted back from Easter, for the Antilles and Guyane."""
    if territory not in CARNIVAL_TERRITORIES:
        return []
    e = easter(year)
    rows = [  # (key, days from Easter, lead days)
        ("dimanche_gras", -49, 10),
        ("lundi_gras", -48, 3),
        ("mardi_gras", -47, 3),
        ("ash_wednesday", -46, 3),
    ]
    if territory in ANTILLES:
        rows.append(("mi_careme", -24, 5))  # Thursday of the third week of Lent
    found = [_dated(key, e + timedelta(days=n), DateKind.LOCAL, lead) for key, n, lead in rows]
    if territory == Territory.GUYANE:
        # Guyane's Carnival season runs from the Epiphany to Ash Wednesday.
        found.append(_dated("carnival_opening", epiphany(year), DateKind.LOCAL, 7))
    return found


def _overseas_customs(year: int, territory: str) -> Iterable[LocalDate]:
    if territory not in OVERSEAS:
        return []
    found = [_dated("all_saints_lights", date(year, 11, 1), DateKind.LOCAL, 7)]
    if territory in ANTILLES:
        # Chanté Nwel gatherings run through Advent.
        found.append(_dated("chante_nwel", advent_sunday(year), DateKind.LOCAL, 10))
    return found


BUILDERS: tuple[Builder, ...] = (_public_holidays, _shop_dates, _carnival, _overseas_customs)


def local_dates(*, year: int, timezone: str) -> list[LocalDate]:
    """Every date of the year for the territory of `timezone`, in order."""
    territory = territory_of(timezone)
    found = [item for build in BUILDERS for item in build(year, territory)]
    return sorted(found, key=lambda d: (d.day, d.key))


def dates_between(*, start: date, end: date, timezone: str) -> list[LocalDate]:
    """Dates falling from `start` to `end`, both included (the span may cross years)."""
    return [
        item
        for year in range(start.year, end.year + 1)
        for item in local_dates(year=year, timezone=timezone)
        if start <= item.day <= end
    ]


def dates_to_announce(*, start: date, end: date, timezone: str) -> list[LocalDate]:
    """Dates whose announcement window (lead days, then the day) meets `start`…`end`."""
    longest_lead = timedelta(days=31)
    return [
        item
        for item in dates_between(start=start, end=end + longest_lead, timezone=timezone)
        if item.announce_from <= end and item.day >= start
    ]
