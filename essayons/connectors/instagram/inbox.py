"""Instagram comments read by polling: the account's newest media, then each one's comments.

Instagram comments are not one stream: they hang under each media, in an order the reference
does not state (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments).
So the inbox's poll is a *sweep* over the newest media, resumed page by page with a cursor:

- a sweep reads the newest media (at most MEDIA_LIMIT, none older than MEDIA_HORIZON) and, for
  each one with comments, all its comments with their replies; it keeps those written at or
  after the cursor's `since`, and never the account's own;
- the moment a sweep starts becomes the next sweep's `since` (minus OVERLAP): a comment
  written during a sweep under a media already read is caught by the next sweep. Nothing
  between two polls is skipped; what is read twice the inbox skips (channel, remote id);
- the first sweep (cursor "") keeps the last FIRST_WINDOW (30 days) of comments at most;
- one page is the media list plus at most COMMENT_CALLS comment pages. The cursor holds the
  media to resume at and Graph's `after` cursor inside its comments, so a poll that failed
  asks again for exactly the same page. A media gone from the list, or a comments cursor
  Graph no longer accepts (a cursor dies with its item: "your app shouldn't store cursors",
  https://developers.facebook.com/docs/graph-api/results/), starts again a little earlier.

Comments under older media than the horizon are not seen (Instagram's `comments` webhook
would be needed for those). Untrusted text is kept as it is, cut at MAX_TEXT; no link in it
is ever fetched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

from django.utils import timezone

from essayons.connectors.base import InboxPage, Incoming
from essayons.connectors.errors import Rejected
from essayons.connectors.facebook.client import GraphClient, graph_id, graph_time

log = logging.getLogger(__name__)

CHANNEL = "instagram"
KIND = "comments"  # the one thing polled on Instagram
FIRST_WINDOW = timedelta(days=30)
MEDIA_HORIZON = timedelta(days=90)
MEDIA_LIMIT = 50
COMMENT_LIMIT = 50
COMMENT_CALLS = 3  # with the media list: four HTTP calls a page at most
OVERLAP = timedelta(minutes=10)
MAX_TEXT = 5000
MAX_CURSOR = 500
EXCERPT = 200
COMMENT_FIELDS = "id,text,username,timestamp,from"
# Replies come with their comment through field expansion
# (https://developers.facebook.com/docs/graph-api/guides/field-expansion).
COMMENTS_QUERY = {
    "fields": f"{COMMENT_FIELDS},replies.limit({COMMENT_LIMIT}){{{COMMENT_FIELDS}}}",
    "limit": COMMENT_LIMIT,
}
MEDIA_QUERY = {"fields": "id,caption,permalink,timestamp,comments_count", "limit": MEDIA_LIMIT}


@dataclass(frozen=True)
class Cursor:
    """Where a sweep stands. `start` is 0 between sweeps (the next poll starts one)."""

    since: int  # Unix seconds: comments written at or after it are new
    start: int = 0  # Unix seconds when the sweep under way began
    media: str = ""  # the media to resume at ("" = the newest)
    after: str = ""  # Graph's cursor inside that media's comments ("" = their first page)

    @classmethod
    def load(cls, raw: str, *, now: datetime) -> Cursor:
        """The stored cursor; "" or anything unreadable starts as a first poll would."""
        first = cls(since=int((now - FIRST_WINDOW).timestamp()))
        if not raw:
            return first
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        data = data if isinstance(data, dict) else {}
        since, start, media, after = (data.get(k) for k in ("since", "start", "media", "after"))
        if not (_is_int(since) and _is_int(start) and _is_str(media) and _is_str(after)):
            log.warning("instagram: unreadable poll cursor, reading the last 30 days again")
            return first
        if since > now.timestamp():  # a broken clock or row: it would hide comments
            log.warning("instagram: poll cursor in the future, reading the last 30 days again")
            return first
        return cls(since=since, start=start, media=graph_id(media), after=after)

    def dump(self) -> str:
        return json.dumps(
            {"since": self.since, "start": self.start, "media": self.media, "after": self.after},
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class Ours:
    """The account itself: its comments are answers, never customers' messages."""

    account_id: str
    username: str

    def wrote(self, username: str, author_id: str) -> bool:
        return (bool(author_id) and author_id == self.account_id) or (
            bool(username) and username.casefold() == self.username.casefold()
        )


@dataclass(frozen=True)
class MediaRef:
    id: str
    caption: str
    permalink: str
    has_comments: bool


def comments_page(client: GraphClient, *, ours: Ours, raw_cursor: str) -> InboxPage:
    """One page of the sweep (see the module docstring)."""
    now = timezone.now()
    cursor = Cursor.load(raw_cursor, now=now)
    if not cursor.start:
        cursor = Cursor(since=cursor.since, start=int(now.timestamp()))
    media = media_list(client, ours.account_id, now=now)
    ids = [item.id for item in media]
    index = ids.index(cursor.media) if cursor.media in ids else 0
    since = datetime.fromtimestamp(cursor.since, tz=UTC)
    items: list[Incoming] = []
    calls = 0
    for item in [m for m in media[index:] if m.has_comments]:
        if calls >= COMMENT_CALLS:
            return _more(items, replace(cursor, media=item.id, after=""))
        resume = cursor.after if item.id == cursor.media else ""
        after, calls = _media_read(client, item, resume, calls, since, ours, items)
        if after:
            resumed = replace(cursor, media=item.id, after=after)
            if len(resumed.dump()) <= MAX_CURSOR:
                return _more(items, resumed)
            log.warning("instagram: comments cursor too long to keep, media %s left", item.id)
    finished = Cursor(since=cursor.start - int(OVERLAP.total_seconds()))
    return InboxPage(items=tuple(items), next_cursor=finished.dump(), more=False)


def _more(items: list[Incoming], cursor: Cursor) -> InboxPage:
    return InboxPage(items=tuple(items), next_cursor=cursor.dump(), more=True)


def _media_read(
    client: GraphClient,
    media: MediaRef,
    after: str,
    calls: int,
    since: datetime,
    ours: Ours,
    items: list[Incoming],
) -> tuple[str, int]:
    """Comment pages of one media while calls remain: the cursor left ("" = all read)."""
    while calls < COMMENT_CALLS:
        calls += 1
        try:
            page = client.list_page(f"{media.id}/comments", COMMENTS_QUERY, after=after)
        except Rejected as error:
            if ":" in error.code:  # a missing permission ("10:instagram_manage_comments")
                raise
            if after:
                log.info("instagram: comments cursor of %s refused, reading again", media.id)
                after = ""
                continue
            # Refused for good (live video, age-gated media): the sweep goes on without it.
            log.info("instagram: comments of %s refused (%s), skipped", media.id, error.code)
            return "", calls
        items.extend(
            incoming
            for raw in page.items
            for incoming in comment_items(raw, media, since=since, ours=ours)
        )
        after = page.after
        if not after:
            return "", calls
    return after, calls


def media_list(client: GraphClient, ig_user: str, *, now: datetime) -> list[MediaRef]:
    """The newest media within the horizon, newest first (the edge's order)."""
    page = client.list_page(f"{ig_user}/media", MEDIA_QUERY)
    found = []
    for raw in page.items:
        media_id = graph_id(raw.get("id"))
        when = graph_time(raw.get("timestamp"))
        if not media_id:
            log.info("instagram: media without a usable id ignored")
            continue
        if when is not None and when < now - MEDIA_HORIZON:
            continue
        count = raw.get("comments_count")
        found.append(
            MediaRef(
                id=media_id,
                caption=_text(raw.get("caption"))[:EXCERPT],
                permalink=_https(raw.get("permalink")),
                # Unknown count: read it rather than miss comments.
                has_comments=not _is_int(count) or int(count) > 0,
            )
        )
    return found


def comment_items(
    raw: Mapping[str, Any], media: MediaRef, *, since: datetime, ours: Ours
) -> Iterator[Incoming]:
    """A top-level comment and its replies, as customers' messages of one thread."""
    top = comment_incoming(raw, media, parent="", since=since, ours=ours)
    if top is not None:
        yield top
    parent = graph_id(raw.get("id"))
    replies = raw.get("replies")
    data = replies.get("data") if isinstance(replies, dict) else None
    if not parent or not isinstance(data, list):
        return
    paging = replies.get("paging") if isinstance(replies, dict) else None
    if isinstance(paging, dict) and paging.get("next"):
        log.info("instagram: more than %d replies under %s, the rest unread", COMMENT_LIMIT, parent)
    for reply in data:
        if isinstance(reply, dict):
            found = comment_incoming(reply, media, parent=parent, since=since, ours=ours)
            if found is not None:
                yield found


def comment_incoming(
    raw: Mapping[str, Any], media: MediaRef, *, parent: str, since: datetime, ours: Ours
) -> Incoming | None:
    """One comment (or reply, under `parent`), or None when it is ours, old or malformed."""
    comment_id = graph_id(raw.get("id"))
    text = raw.get("text")
    written = graph_time(raw.get("timestamp"))
    if not comment_id or not isinstance(text, str) or written is None:
        log.info("instagram: malformed comment under media %s ignored", media.id)
        return None
    found = raw.get("from")
    author: Mapping[str, Any] = found if isinstance(found, dict) else {}
    username = _text(raw.get("username")) or _text(author.get("username"))
    author_id = graph_id(author.get("id"))
    if ours.wrote(username, author_id) or written < since:
        return None
    # What `reply` needs later: the top comment to answer under (Instagram answers replies
    # there anyway: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies).
    context = {"media_id": media.id, "parent_id": parent} if parent else {"media_id": media.id}
    return Incoming(
        channel=CHANNEL,
        remote_id=comment_id,
        text=text[:MAX_TEXT],
        received_at=written,
        author_name=username[:200],
        author_remote_id=author_id or username[:200],
        thread_id=parent or comment_id,
        post_remote_id=media.id,
        post_url=media.permalink,
        post_excerpt=media.caption,
        context=context,
    )


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str(value: Any) -> TypeGuard[str]:
    return isinstance(value, str)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _https(url: Any) -> str:
    """A link shown to the owner, never fetched by us."""
    return url[:500] if isinstance(url, str) and url.startswith("https://") else ""
