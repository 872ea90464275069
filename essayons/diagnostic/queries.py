"""Reads of the diagnostic, including the summary other apps (the planner) build upon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from essayons.accounts.models import Business
from essayons.diagnostic.models import DiagnosticRun
from essayons.diagnostic.questions import as_decimal
from essayons.diagnostic.report import Progress, Report, progress_build


@dataclass(frozen=True)
class DiagnosticSummary:
    hours_per_week: Decimal
    channels: list[str]  # Channel values, best first
    verdict: str  # a Verdict value
    completed_at: datetime
    answers: dict[str, Any]


@dataclass(frozen=True)
class RunReport:
    run: DiagnosticRun
    report: Report
    previous: DiagnosticRun | None
    progress: Progress | None


def runs_completed(business: Business) -> QuerySet[DiagnosticRun]:
    return DiagnosticRun.objects.filter(business=business, completed_at__isnull=False).order_by(
        "-completed_at", "-id"
    )


def run_open(business: Business) -> DiagnosticRun | None:
    return DiagnosticRun.objects.filter(business=business, completed_at__isnull=True).first()


def run_previous(run: DiagnosticRun) -> DiagnosticRun | None:
    """The completed run just before `run`, to show the progress made since."""
    if run.completed_at is None:
        return None
    return (
        runs_completed(run.business)
        .filter(completed_at__lt=run.completed_at)
        .exclude(pk=run.pk)
        .first()
    )


def run_report(run: DiagnosticRun) -> RunReport:
    report = run.report()
    previous = run_previous(run)
    progress = progress_build(report, previous.report()) if previous else None
    return RunReport(run=run, report=report, previous=previous, progress=progress)


def diagnostic_summary(*, business: Business) -> DiagnosticSummary | None:
    """What the latest completed diagnostic says, or None if there is none yet."""
    run = runs_completed(business).first()
    if run is None or run.completed_at is None:
        return None
    report = run.report()
    answers = run.answers_dict()
    return DiagnosticSummary(
        hours_per_week=as_decimal(answers.get("hours_per_week")) or Decimal(0),
        channels=report.channel_codes,
        verdict=report.verdict.code,
        completed_at=run.completed_at,
        answers=answers,
    )
