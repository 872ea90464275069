"""Reads for the till and the promo codes pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from essayons.accounts.models import Business
from essayons.tracking.models import DeclaredSource, PromoCode, Redemption


@dataclass(frozen=True)
class TillToday:
    codes: int
    answers: int


def till_today(business: Business, *, now: datetime | None = None) -> TillToday:
    """Codes recorded and "how did you hear of us?" answers today, in the business's time."""
    zone = ZoneInfo(business.timezone)
    today = (now or timezone.now()).astimezone(zone).date()
    start = datetime.combine(today, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    return TillToday(
        codes=Redemption.objects.filter(business=business, at__gte=start, at__lt=end).count(),
        answers=DeclaredSource.objects.filter(business=business, at__gte=start, at__lt=end).count(),
    )


def codes_of(business: Business) -> QuerySet[PromoCode]:
    return (
        PromoCode.objects.filter(business=business)
        .select_related("campaign")
        .order_by("for_email", "-created_at", "code")
    )
