"""Which campaign an online order belongs to (pure functions, no database).

An order belongs to at most one campaign, so it is never counted twice. The first rule that
names a campaign wins:

1. Tracked link: the order's `utm_content` is the code of one of our tracked links, or its
   UTM parameters are exactly those one of our links adds (source, campaign and content).
   The most specific signal: it names the very link, hence its channel.
2. UTM campaign: `utm_campaign` is the code of one of our campaigns (`Campaign.slug`), in any
   case.
3. Promo code: one of the order's codes is a promo code of a campaign (codes in alphabetical
   order, the first that belongs to a campaign).

The visit that led to the order (rules 1–2) comes before the code (rule 3): codes get passed
around, the link was followed by this very customer. Without a match the order counts for
the business but for no campaign.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SOURCE_CHANNELS = {
    "facebook": "facebook",
    "fb": "facebook",
    "facebook.com": "facebook",
    "m.facebook.com": "facebook",
    "l.facebook.com": "facebook",
    "instagram": "instagram",
    "ig": "instagram",
    "instagram.com": "instagram",
    "google": "google",
    "gbp": "google",
    "gmb": "google",
    "google_business": "google",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "newsletter": "email",
    "linkedin": "linkedin",
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "bsky": "bluesky",
}


class Method(enum.StrEnum):
    LINK = "link"
    UTM = "utm"
    CODE = "code"
    NONE = "none"


@dataclass(frozen=True)
class LinkInfo:
    id: int
    code: str
    campaign_id: int | None
    channel: str = ""
    utm_source: str = ""
    utm_campaign: str = ""
    utm_content: str = ""


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    slug: str
    channel: str = ""


@dataclass(frozen=True)
class CodeInfo:
    code: str
    campaign_id: int | None
    channel: str = ""


@dataclass
class Catalog:
    """A business's links, campaigns and promo codes, indexed for matching."""

    links_by_code: dict[str, LinkInfo] = field(default_factory=dict)
    links_by_utm: dict[tuple[str, str, str], LinkInfo] = field(default_factory=dict)
    campaigns_by_slug: dict[str, CampaignInfo] = field(default_factory=dict)
    campaigns: dict[int, CampaignInfo] = field(default_factory=dict)
    codes: dict[str, CodeInfo] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        links: Iterable[LinkInfo],
        campaigns: Iterable[CampaignInfo],
        codes: Iterable[CodeInfo],
    ) -> Catalog:
        catalog = cls()
        ambiguous: set[tuple[str, str, str]] = set()
        for link in links:
            catalog.links_by_code[link.code] = link
            key = _utm_key(link.utm_source, link.utm_campaign, link.utm_content)
            if not all(key):
                continue
            if key in catalog.links_by_utm:
                ambiguous.add(key)
            catalog.links_by_utm[key] = link
        for key in ambiguous:  # two links with the same UTM: neither can be told apart
            del catalog.links_by_utm[key]
        for campaign in campaigns:
            catalog.campaigns[campaign.id] = campaign
            catalog.campaigns_by_slug[campaign.slug.lower()] = campaign
        for code in codes:
            catalog.codes[code.code.upper()] = code
        return catalog


@dataclass(frozen=True)
class Attribution:
    campaign_id: int | None
    method: Method
    channel: str = ""
    link_id: int | None = None


def _utm_key(source: str, campaign: str, content: str) -> tuple[str, str, str]:
    return (source.strip().lower(), campaign.strip().lower(), content.strip().lower())


def channel_from_source(utm_source: str) -> str:
    return SOURCE_CHANNELS.get(utm_source.strip().lower(), "")


def attribute(
    *,
    utm_source: str = "",
    utm_campaign: str = "",
    utm_content: str = "",
    coupon_codes: Sequence[str] = (),
    catalog: Catalog,
) -> Attribution:
    """The one campaign an order belongs to, with the rule that decided and its channel."""
    source_channel = channel_from_source(utm_source)
    link = catalog.links_by_code.get(utm_content.strip()) or catalog.links_by_utm.get(
        _utm_key(utm_source, utm_campaign, utm_content)
    )
    if link is not None and link.campaign_id is not None:
        return Attribution(
            link.campaign_id,
            Method.LINK,
            link.channel or source_channel or _campaign_channel(catalog, link.campaign_id),
            link.id,
        )
    campaign = catalog.campaigns_by_slug.get(utm_campaign.strip().lower())
    if campaign is not None:
        return Attribution(campaign.id, Method.UTM, source_channel or campaign.channel)
    for code in sorted(c.strip().upper() for c in coupon_codes if c.strip()):
        info = catalog.codes.get(code)
        if info is not None and info.campaign_id is not None:
            return Attribution(
                info.campaign_id,
                Method.CODE,
                info.channel or _campaign_channel(catalog, info.campaign_id) or source_channel,
            )
    return Attribution(None, Method.NONE, source_channel)


def _campaign_channel(catalog: Catalog, campaign_id: int) -> str:
    campaign = catalog.campaigns.get(campaign_id)
    return campaign.channel if campaign else ""
