"""Periodic jobs: what runs every so often, and the clock that enqueues each once per period.

The publishing scheduler (`manage.py publish_scheduler`, started by `launch`) calls
`periodic_due_enqueue` at every tick. Each job has a row in PeriodicRun; whoever moves its
`next_at` forward by a conditional update enqueues it, so several schedulers (one per node)
enqueue each job once per period. Every job is safe to run twice (each claims its own work).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

from essayons.connectors.tasks import connections_expiry_warn
from essayons.inbox.tasks import inbox_overdue_alert, inbox_polls_enqueue, inbox_sweep
from essayons.ops.models import PeriodicRun
from essayons.tracking.results_tasks import rollups_refresh_task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    task: Task[Any, Any]


def periodic_jobs() -> tuple[Periodic, ...]:
    return (
        Periodic(
            "inbox_polls", timedelta(minutes=settings.INBOX_POLL_MINUTES), inbox_polls_enqueue
        ),
        Periodic("inbox_overdue_alert", timedelta(minutes=10), inbox_overdue_alert),
        Periodic("inbox_sweep", timedelta(minutes=2), inbox_sweep),
        Periodic("results_rollups", timedelta(minutes=5), rollups_refresh_task),
        Periodic("connections_expiry", timedelta(hours=6), connections_expiry_warn),
    )


def periodic_due_enqueue(*, now: datetime | None = None) -> list[str]:
    """Enqueue every job whose time has come; returns their names."""
    now = now or timezone.now()
    enqueued = []
    for job in periodic_jobs():
        if _claim(job, now):
            job.task.enqueue()
            enqueued.append(job.name)
    return enqueued


def _claim(job: Periodic, now: datetime) -> bool:
    """Move the job's next run one period on, if it is due and nobody else just did."""
    row = PeriodicRun.objects.filter(name=job.name).only("next_at").first()
    if row is None:
        try:  # first run ever: due now
            with transaction.atomic():
                PeriodicRun.objects.create(
                    name=job.name, next_at=now + job.every, last_enqueued_at=now
                )
        except IntegrityError:  # another scheduler created it at the same moment
            return False
        return True
    return (
        PeriodicRun.objects.filter(name=job.name, next_at=row.next_at, next_at__lte=now).update(
            next_at=now + job.every, last_enqueued_at=now
        )
        == 1
    )
