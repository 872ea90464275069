"""Background work of publishing: tasks take ids, load, and call a service.

Sending comes first: on a backend that orders tasks (the database one), a batch of deliveries
passes before e-mails and permalink checks, and the worker's heartbeat before everything, so
that a long queue never hides that the worker is alive nor delays posts behind checks.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task
from django_tasks.base import Task

from essayons.publishing import clock
from essayons.publishing.queries import WORKER
from essayons.publishing.services.batch import deliveries_send_many, permalinks_check_many
from essayons.publishing.services.tick import heartbeat

SEND_PRIORITY = 10
CHECK_PRIORITY = -10
BEAT_PRIORITY = 50


def enqueue(job: Task[Any, Any], priority: int, **kwargs: Any) -> None:
    """Enqueue with `priority` where the backend orders tasks (others run them in turn)."""
    if job.get_backend().supports_priority:
        job = job.using(priority=priority)
    job.enqueue(**kwargs)


@task()
def deliveries_send(*, delivery_ids: list[int]) -> dict[str, int]:
    """Send a batch of queued deliveries, several at a time (each one claimed first)."""
    return deliveries_send_many(delivery_ids)


@task()
def permalinks_check(*, delivery_ids: list[int]) -> dict[str, int]:
    """Check once that published posts are really online."""
    return permalinks_check_many(delivery_ids)


@task()
def worker_beat() -> None:
    """Proof that a worker takes tasks, for the health page."""
    heartbeat(WORKER, clock.now())
