"""Writes on connections: save after OAuth, disconnect and revoke, refresh tokens, throttle,
warn of expiry."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from essayons.accounts.models import Business, Membership
from essayons.accounts.roles import Role
from essayons.accounts.tasks import email_send
from essayons.connectors.errors import AuthExpired, ConnectorError
from essayons.connectors.models import Connection, ConnectionStatus, RemoteDraft

if TYPE_CHECKING:
    from essayons.connectors.flow import Candidate

log = logging.getLogger(__name__)

EXPIRY_WARNING_DAYS = 7


def connection_save(*, business: Business, kind: str, candidate: Candidate) -> Connection:
    """Create or renew the business's connection to one account; it is working again."""
    with transaction.atomic():
        connection = (
            Connection.objects.select_for_update()
            .filter(business=business, kind=kind, account_id=candidate.account_id)
            .first()
        ) or Connection(business=business, kind=kind, account_id=candidate.account_id)
        connection.account_name = candidate.name[:255]
        connection.account_url = candidate.url[:500]
        connection.credentials = candidate.credentials
        connection.expires_at = candidate.expires_at
        connection.status = ConnectionStatus.ACTIVE
        connection.rate_limited_until = None
        connection.last_error_code = ""
        connection.last_error_at = None
        connection.last_verified_at = timezone.now()
        connection.save()
        transaction.on_commit(partial(_inbox_subscribe_enqueue, connection.pk))
    return connection


def _inbox_subscribe_enqueue(connection_id: int) -> None:
    from essayons.connectors.tasks import connection_inbox_subscribe  # tasks import this module

    connection_inbox_subscribe.enqueue(connection_id=connection_id)


def connection_inbox_subscribe(*, connection: Connection) -> bool:
    """Ask the network to push the account's messages to us; False (and a log line) if refused.

    A refusal leaves publishing untouched; the next connection (or reconnection) tries again.
    """
    from essayons.connectors.registry import connector_for  # connectors import this module

    try:
        connector_for(connection.kind)(connection).inbox_subscribe()
    except ConnectorError as error:
        log.warning(
            "connection %s: the network refused to push its messages (%s %s)",
            connection.pk,
            type(error).__name__,
            error.code,
        )
        return False
    return True


def connection_disconnect(*, connection: Connection) -> None:
    """Stop using the connection at once; its tokens are revoked at the network and forgotten
    right after the commit (connection_revoke). The row stays for the history.

    The task receives the id only: task arguments are stored in clear in the task table, so
    the tokens stay encrypted on the row until the task has used and forgotten them.
    """
    connection.status = ConnectionStatus.DISABLED
    connection.save(update_fields=["status"])
    transaction.on_commit(partial(_revoke_enqueue, connection.pk))


def _revoke_enqueue(connection_id: int) -> None:
    from essayons.connectors.tasks import connection_revoke  # tasks import this module

    connection_revoke.enqueue(connection_id=connection_id)


def connection_revoke(*, connection: Connection) -> None:
    """Once disconnected: ask the network to revoke our tokens (best effort), then forget them.

    A refusal or a network failure is logged (its class and code, never a token) and the
    credentials are forgotten all the same. A connection in use again is left alone: the owner
    reconnected before this ran, and connection_save stored new credentials that must stay
    (revoking the old grant could also cut the new one on Google).
    """
    from essayons.connectors.registry import connector_for  # connectors import this module

    if connection.status != ConnectionStatus.DISABLED or not connection.credentials_encrypted:
        return
    try:
        connector_for(connection.kind)(connection).revoke()
    except ConnectorError as error:
        log.warning(
            "connection %s: the network did not revoke its tokens (%s %s); forgotten anyway",
            connection.pk,
            type(error).__name__,
            error.code,
        )
    finally:
        forgotten = Connection.objects.filter(
            pk=connection.pk, status=ConnectionStatus.DISABLED
        ).update(credentials_encrypted="")
        if forgotten:
            connection.credentials_encrypted = ""


def connection_credentials_update(
    *, connection: Connection, credentials: dict[str, Any], expires_at: datetime | None
) -> None:
    """Keep refreshed tokens (Google, LinkedIn) so the next call does not refresh again."""
    connection.credentials = credentials
    connection.expires_at = expires_at
    connection.save(update_fields=["credentials_encrypted", "expires_at"])


def connection_throttle(*, connection: Connection, until: datetime) -> None:
    """Remember that the network asked us to slow down until `until` (never shortens it)."""
    if connection.rate_limited_until and connection.rate_limited_until >= until:
        return
    connection.rate_limited_until = until
    Connection.objects.filter(pk=connection.pk).update(rate_limited_until=until)


def connection_verify(*, connection: Connection) -> bool:
    """Ask the network whether the connection still works; True when it does."""
    from essayons.connectors.registry import connector_for  # connectors import this module

    connector = connector_for(connection.kind)(connection)
    now = timezone.now()
    try:
        account = connector.verify()
    except AuthExpired as error:
        connection.status = ConnectionStatus.NEEDS_RECONNECT
        connection.last_error_code, connection.last_error_at = error.code or "auth", now
        connection.save(update_fields=["status", "last_error_code", "last_error_at"])
        return False
    except ConnectorError as error:
        log.info("could not verify connection %s: %s", connection.pk, error.code)
        return False
    connection.status = ConnectionStatus.ACTIVE
    connection.account_name = account.name[:255] or connection.account_name
    connection.account_url = account.url[:500] or connection.account_url
    connection.last_verified_at = now
    connection.save(update_fields=["status", "account_name", "account_url", "last_verified_at"])
    return True


def remote_draft_keep(*, connection: Connection, attempt_key: str, remote_id: str) -> RemoteDraft:
    return RemoteDraft.objects.create(
        connection=connection, attempt_key=attempt_key, remote_id=remote_id
    )


def connections_expiry_notify(*, now: datetime) -> int:
    """E-mail each owner once per expiry when a token expires within a week; returns the count.

    The claim is a conditional update on `expiry_warned_for`, so two workers running the daily
    task at once send one e-mail, and a reconnection (new `expires_at`) arms a new warning.
    """
    horizon = now + timedelta(days=EXPIRY_WARNING_DAYS)
    due = Connection.objects.filter(
        status=ConnectionStatus.ACTIVE, expires_at__isnull=False, expires_at__lte=horizon
    ).select_related("business")
    sent = 0
    for connection in due:
        if connection.expiry_warned_for == connection.expires_at:
            continue
        claimed = (
            Connection.objects.filter(pk=connection.pk, expires_at=connection.expires_at)
            .exclude(expiry_warned_for=connection.expires_at)
            .update(expiry_warned_for=connection.expires_at)
        )
        if claimed == 1:
            sent += _expiry_email(connection, now=now)
    return sent


def _expiry_email(connection: Connection, *, now: datetime) -> int:
    owners = list(
        Membership.objects.filter(business=connection.business, role=Role.OWNER)
        .select_related("user")
        .values_list("user__email", flat=True)
    )
    if not owners:
        return 0
    from essayons.connectors.registry import connector_for  # connectors import this module

    business = connection.business
    url = settings.SITE_URL + reverse("connectors:list", args=[business.public_id])
    with translation.override(settings.LANGUAGE_CODE), timezone.override(business.timezone):
        context = {
            "connection": connection,
            "network": connector_for(connection.kind).label,
            "business": business,
            "url": url,
            "expired": connection.expires_at is not None and connection.expires_at <= now,
        }
        subject = _("Your %(network)s “%(account)s” needs reconnecting") % {
            "network": context["network"],
            "account": connection.account_name,
        }
        body = render_to_string("connectors/email/expiry.txt", context)
    email_send.enqueue(to=owners, subject=subject, body=body)
    return 1
