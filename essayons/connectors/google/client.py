"""Google Business Profile: OAuth 2.0 for a web server app, the location list, local posts.

- OAuth: https://developers.google.com/identity/protocols/oauth2/web-server — `access_type=offline`
  and `prompt=consent` so a refresh token comes back every time; PKCE (S256) is accepted;
  access tokens live about an hour and are refreshed with the refresh token, which has no
  fixed end unless Google says so in `refresh_token_expires_in` (time-based access). On
  disconnection the refresh token is revoked (#tokenrevoke).
- Accounts: https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts/list
- Locations: https://developers.google.com/my-business/reference/businessinformation/rest/v1/accounts.locations/list
- Local posts: https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts
- Reviews: https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews
Tokens travel in `Authorization: Bearer`, never in the URL (CONTRACTS.md §3.3).

Errors ({"error": {"code", "message", "status"}}) map to our classes: 401 -> AuthExpired (after
one refresh), 429 -> RateLimited (Retry-After or 5 minutes), 5xx and timeouts -> UnknownOutcome
for a post, Transient for a read, other 4xx -> Rejected with Google's `status` as the code
(PERMISSION_DENIED, INVALID_ARGUMENT, NOT_FOUND...). A success whose body is not a JSON object
(HTML from a proxy, a bare list, a cut answer) is Transient for a read and UnknownOutcome for a
write: the write may have happened, the read tells nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from essayons.connectors.errors import (
    AuthExpired,
    ConnectorError,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.oauth import token_request
from essayons.lib import http

NETWORK = "google"
AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 (an address, not a secret)
REVOKE_URL = "https://oauth2.googleapis.com/revoke"
SCOPE = "https://www.googleapis.com/auth/business.manage"
ACCOUNTS_URL = "https://mybusinessaccountmanagement.googleapis.com/v1/accounts"
INFO_URL = "https://mybusinessbusinessinformation.googleapis.com/v1"
POSTS_URL = "https://mybusiness.googleapis.com/v4"
TIMEOUT = 30.0
REFRESH_MARGIN = timedelta(seconds=60)
RATE_LIMIT_WAIT = timedelta(minutes=5)
FRACTION = re.compile(r"\.(\d+)")


def client_credentials() -> tuple[str, str]:
    return (
        str(settings.GOOGLE_CLIENT_ID),
        str(settings.GOOGLE_CLIENT_SECRET),
    )


def authorize_url(*, state: str, code_challenge: str, redirect_uri: str) -> str:
    client_id, _secret = client_credentials()
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{AUTH_URL}?{query}"


def code_exchange(
    *, code: str, verifier: str, redirect_uri: str
) -> tuple[dict[str, str], datetime | None]:
    """The stored credentials and, when Google gives one, the date the refresh token ends."""
    client_id, secret = client_credentials()
    answer = _token_call(
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uri": redirect_uri,
        }
    )
    if not answer.get("refresh_token"):
        raise Rejected("no refresh token in the answer", code="no_refresh_token", network=NETWORK)
    now = timezone.now()
    credentials = {
        "access_token": str(answer["access_token"]),
        "access_expires_at": (
            now + timedelta(seconds=int(answer.get("expires_in") or 0))
        ).isoformat(),
        "refresh_token": str(answer["refresh_token"]),
    }
    lasts = int(answer.get("refresh_token_expires_in") or 0)
    return credentials, (now + timedelta(seconds=lasts)) if lasts else None


def token_refresh(credentials: Mapping[str, str]) -> dict[str, str]:
    """New credentials with a fresh access token; AuthExpired when the grant is gone."""
    client_id, secret = client_credentials()
    answer = _token_call(
        {
            "grant_type": "refresh_token",
            "refresh_token": str(credentials.get("refresh_token", "")),
            "client_id": client_id,
            "client_secret": secret,
        }
    )
    expires = timezone.now() + timedelta(seconds=int(answer.get("expires_in") or 0))
    return {
        **credentials,
        "access_token": str(answer["access_token"]),
        "access_expires_at": expires.isoformat(),
    }


def _token_call(data: Mapping[str, str]) -> dict[str, Any]:
    return token_request(url=TOKEN_URL, data=data, network=NETWORK, timeout=TIMEOUT)


def token_revoke(token: str) -> None:
    """Revoke a refresh (or access) token; a refresh token takes its access tokens with it.

    https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke : 200 when
    revoked, 400 with an error code otherwise. Its curl example puts the token in the query
    string; we send it as a form field, as RFC 7009 §2.1 says and as Google's own browser
    example does (a POSTed form,
    https://developers.google.com/identity/protocols/oauth2/javascript-implicit-flow#tokenrevoke),
    so it never sits in a URL that proxies and logs keep.
    """
    try:
        response = http.post(REVOKE_URL, data={"token": token}, timeout=TIMEOUT)
    except http.HttpError as error:
        raise Transient(type(error).__name__, code="network", network=NETWORK) from error
    if not response.ok:
        raise google_error(response, side_effect=False, now=timezone.now())


def google_error(response: http.Response, *, side_effect: bool, now: datetime) -> ConnectorError:
    """The error for a non-success answer (pure apart from reading the answer)."""
    payload = response.json_object()
    found = payload.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    status = str(error.get("status") or response.status)
    message = str(error.get("message") or f"HTTP {response.status}")
    if response.status == 401:
        return AuthExpired(message, code=status, network=NETWORK)
    if response.status == 429:
        return RateLimited(
            message, retry_at=_retry_after(response, now), code=status, network=NETWORK
        )
    if response.status >= 500:
        kind = UnknownOutcome if side_effect else Transient
        return kind(message, code=status, network=NETWORK)
    return Rejected(message, code=status, network=NETWORK)


def _retry_after(response: http.Response, now: datetime) -> datetime:
    raw = response.headers.get("retry-after", "")
    return now + (timedelta(seconds=int(raw)) if raw.isdigit() else RATE_LIMIT_WAIT)


def _answer(response: http.Response, *, side_effect: bool) -> dict[str, Any]:
    """The JSON object of a success; an empty body (a delete) is {}."""
    if not response.body.strip():
        return {}
    try:
        payload = response.json()
    except http.InvalidJson:
        payload = None
    if isinstance(payload, dict):
        return payload
    kind = UnknownOutcome if side_effect else Transient
    raise kind("the answer is not a JSON object", code="bad_answer", network=NETWORK)


def parse_time(raw: Any) -> datetime | None:
    """RFC 3339, e.g. 2014-10-02T15:01:23.045123456Z (nanoseconds cut to microseconds);
    None for anything else, a number or a list included."""
    if not raw or not isinstance(raw, str):
        return None
    text = raw.replace("Z", "+00:00")
    fraction = FRACTION.search(text)
    if fraction:
        text = f"{text[: fraction.start()]}.{fraction.group(1)[:6]}{text[fraction.end() :]}"
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


@dataclass
class GoogleClient:
    """Calls Google with the stored credentials, refreshing the access token when it is about
    to end (and once on a 401, which means the call was not processed). `on_refresh` keeps the
    new credentials."""

    credentials: dict[str, str]
    on_refresh: Callable[[dict[str, str]], None] | None = None
    _refreshed: bool = field(default=False, init=False)

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._call("GET", url, side_effect=False, params=params)

    def post(self, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._call("POST", url, side_effect=True, json=dict(body))

    def put(self, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """A write even when idempotent: a 5xx or a timeout is UnknownOutcome, never Transient."""
        return self._call("PUT", url, side_effect=True, json=dict(body))

    def _call(self, method: str, url: str, *, side_effect: bool, **kwargs: Any) -> dict[str, Any]:
        if self._access_ends_soon():
            self._refresh()
        response = self._send(method, url, side_effect=side_effect, **kwargs)
        if response.status == 401 and not self._refreshed:
            self._refresh()
            response = self._send(method, url, side_effect=side_effect, **kwargs)
        if not response.ok:
            raise google_error(response, side_effect=side_effect, now=timezone.now())
        return _answer(response, side_effect=side_effect)

    def _send(self, method: str, url: str, *, side_effect: bool, **kwargs: Any) -> http.Response:
        headers = {"Authorization": f"Bearer {self.credentials.get('access_token', '')}"}
        try:
            return http.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        except http.HttpError as error:
            kind = UnknownOutcome if side_effect else Transient
            raise kind(type(error).__name__, code="network", network=NETWORK) from error

    def _access_ends_soon(self) -> bool:
        raw = self.credentials.get("access_expires_at", "")
        try:
            ends = datetime.fromisoformat(raw)
        except ValueError:
            return True
        return ends - timezone.now() <= REFRESH_MARGIN

    def _refresh(self) -> None:
        self.credentials = token_refresh(self.credentials)
        self._refreshed = True
        if self.on_refresh:
            self.on_refresh(self.credentials)


def locations_of(client: GoogleClient) -> list[dict[str, str]]:
    """Every location of every account this person manages: name (accounts/…/locations/…),
    title and Maps address."""
    found: list[dict[str, str]] = []
    for account in _all(client, ACCOUNTS_URL, "accounts", {"pageSize": 20}):
        account_name = str(account.get("name", ""))
        if not account_name:
            continue
        params = {"readMask": "name,title,metadata", "pageSize": 100}
        for location in _all(client, f"{INFO_URL}/{account_name}/locations", "locations", params):
            raw = location.get("metadata")
            metadata: dict[str, Any] = raw if isinstance(raw, dict) else {}
            found.append(
                {
                    "name": f"{account_name}/{location.get('name', '')}",
                    "title": str(location.get("title") or location.get("name", "")),
                    "url": str(metadata.get("mapsUri", "")),
                }
            )
    return found


def _all(
    client: GoogleClient, url: str, key: str, params: Mapping[str, Any], *, max_pages: int = 5
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query = dict(params)
    for _page in range(max_pages):
        answer = client.get(url, query)
        items.extend(item for item in answer.get(key, []) if isinstance(item, dict))
        token = answer.get("nextPageToken")
        if not token:
            break
        query["pageToken"] = token
    return items


def local_posts(client: GoogleClient, location: str, *, max_pages: int = 3) -> list[dict[str, Any]]:
    """The location's posts, newest first (localPosts.list, 100 a page at most)."""
    return _all(
        client,
        f"{POSTS_URL}/{location}/localPosts",
        "localPosts",
        {"pageSize": 100},
        max_pages=max_pages,
    )
