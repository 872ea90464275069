"""Background work of the inbox: tasks take ids, load, call a service."""

from __future__ import annotations

from django_tasks import task

from essayons.inbox import services
from essayons.inbox.queries import overdue_complaints


@task()
def inbox_reply_send(*, reply_id: int) -> str:
    """Send one reply a person pressed send on; returns its final status."""
    return services.reply_send(reply_id=reply_id).status


@task()
def inbox_reply_reconcile(*, reply_id: int) -> str:
    """Ask the network whether an unknown reply arrived; returns its status after."""
    return services.reply_reconcile(reply_id=reply_id).status


@task()
def inbox_message_triage(*, message_id: int) -> str:
    """Sort one stored message; returns its label."""
    message = services.message_triage(message_id=message_id)
    return message.label if message else ""


@task()
def inbox_connection_poll(*, connection_id: int, kind: str) -> int:
    """Read new customer messages of one kind from one connection; returns how many came."""
    return services.connection_poll(connection_id=connection_id, kind=kind)


@task()
def inbox_overdue_alert() -> int:
    """Periodic-safe: each overdue complaint is claimed and alerted once; returns how many."""
    return sum(services.overdue_alert_send(message=m) for m in overdue_complaints())


@task()
def inbox_polls_enqueue() -> int:
    """Periodic: one poll task per polled connection and kind; returns how many."""
    due = services.polls_due()
    for connection_id, kind in due:
        inbox_connection_poll.enqueue(connection_id=connection_id, kind=kind)
    return len(due)


@task()
def inbox_sweep() -> dict[str, int]:
    """Periodic: messages whose sorting was lost, unknown replies to ask about again."""
    unknown = services.replies_unknown_due()
    for reply_id in unknown:
        inbox_reply_reconcile.enqueue(reply_id=reply_id)
    return {"untriaged": services.messages_untriaged_requeue(), "unknown_replies": len(unknown)}
