"""Writes for ad spend: rows from an export, the Meta sync or a manual entry, and the account."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from essayons.accounts.models import Business
from essayons.diagnostic.channels import Channel
from essayons.tracking.imports_core import Summary
from essayons.tracking.imports_table import header_key
from essayons.tracking.models import AdSpend, Campaign, ImportBatch, MetaAdAccount


@dataclass(frozen=True)
class AdRow:
    """One reporting period of one ad campaign (or ad, or boosted post), as the network says."""

    ad_campaign_name: str
    ad_campaign_key: str
    period_start: date
    period_end: date
    currency: str
    spend: Decimal
    object_name: str = ""
    object_key: str = ""
    reach: int | None = None
    impressions: int | None = None
    link_clicks: int | None = None
    page_likes: int | None = None
    purchases: int | None = None


VALUE_FIELDS = (
    "currency",
    "spend",
    "reach",
    "impressions",
    "link_clicks",
    "page_likes",
    "purchases",
)


def campaigns_match(*, business: Business, names: Iterable[str]) -> dict[str, Campaign]:
    """Our campaign for each network campaign name: same name (loosely) or same slug."""
    campaigns = list(Campaign.objects.filter(business=business))
    by_name = {header_key(c.name): c for c in campaigns}
    by_slug = {c.slug: c for c in campaigns}
    found: dict[str, Campaign] = {}
    for name in names:
        key = header_key(name)[:200]
        campaign = by_name.get(key) or by_slug.get(slugify(name)[:80])
        if campaign is not None:
            found[key] = campaign
    return found


def campaign_for_ad(*, business: Business, name: str, starts_on: date, ends_on: date) -> Campaign:
    """The campaign matching a network campaign's name, created (with a free slug) if none."""
    found = campaigns_match(business=business, names=[name]).get(header_key(name)[:200])
    if found is not None:
        return found
    base = slugify(name)[:70] or "campagne"
    slug, number = base, 1
    while Campaign.objects.filter(business=business, slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return Campaign.objects.create(
        business=business,
        name=name[:120],
        slug=slug,
        channel=Channel.FACEBOOK,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def ad_rows_save(
    *,
    business: Business,
    rows: list[AdRow],
    source: str,
    batch: ImportBatch | None = None,
    campaign: Campaign | None = None,
) -> Summary:
    """Upsert rows on their natural key (campaign, object, period); all or nothing.

    Each network campaign is tied to our campaign of the same name (created if needed) unless
    `campaign` is given (a manual entry).
    """
    created = updated = unchanged = 0
    with transaction.atomic():
        ours = dict(_campaigns_for(business, rows)) if campaign is None else {}
        for row in rows:
            target = campaign or ours[row.ad_campaign_key]
            values = {name: getattr(row, name) for name in VALUE_FIELDS}
            existing = (
                AdSpend.objects.select_for_update()
                .filter(
                    business=business,
                    ad_campaign_key=row.ad_campaign_key,
                    object_key=row.object_key,
                    period_start=row.period_start,
                    period_end=row.period_end,
                )
                .first()
            )
            if existing is None:
                AdSpend.objects.create(
                    business=business,
                    campaign=target,
                    source=source,
                    batch=batch,
                    channel=target.channel or Channel.FACEBOOK,
                    **asdict(row),
                )
                created += 1
                continue
            if all(getattr(existing, name) == value for name, value in values.items()):
                unchanged += 1
                continue
            for name, value in values.items():
                setattr(existing, name, value)
            existing.source, existing.batch = source, batch or existing.batch
            existing.save()
            updated += 1
    return Summary(created=created, updated=updated, unchanged=unchanged)


def _campaigns_for(business: Business, rows: list[AdRow]) -> Iterable[tuple[str, Campaign]]:
    periods: dict[str, tuple[str, date, date]] = {}
    for row in rows:
        name, start, end = periods.get(
            row.ad_campaign_key, (row.ad_campaign_name, row.period_start, row.period_end)
        )
        periods[row.ad_campaign_key] = (
            name,
            min(start, row.period_start),
            max(end, row.period_end),
        )
    for key, (name, start, end) in periods.items():
        yield key, campaign_for_ad(business=business, name=name, starts_on=start, ends_on=end)


def ad_manual_save(
    *,
    business: Business,
    campaign: Campaign,
    label: str,
    period_start: date,
    period_end: date,
    spend: Decimal,
    reach: int | None,
    page_likes: int | None,
    link_clicks: int | None,
) -> Summary:
    """A boosted post entered by hand, counted in `campaign`; the same entry again updates it."""
    key = f"manual:{header_key(label)}"[:200]
    row = AdRow(
        ad_campaign_name=label[:200],
        ad_campaign_key=key,
        period_start=period_start,
        period_end=period_end,
        currency=business.currency,
        spend=spend,
        reach=reach,
        page_likes=page_likes,
        link_clicks=link_clicks,
    )
    return ad_rows_save(business=business, rows=[row], source="manual", campaign=campaign)


def ad_spend_delete(*, row: AdSpend) -> None:
    AdSpend.objects.filter(pk=row.pk).delete()


def meta_account_save(*, business: Business, account_id: str, token: str) -> MetaAdAccount:
    account, _created = MetaAdAccount.objects.get_or_create(
        business=business, account_id=account_id, defaults={"token_encrypted": ""}
    )
    account.token_set(token)
    account.last_error = ""
    account.save()
    return account
