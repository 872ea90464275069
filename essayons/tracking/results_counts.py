"""Reading clicks, codes and answers for the results: folded cells plus the rows above the marks.

The cells come from DailyRollup (see results_rollups for how they are folded); the rows not
folded yet are read by primary key only and counted here, so every read is exact.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Sum

from essayons.accounts.models import Business
from essayons.tracking.models import (
    Click,
    DailyRollup,
    DeclaredSource,
    Redemption,
    RollupGrain,
    RollupKind,
    TrackedLink,
)
from essayons.tracking.results_rollups import BOT_KEY, Snapshot, Total, snapshot_take


@dataclass(frozen=True)
class Counts:
    """What the results read for a period of whole months.

    `by_ref`: the whole period per link, code or answer (`bucket` is the first month);
    `by_bucket`: per day or per month, all links and codes together (`ref` is 0).
    """

    by_ref: list[Total]
    by_bucket: list[Total]


NewRow = tuple[str, int, str, datetime, int]  # kind, ref, key, at, cents


def counts_read(
    *,
    business: Business,
    start: date,
    end: date,
    by_month: bool,
    snapshot: Snapshot | None = None,
    new_rows: list[NewRow] | None = None,
) -> Counts:
    """Clicks, codes and answers between two local days, read from the month and day cells.

    Periods are whole months (the months of `start` and `end` and those between). The folded
    cells are read up to the snapshot's marks, the rows above them (`new_rows`, read here when
    not given) are counted in Python. The caller checks `snapshot_holds` after reading.
    """
    snapshot = snapshot or snapshot_take()
    if new_rows is None:
        new_rows = new_rows_read(business=business, snapshot=snapshot)
    first = start.replace(day=1)
    cells = DailyRollup.objects.filter(business=business, day__gte=first, day__lte=end)
    by_ref = [
        Total(kind, first, ref, key, count, Decimal(cents) / 100)
        for kind, ref, key, count, cents in cells.filter(grain=RollupGrain.MONTH)
        .values_list("kind", "ref", "key")
        .annotate(n=Sum("count"), cents=Sum("amount_cents"))
        .order_by()
    ]
    grain = RollupGrain.MONTH if by_month else RollupGrain.DAY
    by_bucket = [
        Total(kind, when, 0, key, count, Decimal(cents) / 100)
        for kind, when, key, count, cents in cells.filter(grain=grain)
        .values_list("kind", "day", "key")
        .annotate(n=Sum("count"), cents=Sum("amount_cents"))
        .order_by()
    ]
    live = _live(business, first, end, by_month, new_rows)
    return Counts(by_ref + live.by_ref, by_bucket + live.by_bucket)


def _live(
    business: Business, first: date, end: date, by_month: bool, new_rows: list[NewRow]
) -> Counts:
    """The rows not folded yet, read by primary key only (a few minutes' worth) and counted here.

    Filtering on anything else would let the database pick another index and walk the whole
    table; the business, the days and the local time zone are applied in Python.
    """
    zone = ZoneInfo(business.timezone)
    refs: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0])
    buckets: dict[tuple[str, date, str], list[int]] = defaultdict(lambda: [0, 0])
    for kind, ref, key, at, cents in new_rows:
        day = at.astimezone(zone).date()
        if not first <= day <= end:
            continue
        for cell in (
            refs[(kind, ref, key)],
            buckets[(kind, day.replace(day=1) if by_month else day, key)],
        ):
            cell[0] += 1
            cell[1] += cents
    return Counts(
        [
            Total(kind, first, ref, key, n, Decimal(c) / 100)
            for (kind, ref, key), (n, c) in refs.items()
        ],
        [
            Total(kind, when, 0, key, n, Decimal(c) / 100)
            for (kind, when, key), (n, c) in buckets.items()
        ],
    )


def new_rows_read(*, business: Business, snapshot: Snapshot) -> list[NewRow]:
    """This business's rows above the marks: a few minutes' worth, read by primary key only.

    Filtering on anything else would let the database pick another index and walk the whole
    table, so the business is checked here. Kinds with nothing above their mark cost nothing.
    """
    found: list[NewRow] = []
    marks = snapshot.marks
    if snapshot.unfolded(RollupKind.CLICK):
        rows = list(
            Click.objects.filter(id__gt=marks.get(RollupKind.CLICK, 0)).values_list(
                "link_id", "at", "is_bot"
            )
        )
        ours = set(TrackedLink.objects.filter(business=business).values_list("id", flat=True))
        found += [
            (RollupKind.CLICK, link_id, BOT_KEY if is_bot else "", at, 0)
            for link_id, at, is_bot in rows
            if link_id in ours
        ]
    if snapshot.unfolded(RollupKind.REDEMPTION):
        redeemed = Redemption.objects.filter(id__gt=marks.get(RollupKind.REDEMPTION, 0))
        found += [
            (RollupKind.REDEMPTION, code_id, "", at, int((amount * 100).to_integral_value()))
            for owner, code_id, at, amount in redeemed.values_list(
                "business_id", "promo_code_id", "at", "amount"
            )
            if owner == business.pk
        ]
    if snapshot.unfolded(RollupKind.DECLARED):
        declared = DeclaredSource.objects.filter(id__gt=marks.get(RollupKind.DECLARED, 0))
        found += [
            (RollupKind.DECLARED, 0, source, at, 0)
            for owner, source, at in declared.values_list("business_id", "source", "at")
            if owner == business.pk
        ]
    return found


def declared_in_windows(
    *,
    business: Business,
    windows: dict[int, tuple[date, date]],
    new_rows: list[NewRow],
) -> dict[int, Counter[str]]:
    """The answers at the till within each window of days (e.g. while each campaign ran).

    One query: the windows are a VALUES list joined to the daily cells, so the database sums
    each window with an index range (windows may overlap: a day counts in each). The rows not
    folded yet (`new_rows`, read with the same snapshot as the rest) are added here.
    """
    if not windows:
        return {}
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datefield_value
    values = ", ".join(["(%s, %s, %s)"] * len(windows))
    sql = (
        f"WITH w (ref, first_day, last_day) AS (VALUES {values}) "  # noqa: S608 (placeholders)
        f"SELECT w.ref, c.{q('key')}, SUM(c.{q('count')}) "
        f"FROM w JOIN {q(DailyRollup._meta.db_table)} c "
        f"ON c.{q('day')} >= w.first_day AND c.{q('day')} <= w.last_day "
        f"WHERE c.{q('business_id')} = %s AND c.{q('kind')} = %s AND c.{q('grain')} = %s "
        f"GROUP BY w.ref, c.{q('key')}"
    )
    params: list[Any] = []
    for ref, (start, end) in windows.items():
        params += [ref, adapt(start), adapt(end)]
    params += [business.pk, RollupKind.DECLARED.value, RollupGrain.DAY.value]
    found: dict[int, Counter[str]] = defaultdict(Counter)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for ref, key, count in cursor.fetchall():
            found[int(ref)][key] += int(count)
    zone = ZoneInfo(business.timezone)
    for kind, _ref, key, at, _cents in new_rows:
        if kind != RollupKind.DECLARED:
            continue
        day = at.astimezone(zone).date()
        for ref, (start, end) in windows.items():
            if start <= day <= end:
                found[ref][key] += 1
    return dict(found)
