"""XRPC calls to a Bluesky PDS through lib/http, and the PDS's errors mapped to our five classes.

Sources: the lexicons (com.atproto.server.createSession / refreshSession / getSession,
com.atproto.repo.createRecord / getRecord / uploadBlob / listRecords,
app.bsky.notification.listNotifications) and
https://docs.bsky.app/docs/advanced-guides/rate-limits . Quirks handled here:
- Errors are `{"error": <Name>, "message"}`; a bad or expired token answers **400**
  `InvalidToken` / `ExpiredToken`, not 401 (CONTRACTS.md §2.3, observed on the reference PDS),
  so we map on the name first and on the status second.
- Rate limits come as `RateLimit-Reset` (epoch seconds, no `X-` prefix,
  packages/xrpc-server/src/rate-limiter-http.ts); a 429 without it waits the 5-minute window.
- A second createRecord with a record key that exists answers a generic 500 (CONTRACTS §2.3):
  writes that fail with 5xx are unknown outcomes, settled with getRecord by the connector.
- app.bsky.* reads go to the PDS, which forwards them to an AppView
  (https://docs.bsky.app/docs/advanced-guides/api-directory). Which one, when the request does
  not say, has changed between PDS versions (packages/pds/src/pipethrough.ts, defaultService),
  so we name Bluesky's AppView in the `atproto-proxy` header
  (https://atproto.com/specs/xrpc#service-proxying).
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.lib import http

NETWORK = "bluesky"
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=5)
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired"})
ACCOUNT_ERRORS = frozenset({"AccountTakedown", "AccountDeactivated", "AuthFactorTokenRequired"})
TIMEOUT = 20.0
BLOB_TIMEOUT = 60.0
MAX_ANSWER_BYTES = 2_000_000
APPVIEW_PROXY = "did:web:api.bsky.app#bsky_appview"


class TokenProblem(AuthExpired):
    """A token or password was refused (ExpiredToken, InvalidToken, AuthenticationRequired):
    the connector tries the next rung (refresh, then log in again) before giving up."""


@dataclass(frozen=True)
class Session:
    did: str
    handle: str
    access_jwt: str
    refresh_jwt: str
    pds_url: str

    @property
    def scope(self) -> str:
        return str(jwt_claims(self.access_jwt).get("scope", ""))


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified: only read to know when to refresh and the scope."""
    try:
        payload = token.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def session_create(pds_url: str, *, identifier: str, password: str) -> Session:
    """Log in with a handle (or e-mail) and an app password: com.atproto.server.createSession.

    Limited to 30 per 5 minutes and 300 per day per account (CONTRACTS.md §1.5): called when
    connecting, and again only when the refresh token is refused.
    """
    answer = _send(
        "POST",
        pds_url,
        "com.atproto.server.createSession",
        json={"identifier": identifier, "password": password},
        write=False,
    )
    return _session(answer, pds_url)


def session_refresh(pds_url: str, *, refresh_jwt: str) -> Session:
    answer = _send(
        "POST", pds_url, "com.atproto.server.refreshSession", token=refresh_jwt, write=False
    )
    return _session(answer, pds_url)


def session_delete(pds_url: str, *, refresh_jwt: str) -> None:
    _send("POST", pds_url, "com.atproto.server.deleteSession", token=refresh_jwt, write=False)


def _session(answer: dict[str, Any], pds_url: str) -> Session:
    try:
        return Session(
            did=str(answer["did"]),
            handle=str(answer["handle"]),
            access_jwt=str(answer["accessJwt"]),
            refresh_jwt=str(answer["refreshJwt"]),
            pds_url=_service_endpoint(answer.get("didDoc")) or pds_url,
        )
    except KeyError as error:
        raise Transient("the PDS answered without a session", code="malformed") from error


def _service_endpoint(did_doc: Any) -> str:
    """The account's own PDS from its DID document (bsky.social is an entryway for many)."""
    if not isinstance(did_doc, dict):
        return ""
    for service in did_doc.get("service") or []:
        if isinstance(service, dict) and str(service.get("id", "")).endswith("#atproto_pds"):
            return str(service.get("serviceEndpoint", "")).rstrip("/")
    return ""


class BlueskyClient:
    """Calls made with an access token on the account's PDS."""

    def __init__(self, pds_url: str, access_jwt: str) -> None:
        self.pds_url = pds_url
        self.access_jwt = access_jwt

    def session_get(self) -> dict[str, Any]:
        return _send(
            "GET", self.pds_url, "com.atproto.server.getSession", token=self.access_jwt, write=False
        )

    def blob_upload(self, data: bytes, mime_type: str) -> dict[str, Any]:
        """Upload an image; the answer's `blob` goes into the record. Unused blobs expire."""
        answer = _send(
            "POST",
            self.pds_url,
            "com.atproto.repo.uploadBlob",
            token=self.access_jwt,
            data=data,
            content_type=mime_type,
            timeout=BLOB_TIMEOUT,
            write=False,
        )
        blob = answer.get("blob")
        if not isinstance(blob, dict):
            raise Transient("the PDS answered without a blob", code="malformed")
        return blob

    def record_create(
        self, *, repo: str, collection: str, rkey: str, record: dict[str, Any]
    ) -> dict[str, Any]:
        return _send(
            "POST",
            self.pds_url,
            "com.atproto.repo.createRecord",
            token=self.access_jwt,
            json={"repo": repo, "collection": collection, "rkey": rkey, "record": record},
            write=True,
        )

    def record_get(self, *, repo: str, collection: str, rkey: str) -> dict[str, Any] | None:
        """The record, or None when the PDS says RecordNotFound."""
        try:
            return _send(
                "GET",
                self.pds_url,
                "com.atproto.repo.getRecord",
                token=self.access_jwt,
                params={"repo": repo, "collection": collection, "rkey": rkey},
                write=False,
            )
        except Rejected as error:
            if error.code == "RecordNotFound":
                return None
            raise

    def notifications_list(
        self, *, limit: int, reasons: Sequence[str], cursor: str = ""
    ) -> dict[str, Any]:
        """One page of the account's notifications, newest first; `cursor` pages back in time.

        https://docs.bsky.app/docs/api/app-bsky-notification-list-notifications ; `reasons`
        is an array, sent as the parameter repeated (https://atproto.com/specs/xrpc).
        """
        params: dict[str, str | Sequence[str]] = {"limit": str(limit), "reasons": list(reasons)}
        if cursor:
            params["cursor"] = cursor
        return _send(
            "GET",
            self.pds_url,
            "app.bsky.notification.listNotifications",
            token=self.access_jwt,
            params=params,
            proxy=APPVIEW_PROXY,
            write=False,
        )


def _send(
    method: str,
    pds_url: str,
    nsid: str,
    *,
    write: bool,
    token: str = "",
    json: Any = None,
    params: Mapping[str, str | Sequence[str]] | None = None,
    data: bytes | None = None,
    content_type: str = "",
    proxy: str = "",
    timeout: float = TIMEOUT,
) -> dict[str, Any]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if proxy:
        headers["atproto-proxy"] = proxy
    if content_type:
        headers["Content-Type"] = content_type
    url = f"{pds_url.rstrip('/')}/xrpc/{nsid}"
    try:
        response = http.request(
            method,
            url,
            json=json,
            data=data,
            params=params,
            headers=headers,
            timeout=timeout,
            max_bytes=MAX_ANSWER_BYTES,
        )
    except http.HttpError as error:
        raise transport_error(error, write=write) from error
    if not response.ok:
        raise answer_error(response, write=write)
    try:
        payload = response.json() if response.body else {}
    except http.InvalidJson as error:
        cls = UnknownOutcome if write else Transient
        raise cls("unreadable answer", code="malformed", network=NETWORK) from error
    return payload if isinstance(payload, dict) else {}


def transport_error(error: http.HttpError, *, write: bool) -> Exception:
    """No answer. Before the request left (refused, DNS, TLS), nothing happened: Transient."""
    if isinstance(error, http.BlockedUrl):
        return Rejected(str(error), code="blocked_address", network=NETWORK)
    cause = error.__cause__
    never_sent = isinstance(cause, ConnectionRefusedError | socket.gaierror | ssl.SSLError) or (
        isinstance(error, http.TransportError)
        and str(error).startswith(("could not resolve", "no address"))
    )
    if write and not never_sent:
        return UnknownOutcome(str(error), code="no_answer", network=NETWORK)
    return Transient(str(error), code="no_answer", network=NETWORK)


def answer_error(response: http.Response, *, write: bool) -> Exception:
    name, message = _error_body(response)
    if response.status == 429 or name == "RateLimitExceeded":
        return RateLimited(
            message, retry_at=_reset_at(response), code=name or "RateLimitExceeded", network=NETWORK
        )
    if name in TOKEN_ERRORS:
        return TokenProblem(message, code=name, network=NETWORK)
    if name in ACCOUNT_ERRORS or response.status in (401, 403):
        return AuthExpired(message, code=name or str(response.status), network=NETWORK)
    if response.status >= 500:
        cls = UnknownOutcome if write else Transient
        return cls(message, code=name or str(response.status), network=NETWORK)
    return Rejected(message, code=name or str(response.status), network=NETWORK)


def _error_body(response: http.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except http.InvalidJson:
        return "", response.text[:300]
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("message") or "")[:500]


def _reset_at(response: http.Response) -> datetime:
    """When to try again: RateLimit-Reset (epoch seconds), else Retry-After, else 5 minutes."""
    now = datetime.now(UTC)
    reset = response.headers.get("ratelimit-reset", "").strip()
    if reset.isdigit():
        return max(datetime.fromtimestamp(int(reset), tz=UTC), now)
    retry_after = response.headers.get("retry-after", "").strip()
    if retry_after.isdigit():
        return now + timedelta(seconds=int(retry_after))
    return now + DEFAULT_RATE_LIMIT_WAIT
