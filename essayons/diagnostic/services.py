"""Writes of the diagnostic: starting (or resuming) a run, saving a screen's answers."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from essayons.accounts.models import Business, User
from essayons.diagnostic.models import DiagnosticRun
from essayons.diagnostic.questions import SCREENS, first_unanswered_index
from essayons.diagnostic.rules import CURRENT_VERSION


class RunClosed(Exception):
    """The run was completed meanwhile (another tab, another person): it can't change anymore."""


def run_start(*, business: Business, user: User) -> DiagnosticRun:
    """The business's open run if there is one; otherwise a new run, prefilled with the answers
    of the last completed run so that retaking it only asks to check what changed."""
    open_run = DiagnosticRun.objects.filter(business=business, completed_at__isnull=True).first()
    if open_run is not None:
        return open_run
    last = (
        DiagnosticRun.objects.filter(business=business, completed_at__isnull=False)
        .order_by("-completed_at")
        .first()
    )
    try:
        with transaction.atomic():
            return DiagnosticRun.objects.create(
                business=business,
                rules_version=CURRENT_VERSION,
                answers=last.answers_dict() if last else {},
                started_by=user,
                answered_by=user,
            )
    except IntegrityError:
        # Someone started one at the same instant: the unique open run is theirs and ours.
        return DiagnosticRun.objects.get(business=business, completed_at__isnull=True)


def run_answer(
    *, run: DiagnosticRun, screen_index: int, answers: dict[str, Any], user: User, advance: bool
) -> DiagnosticRun:
    """Merge one screen's answers into the run.

    `advance` means the person pressed “next”: the run moves past this screen and, on the
    last screen with every question answered, is completed. Raises RunClosed if the run was
    completed in the meantime.
    """
    with transaction.atomic():
        locked = DiagnosticRun.objects.select_for_update().get(pk=run.pk)
        if locked.is_completed:
            raise RunClosed
        locked.answers = {**locked.answers_dict(), **answers}
        locked.answered_by = user
        if advance:
            locked.current_step = max(locked.current_step, screen_index + 1)
            is_last = screen_index == len(SCREENS) - 1
            if is_last and first_unanswered_index(locked.answers) is None:
                locked.completed_at = timezone.now()
        locked.save()
    return locked
