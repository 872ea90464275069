"""Demo data: Boulangerie Ti Pain took stock six months ago and again this week.

Called by the launcher for the demo business, so a newcomer opens a real report, with the
progress made since the first run, at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from essayons.accounts.models import Business, User
from essayons.diagnostic.models import DiagnosticRun
from essayons.diagnostic.questions import SCREENS
from essayons.diagnostic.rules import CURRENT_VERSION

# A bakery like the article's: 70 % local customers, 2 h a week, the owner alone, a small
# budget, an old website, a Google listing not claimed, ~600 followers on a sleeping
# Facebook page, no e-mail list, complaints answered late.
SIX_MONTHS_AGO: dict[str, Any] = {
    "interest": "maybe",
    "ready": "no",
    "philosophy": "authentic",
    "show_work": "products",
    "hours_per_week": 2,
    "who": "owner",
    "budget_per_month": 30,
    "photos": "sometimes",
    "website": "yes",
    "website_age": "old",
    "website_sells": "no",
    "google_claimed": "no",
    "google_up_to_date": "no",
    "reviews_answered": "never",
    "facebook": "dormant",
    "facebook_followers": 580,
    "instagram": "none",
    "instagram_followers": None,
    "local_share": 70,
    "age_groups": ["25_44", "45_64", "65_plus"],
    "customer_type": "individuals",
    "found_by": ["passing", "word_of_mouth", "google"],
    "goals": ["walk_in", "reputation"],
    "customer_file": "none",
    "knows_source": "no",
    "tried_ads": "unmeasured",
    "complaint_who": "owner",
    "complaint_speed": "week",
    "promise_kept": "mostly",
}

# This week: the page woke up, reviews get an answer now and then, the till asks “how did
# you hear of us?”, complaints wait a few days instead of a week. Google is still to claim.
THIS_WEEK: dict[str, Any] = {
    **SIX_MONTHS_AGO,
    "interest": "yes",
    "ready": "partly",
    "photos": "yes",
    "reviews_answered": "sometimes",
    "facebook": "months",
    "facebook_followers": 612,
    "knows_source": "roughly",
    "complaint_speed": "few_days",
}


def demo_create(*, business: Business, owner: User) -> None:
    """Give the demo business two completed runs; does nothing if it already has runs."""
    if DiagnosticRun.objects.filter(business=business).exists():
        return
    now = timezone.now()
    for answers, age in ((SIX_MONTHS_AGO, timedelta(days=182)), (THIS_WEEK, timedelta(days=2))):
        run = DiagnosticRun.objects.create(
            business=business,
            rules_version=CURRENT_VERSION,
            answers=answers,
            current_step=len(SCREENS),
            started_by=owner,
            answered_by=owner,
            completed_at=now - age + timedelta(minutes=12),
        )
        # started_at is set on creation; date it back to when the demo owner sat down.
        DiagnosticRun.objects.filter(pk=run.pk).update(started_at=now - age)
