"""What the owner should know about one connection, in plain French, ahead of time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from essayons.connectors.models import Connection, ConnectionStatus

WARN_BEFORE = timedelta(days=7)


class WarningCode(StrEnum):
    NEEDS_RECONNECT = "needs_reconnect"
    EXPIRED = "expired"
    EXPIRES_SOON = "expires_soon"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class ConnectionWarning:
    code: WarningCode
    message: str
    reconnect: bool  # the fix is the owner reconnecting


def connection_warnings(connection: Connection, now: datetime) -> list[ConnectionWarning]:
    """The warnings to show for `connection` at `now` (aware); empty when all is well.

    A token expiring within 7 days warns; an expired one or a refused one asks to reconnect.
    Dates are written in the business's time zone.
    """
    if connection.status == ConnectionStatus.DISABLED:
        return []
    found: list[ConnectionWarning] = []
    zone = connection.business.timezone
    if connection.status == ConnectionStatus.NEEDS_RECONNECT:
        found.append(
            ConnectionWarning(
                WarningCode.NEEDS_RECONNECT,
                _("The network no longer accepts this connection. Reconnect it to keep posting."),
                reconnect=True,
            )
        )
    expires = connection.expires_at
    if expires is not None and expires <= now:
        found.append(
            ConnectionWarning(
                WarningCode.EXPIRED,
                _("The access expired on %(date)s. Reconnect it to keep posting.")
                % {"date": _when(expires, zone)},
                reconnect=True,
            )
        )
    elif expires is not None and expires - now <= WARN_BEFORE:
        found.append(
            ConnectionWarning(
                WarningCode.EXPIRES_SOON,
                _("The access ends on %(date)s. Reconnect it before then so nothing is missed.")
                % {"date": _when(expires, zone)},
                reconnect=True,
            )
        )
    limited = connection.rate_limited_until
    if limited is not None and limited > now:
        found.append(
            ConnectionWarning(
                WarningCode.RATE_LIMITED,
                _("The network asked us to slow down: the next posts wait until %(date)s.")
                % {"date": _when(limited, zone)},
                reconnect=False,
            )
        )
    return found


def _when(moment: datetime, zone: str) -> str:
    with timezone.override(zone):
        return str(formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT"))
