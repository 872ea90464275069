from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from essayons.planner.models import Plan, Post
from essayons.planner.services import week_prepare

pytestmark = pytest.mark.django_db


def frozen_now(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_local_dates_become_ideas_for_the_week_before_them(business, owner_membership):
    Plan.objects.create(
        business=business, hours_per_week=Decimal(3), channels=["facebook", "instagram"]
    )
    # Week of Monday 18 May 2026 in Martinique: 22 May is the abolition of slavery, Mother's Day is 31 May.
    with frozen_now(datetime(2026, 5, 11, 12, tzinfo=ZoneInfo("UTC"))), translation.override("fr"):
        done = week_prepare(membership=owner_membership, monday=date(2026, 5, 18))
    assert done.created > 0 and done.already == 0
    refs = set(Post.objects.values_list("idea_ref", flat=True))
    assert "date/abolition/2026-05-22" in refs
    assert "date/mothers_day/2026-05-31" in refs
    abolition = Post.objects.get(idea_ref="date/abolition/2026-05-22")
    assert abolition.scheduled_at.astimezone(ZoneInfo(business.timezone)).date() <= date(
        2026, 5, 22
    )
    assert "Abolition de l’esclavage" in abolition.idea


def test_slots_already_past_are_skipped_and_ideas_rotate_across_weeks(business, owner_membership):
    Plan.objects.create(business=business, hours_per_week=Decimal(2), channels=["facebook"])
    monday = date(2026, 9, 7)
    with frozen_now(datetime(2026, 9, 10, 23, tzinfo=ZoneInfo("UTC"))):
        this_week = week_prepare(membership=owner_membership, monday=monday)
    assert this_week.past >= 1
    with frozen_now(datetime(2026, 9, 1, 12, tzinfo=ZoneInfo("UTC"))):
        for n in range(1, 6):
            week_prepare(membership=owner_membership, monday=monday + timedelta(weeks=n))
    refs = list(
        Post.objects.exclude(idea_ref__startswith="date/").values_list("idea_ref", flat=True)
    )
    assert len(refs) == len(set(refs))  # the bank is walked through before repeating


def test_two_runs_racing_create_each_draft_once(business, owner_membership):
    Plan.objects.create(
        business=business, hours_per_week=Decimal(2), channels=["facebook", "google"]
    )
    monday = date(2030, 3, 4)
    first = week_prepare(membership=owner_membership, monday=monday)
    second = week_prepare(membership=owner_membership, monday=monday)
    assert second.created == 0 and second.already == first.created
    assert Post.objects.count() == first.created
