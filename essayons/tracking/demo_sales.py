"""Demo data for the results: the article's "Galette des rois" campaign, told back at first run.

Boulangerie Ti Pain, 2027-01-04 → 2027-01-17: €500 of ads reaching 150,000 people (Meta's
figures, as an Ads Manager export would give them), 1,730 people through the ad's tracked link,
6 online orders (€187.20), GALETTE27 recorded 41 times at the till (€1,066.00), and 23 customers
answering "Facebook". The results page then states shared/scenarios/seed-campaign.md.

Works after the measure demo (which creates the campaign, its link and its code) or alone.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from essayons.accounts.models import Business, User
from essayons.diagnostic.channels import Channel
from essayons.tracking.models import (
    AdSource,
    AdSpend,
    Campaign,
    Click,
    DeclaredSource,
    HeardFrom,
    OrderSource,
    OrderStatus,
    PromoCode,
    Redemption,
    TrackedLink,
)
from essayons.tracking.orders_payloads import OrderData
from essayons.tracking.orders_services import order_upsert

START = date(2027, 1, 4)
DAYS = 14
ORDER_TOTALS = ("31.20", "24.00", "42.50", "18.90", "36.60", "34.00")  # €187.20
BASKETS = 41 * (Decimal("26.00"),)  # €1,066.00
CLICKS = 1730
DECLARED = 23
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def _moment(day: int, hour: int, minute: int = 0) -> datetime:
    """A time on the campaign's `day`-th day (local Martinique afternoon, stored in UTC)."""
    return datetime(START.year, START.month, START.day, hour, minute, tzinfo=UTC) + timedelta(
        days=day
    )


def demo_sales_create(*, business: Business, owner: User) -> None:
    """Give the demo business the article's campaign figures (idempotent per business)."""
    if AdSpend.objects.filter(business=business, ad_campaign_key="galette des rois").exists():
        return
    with transaction.atomic():
        campaign, link, promo = _campaign(business)
        AdSpend.objects.create(
            business=business,
            campaign=campaign,
            channel=Channel.FACEBOOK,
            source=AdSource.EXPORT,
            ad_campaign_name="Galette des rois",
            ad_campaign_key="galette des rois",
            period_start=START,
            period_end=START + timedelta(days=DAYS - 1),
            currency="EUR",
            spend=Decimal("500.00"),
            reach=150_000,
            impressions=412_000,
            link_clicks=1_900,
            page_likes=800,
            purchases=6,
        )
        Click.objects.bulk_create(
            Click(
                link=link, at=_moment(n % DAYS, 14, n % 60), user_agent=PHONE, ip_prefix="192.0.2.0"
            )
            for n in range(CLICKS)
        )
        for number, total in enumerate(ORDER_TOTALS):
            placed = _moment(1 + 2 * number, 15)
            order_upsert(
                business=business,
                source=OrderSource.WOOCOMMERCE,
                data=OrderData(
                    external_id=f"demo-{800 + number}",
                    number=str(800 + number),
                    placed_at=placed,
                    total=Decimal(total),
                    currency="EUR",
                    status=OrderStatus.PAID,
                    utm_source="facebook",
                    utm_medium="ad",
                    utm_campaign=campaign.slug,
                    updated_at=placed,
                ),
            )
        Redemption.objects.bulk_create(
            Redemption(
                business=business,
                promo_code=promo,
                at=_moment(n % DAYS, 13, n % 60),
                amount=amount,
                recorded_by=owner,
                client_key=uuid.uuid4(),
            )
            for n, amount in enumerate(BASKETS)
        )
        PromoCode.objects.filter(pk=promo.pk).update(uses=F("uses") + len(BASKETS))
        DeclaredSource.objects.bulk_create(
            DeclaredSource(
                business=business,
                source=HeardFrom.FACEBOOK,
                at=_moment(n % DAYS, 18),
                recorded_by=owner,
                client_key=uuid.uuid4(),
            )
            for n in range(DECLARED)
        )


def _campaign(business: Business) -> tuple[Campaign, TrackedLink, PromoCode]:
    campaign, _created = Campaign.objects.get_or_create(
        business=business,
        slug="galette-des-rois",
        defaults={
            "name": "Galette des rois",
            "channel": Channel.FACEBOOK,
            "starts_on": START,
            "ends_on": START + timedelta(days=DAYS - 1),
        },
    )
    link = TrackedLink.objects.filter(business=business, campaign=campaign).first()
    if link is None:
        link = TrackedLink.objects.create(
            business=business,
            campaign=campaign,
            code=uuid.uuid4().hex[:10],
            destination="https://boulangerie-ti-pain.example/galettes",
            channel=Channel.FACEBOOK,
            label="Publicité Facebook — galette",
            utm_source="facebook",
            utm_medium="ad",
            utm_campaign=campaign.slug,
        )
    promo, _created = PromoCode.objects.get_or_create(
        business=business,
        code="GALETTE27",
        defaults={
            "campaign": campaign,
            "description": "-10 % en boutique",
            "channel": Channel.FACEBOOK,
        },
    )
    return campaign, link, promo
