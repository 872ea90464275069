"""The paid-orders rollup (OrderRollup): changed in the same transaction as each order.

An order counts in its local day and month while it is paid; when it changes (a refund, a new
total, a cancellation) its old contribution is taken out and the new one put in. Every order
write goes through orders_services, which calls `orders_rollup_change`; `orders_rollup_rebuild`
recounts from the orders themselves (after a bulk load or a repair).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from essayons.accounts.models import Business
from essayons.tracking.models import Order, OrderRollup, OrderStatus, RollupGrain

STATE_FIELDS = (
    "status",
    "placed_on",
    "placed_month",
    "currency",
    "utm_source",
    "utm_campaign",
    "utm_content",
    "coupon_codes",
    "total",
)
KEY_COLUMNS = (
    "business_id",
    "grain",
    "day",
    "currency",
    "utm_source",
    "utm_campaign",
    "utm_content",
    "coupon_codes",
)
Key = tuple[Any, ...]


def order_state(order: Order) -> dict[str, Any]:
    """What of an order the rollup depends on, taken before it changes."""
    return {name: getattr(order, name) for name in STATE_FIELDS}


def orders_rollup_change(
    *, business_id: int, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> None:
    """Move one order's contribution from its `before` state to its `after` state (either None)."""
    cells: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for sign, state in ((-1, before), (1, after)):
        if state is None or state["status"] != OrderStatus.PAID:
            continue
        for key in _keys(business_id, state):
            cells[key][0] += sign
            cells[key][1] += sign * _cents(state["total"])
    _increment({key: value for key, value in cells.items() if value != [0, 0]})


def orders_rollup_rebuild(*, business: Business | None = None) -> None:
    """Recount the rollup from the paid orders (for one business or all)."""
    paid = Order.objects.filter(status=OrderStatus.PAID)
    if business is not None:
        paid = paid.filter(business=business)
    cells: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for values in paid.values_list("business_id", *STATE_FIELDS).iterator(chunk_size=5000):
        business_id, state = values[0], dict(zip(STATE_FIELDS, values[1:], strict=True))
        for key in _keys(business_id, state):
            cells[key][0] += 1
            cells[key][1] += _cents(state["total"])
    with transaction.atomic():
        stale = OrderRollup.objects.all()
        if business is not None:
            stale = stale.filter(business=business)
        stale.delete()
        _increment(cells)


def _keys(business_id: int, state: Mapping[str, Any]) -> Iterable[Key]:
    signals = tuple(state[name] for name in KEY_COLUMNS[3:])
    day: date = state["placed_on"]
    month: date = state["placed_month"]
    yield (business_id, RollupGrain.DAY.value, day, *signals)
    yield (business_id, RollupGrain.MONTH.value, month, *signals)


def _cents(total: Decimal) -> int:
    return int((Decimal(total) * 100).to_integral_value())


def _increment(cells: Mapping[Key, list[int]]) -> None:
    """Add counts to cells (INSERT … ON CONFLICT DO UPDATE, SQLite ≥ 3.24 and PostgreSQL)."""
    if not cells:
        return
    q = connection.ops.quote_name
    table = q(OrderRollup._meta.db_table)
    columns = [*KEY_COLUMNS, "count", "amount_cents"]
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 (our names)
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(q(c) for c in KEY_COLUMNS)}) DO UPDATE SET "
        f"{q('count')} = {table}.{q('count')} + EXCLUDED.{q('count')}, "
        f"{q('amount_cents')} = {table}.{q('amount_cents')} + EXCLUDED.{q('amount_cents')}"
    )
    adapt = connection.ops.adapt_datefield_value
    rows = [
        (key[0], key[1], adapt(key[2]), *key[3:], count, cents)
        for key, (count, cents) in cells.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
