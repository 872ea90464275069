"""Mastodon REST calls through lib/http, and the instance's errors mapped to our five classes.

Sources (docs.joinmastodon.org, mirrored in ../shared/specs/mastodon/openapi.json):
- https://docs.joinmastodon.org/methods/apps/#create and /methods/oauth/ (app, PKCE, token).
- https://docs.joinmastodon.org/methods/statuses/#create : `Idempotency-Key` "to prevent
  duplicate submissions … Idempotency keys are stored for up to 1 hour"; 401 and 422 answers.
- https://docs.joinmastodon.org/methods/media/#v2 : POST /api/v2/media answers 200, or 202 with
  `url: null` while a large file is processed; GET /api/v1/media/:id is 206 until it is ready,
  then 200 (422 when processing failed). A status may only attach processed media.
- https://docs.joinmastodon.org/api/rate-limits/ : `X-RateLimit-Reset` is an ISO 8601 time
  (some servers send epoch seconds); 429 when over.
- https://docs.joinmastodon.org/api/guidelines/#id : ids are strings, never cast to int.
- https://docs.joinmastodon.org/methods/notifications/#get : mentions, paged forward with
  `min_id` ("results immediately newer than this ID"), newest first within a page; the `Link`
  header's rel="prev" carries the min_id of the next page forward
  (https://docs.joinmastodon.org/api/guidelines/#pagination).
- https://docs.joinmastodon.org/methods/statuses/#context : a status's thread; its
  `descendants` hold the answers to it.
"""

from __future__ import annotations

import secrets
import socket
import ssl
import time
from collections.abc import Mapping
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
from essayons.connectors.mastodon.statuses import link_param
from essayons.lib import http

NETWORK = "mastodon"
SCOPES = "read write"
TIMEOUT = 20.0
MEDIA_TIMEOUT = 60.0
MEDIA_POLL_SECONDS = 1.0
MEDIA_POLL_TRIES = 30
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=5)
STATUSES_PAGE = 40
# 40 is the default since 4.1 (max 80); older servers cap at 30
# (https://docs.joinmastodon.org/methods/notifications/#get, version history).
NOTIFICATIONS_PAGE = 40


@dataclass(frozen=True)
class NotificationsPage:
    """One page of notifications as answered (newest first), and where the Link header says
    the next page forward starts (its rel="prev" min_id, "" when absent)."""

    items: list[Any]
    prev_min_id: str


def instance_fetch(base_url: str) -> dict[str, Any]:
    """The instance's description (v2, or v1 on older servers): its name and its limits."""
    response = _send("GET", f"{base_url}/api/v2/instance", write=False, accept_error=True)
    if response.status == 404:
        response = _send("GET", f"{base_url}/api/v1/instance", write=False, accept_error=True)
    if not response.ok:
        raise answer_error(response, write=False)
    return _json_object(response, write=False)


def limits_from_instance(instance: Mapping[str, Any]) -> dict[str, int]:
    """max_length, max_images and url_length from an Instance (v2 or v1), defaults otherwise."""
    configuration = instance.get("configuration") or {}
    statuses = configuration.get("statuses") or {}
    media = configuration.get("media_attachments") or {}
    return {
        "max_length": _positive(statuses.get("max_characters"), 500),
        "max_images": _positive(statuses.get("max_media_attachments"), 4),
        "url_length": _positive(statuses.get("characters_reserved_per_url"), 23),
        "image_max_bytes": _positive(media.get("image_size_limit"), 16_777_216),
    }


def _positive(value: Any, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
    )


def app_register(
    base_url: str, *, client_name: str, redirect_uri: str, website: str
) -> dict[str, Any]:
    """POST /api/v1/apps: Essayons becomes an OAuth client of this instance."""
    payload = {
        "client_name": client_name,
        "redirect_uris": redirect_uri,
        "scopes": SCOPES,
        "website": website,
    }
    response = _send("POST", f"{base_url}/api/v1/apps", json=payload, write=False)
    answer = _json_object(response, write=False)
    if not answer.get("client_id") or not answer.get("client_secret"):
        raise Transient("the instance registered no client", code="malformed", network=NETWORK)
    return answer


def token_exchange(
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
) -> str:
    """POST /oauth/token with the PKCE verifier; the user's access token."""
    payload = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
        "scope": SCOPES,
    }
    response = _send("POST", f"{base_url}/oauth/token", data=payload, write=False)
    token = _json_object(response, write=False).get("access_token")
    if not isinstance(token, str) or not token:
        raise Transient("the instance gave no token", code="malformed", network=NETWORK)
    return token


def token_revoke(base_url: str, *, client_id: str, client_secret: str, token: str) -> None:
    payload = {"client_id": client_id, "client_secret": client_secret, "token": token}
    _send("POST", f"{base_url}/oauth/revoke", data=payload, write=False)


class MastodonClient:
    """Calls made with a user's access token on one instance."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def credentials_verify(self) -> dict[str, Any]:
        url = f"{self.base_url}/api/v1/accounts/verify_credentials"
        return _json_object(_send("GET", url, headers=self.headers, write=False), write=False)

    def media_upload(self, *, data: bytes, filename: str, mime_type: str, description: str) -> str:
        """Upload one image and wait until the instance has processed it; its id."""
        body, content_type = multipart_encode(
            fields={"description": description} if description else {},
            file=("file", filename, mime_type, data),
        )
        response = _send(
            "POST",
            f"{self.base_url}/api/v2/media",
            data=body,
            headers={**self.headers, "Content-Type": content_type},
            timeout=MEDIA_TIMEOUT,
            write=False,
        )
        media = _json_object(response, write=False)
        media_id = str(media.get("id", ""))
        if not media_id:
            raise Transient("the instance gave no media id", code="malformed", network=NETWORK)
        if response.status == 202 or media.get("url") is None:
            self._media_wait(media_id)
        return media_id

    def _media_wait(self, media_id: str) -> None:
        for _try in range(MEDIA_POLL_TRIES):
            time.sleep(MEDIA_POLL_SECONDS)
            response = _send(
                "GET",
                f"{self.base_url}/api/v1/media/{media_id}",
                headers=self.headers,
                write=False,
                accept_error=True,
            )
            if response.status == 200:
                return
            if response.status == 422:
                raise Rejected(_message(response), code="media_processing_failed", network=NETWORK)
            if response.status != 206:
                raise answer_error(response, write=False)
        raise Transient(
            "the image is still being processed", code="media_processing", network=NETWORK
        )

    def status_post(
        self,
        *,
        text: str,
        media_ids: list[str],
        idempotency_key: str,
        in_reply_to_id: str = "",
        visibility: str = "public",
    ) -> dict[str, Any]:
        """POST /api/v1/statuses; the same Idempotency-Key on every try of one delivery."""
        payload: dict[str, Any] = {"status": text, "visibility": visibility}
        if media_ids:
            payload["media_ids"] = media_ids
        if in_reply_to_id:
            payload["in_reply_to_id"] = in_reply_to_id
        headers = {**self.headers, "Idempotency-Key": idempotency_key}
        response = _send(
            "POST", f"{self.base_url}/api/v1/statuses", json=payload, headers=headers, write=True
        )
        return _json_object(response, write=True)

    def status_get(self, status_id: str) -> dict[str, Any] | None:
        """GET /api/v1/statuses/:id; None when it is gone."""
        return self._object_or_none(f"/api/v1/statuses/{status_id}")

    def status_context(self, status_id: str) -> dict[str, Any] | None:
        """GET /api/v1/statuses/:id/context (ancestors and descendants); None when it is gone."""
        return self._object_or_none(f"/api/v1/statuses/{status_id}/context")

    def _object_or_none(self, path: str) -> dict[str, Any] | None:
        """A read of one object: None for 404 and 410 (deleted), an error class otherwise."""
        response = _send(
            "GET", f"{self.base_url}{path}", headers=self.headers, write=False, accept_error=True
        )
        if response.status in (404, 410):
            return None
        if not response.ok:
            raise answer_error(response, write=False)
        return _json_object(response, write=False)

    def notifications_page(self, *, min_id: str = "") -> NotificationsPage:
        """The mentions immediately newer than `min_id` (the newest ones without it).

        `include_filtered`: since 4.3 the account's notification policy may set aside mentions
        from strangers, private ones by default; a business wants every customer
        (https://docs.joinmastodon.org/methods/notifications/#get-policy).
        """
        params = {"types[]": "mention", "limit": str(NOTIFICATIONS_PAGE)}
        if min_id:
            params["min_id"] = min_id
        params["include_filtered"] = "true"
        response = _send(
            "GET",
            f"{self.base_url}/api/v1/notifications",
            headers=self.headers,
            params=params,
            write=False,
        )
        prev_min_id = link_param(response.headers.get("link", ""), rel="prev", name="min_id")
        return NotificationsPage(items=_json_list(response), prev_min_id=prev_min_id)

    def statuses_page(self, account_id: str, *, max_id: str = "") -> list[dict[str, Any]]:
        """The account's own statuses, newest first (40 at most), older than `max_id`."""
        params = {"limit": str(STATUSES_PAGE), "exclude_reblogs": "true"}
        if max_id:
            params["max_id"] = max_id
        response = _send(
            "GET",
            f"{self.base_url}/api/v1/accounts/{account_id}/statuses",
            headers=self.headers,
            params=params,
            write=False,
        )
        return [item for item in _json_list(response) if isinstance(item, dict)]


def multipart_encode(
    *, fields: Mapping[str, str], file: tuple[str, str, str, bytes]
) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) with text fields and one file."""
    boundary = f"essayons-{secrets.token_hex(16)}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    name, filename, mime_type, data = file
    safe_filename = filename.replace('"', "").replace("\r", "").replace("\n", "")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{safe_filename}"\r\nContent-Type: {mime_type}\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- sending and errors ------------------------------------------------------------------


def _send(
    method: str,
    url: str,
    *,
    write: bool,
    accept_error: bool = False,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    data: Mapping[str, str] | bytes | None = None,
    params: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> http.Response:
    try:
        response = http.request(
            method, url, headers=headers, json=json, data=data, params=params, timeout=timeout
        )
    except http.HttpError as error:
        raise transport_error(error, write=write) from error
    if not response.ok and not accept_error:
        raise answer_error(response, write=write)
    return response


def _json_object(response: http.Response, *, write: bool) -> dict[str, Any]:
    """The JSON object answered; a 2xx without one is an unknown outcome for a write."""
    try:
        payload = response.json()
    except http.InvalidJson as error:
        cls = UnknownOutcome if write else Transient
        raise cls("unreadable answer", code="malformed", network=NETWORK) from error
    if not isinstance(payload, dict):
        cls = UnknownOutcome if write else Transient
        raise cls("unexpected answer", code="malformed", network=NETWORK)
    return payload


def _json_list(response: http.Response) -> list[Any]:
    """The JSON array answered by a read; anything else is a malformed (transient) answer."""
    try:
        payload = response.json()
    except http.InvalidJson as error:
        raise Transient("unreadable answer", code="malformed", network=NETWORK) from error
    if not isinstance(payload, list):
        raise Transient("unexpected answer", code="malformed", network=NETWORK)
    return payload


def transport_error(error: http.HttpError, *, write: bool) -> Exception:
    """No answer. Refused before sending (connection, DNS, TLS): Transient; else unknown."""
    if isinstance(error, http.BlockedUrl):
        return Rejected(str(error), code="blocked_address", network=NETWORK)
    cause = error.__cause__
    never_sent = isinstance(cause, ConnectionRefusedError | socket.gaierror | ssl.SSLError)
    if write and not never_sent:
        return UnknownOutcome(str(error), code="no_answer", network=NETWORK)
    return Transient(str(error), code="no_answer", network=NETWORK)


def answer_error(response: http.Response, *, write: bool) -> Exception:
    message = _message(response)
    status = response.status
    if status == 429:
        return RateLimited(
            message, retry_at=reset_at(response), code="rate_limited", network=NETWORK
        )
    if status == 401:
        return AuthExpired(message, code="invalid_token", network=NETWORK)
    if status == 403:
        # "This action is not allowed" (missing scope) or a suspended/disabled login.
        return AuthExpired(message, code="forbidden", network=NETWORK)
    if status == 422:
        return Rejected(message, code="unprocessable", network=NETWORK)
    if status >= 500:
        cls = UnknownOutcome if write else Transient
        return cls(message, code=f"http_{status}", network=NETWORK)
    return Rejected(message, code=f"http_{status}", network=NETWORK)


def _message(response: http.Response) -> str:
    """The instance's own words: `{"error": "...", "error_description": "..."}`."""
    try:
        body = response.json()
    except http.InvalidJson:
        return response.text[:300]
    if not isinstance(body, dict):
        return ""
    parts = [str(body.get(key)) for key in ("error", "error_description") if body.get(key)]
    return " — ".join(parts)[:500]


def reset_at(response: http.Response) -> datetime:
    """When the limit resets: X-RateLimit-Reset (ISO 8601 or epoch), Retry-After, else 5 min."""
    now = datetime.now(UTC)
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    if reset.isdigit():
        return max(datetime.fromtimestamp(int(reset), tz=UTC), now)
    if reset:
        try:
            parsed = datetime.fromisoformat(reset)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return max(parsed.astimezone(UTC), now)
    retry_after = response.headers.get("retry-after", "").strip()
    if retry_after.isdigit():
        return now + timedelta(seconds=int(retry_after))
    return now + DEFAULT_RATE_LIMIT_WAIT
