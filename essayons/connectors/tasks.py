"""Background work of the connections: tokens about to expire, webhooks to subscribe to."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from essayons.connectors.models import Connection
from essayons.connectors.services import connection_inbox_subscribe as subscribe
from essayons.connectors.services import connections_expiry_notify


@task()
def connections_expiry_warn() -> int:
    """Run once a day: e-mail owners whose connection expires within a week (once per expiry)."""
    return connections_expiry_notify(now=timezone.now())


@task()
def connection_inbox_subscribe(*, connection_id: int) -> bool:
    """Once connected: have the network push this account's messages to our webhook."""
    connection = Connection.objects.filter(pk=connection_id).first()
    return connection is not None and subscribe(connection=connection)
