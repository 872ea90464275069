from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from essayons.diagnostic.channels import Channel
from essayons.diagnostic.demo import demo_create
from essayons.diagnostic.models import DiagnosticRun
from essayons.diagnostic.queries import diagnostic_summary, run_report
from essayons.diagnostic.rules.conditions import Verdict
from essayons.diagnostic.tests.answers import BAKER, READY
from essayons.diagnostic.tests.conftest import report_url, text

pytestmark = pytest.mark.django_db


def completed_run(business, answers, days_ago):
    return DiagnosticRun.objects.create(
        business=business,
        rules_version="v1",
        answers=answers,
        current_step=8,
        completed_at=timezone.now() - timedelta(days=days_ago),
    )


def test_no_summary_without_a_completed_run(business, open_run):
    assert diagnostic_summary(business=business) is None


def test_summary_of_the_latest_completed_run(business, other_business):
    completed_run(business, READY, days_ago=200)
    latest = completed_run(business, {**BAKER, "hours_per_week": 1.5}, days_ago=3)
    completed_run(other_business, READY, days_ago=1)
    DiagnosticRun.objects.create(business=business, rules_version="v1", answers=READY)
    summary = diagnostic_summary(business=business)
    assert summary is not None
    assert summary.hours_per_week == Decimal("1.5")
    assert summary.channels == [Channel.GOOGLE.value]  # under 2 h a week: one channel
    assert all(type(c) is str for c in summary.channels)
    assert summary.verdict == Verdict.SMALL_STEPS.value
    assert summary.completed_at == latest.completed_at
    assert summary.answers["local_share"] == 70


def test_summary_with_zero_hours(business):
    completed_run(business, {**BAKER, "hours_per_week": 0}, days_ago=1)
    summary = diagnostic_summary(business=business)
    assert summary is not None
    assert summary.hours_per_week == Decimal(0)
    assert summary.verdict == Verdict.PREPARE_FIRST.value


def test_demo_gives_ti_pain_two_runs_with_progress(business, owner, client_as):
    demo_create(business=business, owner=owner)
    demo_create(business=business, owner=owner)  # a second launch adds nothing
    runs = list(DiagnosticRun.objects.filter(business=business).order_by("completed_at"))
    assert len(runs) == 2 and all(r.is_completed for r in runs)
    first, second = runs[0].completed_at, runs[1].completed_at
    assert first is not None and second is not None
    assert (second - first).days >= 170
    assert runs[0].started_at < runs[1].started_at
    shown = run_report(runs[1])
    assert shown.previous == runs[0]
    assert shown.progress is not None and shown.progress.overall_delta > 0
    assert shown.report.checklist[0].rule_id == "CL-GOOGLE-CLAIM"
    answers = runs[1].answers
    assert answers["local_share"] == 70 and answers["hours_per_week"] == 2
    assert answers["who"] == "owner" and answers["google_claimed"] == "no"
    assert 550 <= answers["facebook_followers"] <= 650
    assert answers["customer_file"] == "none"
    page = text(client_as(owner).get(report_url(business)))
    assert "Depuis le" in page and "Fait depuis la dernière fois" in page
