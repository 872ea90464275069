"""Background work of the connections: tokens about to expire, webhooks to subscribe to, tokens
to revoke after a disconnection."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from essayons.connectors.models import Connection
from essayons.connectors.services import connection_inbox_subscribe as subscribe
from essayons.connectors.services import connection_revoke as revoke
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


@task()
def connection_revoke(*, connection_id: int) -> None:
    """After a disconnection: revoke the tokens at the network, then forget them (best effort)."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is not None:
        revoke(connection=connection)
