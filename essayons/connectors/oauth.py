"""The OAuth 2 round trip shared by every network: state and PKCE bound to the session.

`oauth_start` keeps a random state and a PKCE verifier in the session, per network kind, and
returns what goes into the authorisation URL; `oauth_finish` checks the state that comes back
(constant-time), is single-use, expires, and returns the verifier for the token exchange.
RFC 6749 §10.12 (state against CSRF), RFC 7636 (PKCE, S256); ASVS 10.1.2 / 10.2.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from essayons.connectors.errors import AuthExpired, Rejected, Transient
from essayons.lib import http

SESSION_KEY = "oauth_pending"
MAX_AGE_SECONDS = 15 * 60


class OAuthStateError(Exception):
    """The answer does not belong to a round trip started here (forged, replayed or too old)."""


@dataclass(frozen=True)
class OAuthStart:
    state: str
    code_challenge: str
    code_challenge_method: str = "S256"


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def oauth_start(
    request: HttpRequest, *, kind: str, extra: dict[str, Any] | None = None
) -> OAuthStart:
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    pending = dict(request.session.get(SESSION_KEY, {}))
    pending[kind] = {"state": state, "verifier": verifier, "at": time.time(), "extra": extra or {}}
    request.session[SESSION_KEY] = pending
    return OAuthStart(state=state, code_challenge=pkce_challenge(verifier))


def oauth_finish(request: HttpRequest, *, kind: str, state: str) -> tuple[str, dict[str, Any]]:
    """Return (PKCE verifier, extra) for a valid state; the pending round trip is consumed."""
    pending = dict(request.session.get(SESSION_KEY, {}))
    started = pending.pop(kind, None)
    request.session[SESSION_KEY] = pending
    if not started or not state:
        raise OAuthStateError("no round trip pending")
    if not hmac.compare_digest(str(started["state"]), state):
        raise OAuthStateError("state mismatch")
    if time.time() - float(started["at"]) > MAX_AGE_SECONDS:
        raise OAuthStateError("round trip too old")
    return str(started["verifier"]), dict(started.get("extra", {}))


def token_request(
    *, url: str, data: Mapping[str, str], network: str, timeout: float
) -> dict[str, Any]:
    """POST to a token endpoint (code exchange or refresh) and map its refusals to our errors.

    400/401 (invalid_grant: revoked, expired, password changed; invalid_client) → AuthExpired;
    5xx or no answer → Transient (a token call has no side effect worth reconciling).
    """
    try:
        response = http.post(url, data=dict(data), timeout=timeout)
    except http.HttpError as error:
        raise Transient(type(error).__name__, code="network", network=network) from error
    try:
        payload = response.json() if response.body else {}
    except http.InvalidJson:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    if response.ok and payload.get("access_token"):
        return payload
    code = str(payload.get("error") or "")
    if response.status in (400, 401):
        raise AuthExpired("token refused", code=code or "invalid_grant", network=network)
    if response.status >= 500:
        raise Transient(f"HTTP {response.status}", code=str(response.status), network=network)
    raise Rejected(f"HTTP {response.status}", code=code or str(response.status), network=network)
