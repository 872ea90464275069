"""The daily rollups stay honest: folded plus live always equals the raw rows."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from essayons.tracking.models import (
    Click,
    DailyRollup,
    DeclaredSource,
    PromoCode,
    Redemption,
    RollupMark,
    TrackedLink,
)
from essayons.tracking.results_counts import counts_read
from essayons.tracking.results_rollups import (
    rollups_fold_now,
    rollups_rebuild,
    rollups_refresh,
)

pytestmark = pytest.mark.django_db
JAN = (date(2027, 1, 1), date(2027, 1, 31))


def _feed(business, other_business, n=1):
    link = TrackedLink.objects.get_or_create(
        business=business, code="aB3xY9kQ2m", defaults={"destination": "https://example.org/"}
    )[0]
    theirs = TrackedLink.objects.get_or_create(
        business=other_business, code="Zz9Yy8Xx7w", defaults={"destination": "https://example.org/"}
    )[0]
    promo = PromoCode.objects.get_or_create(business=business, code="GALETTE27")[0]
    for day in range(1, 8):
        # 03:30 UTC is still the day before in Martinique (UTC-4): local days must be used.
        moment = datetime(2027, 1, day, 3, 30, tzinfo=UTC)
        Click.objects.bulk_create(
            [Click(link=link, at=moment) for _ in range(3 * n)]
            + [Click(link=link, at=moment, is_bot=True), Click(link=theirs, at=moment)]
        )
        Redemption.objects.create(
            business=business,
            promo_code=promo,
            at=moment,
            amount=Decimal("12.35"),
            client_key=uuid.uuid4(),
        )
        DeclaredSource.objects.create(
            business=business, source="friend", at=moment, client_key=uuid.uuid4()
        )


def _summary(business, by_month=False):
    found = {}
    counts = counts_read(business=business, start=date(2026, 12, 1), end=JAN[1], by_month=by_month)
    assert sum(t.count for t in counts.by_ref) == sum(t.count for t in counts.by_bucket)
    for total in counts.by_bucket:
        key = (total.kind, total.bucket, total.key)
        count, amount = found.get(key, (0, Decimal(0)))
        found[key] = (count + total.count, amount + total.amount)
    return found


def _raw(business):
    return (
        Click.objects.filter(link__business=business, is_bot=False).count(),
        Click.objects.filter(link__business=business, is_bot=True).count(),
        Redemption.objects.filter(business=business).count(),
        sum(r.amount for r in Redemption.objects.filter(business=business)),
        DeclaredSource.objects.filter(business=business).count(),
    )


def _totals(summary):
    clicks = sum(c for (kind, _b, key), (c, _a) in summary.items() if kind == "click" and key == "")
    bots = sum(
        c for (kind, _b, key), (c, _a) in summary.items() if kind == "click" and key == "bot"
    )
    codes = sum(c for (kind, _b, _k), (c, _a) in summary.items() if kind == "redemption")
    amount = sum(a for (kind, _b, _k), (_c, a) in summary.items() if kind == "redemption")
    declared = sum(c for (kind, _b, _k), (c, _a) in summary.items() if kind == "declared")
    return clicks, bots, codes, amount, declared


def test_rollups_equal_raw_counts_before_during_and_after_folding(business, other_business):
    _feed(business, other_business)
    live_only = _summary(business)
    assert _totals(live_only) == _raw(business)
    rollups_fold_now()
    assert DailyRollup.objects.filter(business=business).exists()
    assert _summary(business) == live_only  # folded gives the same, cell by cell
    _feed(business, other_business, n=2)  # new rows above the mark are read live
    assert _totals(_summary(business)) == _raw(business)
    rollups_fold_now()
    assert _totals(_summary(business)) == _raw(business)
    before = _summary(business)
    rollups_rebuild()
    assert _summary(business) == before
    assert (
        _summary(business, by_month=True)[("click", date(2027, 1, 1), "")][0]
        == _raw(business)[0] - 3 * 3
    )


def test_local_days_in_the_business_time_zone(business, other_business):
    _feed(business, other_business)
    rollups_fold_now()
    days = sorted(
        {
            total.bucket
            for total in counts_read(
                business=business, start=date(2026, 12, 1), end=JAN[1], by_month=False
            ).by_bucket
        }
    )
    assert days[0] == date(2026, 12, 31) and days[-1] == date(2027, 1, 6)


def test_refresh_folds_only_what_is_old_enough(business, other_business):
    _feed(business, other_business)
    now = timezone.now()
    rollups_refresh(now=now)
    assert not DailyRollup.objects.exists()  # a candidate is noted, nothing folded yet
    rollups_refresh(now=now + timedelta(minutes=5))
    assert not DailyRollup.objects.exists()
    rollups_refresh(now=now + timedelta(minutes=11))
    assert DailyRollup.objects.exists()
    assert _totals(_summary(business)) == _raw(business)


def test_a_fold_claimed_twice_counts_once(business, other_business):
    from essayons.tracking.results_rollups import _fold

    _feed(business, other_business)
    rollups_fold_now()
    mark = RollupMark.objects.get(kind="click")
    assert not _fold("click", 0, mark.folded_to, now=timezone.now(), next_candidate=0)
    assert _totals(_summary(business)) == _raw(business)


def test_other_businesses_never_leak(business, other_business):
    _feed(business, other_business)
    rollups_fold_now()
    theirs = counts_read(
        business=other_business, start=date(2026, 12, 1), end=JAN[1], by_month=False
    ).by_ref
    assert sum(t.count for t in theirs if t.kind == "click") == 7
    assert not [t for t in theirs if t.kind != "click"]


def test_order_rollup_follows_every_order_write(business):
    from essayons.tracking.models import Order, OrderRollup, OrderStatus
    from essayons.tracking.orders_payloads import OrderData
    from essayons.tracking.orders_rollup import orders_rollup_rebuild
    from essayons.tracking.orders_services import order_cancel, order_upsert

    def data(number, total, status=OrderStatus.PAID, minutes=0, **utm):
        placed = datetime(2027, 1, 5, 3, 30, tzinfo=UTC)  # still the 4th in Martinique
        return OrderData(
            external_id=str(number),
            number=str(number),
            placed_at=placed,
            total=Decimal(total),
            currency="EUR",
            status=status,
            updated_at=placed + timedelta(minutes=minutes),
            **utm,
        )

    def cells():
        return sorted(
            OrderRollup.objects.filter(business=business)
            .exclude(count=0, amount_cents=0)
            .values_list("grain", "day", "utm_campaign", "count", "amount_cents")
        )

    order_upsert(
        business=business, source="woocommerce", data=data(1, "31.20", utm_campaign="galette")
    )
    order_upsert(business=business, source="woocommerce", data=data(2, "10.00"))
    order_upsert(
        business=business, source="woocommerce", data=data(3, "5.00", status=OrderStatus.PENDING)
    )
    order_upsert(
        business=business,
        source="woocommerce",
        data=data(1, "28.80", minutes=5, utm_campaign="galette"),
    )
    order_upsert(
        business=business, source="woocommerce", data=data(3, "5.00", minutes=5)
    )  # now paid
    order_upsert(
        business=business,
        source="woocommerce",
        data=data(2, "10.00", OrderStatus.REFUNDED, minutes=9),
    )
    order_upsert(business=business, source="woocommerce", data=data(2, "10.00", minutes=1))  # stale
    order_cancel(business=business, source="woocommerce", external_id="3")
    order_cancel(business=business, source="woocommerce", external_id="3")
    assert cells() == [
        ("d", date(2027, 1, 4), "galette", 1, 2880),
        ("m", date(2027, 1, 1), "galette", 1, 2880),
    ]
    paid = Order.objects.filter(business=business, status=OrderStatus.PAID)
    assert sum(c[4] for c in cells() if c[0] == "d") == sum(o.total for o in paid) * 100
    kept = cells()
    orders_rollup_rebuild(business=business)
    assert cells() == kept
