"""Facebook Login, shared by the Page and Instagram connections: the dialog, the code
exchanged for a long-lived user token, the Pages the person manages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from essayons.connectors.errors import Rejected, Transient
from essayons.connectors.facebook.client import (
    DIALOG_HOST,
    TIMEOUT,
    GraphClient,
    as_int,
    graph_error,
    graph_url,
    graph_version,
)
from essayons.connectors.flow import settings_present
from essayons.lib import http


def app_credentials() -> tuple[str, str]:
    return (
        str(settings.FACEBOOK_APP_ID),
        str(settings.FACEBOOK_APP_SECRET),
    )


def login_url(*, scopes: Sequence[str], state: str, code_challenge: str, redirect_uri: str) -> str:
    """The Login dialog, with PKCE (S256) as Meta documents for manually built flows:
    https://developers.facebook.com/documentation/facebook-login/guides/advanced/oidc-token
    and https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow"""
    app_id, _secret = app_credentials()
    query = urlencode(
        {
            "client_id": app_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "scope": ",".join(scopes),
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{DIALOG_HOST}/{graph_version()}/dialog/oauth?{query}"


def user_token(
    *, code: str, verifier: str, redirect_uri: str, network: str
) -> tuple[str, datetime | None]:
    """Code -> short-lived user token -> long-lived user token (~60 days) and its expiry.

    Both exchanges are POSTs with a form body so that the app secret and the tokens stay out
    of URLs (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
    """
    app_id, secret = app_credentials()
    short = _token_call(
        {
            "client_id": app_id,
            "client_secret": secret,
            "redirect_uri": redirect_uri,
            "code": code,
            "code_verifier": verifier,
        },
        network=network,
    )
    long_lived = _token_call(
        {
            "grant_type": "fb_exchange_token",
            "client_id": app_id,
            "client_secret": secret,
            "fb_exchange_token": str(short.get("access_token", "")),
        },
        network=network,
    )
    token = str(long_lived.get("access_token", ""))
    if not token:
        raise Rejected("no token in the answer", code="no_token", network=network)
    expires_in = as_int(long_lived.get("expires_in"))
    return token, (timezone.now() + timedelta(seconds=expires_in)) if expires_in else None


def _token_call(data: Mapping[str, str], *, network: str) -> dict[str, Any]:
    try:
        response = http.post(graph_url("oauth/access_token"), data=dict(data), timeout=TIMEOUT)
    except http.HttpError as error:
        raise Transient(type(error).__name__, code="network", network=network) from error
    try:
        payload = response.json()
    except http.InvalidJson:
        payload = None
    if response.ok and isinstance(payload, dict) and payload.get("access_token"):
        return payload
    raise graph_error(
        response.status if not response.ok else 502,
        payload,
        side_effect=False,
        network=network,
        retry_at=None,
        now=timezone.now(),
    )


def managed_pages(token: str, *, fields: str, network: str) -> list[dict[str, Any]]:
    """The Pages this person manages, each with its Page token (`/me/accounts`):
    https://developers.facebook.com/docs/pages-api/getting-started"""
    client = GraphClient(token=token, network=network)
    return client.pages("me/accounts", {"fields": fields, "limit": 100})


class MetaLogin:
    """Facebook Login as the connect flow uses it (Page and Instagram connections): the same
    app, the same dialog; each subclass says its kind, scopes and how pages become accounts."""

    kind: str
    scopes: tuple[str, ...]
    setting_names = ("FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET")

    def is_configured(self) -> bool:
        return settings_present(*self.setting_names)

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        return login_url(
            scopes=self.scopes,
            state=state,
            code_challenge=code_challenge,
            redirect_uri=redirect_uri,
        )

    def pages(
        self, *, code: str, verifier: str, redirect_uri: str, fields: str
    ) -> list[dict[str, Any]]:
        """The Pages the person manages, each with its Page token, after the dialog."""
        token, _expires = user_token(
            code=code, verifier=verifier, redirect_uri=redirect_uri, network=self.kind
        )
        return managed_pages(token, fields=fields, network=self.kind)
