"""Daily totals of clicks, till redemptions and declared sources, so results stay fast.

Derived data, rebuilt at will from the raw rows (essayons.tracking.results_rollups).
"""

from __future__ import annotations

from django.db import models

from essayons.accounts.models import Business

__all__ = ["DailyRollup", "OrderRollup", "RollupGrain", "RollupKind", "RollupMark"]


class RollupKind(models.TextChoices):
    CLICK = "click", "click"
    REDEMPTION = "redemption", "redemption"
    DECLARED = "declared", "declared"


class RollupGrain(models.TextChoices):
    DAY = "d", "day"
    MONTH = "m", "month"


class DailyRollup(models.Model):
    """Per business, local day (or month) and kind: a count (and amount) per tracked link,
    promo code or declared source.

    Each cell is kept twice: per day, and per month (`grain` "m", `day` = the month's first
    day), so that two years read 24 cells per link instead of 730.

    `ref` is the TrackedLink id for clicks and the PromoCode id for redemptions (the campaign and
    channel are read through them, so reassigning a link moves its clicks), 0 otherwise; `key`
    is "bot" or "" for clicks and the answer for declared sources.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=RollupKind.choices)
    grain = models.CharField(max_length=1, choices=RollupGrain.choices, default=RollupGrain.DAY)
    day = models.DateField()
    month = models.DateField()
    ref = models.BigIntegerField(default=0)
    key = models.CharField(max_length=20, blank=True, default="")
    count = models.BigIntegerField(default=0)
    # Cents, so that sums stay exact in SQL on SQLite too (its decimals are floating point).
    amount_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "kind", "grain", "day", "ref", "key"], name="rollup_cell_once"
            )
        ]
        indexes = [models.Index(fields=["business", "grain", "day"], name="rollup_days")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.ref}/{self.key}: {self.count}"


class RollupMark(models.Model):
    """How far each kind of raw row has been folded into DailyRollup (by primary key).

    Rows with an id above `folded_to` are read live. `candidate` is the highest id seen at
    `candidate_at`; it is folded only once old enough that every transaction that took a lower
    id has committed (ids are handed out before commit, out of order on PostgreSQL).
    """

    kind = models.CharField(max_length=20, choices=RollupKind.choices, unique=True)
    folded_to = models.BigIntegerField(default=0)
    candidate = models.BigIntegerField(default=0)
    candidate_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} ≤ {self.folded_to}"


class OrderRollup(models.Model):
    """Paid orders per business, local day (or month), currency and attribution signals.

    Kept by the order services in the same transaction as the order itself (the shop's
    orders change after the fact: paid, then refunded), so it is always exact; attribution to
    campaigns stays a read-time decision over the signals (utm_*, promo codes).
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    grain = models.CharField(max_length=1, choices=RollupGrain.choices)
    day = models.DateField()
    currency = models.CharField(max_length=3)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    coupon_codes = models.CharField(max_length=200, blank=True)
    count = models.BigIntegerField(default=0)
    amount_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "business",
                    "grain",
                    "day",
                    "currency",
                    "utm_source",
                    "utm_campaign",
                    "utm_content",
                    "coupon_codes",
                ],
                name="order_rollup_cell_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.utm_campaign}: {self.count}"
