"""Connecting a business's Bluesky account (handle + app password)."""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.connectors import services
from essayons.connectors.bluesky.client import Session, session_create, session_delete
from essayons.connectors.bluesky.connector import APP_URL, BlueskyConnector
from essayons.connectors.errors import AuthExpired, ConnectorError, RateLimited
from essayons.connectors.flow import Candidate
from essayons.connectors.models import Connection

DEFAULT_PDS_URL = "https://bsky.social"
# The scope of a session opened with the account's main password, not an app password
# (@atproto/pds auth-scope: com.atproto.access versus com.atproto.appPass[Privileged]).
FULL_ACCESS_SCOPE = "com.atproto.access"


class BlueskyConnectError(Exception):
    """The connection could not be made; `message` says why in the owner's words."""

    def __init__(self, message: str | Promise, *, field: str = "app_password") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def default_pds_url() -> str:
    return str(getattr(settings, "BLUESKY_PDS_URL", DEFAULT_PDS_URL)).rstrip("/")


def bluesky_connect(
    *, business: Business, identifier: str, app_password: str, pds_url: str = ""
) -> Connection:
    """Open a session with the app password and keep it, encrypted, as the business's connection.

    Raises BlueskyConnectError (wrong password, main password instead of an app password,
    suspended account, too many tries, server unreachable). The password is never logged.
    """
    try:
        session = session_create(
            pds_url or default_pds_url(), identifier=identifier, password=app_password
        )
    except ConnectorError as error:
        raise BlueskyConnectError(_connect_error_message(error)) from None
    if session.scope == FULL_ACCESS_SCOPE:
        _session_forget(session)
        raise BlueskyConnectError(
            _(
                "This is your account's main password. For your safety, create an app password "
                "in Bluesky (Settings › Privacy and security › App passwords) and paste it here."
            )
        )
    return _connection_store(business=business, session=session, app_password=app_password)


def _connection_store(*, business: Business, session: Session, app_password: str) -> Connection:
    connection = services.connection_save(
        business=business,
        kind=BlueskyConnector.kind,
        candidate=Candidate(
            account_id=session.did,
            name=f"@{session.handle}",
            url=f"{APP_URL}/profile/{session.handle}",
            credentials={
                "app_password": app_password,
                "access_jwt": session.access_jwt,
                "refresh_jwt": session.refresh_jwt,
            },
        ),
    )
    connection.instance_url = session.pds_url
    connection.limits = {
        "max_length": BlueskyConnector.limits.max_length,
        "max_bytes": BlueskyConnector.limits.max_bytes,
        "max_images": BlueskyConnector.limits.max_images,
    }
    connection.save(update_fields=["instance_url", "limits"])
    return connection


def _session_forget(session: Session) -> None:
    # A failure changes nothing for the owner: the session expires on its own.
    with contextlib.suppress(ConnectorError):
        session_delete(session.pds_url, refresh_jwt=session.refresh_jwt)


def _connect_error_message(error: ConnectorError) -> str | Promise:
    if isinstance(error, RateLimited):
        return _("Too many tries with this account. Try again after %(time)s.") % {
            "time": time_format(timezone.localtime(error.retry_at), "H:i")
        }
    if error.code == "AuthFactorTokenRequired":
        return _(
            "Bluesky asks for a code sent by e-mail: that happens with the main password. "
            "Use an app password instead."
        )
    if error.code in {"AccountTakedown", "AccountDeactivated"}:
        return _("This Bluesky account is suspended or deactivated.")
    if isinstance(error, AuthExpired):
        return _("The handle or the app password is not right. Check both and try again.")
    return _(
        "The Bluesky server did not answer. Check the server address if you gave one, "
        "or try again in a few minutes."
    )
