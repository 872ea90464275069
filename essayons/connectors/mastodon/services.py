"""Connecting a business's Mastodon account on any instance: register Essayons there, then OAuth.

https://docs.joinmastodon.org/client/token/ : the app is created once per instance
(POST /api/v1/apps, scopes "read write", our callback as redirect URI), then the owner
authorises it on their instance (authorization code with PKCE S256), and the code is exchanged
for a token, checked with verify_credentials.
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction

from essayons.accounts.models import Business
from essayons.connectors import services
from essayons.connectors.errors import ConnectorError, Transient
from essayons.connectors.flow import Candidate
from essayons.connectors.mastodon.client import (
    SCOPES,
    MastodonClient,
    app_register,
    instance_fetch,
    token_exchange,
)
from essayons.connectors.mastodon.connector import MastodonConnector
from essayons.connectors.models import Connection, MastodonApp
from essayons.connectors.oauth import OAuthStart

CLIENT_NAME = "Essayons"


def mastodon_app_ready(*, instance_url: str, redirect_uri: str) -> MastodonApp:
    """Essayons's client on this instance: the one registered before, or a new registration.

    Checks first that the address is a Mastodon-compatible server (GET /api/v2/instance).
    Raises a ConnectorError when the instance cannot be reached or refuses.
    """
    known = MastodonApp.objects.filter(instance_url=instance_url).first()
    if known is not None and known.redirect_uri == redirect_uri:
        return known
    instance_fetch(instance_url)
    registered = app_register(
        instance_url, client_name=CLIENT_NAME, redirect_uri=redirect_uri, website=settings.SITE_URL
    )
    if known is not None:  # our address changed (SITE_URL): the old client no longer fits
        known.redirect_uri = redirect_uri
        known.client_id = str(registered["client_id"])
        known.client_secret = str(registered["client_secret"])
        known.save()
        return known
    app = MastodonApp(
        instance_url=instance_url, redirect_uri=redirect_uri, client_id=str(registered["client_id"])
    )
    app.client_secret = str(registered["client_secret"])
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError:
        # Someone registered on this instance at the same moment: use theirs, drop ours.
        return MastodonApp.objects.get(instance_url=instance_url)
    return app


def mastodon_authorize_url(*, app: MastodonApp, started: OAuthStart) -> str:
    """Where the owner's browser goes to say yes, on their own instance."""
    query = urlencode(
        {
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "response_type": "code",
            "scope": SCOPES,
            "state": started.state,
            "code_challenge": started.code_challenge,
            "code_challenge_method": started.code_challenge_method,
        }
    )
    return f"{app.instance_url}/oauth/authorize?{query}"


def mastodon_connect_finish(
    *, business: Business, instance_url: str, code: str, verifier: str
) -> Connection:
    """Exchange the code, check the account, keep the connection with the instance's limits."""
    app = MastodonApp.objects.filter(instance_url=instance_url).first()
    if app is None:
        raise Transient("no client registered on this instance", code="no_app")
    token = token_exchange(
        instance_url,
        client_id=app.client_id,
        client_secret=app.client_secret,
        code=code,
        redirect_uri=app.redirect_uri,
        code_verifier=verifier,
    )
    remote = MastodonClient(instance_url, token).credentials_verify()
    account = MastodonConnector.account_from(remote, instance_url=instance_url)
    connection = services.connection_save(
        business=business,
        kind=MastodonConnector.kind,
        candidate=Candidate(
            account_id=account.remote_id,
            name=account.name,
            url=account.url,
            credentials={"access_token": token},
        ),
    )
    connection.instance_url = instance_url
    connection.save(update_fields=["instance_url"])
    # Unreadable limits are no reason to refuse the account: the defaults stay until next read.
    with contextlib.suppress(ConnectorError):
        MastodonConnector(connection).limits_fetch()
    return connection
