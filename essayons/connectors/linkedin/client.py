"""LinkedIn's versioned REST API for organisation pages (Community Management API).

- OAuth, 3-legged authorization code flow with `state`:
  https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow .
  LinkedIn offers PKCE only to native apps, so the web flow rests on `state` (checked by
  oauth.py) and the client secret. Access tokens last 60 days; refresh tokens (365 days, not
  extended by refreshing) come only to approved partners:
  https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
- Every call carries `LinkedIn-Version: YYYYMM` and `X-Restli-Protocol-Version: 2.0.0`
  (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api);
  versions are sunset after about a year, so the version is a setting (LINKEDIN_API_VERSION).
- URNs are URL-encoded in paths (`urn%3Ali%3Aorganization%3A123`).
- Rate limits are per day and reset at midnight UTC; a 429 carries no Retry-After
  (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits).
- Errors are {"status", "serviceErrorCode", "code", "message"}
  (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling):
  401 -> AuthExpired, 429 -> RateLimited(next midnight UTC), 5xx and timeouts -> UnknownOutcome
  for a post and Transient for a read, a duplicate -> Rejected("duplicate"), other 4xx ->
  Rejected with LinkedIn's `code` (ACCESS_DENIED...) or the HTTP status.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote, urlencode

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

NETWORK = "linkedin"
AUTH_URL = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"  # noqa: S105 (an address)
API_URL = "https://api.linkedin.com/rest"
SCOPES = ("w_organization_social", "r_organization_social", "rw_organization_admin")
# Roles that may post for the page (organizationAcls):
# https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
POSTING_ROLES = frozenset({"ADMINISTRATOR", "CONTENT_ADMIN"})
DEFAULT_VERSION = "202605"
VERSION_LIFETIME_MONTHS = 12
TIMEOUT = 30.0
UPLOAD_TIMEOUT = 90.0
REFRESH_MARGIN = timedelta(minutes=5)
# The commentary uses the "little" text format: these characters are markup and must be
# escaped, or LinkedIn silently cuts the text at the first one
# (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format).
RESERVED = re.compile(r"([\\|{}@\[\]()<>*_~])")
LONE_HASH = re.compile(r"#(?!\w)")
URL = re.compile(r"https?://\S+")


def api_version() -> str:
    return str(settings.LINKEDIN_API_VERSION or DEFAULT_VERSION)


def version_is_stale(version: str, today: date) -> bool:
    """True when `version` (YYYYMM) is a year old or more: LinkedIn will have sunset it."""
    try:
        year, month = int(version[:4]), int(version[4:6])
    except ValueError:
        return True
    return (today.year - year) * 12 + (today.month - month) >= VERSION_LIFETIME_MONTHS


def client_credentials() -> tuple[str, str]:
    return (
        str(settings.LINKEDIN_CLIENT_ID),
        str(settings.LINKEDIN_CLIENT_SECRET),
    )


def authorize_url(*, state: str, redirect_uri: str) -> str:
    client_id, _secret = client_credentials()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": " ".join(SCOPES),
        }
    )
    return f"{AUTH_URL}?{query}"


def code_exchange(*, code: str, redirect_uri: str) -> tuple[dict[str, str], datetime]:
    """The stored credentials and the date the owner will have to reconnect."""
    client_id, secret = client_credentials()
    answer = _token_call(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": secret,
        }
    )
    return _credentials(answer, {})


def token_refresh(credentials: Mapping[str, str]) -> tuple[dict[str, str], datetime]:
    refresh = credentials.get("refresh_token", "")
    if not refresh:
        raise AuthExpired("access token expired, no refresh token", code="expired", network=NETWORK)
    client_id, secret = client_credentials()
    answer = _token_call(
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": client_id,
            "client_secret": secret,
        }
    )
    return _credentials(answer, credentials)


def _credentials(
    answer: Mapping[str, Any], previous: Mapping[str, str]
) -> tuple[dict[str, str], datetime]:
    now = timezone.now()
    access_ends = now + timedelta(seconds=int(answer.get("expires_in") or 0))
    credentials = {
        "access_token": str(answer["access_token"]),
        "access_expires_at": access_ends.isoformat(),
    }
    refresh = str(answer.get("refresh_token") or previous.get("refresh_token", ""))
    ends = access_ends
    if refresh:
        credentials["refresh_token"] = refresh
        lasts = int(answer.get("refresh_token_expires_in") or 0)
        refresh_ends = (
            (now + timedelta(seconds=lasts)).isoformat()
            if lasts
            else previous.get("refresh_expires_at", "")
        )
        if refresh_ends:
            credentials["refresh_expires_at"] = refresh_ends
            ends = max(ends, datetime.fromisoformat(refresh_ends))
    return credentials, ends


def _token_call(data: Mapping[str, str]) -> dict[str, Any]:
    return token_request(url=TOKEN_URL, data=data, network=NETWORK, timeout=TIMEOUT)


def linkedin_error(response: http.Response, *, side_effect: bool, now: datetime) -> ConnectorError:
    payload = response.json_object()
    message = str(payload.get("message") or f"HTTP {response.status}")
    if response.status == 401:
        return AuthExpired(message, code=str(payload.get("code") or 401), network=NETWORK)
    if response.status == 429:
        return RateLimited(message, retry_at=next_midnight_utc(now), code="429", network=NETWORK)
    if response.status >= 500:
        kind = UnknownOutcome if side_effect else Transient
        return kind(message, code=str(response.status), network=NETWORK)
    if "duplicate" in message.lower():
        return Rejected(message, code="duplicate", network=NETWORK)
    return Rejected(message, code=str(payload.get("code") or response.status), network=NETWORK)


def next_midnight_utc(now: datetime) -> datetime:
    tomorrow = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 5), tzinfo=UTC)


def commentary(text: str) -> str:
    """`text` escaped for the little format; links and #hashtags stay as they are."""
    pieces: list[str] = []
    last = 0
    for match in URL.finditer(text):
        pieces.append(_escape(text[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_escape(text[last:]))
    return "".join(pieces)


def _escape(text: str) -> str:
    return LONE_HASH.sub(r"\\#", RESERVED.sub(r"\\\1", text))


def urn_path(urn: str) -> str:
    return quote(urn, safe="")


@dataclass
class LinkedInClient:
    """Calls LinkedIn with the stored credentials and the version headers; refreshes the access
    token before it ends when a refresh token exists. `on_refresh` keeps the new credentials."""

    credentials: dict[str, str]
    on_refresh: Callable[[dict[str, str], datetime], None] | None = None
    _checked: bool = field(default=False, init=False)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> http.Response:
        return self._call("GET", path, side_effect=False, params=params)

    def post(
        self, path: str, body: Mapping[str, Any], *, side_effect: bool = True
    ) -> http.Response:
        return self._call("POST", path, side_effect=side_effect, json=dict(body))

    def upload(self, url: str, data: bytes, content_type: str) -> None:
        """PUT the bytes to the upload address LinkedIn gave (nothing is visible yet)."""
        self._fresh()
        headers = {
            "Authorization": f"Bearer {self.credentials['access_token']}",
            "Content-Type": content_type,
        }
        try:
            response = http.request("PUT", url, headers=headers, data=data, timeout=UPLOAD_TIMEOUT)
        except http.HttpError as error:
            raise Transient(type(error).__name__, code="network", network=NETWORK) from error
        if not response.ok:
            raise linkedin_error(response, side_effect=False, now=timezone.now())

    def _call(self, method: str, path: str, *, side_effect: bool, **kwargs: Any) -> http.Response:
        self._fresh()
        headers = {
            "Authorization": f"Bearer {self.credentials['access_token']}",
            "LinkedIn-Version": api_version(),
            "X-Restli-Protocol-Version": "2.0.0",
        }
        try:
            response = http.request(
                method, f"{API_URL}/{path}", headers=headers, timeout=TIMEOUT, **kwargs
            )
        except http.HttpError as error:
            kind = UnknownOutcome if side_effect else Transient
            raise kind(type(error).__name__, code="network", network=NETWORK) from error
        if not response.ok:
            raise linkedin_error(response, side_effect=side_effect, now=timezone.now())
        return response

    def _fresh(self) -> None:
        if self._checked:
            return
        self._checked = True
        try:
            ends = datetime.fromisoformat(self.credentials.get("access_expires_at", ""))
        except ValueError:
            ends = timezone.now()
        if ends - timezone.now() > REFRESH_MARGIN:
            return
        self.credentials, reconnect_by = token_refresh(self.credentials)
        if self.on_refresh:
            self.on_refresh(self.credentials, reconnect_by)


def json_of(response: http.Response) -> dict[str, Any]:
    return response.json_object()


def organisations(client: LinkedInClient) -> list[dict[str, str]]:
    """The organisation pages this member may post for: URN, name and public address."""
    answer = json_of(
        client.get("organizationAcls", {"q": "roleAssignee", "state": "APPROVED", "count": 100})
    )
    urns = []
    for element in answer.get("elements", []):
        urn = str(element.get("organization") or element.get("organizationTarget") or "")
        if urn and element.get("role") in POSTING_ROLES and urn not in urns:
            urns.append(urn)
    found = []
    for urn in urns:
        organisation = json_of(client.get(f"organizations/{urn.rsplit(':', 1)[-1]}"))
        vanity = str(organisation.get("vanityName", ""))
        found.append(
            {
                "urn": urn,
                "name": str(organisation.get("localizedName") or urn),
                "url": f"https://www.linkedin.com/company/{vanity}/" if vanity else "",
            }
        )
    return found
