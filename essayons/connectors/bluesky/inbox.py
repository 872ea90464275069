"""What customers said to the account on Bluesky, read from its notifications, page by page.

app.bsky.notification.listNotifications answers newest first, and its own `cursor` pages back
in time (https://docs.bsky.app/docs/api/app-bsky-notification-list-notifications); there is
no "since". So each poll walks from the newest page back to where the last complete walk
began, and our cursor (JSON, opaque to the inbox) remembers:
- `until`: the `indexedAt` of the newest item of the last complete walk: the walk ends on the
  first item older than it (less OVERLAP);
- `top`: the newest `indexedAt` of the walk in progress, the next walk's `until`;
- `page`: the API cursor of the next page of the walk in progress.
The inbox stores a page's items, then our cursor, in one transaction: a poll that fails
repeats the same page, and items that came in during a walk are newer than its `top`, so the
next walk reads them. The first poll (cursor "") walks back 30 days at most.

`indexedAt` is the AppView's time, the one the list is sorted by; `createdAt` is whatever the
author's client wrote (https://docs.bsky.app/docs/advanced-guides/timestamps). A few minutes of
OVERLAP are read twice (the inbox skips what it has) so that an item sorted a little late is
not lost.

Untrusted input: items of a wrong shape are logged and skipped, text is kept as text (capped),
nothing found in it is fetched.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from essayons.connectors.base import InboxPage, Incoming
from essayons.connectors.bluesky import atproto
from essayons.connectors.errors import Transient

log = logging.getLogger(__name__)

NETWORK = "bluesky"
COLLECTION = "app.bsky.feed.post"
APP_URL = "https://bsky.app"
# What a customer says to us; likes, reposts and follows are not messages.
REASONS = ("reply", "mention", "quote")
PAGE_SIZE = 50
FIRST_POLL_WINDOW = timedelta(days=30)
OVERLAP = timedelta(minutes=10)
MAX_TEXT = 5000
MAX_ID = 255  # the inbox's columns for remote ids
MAX_NAME = 200
MAX_API_CURSOR = 300  # Bluesky's cursors are a few dozen characters; ours must stay <= 500


@dataclass(frozen=True)
class Walk:
    """Where a poll stands: see the module docstring."""

    until: datetime
    top: datetime | None = None
    page: str = ""


def walk_read(cursor: str, *, now: datetime) -> Walk:
    """Our cursor back into a Walk; "" (or one we cannot read) starts 30 days ago."""
    first = Walk(until=now - FIRST_POLL_WINDOW)
    if not cursor:
        return first
    try:
        state = json.loads(cursor)
        until = _datetime(state["until"])
        top = _datetime(state["top"]) if state.get("top") else None
        page = str(state.get("page") or "")
    except (ValueError, TypeError, KeyError):
        until = None
    if until is None:
        log.warning("bluesky: unreadable inbox cursor %r, reading the last 30 days", cursor[:100])
        return first
    return Walk(until=until, top=top, page=page)


def walk_write(walk: Walk) -> str:
    state = {"until": atproto.datetime_format(walk.until)}
    if walk.top is not None:
        state["top"] = atproto.datetime_format(walk.top)
    if walk.page:
        state["page"] = walk.page
    return json.dumps(state, separators=(",", ":"))


def page_read(answer: dict[str, Any], *, walk: Walk, own_did: str, now: datetime) -> InboxPage:
    """One listNotifications answer as an inbox page (oldest first) and the next cursor."""
    notifications = answer.get("notifications")
    api_cursor = answer.get("cursor") or ""
    if not isinstance(notifications, list) or not isinstance(api_cursor, str):
        raise Transient("the AppView answered without notifications", code="malformed")
    if len(api_cursor) > MAX_API_CURSOR:
        raise Transient("the AppView answered with an oversized cursor", code="malformed")
    items: list[Incoming] = []
    top, ended = walk.top, False
    for raw in notifications:
        at = _datetime(raw.get("indexedAt")) if isinstance(raw, dict) else None
        if at is None:
            log.warning("bluesky: a notification without a readable indexedAt was skipped")
            continue
        top = max(top, min(at, now)) if top else min(at, now)  # never a time still to come
        if at < walk.until - OVERLAP:
            ended = True  # read by an earlier walk, or older than the first poll's 30 days
            continue
        incoming = incoming_from(raw, own_did=own_did, received_at=at)
        if incoming is not None:
            items.append(incoming)
    items.reverse()
    # The walk ends at what an earlier walk read, at the last page, or when the AppView
    # stops moving (the same cursor again would loop for ever).
    if ended or not api_cursor or api_cursor == walk.page:
        until = max(walk.until, top) if top else walk.until
        return InboxPage(items=tuple(items), next_cursor=walk_write(Walk(until=until)))
    following = Walk(until=walk.until, top=top, page=api_cursor)
    return InboxPage(items=tuple(items), next_cursor=walk_write(following), more=True)


def incoming_from(raw: dict[str, Any], *, own_did: str, received_at: datetime) -> Incoming | None:
    """A customer's reply, mention or quote; None for anything else or of a wrong shape."""
    if raw.get("reason") not in REASONS:
        return None
    author = raw.get("author")
    if isinstance(author, dict) and author.get("did") == own_did:
        return None  # our own reply in a thread we are part of
    try:
        return _incoming(raw, received_at=received_at, own_did=own_did)
    except (KeyError, TypeError, ValueError) as error:
        uri = raw.get("uri")
        where = uri[:MAX_ID] if isinstance(uri, str) else "?"
        log.warning("bluesky: notification %r of a wrong shape skipped (%s)", where, error)
        return None


def _incoming(raw: dict[str, Any], *, received_at: datetime, own_did: str) -> Incoming:
    uri, cid = _uri(raw["uri"]), _text(raw["cid"], MAX_ID)
    author, record = _object(raw["author"]), _object(raw["record"])
    did, handle = _text(author["did"], MAX_ID), _text(author["handle"], MAX_ID)
    text = record["text"]
    if not isinstance(text, str):
        raise TypeError("record.text is not a string")
    name = author.get("displayName")
    reply = record.get("reply")
    root_uri, root_cid = uri, cid  # a post that replies to nothing starts its own thread
    parent_uri = ""
    if reply is not None:
        root, parent = _object(_object(reply)["root"]), _object(reply["parent"])
        root_uri, root_cid = _uri(root["uri"]), _text(root["cid"], MAX_ID)
        parent_uri = _uri(parent["uri"])
    # Our post they answered (a reply) or quoted (the notification's reasonSubject).
    subject = raw.get("reasonSubject") if raw.get("reason") == "quote" else ""
    about = parent_uri or (subject if isinstance(subject, str) else "")
    ours = about.startswith(f"at://{own_did}/") and _post_uri_valid(about)
    return Incoming(
        channel=NETWORK,
        remote_id=uri,
        text=text.replace("\x00", "")[:MAX_TEXT],  # PostgreSQL text refuses NUL
        received_at=received_at,
        author_name=(name if isinstance(name, str) and name.strip() else handle)[:MAX_NAME],
        author_remote_id=did,
        thread_id=root_uri,
        post_remote_id=about if ours else "",
        post_url=post_url(about) if ours else "",
        context={"cid": cid, "root_uri": root_uri, "root_cid": root_cid, "handle": handle},
    )


def post_url(uri: str) -> str:
    """The bsky.app page of a post, from its at:// uri (at://<did>/app.bsky.feed.post/<rkey>)."""
    did, _collection, rkey = uri.removeprefix("at://").split("/", 2)
    return f"{APP_URL}/profile/{did}/post/{rkey}"


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return value


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ValueError("expected a short non-empty string")
    return value


def _uri(value: Any) -> str:
    uri = _text(value, MAX_ID)
    if not _post_uri_valid(uri):
        raise ValueError("not the at:// uri of a post")
    return uri


def _post_uri_valid(uri: str) -> bool:
    """at://<did>/app.bsky.feed.post/<rkey> (https://atproto.com/specs/at-uri-scheme)."""
    parts = uri.removeprefix("at://").split("/")
    return (
        uri.startswith("at://did:")
        and len(uri) <= MAX_ID
        and len(parts) == 3
        and parts[1] == COLLECTION
        and atproto.record_key_valid(parts[2])
    )


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not atproto.datetime_valid(value):
        return None
    return datetime.fromisoformat(value).astimezone(UTC)
