"""The figures of the results page, per campaign, channel and month (or day).

Every figure keeps where it comes from: measured by Essayons (clicks on tracked links, codes
at the till, orders from the shop), declared by customers ("how did you hear of us?"), or
reported by the network (Meta's spend, reach, likes, clicks, purchases). Nothing is merged
across those kinds. The number of queries does not depend on the amount of data: clicks,
redemptions and declared answers are read from daily rollups (results_rollups,
results_counts), paid orders from theirs (orders_rollup), ad spend rows are few.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from essayons.accounts.models import Business
from essayons.tracking.attribution import (
    CampaignInfo,
    Catalog,
    CodeInfo,
    LinkInfo,
    attribute,
)
from essayons.tracking.models import (
    AdSpend,
    Campaign,
    OrderRollup,
    PromoCode,
    RollupGrain,
    RollupKind,
    TrackedLink,
)
from essayons.tracking.results_counts import (
    NewRow,
    counts_read,
    declared_in_windows,
    new_rows_read,
)
from essayons.tracking.results_figures import (
    AdRowRead,
    CampaignResult,
    Figures,
    Results,
)
from essayons.tracking.results_periods import Period
from essayons.tracking.results_rollups import (
    BOT_KEY,
    Snapshot,
    Total,
    snapshot_holds,
    snapshot_take,
)

NO_CAMPAIGN = 0


# --- Reading -------------------------------------------------------------------------------------


def catalog_load(
    business: Business,
) -> tuple[Catalog, dict[int, Campaign], dict[int, LinkInfo], dict[int, CodeInfo]]:
    campaigns = {c.pk: c for c in Campaign.objects.filter(business=business)}
    links = {
        row[0]: LinkInfo(*row)
        for row in TrackedLink.objects.filter(business=business).values_list(
            "id", "code", "campaign_id", "channel", "utm_source", "utm_campaign", "utm_content"
        )
    }
    codes = {
        pk: CodeInfo(code, campaign_id, channel)
        for pk, code, campaign_id, channel in PromoCode.objects.filter(
            business=business
        ).values_list("id", "code", "campaign_id", "channel")
    }
    catalog = Catalog.build(
        links=links.values(),
        campaigns=[CampaignInfo(c.pk, c.slug, c.channel) for c in campaigns.values()],
        codes=codes.values(),
    )
    return catalog, campaigns, links, codes


@dataclass(frozen=True)
class Loaded:
    """What one request reads once and every period it builds shares."""

    catalog: Catalog
    campaigns: dict[int, Campaign]
    links: dict[int, LinkInfo]
    codes: dict[int, CodeInfo]
    snapshot: Snapshot
    new_rows: list[NewRow]


def results_load(business: Business, snapshot: Snapshot | None = None) -> Loaded:
    catalog, campaigns, links, codes = catalog_load(business)
    snapshot = snapshot or snapshot_take()
    new_rows = new_rows_read(business=business, snapshot=snapshot)
    return Loaded(catalog, campaigns, links, codes, snapshot, new_rows)


def results_build(
    business: Business, period: Period, loaded: Loaded | None = None, *, totals_only: bool = False
) -> Results:
    """Every figure of the period; with `totals_only`, campaigns and their answers are skipped.

    Raises nothing when a fold happens meanwhile: callers holding a snapshot check
    `snapshot_holds` once they have built all they need (see results_read).
    """
    loaded = loaded or results_load(business)
    groups = _Groups(period)
    _add_ads(groups, business, period)
    counted = counts_read(
        business=business,
        start=period.start,
        end=period.end,
        by_month=period.by_month,
        snapshot=loaded.snapshot,
        new_rows=loaded.new_rows,
    )
    for total in counted.by_ref:
        _add_count(groups, total, loaded.catalog, loaded.links, loaded.codes)
    for total in counted.by_bucket:
        groups.bucket_add(total)
    other_currency = _add_orders(groups, business, period, loaded.catalog)
    shown: list[CampaignResult] = []
    if not totals_only:
        windows = {
            campaign.pk: _window(campaign, period)
            for campaign in loaded.campaigns.values()
            if _overlaps(campaign, period)
        }
        declared = declared_in_windows(business=business, windows=windows, new_rows=loaded.new_rows)
        shown = [
            CampaignResult(
                campaign=campaign,
                figures=groups.campaign[campaign.pk],
                declared_during=declared.get(campaign.pk, Counter()),
            )
            for campaign in sorted(
                loaded.campaigns.values(), key=lambda c: (c.starts_on or period.start, c.name)
            )
            if not groups.campaign[campaign.pk].is_empty or campaign.pk in windows
        ]
    return Results(
        period=period,
        total=groups.total,
        campaigns=shown,
        channels=dict(sorted(groups.channel.items(), key=lambda item: (item[0] == "", item[0]))),
        buckets=[(bucket, groups.bucket[bucket]) for bucket in period.buckets()],
        unattributed=groups.campaign[NO_CAMPAIGN],
        other_currency_orders=other_currency,
    )


def results_read(
    business: Business, period: Period, snapshot: Snapshot
) -> tuple[Results, Results | None]:
    """The period and, for a month, the previous month's totals, from one consistent snapshot.

    Should a fold move the marks while reading (another request folding), everything is read
    again from a fresh snapshot so that no row counts twice.
    """
    for _attempt in range(3):
        loaded = results_load(business, snapshot)
        found = results_build(business, period, loaded)
        previous = None
        if period.previous is not None:
            # The previous month only gives its totals: read by month, it costs a few cells.
            previous = results_build(
                business, replace(period.previous, by_month=True), loaded, totals_only=True
            )
        if snapshot_holds(snapshot):
            break
        snapshot = snapshot_take()
    return found, previous


class _Groups:
    def __init__(self, period: Period) -> None:
        self.period = period
        self.total = Figures()
        self.campaign: defaultdict[int, Figures] = defaultdict(Figures)
        self.channel: defaultdict[str, Figures] = defaultdict(Figures)
        self.bucket: defaultdict[date, Figures] = defaultdict(Figures)

    def of(self, campaign_id: int | None, channel: str, when: date | None = None) -> list[Figures]:
        """The figures a row counts in; without `when`, the period's buckets are left alone."""
        found = [
            self.total,
            self.campaign[campaign_id or NO_CAMPAIGN],
            self.channel[channel],
        ]
        if when is not None:
            found.append(self.bucket[when.replace(day=1) if self.period.by_month else when])
        return found

    def bucket_add(self, total: Total) -> None:
        """A day's or a month's counts, all links and codes together: for the chart and table."""
        figures = self.bucket[total.bucket]
        if total.kind == RollupKind.CLICK:
            if total.key == BOT_KEY:
                figures.bot_clicks += total.count
            else:
                figures.clicks += total.count
        elif total.kind == RollupKind.REDEMPTION:
            figures.store_sales += total.count
            figures.store_revenue += total.amount
        else:
            figures.declared[total.key] += total.count


AD_FIELDS = (
    "ad_campaign_key",
    "object_key",
    "period_start",
    "period_end",
    "campaign_id",
    "channel",
    "source",
    "spend",
    "reach",
    "impressions",
    "page_likes",
    "link_clicks",
    "purchases",
)


def _add_ads(groups: _Groups, business: Business, period: Period) -> None:
    rows = (
        AdSpend.objects.filter(
            business=business, period_start__gte=period.start, period_start__lte=period.end
        )
        .order_by("ad_campaign_key", "object_key", "period_start", "-period_end")
        .values_list(*AD_FIELDS)
    )
    kept: dict[tuple[str, str], list[AdRowRead]] = defaultdict(list)
    for values in rows:
        row = AdRowRead(*values)
        covering = kept[(row.ad_campaign_key, row.object_key)]
        if any(
            c.period_start <= row.period_start and row.period_end <= c.period_end for c in covering
        ):
            continue  # a wider row of the same campaign already counts these days
        covering.append(row)
        for figures in groups.of(row.campaign_id, row.channel, row.period_start):
            figures.ads.add(row)


def _add_count(
    groups: _Groups,
    total: Total,
    catalog: Catalog,
    links: dict[int, LinkInfo],
    codes: dict[int, CodeInfo],
) -> None:
    if total.kind == RollupKind.CLICK:
        link = links.get(total.ref)
        campaign_id = link.campaign_id if link else None
        channel = (link.channel if link else "") or _campaign_channel(catalog, campaign_id)
        for figures in groups.of(campaign_id, channel):
            if total.key == BOT_KEY:
                figures.bot_clicks += total.count
            else:
                figures.clicks += total.count
    elif total.kind == RollupKind.REDEMPTION:
        code = codes.get(total.ref)
        campaign_id = code.campaign_id if code else None
        channel = (code.channel if code else "") or _campaign_channel(catalog, campaign_id)
        for figures in groups.of(campaign_id, channel):
            figures.store_sales += total.count
            figures.store_revenue += total.amount
            if code:
                figures.codes[code.code] += total.count
    else:  # declared answers belong to no campaign: the business's total only
        groups.total.declared[total.key] += total.count


def _campaign_channel(catalog: Catalog, campaign_id: int | None) -> str:
    info = catalog.campaigns.get(campaign_id) if campaign_id else None
    return info.channel if info else ""


def _add_orders(groups: _Groups, business: Business, period: Period, catalog: Catalog) -> int:
    """Paid orders from their rollup: per attribution signals over the period, and per bucket."""
    cells = OrderRollup.objects.filter(
        business=business, day__gte=period.start.replace(day=1), day__lte=period.end
    )
    signals = (
        cells.filter(grain=RollupGrain.MONTH)
        .values_list("currency", "utm_source", "utm_campaign", "utm_content", "coupon_codes")
        .annotate(n=Sum("count"), cents=Sum("amount_cents"))
        .order_by()
    )
    other_currency = 0
    for currency, source, campaign_slug, content, coupons, count, cents in signals:
        if currency != business.currency:
            other_currency += count
            continue
        found = attribute(
            utm_source=source,
            utm_campaign=campaign_slug,
            utm_content=content,
            coupon_codes=[c for c in coupons.split(",") if c],
            catalog=catalog,
        )
        for figures in groups.of(found.campaign_id, found.channel):
            figures.online_sales += count
            figures.online_revenue += Decimal(cents) / 100
    grain = RollupGrain.MONTH if period.by_month else RollupGrain.DAY
    buckets = (
        cells.filter(grain=grain, currency=business.currency)
        .values_list("day")
        .annotate(n=Sum("count"), cents=Sum("amount_cents"))
        .order_by()
    )
    for when, count, cents in buckets:
        figures = groups.bucket[when]
        figures.online_sales += count
        figures.online_revenue += Decimal(cents) / 100
    return other_currency


def _overlaps(campaign: Campaign, period: Period) -> bool:
    if campaign.starts_on is None:
        return False
    end = campaign.ends_on or campaign.starts_on
    return campaign.starts_on <= period.end and end >= period.start


def _window(campaign: Campaign, period: Period) -> tuple[date, date]:
    """The days the campaign ran within the period (its answers at the till are shown with it)."""
    start = campaign.starts_on or period.start
    return max(start, period.start), min(campaign.ends_on or start, period.end)
