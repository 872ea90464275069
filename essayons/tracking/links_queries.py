"""Reads for the links pages: each link with its clicks, people and bots counted apart."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from essayons.accounts.models import Business
from essayons.tracking.models import Campaign, TrackedLink


def links_with_counts(business: Business) -> QuerySet[TrackedLink]:
    """The business's links, newest first, with `people` (clicks) and `bots` annotated."""
    return (
        TrackedLink.objects.filter(business=business)
        .select_related("campaign")
        .annotate(
            people=Count("click", filter=Q(click__is_bot=False)),
            bots=Count("click", filter=Q(click__is_bot=True)),
        )
        .order_by("-created_at", "-pk")
    )


def campaigns_of(business: Business) -> QuerySet[Campaign]:
    return Campaign.objects.filter(business=business).order_by("name")
