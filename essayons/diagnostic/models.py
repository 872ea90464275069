"""One readiness diagnostic run per sitting; a business keeps every run to show its progress."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.diagnostic.questions import SCREENS, first_unanswered_index
from essayons.diagnostic.report import Report, report_build


class DiagnosticRun(models.Model):
    """The answers given at one sitting, merged screen by screen until completed.

    At most one run per business is open (not completed) at a time; completed runs
    are never edited again, so a past report always reads as it did that day
    (its `rules_version` says which rules scored it).
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="diagnostic_runs")
    rules_version = models.CharField(_("rules version"), max_length=20)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    current_step = models.PositiveSmallIntegerField(_("current screen"), default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The last person who saved answers in this run."),
    )

    class Meta:
        verbose_name = _("diagnostic run")
        verbose_name_plural = _("diagnostic runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business"],
                condition=Q(completed_at__isnull=True),
                name="one_open_diagnostic_per_business",
            )
        ]
        indexes = [models.Index(fields=["business", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.business} · {self.started_at:%Y-%m-%d}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    def answers_dict(self) -> dict[str, Any]:
        return dict(self.answers) if isinstance(self.answers, dict) else {}

    def resume_index(self) -> int:
        """The screen to show when someone comes back: where they stopped, or earlier if a
        screen before it still lacks an answer."""
        unanswered = first_unanswered_index(self.answers_dict())
        last = len(SCREENS) - 1
        return min(self.current_step, last if unanswered is None else unanswered, last)

    def progress_percent(self) -> int:
        return round(100 * min(self.current_step, len(SCREENS)) / len(SCREENS))

    def report(self) -> Report:
        return report_build(self.answers_dict(), rules_version=self.rules_version)
