"""Background work of the inbox: tasks take ids, load, call a service."""

from __future__ import annotations

from django_tasks import task

from essayons.inbox.queries import overdue_complaints
from essayons.inbox.services import overdue_alert_send, reply_send


@task()
def inbox_reply_send(*, reply_id: int) -> str:
    """Send one reply a person pressed send on; returns its final status."""
    return reply_send(reply_id=reply_id).status


@task()
def inbox_overdue_alert() -> int:
    """Periodic-safe: each overdue complaint is claimed and alerted once; returns how many."""
    return sum(overdue_alert_send(message=m) for m in overdue_complaints())
