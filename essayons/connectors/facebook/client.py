"""Meta's Graph API, shared by the Facebook Page and Instagram connectors.

Every call goes through essayons.lib.http with the token in the `Authorization: Bearer` header,
never in the URL (ASVS 14.2.1; CONTRACTS.md §1.1 and §3.3: Graph's own examples put
`?access_token=` in the query string, we do not; `paging.next` URLs carry the token too, so
we page with the `after` cursor instead of following them).

Errors map to our five classes (https://developers.facebook.com/docs/graph-api/guides/error-handling):
- 190 / 102 (and the auth subcodes 458-467)            -> AuthExpired
- 4, 17, 32, 613, 341, 80001+ (throttling)             -> RateLimited(retry_at)
- 9 / 2207042 (Instagram publishing quota)             -> RateLimited
- 506 duplicate post                                  -> Rejected (never transient)
- 368 blocked for a while for policy reasons          -> Rejected (the owner must know)
- 10 / 2018278 Messenger reply outside the 24 h window  -> Rejected, code "outside_window"
  (https://developers.facebook.com/docs/messenger-platform/error-codes)
- 10, 200-299 permission missing                      -> Rejected, code "<code>:<permission>"
- 1, 2, HTTP 5xx, timeouts, Instagram is_transient    -> UnknownOutcome for a call with a
                                                         visible effect, Transient otherwise
- anything else (100 invalid parameter, 1609005 ...)   -> Rejected
Instagram's 2207xxx subcodes are reported as the `code`; 2207020 (container expired) and
2207053 are Transient: that container is dropped and a new one made
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
from essayons.lib import http

log = logging.getLogger(__name__)

GRAPH_HOST = "https://graph.facebook.com"
DIALOG_HOST = "https://www.facebook.com"
TIMEOUT = 30.0
UPLOAD_TIMEOUT = 90.0

AUTH_CODES = frozenset({190, 102})
AUTH_SUBCODES = frozenset({458, 459, 460, 463, 464, 467})
THROTTLE_CODES = frozenset({4, 17, 32, 613, 341})
AMBIGUOUS_CODES = frozenset({1, 2})
DUPLICATE_CODE = 506
POLICY_BLOCK_CODE = 368
IG_QUOTA_SUBCODE = 2207042
# Instagram: the container cannot be used any more; make a new one (nothing was published).
IG_RENEW_SUBCODES = frozenset({2207020, 2207053})
# Instagram: "try again" (server error, download timeout, create media failed).
IG_RETRY_SUBCODES = frozenset({2207001, 2207003, 2207032})
# Messenger: "This message is sent outside of allowed window" (24 h after the person's last
# message): https://developers.facebook.com/docs/messenger-platform/error-codes
MESSENGER_WINDOW_SUBCODE = 2018278
# Rate-limit usage is a percentage; at 90 % we stop before Meta does
# (https://developers.facebook.com/docs/graph-api/overview/rate-limiting: "continued calls
# prolong recovery").
USAGE_THRESHOLD = 90
THROTTLED_WAIT = timedelta(minutes=60)  # throttled, and Meta did not say for how long
BUSY_WAIT = timedelta(minutes=15)  # usage above the threshold, no estimate given
PERMISSION = re.compile(r"\b((?:pages|instagram|business|publish|read|ads)_[a-z_]+)\b")


def graph_version() -> str:
    return str(settings.META_GRAPH_VERSION or "v26.0")


def graph_url(path: str) -> str:
    return f"{GRAPH_HOST}/{graph_version()}/{path.lstrip('/')}"


# --- Errors and usage headers ------------------------------------------------------------


def graph_error(
    status: int,
    payload: Any,
    *,
    side_effect: bool,
    network: str,
    retry_at: datetime | None,
    now: datetime,
) -> ConnectorError:
    """The error for a Graph answer that is not a success (pure: tested table-wise)."""
    error = payload.get("error") if isinstance(payload, dict) else None
    error = error if isinstance(error, dict) else {}
    code = as_int(error.get("code"))
    subcode = as_int(error.get("error_subcode"))
    message = str(error.get("error_user_msg") or error.get("message") or f"HTTP {status}")
    label = str(subcode) if subcode and str(subcode).startswith("2207") else str(code or status)
    if code in AUTH_CODES or subcode in AUTH_SUBCODES or (not code and status == 401):
        return AuthExpired(message, code=str(code or 190), network=network)
    if code in THROTTLE_CODES or 80001 <= code <= 80099 or (not code and status == 429):
        return RateLimited(
            message,
            retry_at=retry_at or now + THROTTLED_WAIT,
            code=str(code or 429),
            network=network,
        )
    if subcode == IG_QUOTA_SUBCODE:
        return RateLimited(
            message, retry_at=retry_at or now + THROTTLED_WAIT, code=label, network=network
        )
    if subcode in IG_RENEW_SUBCODES:
        return Transient(message, code=label, network=network)
    if code in (DUPLICATE_CODE, POLICY_BLOCK_CODE):
        return Rejected(message, code=str(code), network=network)
    if subcode == MESSENGER_WINDOW_SUBCODE:
        return Rejected(message, code="outside_window", network=network)
    if code == 10 or 200 <= code <= 299:
        found = PERMISSION.search(str(error.get("message", "")))
        return Rejected(message, code=f"{code}:{found.group(1) if found else ''}", network=network)
    ambiguous = (
        code in AMBIGUOUS_CODES
        or subcode in IG_RETRY_SUBCODES
        or status >= 500
        or bool(error.get("is_transient"))
    )
    if ambiguous:
        kind = UnknownOutcome if side_effect else Transient
        return kind(message, code=label, network=network)
    return Rejected(message, code=label, network=network)


def throttle_until(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """When to call again according to Meta's usage headers, or None if they say nothing.

    X-Business-Use-Case-Usage (Pages with a Page token, Instagram) wins over X-App-Usage when
    both are sent. A missing or unreadable header is "unknown", never "0 % used": it returns
    None and clears nothing (https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
    """
    buc = _json_header(headers, "x-business-use-case-usage")
    if isinstance(buc, dict):
        moments = [
            _usage_wait(entry, now)
            for entries in buc.values()
            if isinstance(entries, list)
            for entry in entries
            if isinstance(entry, dict)
        ]
        latest = max((moment for moment in moments if moment), default=None)
        return latest
    app = _json_header(headers, "x-app-usage")
    if isinstance(app, dict):
        return _usage_wait(app, now)
    return None


def _usage_wait(entry: Mapping[str, Any], now: datetime) -> datetime | None:
    minutes = as_int(entry.get("estimated_time_to_regain_access"))
    if minutes > 0:
        return now + timedelta(minutes=minutes)
    usage = max(as_int(entry.get(name)) for name in ("call_count", "total_cputime", "total_time"))
    return now + BUSY_WAIT if usage >= USAGE_THRESHOLD else None


def _json_header(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- The client ----------------------------------------------------------------------------


@dataclass
class GraphClient:
    """Calls Graph with one token. `on_throttle` receives the moment to wait for, when the
    usage headers of a successful answer say we are close to the limit."""

    token: str
    network: str
    on_throttle: Callable[[datetime], None] | None = None

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._call("GET", path, side_effect=False, params=params)

    def post(self, path: str, data: Mapping[str, Any], *, side_effect: bool = True) -> Any:
        """A write. `side_effect=False` for writes nobody sees (an unpublished container)."""
        return self._call("POST", path, side_effect=side_effect, data=dict(data))

    def upload(
        self,
        path: str,
        fields: Mapping[str, str],
        files: Sequence[tuple[str, str, bytes]],
        *,
        side_effect: bool,
    ) -> Any:
        """A multipart POST (photos): `files` are (field name, content type, bytes)."""
        body, content_type = multipart(fields, files)
        return self._call(
            "POST",
            path,
            side_effect=side_effect,
            data=body,
            headers={"Content-Type": content_type},
            timeout=UPLOAD_TIMEOUT,
        )

    def _call(
        self,
        method: str,
        path: str,
        *,
        side_effect: bool,
        headers: Mapping[str, str] | None = None,
        timeout: float = TIMEOUT,
        **kwargs: Any,
    ) -> Any:
        sent = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        sent.update(headers or {})
        try:
            response = http.request(
                method, graph_url(path), headers=sent, timeout=timeout, **kwargs
            )
        except http.HttpError as error:
            kind = UnknownOutcome if side_effect else Transient
            raise kind(type(error).__name__, code="network", network=self.network) from error
        return self._read(response, side_effect=side_effect)

    def _read(self, response: http.Response, *, side_effect: bool) -> Any:
        now = timezone.now()
        wait = throttle_until(response.headers, now)
        try:
            payload = response.json() if response.body else {}
        except http.InvalidJson:
            payload = None
        if response.ok and isinstance(payload, dict):
            if wait and self.on_throttle:
                self.on_throttle(wait)
            return payload
        raise graph_error(
            response.status if not response.ok else 502,
            payload,
            side_effect=side_effect,
            network=self.network,
            retry_at=wait,
            now=now,
        )

    def list_page(self, path: str, params: Mapping[str, Any], *, after: str = "") -> ListPage:
        """One page of a list edge, asked with the `after` cursor (never `paging.next`).

        An answer whose `data` is not a list is Transient ("malformed_answer"); entries that
        are not objects are dropped (https://developers.facebook.com/docs/graph-api/results).
        """
        query = dict(params)
        if after:
            query["after"] = after
        answer = self.get(path, query)
        data = answer.get("data", [])
        if not isinstance(data, list):
            raise Transient("the list is not a list", code="malformed_answer", network=self.network)
        items = [item for item in data if isinstance(item, dict)]
        if len(items) < len(data):
            log.info("%s: %d malformed entries ignored", self.network, len(data) - len(items))
        return ListPage(items=items, after=next_after(answer))

    def pages(
        self, path: str, params: Mapping[str, Any], *, max_pages: int = 4
    ) -> list[dict[str, Any]]:
        """The `data` of a list edge, following the `after` cursor (never `paging.next`)."""
        return self.walk(path, params, max_pages=max_pages).items

    def walk(self, path: str, params: Mapping[str, Any], *, max_pages: int = 4) -> ListPage:
        """Up to `max_pages` pages of a list edge together; `after` is "" when the list was
        read to its end, else the cursor of what is left unread."""
        items: list[dict[str, Any]] = []
        after = ""
        for _page in range(max_pages):
            page = self.list_page(path, params, after=after)
            items.extend(page.items)
            after = page.after
            if not after:
                break
        return ListPage(items=items, after=after)


@dataclass(frozen=True)
class ListPage:
    items: list[dict[str, Any]]
    after: str  # "" on the last page


def next_after(answer: Mapping[str, Any]) -> str:
    """The `after` cursor when Graph says a next page exists (`paging.next`), else ""."""
    paging = answer.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return ""
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) else ""


# --- Reading what Graph returns -------------------------------------------------------------

GRAPH_ID = re.compile(r"[0-9A-Za-z_.:-]{1,255}")


def graph_id(value: Any) -> str:
    """An object id as Graph sends it (digits, `_`, Messenger's `m_…`), or "" for anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    text = str(value)
    return text if GRAPH_ID.fullmatch(text) else ""


def target_id(value: str, *, network: str) -> str:
    """An id we are about to put in a URL path; anything else is refused before any call."""
    if not graph_id(value):
        raise Rejected("not a Graph object id", code="bad_target", network=network)
    return value


def answer_id(answer: Mapping[str, Any], field: str, *, network: str) -> str:
    """The id a write answered with. A success without a usable id may still have written:
    UnknownOutcome, so that the write is looked up rather than sent again."""
    found = graph_id(answer.get(field))
    if not found:
        raise UnknownOutcome(f"no {field} in the answer", code="malformed_answer", network=network)
    return found


def graph_time(raw: Any) -> datetime | None:
    """Graph writes `2017-08-31T18:10:00+0000`; None for anything else."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def text_key(text: str) -> str:
    """Text compared without caring for whitespace: networks trim and fold it."""
    return " ".join(text.split())


def multipart(
    fields: Mapping[str, str], files: Sequence[tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) and its content type."""
    boundary = f"essayons-{secrets.token_hex(16)}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for index, (name, content_type, data) in enumerate(files):
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="image-{index}"\r\nContent-Type: {content_type}\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
