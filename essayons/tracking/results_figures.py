"""The figures of a group of results (a campaign, a channel, a day or month, the business)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from essayons.tracking.models import Campaign
from essayons.tracking.results_format import ratio
from essayons.tracking.results_periods import Period

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AdRowRead:
    """The fields of an AdSpend row the results need (read as tuples: no model instances)."""

    ad_campaign_key: str
    object_key: str
    period_start: date
    period_end: date
    campaign_id: int | None
    channel: str
    source: str
    spend: Decimal
    reach: int | None
    impressions: int | None
    page_likes: int | None
    link_clicks: int | None
    purchases: int | None


@dataclass
class AdFigures:
    """What the network reports for a group, after dropping rows covered by a wider one."""

    rows: int = 0
    spend: Decimal = ZERO
    reach: int | None = None
    reach_exact: bool = True
    impressions: int | None = None
    page_likes: int | None = None
    link_clicks: int | None = None
    purchases: int | None = None
    sources: set[str] = field(default_factory=set)

    def add(self, row: AdRowRead) -> None:
        self.rows += 1
        self.spend += row.spend
        self.sources.add(row.source)
        for name in ("impressions", "page_likes", "link_clicks", "purchases"):
            value = getattr(row, name)
            if value is not None:
                setattr(self, name, (getattr(self, name) or 0) + value)
        if row.reach is not None:
            # Reach is not additive: with several rows we only know "at least the largest".
            self.reach_exact = self.reach is None and self.rows == 1
            self.reach = max(self.reach or 0, row.reach)


@dataclass
class Figures:
    """One group's figures (a campaign, a channel, a month, the whole business)."""

    ads: AdFigures = field(default_factory=AdFigures)
    clicks: int = 0
    bot_clicks: int = 0
    online_sales: int = 0
    online_revenue: Decimal = ZERO
    store_sales: int = 0
    store_revenue: Decimal = ZERO
    codes: Counter[str] = field(default_factory=Counter)
    declared: Counter[str] = field(default_factory=Counter)

    @property
    def spend(self) -> Decimal:
        return self.ads.spend

    @property
    def customers(self) -> int:
        return self.online_sales + self.store_sales

    @property
    def revenue(self) -> Decimal:
        return self.online_revenue + self.store_revenue

    @property
    def cost_per_like(self) -> Decimal | None:
        return ratio(self.spend, self.ads.page_likes or 0) if self.spend else None

    @property
    def cost_per_online_sale(self) -> Decimal | None:
        return ratio(self.spend, self.online_sales) if self.spend else None

    @property
    def cost_per_customer(self) -> Decimal | None:
        return ratio(self.spend, self.customers) if self.spend else None

    @property
    def revenue_per_euro(self) -> Decimal | None:
        return ratio(self.revenue, self.spend) if self.spend else None

    @property
    def clicks_gap(self) -> int | None:
        """Meta's reported link clicks minus ours (positive: Meta counts more)."""
        if self.ads.link_clicks is None:
            return None
        return self.ads.link_clicks - self.clicks

    @property
    def is_empty(self) -> bool:
        return not (self.ads.rows or self.clicks or self.customers or sum(self.declared.values()))


@dataclass
class CampaignResult:
    campaign: Campaign
    figures: Figures
    declared_during: Counter[str]


@dataclass
class Results:
    period: Period
    total: Figures
    campaigns: list[CampaignResult]
    channels: dict[str, Figures]
    buckets: list[tuple[date, Figures]]
    unattributed: Figures
    other_currency_orders: int = 0
