"""Daily totals of clicks, till redemptions and declared sources, exact at every read.

A results page over two years must not count a million clicks each time. Raw rows are folded
into DailyRollup (per business, local day, link/code/answer) up to an id recorded in
RollupMark; rows above that id are counted live and added. So a read is always exact, and
the writers (the redirect, the till) need no hook: they only insert.

Folding waits until a candidate id is LAG old, because ids are handed out before commit: on
PostgreSQL a transaction holding a lower id may commit after one holding a higher id. After
LAG every such transaction has ended, so nothing below the mark can still appear. Raw rows
are append-only; should one ever be changed or deleted, `rollups_rebuild` recounts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, F, Max, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from essayons.accounts.models import Business
from essayons.tracking.models import (
    Click,
    DailyRollup,
    DeclaredSource,
    Redemption,
    RollupGrain,
    RollupKind,
    RollupMark,
)

LAG = timedelta(minutes=10)
BOT_KEY = "bot"

Cell = tuple[int, date, int, str]  # business id, local day, ref, key


@dataclass(frozen=True)
class Total:
    """What the results read: per kind, bucket (a day or a month), ref and key."""

    kind: str
    bucket: date
    ref: int
    key: str
    count: int
    amount: Decimal


# Where each kind of raw row keeps its business (and so its time zone).
OWNER_PATH = {
    RollupKind.CLICK: "link__business",
    RollupKind.REDEMPTION: "business",
    RollupKind.DECLARED: "business",
}


def _raw(kind: str, *, low: int, high: int | None = None, **owner: Any) -> QuerySet[Any]:
    """Raw rows of `kind` with an id in (low, high], filtered on their business's fields."""
    queryset: QuerySet[Any]
    if kind == RollupKind.CLICK:
        queryset = Click.objects.filter(id__gt=low)
    elif kind == RollupKind.REDEMPTION:
        queryset = Redemption.objects.filter(id__gt=low)
    else:
        queryset = DeclaredSource.objects.filter(id__gt=low)
    path = OWNER_PATH[RollupKind(kind)]
    if high is not None:
        queryset = queryset.filter(id__lte=high)
    return queryset.filter(**{f"{path}__{name}": value for name, value in owner.items()})


def _aggregate(
    kind: str, queryset: QuerySet, zone_name: str
) -> Iterable[tuple[int, date, int, str, int, int]]:
    """(business, day, ref, key, count, cents) for the raw rows of `queryset` in one time zone."""
    owner = F(f"{OWNER_PATH[RollupKind(kind)]}_id")
    rows = queryset.annotate(local_day=TruncDate("at", tzinfo=ZoneInfo(zone_name)))
    if kind == RollupKind.CLICK:
        for row in rows.values("local_day", "link_id", "is_bot", owner=owner).annotate(
            n=Count("id")
        ):
            key = BOT_KEY if row["is_bot"] else ""
            yield row["owner"], row["local_day"], row["link_id"], key, row["n"], 0
    elif kind == RollupKind.REDEMPTION:
        grouped = rows.values("local_day", "promo_code_id", owner=owner).annotate(
            n=Count("id"), total=Sum("amount")
        )
        for row in grouped:
            cents = int((Decimal(row["total"] or 0) * 100).to_integral_value())
            yield row["owner"], row["local_day"], row["promo_code_id"], "", row["n"], cents
    else:
        for row in rows.values("local_day", "source", owner=owner).annotate(n=Count("id")):
            yield row["owner"], row["local_day"], 0, row["source"], row["n"], 0


def _cells(
    kind: str, low: int, high: int | None, business_id: int | None = None
) -> dict[Cell, list[int]]:
    zones = Business.objects.values_list("timezone", flat=True).distinct()
    if business_id is not None:
        zones = zones.filter(pk=business_id)
    cells: dict[Cell, list[int]] = defaultdict(lambda: [0, 0])
    for zone_name in zones:
        for owner, day, ref, key, count, cents in _aggregate(
            kind,
            _raw(
                kind,
                low=low,
                high=high,
                timezone=zone_name,
                **({"pk": business_id} if business_id else {}),
            ),
            zone_name,
        ):
            cell = cells[(owner, day, ref, key)]
            cell[0] += count
            cell[1] += cents
    return cells


def _upsert(kind: str, cells: dict[Cell, list[int]]) -> None:
    """Add counts to existing cells (INSERT … ON CONFLICT DO UPDATE, SQLite ≥ 3.24 and PostgreSQL)."""
    if not cells:
        return
    table = connection.ops.quote_name(DailyRollup._meta.db_table)
    q = connection.ops.quote_name
    columns = [
        "business_id",
        "kind",
        "grain",
        "day",
        "month",
        "ref",
        "key",
        "count",
        "amount_cents",
    ]
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 (our names)
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({q('business_id')}, {q('kind')}, {q('grain')}, {q('day')}, {q('ref')}, {q('key')}) "
        f"DO UPDATE SET {q('count')} = {table}.{q('count')} + EXCLUDED.{q('count')}, "
        f"{q('amount_cents')} = {table}.{q('amount_cents')} + EXCLUDED.{q('amount_cents')}"
    )
    months: dict[Cell, list[int]] = defaultdict(lambda: [0, 0])
    for (owner, day, ref, key), (count, cents) in cells.items():
        month = months[(owner, day.replace(day=1), ref, key)]
        month[0] += count
        month[1] += cents
    rows = [
        (owner, kind, grain, day, day.replace(day=1), ref, key, count, cents)
        for grain, grouped in ((RollupGrain.DAY, cells), (RollupGrain.MONTH, months))
        for (owner, day, ref, key), (count, cents) in grouped.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _top_id(kind: str) -> int:
    return _raw(kind, low=0).aggregate(top=Max("id"))["top"] or 0


def tops_read() -> dict[str, int]:
    """The highest id of each kind of raw row, in one round trip."""
    tables = {
        RollupKind.CLICK: Click._meta.db_table,
        RollupKind.REDEMPTION: Redemption._meta.db_table,
        RollupKind.DECLARED: DeclaredSource._meta.db_table,
    }
    q = connection.ops.quote_name
    columns = ", ".join(
        f"(SELECT MAX({q('id')}) FROM {q(table)})"  # noqa: S608 (our own table names)
        for table in tables.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        row = cursor.fetchone()
    return {kind: int(top or 0) for kind, top in zip(tables, row, strict=True)}


def _fold(kind: str, low: int, high: int, *, now: datetime, next_candidate: int) -> bool:
    """Fold ids (low, high] into the rollup; the conditional update decides between two folders."""
    with transaction.atomic():
        claimed = RollupMark.objects.filter(kind=kind, folded_to=low).update(
            folded_to=high, candidate=next_candidate, candidate_at=now
        )
        if claimed != 1:
            return False
        _upsert(kind, _cells(kind, low, high))
    return True


@dataclass(frozen=True)
class Snapshot:
    """Where the folded rollup stops (`marks`) and the highest ids (`tops`) when reading began."""

    marks: dict[str, int]
    tops: dict[str, int]

    def unfolded(self, kind: str) -> bool:
        return self.tops.get(kind, 0) > self.marks.get(kind, 0)


def rollups_refresh(*, now: datetime | None = None, lag: timedelta = LAG) -> Snapshot:
    """Fold what is old enough and note a new candidate; cheap, called before reading results.

    Returns the snapshot to read with (two queries when there is nothing to fold).
    """
    now = now or timezone.now()
    marks = {mark.kind: mark for mark in RollupMark.objects.all()}
    tops = tops_read()
    for kind in RollupKind.values:
        mark = marks.get(kind) or RollupMark.objects.get_or_create(kind=kind)[0]
        pending = mark.candidate > mark.folded_to and mark.candidate_at is not None
        if pending and now - mark.candidate_at >= lag:  # type: ignore[operator]
            if _fold(kind, mark.folded_to, mark.candidate, now=now, next_candidate=tops[kind]):
                mark.folded_to = mark.candidate
        elif not pending and tops[kind] > mark.folded_to:
            RollupMark.objects.filter(pk=mark.pk, candidate=mark.candidate).update(
                candidate=tops[kind], candidate_at=now
            )
        marks[kind] = mark
    return Snapshot({kind: mark.folded_to for kind, mark in marks.items()}, tops)


def snapshot_take() -> Snapshot:
    """The marks and tops as they are, without folding anything."""
    return Snapshot(dict(RollupMark.objects.values_list("kind", "folded_to")), tops_read())


def snapshot_holds(snapshot: Snapshot) -> bool:
    """False when a fold moved the marks since `snapshot` (what was read may count rows twice)."""
    return dict(RollupMark.objects.values_list("kind", "folded_to")) == snapshot.marks


def rollups_fold_now() -> None:
    """Fold every row there is, at once. Only safe when nothing else is writing (after a bulk
    load, in tests, in benchmarks): a row still uncommitted below the new mark would be lost."""
    for kind in RollupKind.values:
        mark = RollupMark.objects.get_or_create(kind=kind)[0]
        top = _top_id(kind)
        if top > mark.folded_to:
            _fold(kind, mark.folded_to, top, now=timezone.now(), next_candidate=top)


def rollups_rebuild(*, business: Business | None = None) -> None:
    """Recount the rollup from the raw rows up to the marks (for one business or all)."""
    with transaction.atomic():
        marks = {m.kind: m.folded_to for m in RollupMark.objects.select_for_update()}
        rollups = DailyRollup.objects.all()
        if business is not None:
            rollups = rollups.filter(business=business)
        rollups.delete()
        for kind, folded_to in marks.items():
            _upsert(kind, _cells(kind, 0, folded_to, business.pk if business else None))
