"""Google Business Profile reviews as the inbox sees them: the poll cursor, the review → Incoming
mapping and the reply lookup, kept apart from the HTTP calls (connector.py makes those).

Reviews come newest first (`orderBy=updateTime desc`, the only order by time that Google offers:
https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list), so a
poll is a *walk* from the newest review down to the last one the previous walk saw. The cursor
holds `until` (the newest updateTime of the last complete walk), and, while a walk is under way,
`top` (the newest updateTime of that walk) and `page` (Google's nextPageToken). A walk stops at
the first review not newer than `until`; `until` moves to `top` only when the walk ends, so a poll
that fails half-way asks for the same page again and nothing between two walks is skipped.
The first poll (cursor "") walks back 30 days by updateTime, however many pages that takes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from essayons.connectors.base import InboxPage, Incoming, Published
from essayons.connectors.errors import Rejected, Transient, UnknownOutcome
from essayons.connectors.google.client import NETWORK, parse_time

log = logging.getLogger(__name__)

KIND = "reviews"
PAGE_SIZE = 50  # the most reviews.list gives in one page (same page as above)
FIRST_POLL_DAYS = 30
CURSOR_MAX = 500  # PollCursor.cursor is a CharField(max_length=500)
TEXT_MAX = 5_000
# ReviewReply.comment: "The maximum length is 4096 bytes."
# https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews#ReviewReply
REPLY_MAX_BYTES = 4_096
# Google's clock against ours, when telling a reply made by someone else from ours.
CLOCK_SKEW = timedelta(minutes=5)
STARS = {"ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5"}
# accounts/{accountId}/locations/{locationId}/reviews/{reviewId}: the name goes into a URL path,
# so a segment may not carry a slash, a query, a fragment, a space or a percent sign.
SEGMENT = r"[^/?#%\s]+"
REVIEW_NAME = re.compile(rf"accounts/{SEGMENT}/locations/(?P<location>{SEGMENT})/reviews/{SEGMENT}")


@dataclass(frozen=True)
class Walk:
    until: datetime
    top: datetime | None = None
    page: str = ""

    @classmethod
    def read(cls, cursor: str, *, now: datetime) -> Walk:
        """The walk a cursor describes; "" (or a damaged cursor) starts 30 days back."""
        first = cls(until=now - timedelta(days=FIRST_POLL_DAYS))
        if not cursor:
            return first
        try:
            raw = json.loads(cursor)
        except ValueError:
            raw = None
        fields: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        until = parse_time(fields.get("until"))
        top = parse_time(fields.get("top")) if fields.get("top") else None
        page = fields.get("page", "")
        if until is None or not isinstance(page, str) or (fields.get("top") and top is None):
            log.warning("google reviews: unreadable cursor, starting %s days back", FIRST_POLL_DAYS)
            return first
        return cls(until=until, top=top, page=page)

    def write(self) -> str:
        fields: dict[str, str] = {"until": self.until.isoformat()}
        if self.page and self.top:
            fields["top"] = self.top.isoformat()
        if self.page:
            fields["page"] = self.page
        cursor = json.dumps(fields, separators=(",", ":"))
        if len(cursor) > CURSOR_MAX:
            # Storing a cut cursor would lose the walk; say so rather than skip reviews.
            raise Rejected(
                "Google's page token is too long", code="cursor_too_long", network=NETWORK
            )
        return cursor


@dataclass(frozen=True)
class Review:
    updated: datetime
    incoming: Incoming


def page_read(answer: Mapping[str, Any], *, walk: Walk, location: str) -> InboxPage:
    """One page of reviews.list as new items, oldest first, with the cursor of what follows."""
    found = answer.get("reviews", [])
    token = answer.get("nextPageToken", "")
    if not isinstance(found, list) or not isinstance(token, str):
        raise Transient(
            "reviews.list answer of the wrong shape", code="bad_answer", network=NETWORK
        )
    items: list[Incoming] = []
    top = walk.top
    ended = False
    for index, raw in enumerate(found):
        review = review_read(raw, location=location, index=index)
        if review is None:
            continue
        if review.updated <= walk.until:
            ended = True
            break
        top = max(top, review.updated) if top else review.updated
        items.append(review.incoming)
    items.reverse()
    if ended or not token:
        return InboxPage(items=tuple(items), next_cursor=Walk(until=top or walk.until).write())
    following = Walk(until=walk.until, top=top, page=token)
    return InboxPage(items=tuple(items), next_cursor=following.write(), more=True)


def review_read(raw: Any, *, location: str, index: int = 0) -> Review | None:
    """A Review resource as an Incoming; None (and a log line) when its shape is wrong.
    https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews"""
    problem = _shape_problem(raw, location=location)
    updated = parse_time(raw.get("updateTime")) if not problem else None
    if problem or updated is None:
        log.warning("google reviews: review %s skipped, %s", index, problem or "no updateTime")
        return None
    name = str(raw["name"])
    context = {"rating": STARS[stars]} if (stars := raw.get("starRating")) in STARS else {}
    if raw.get("reviewReply"):
        context["answered"] = "1"
    incoming = Incoming(
        channel=NETWORK,
        remote_id=name,
        # "comment": plain text "with markups"; absent when the customer left stars only.
        text=str(raw.get("comment", ""))[:TEXT_MAX],
        received_at=updated,
        author_name=_author(raw.get("reviewer", {})),
        thread_id=name,
        context=context,
    )
    return Review(updated=updated, incoming=incoming)


def _shape_problem(raw: Any, *, location: str) -> str:
    if not isinstance(raw, dict):
        return "not an object"
    name = raw.get("name")
    if not isinstance(name, str) or not name_belongs(name, location=location):
        return "no review name of this location"
    if not isinstance(raw.get("comment", ""), str) or not isinstance(raw.get("reviewer", {}), dict):
        return "comment or reviewer of the wrong type"
    return ""


def _author(reviewer: Mapping[str, Any]) -> str:
    # displayName holds the real name only when isAnonymous is false (same page as above).
    name = reviewer.get("displayName", "")
    if reviewer.get("isAnonymous") is True or not isinstance(name, str):
        return ""
    return name[:200]


def name_belongs(name: str, *, location: str) -> bool:
    """Is `name` a review name of the location `location` (accounts/…/locations/…)?"""
    found = REVIEW_NAME.fullmatch(name)
    if found is None or any(part in (".", "..") for part in name.split("/")):
        return False
    return found.group("location") == location.rsplit("/", 1)[-1]


def reply_check(text: str) -> None:
    """Refuse before any call what Google would refuse."""
    if not text.strip():
        raise Rejected("empty reply", code="empty", network=NETWORK)
    if len(text.encode("utf-8")) > REPLY_MAX_BYTES:
        raise Rejected("reply longer than 4096 bytes", code="too_long", network=NETWORK)


def reply_found(
    review: Mapping[str, Any], *, name: str, text: str, since: datetime
) -> Published | None:
    """After an unknown outcome, from the review as reviews.get gives it.

    Our text there: done. No reply, or one older than the attempt: ours did not land, and
    sending it again is safe since the PUT replaces (that is what the first try meant to do).
    Another text changed since the attempt began: someone else answered in the meantime;
    sending again would overwrite them, so the owner decides.
    """
    reply = review.get("reviewReply")
    if not isinstance(reply, dict) or not isinstance(reply.get("comment"), str):
        return None
    if _same(reply["comment"], text):
        return Published(remote_id=f"{name}/reply")
    changed = parse_time(reply.get("updateTime"))
    if changed is not None and changed < since - CLOCK_SKEW:
        return None
    raise UnknownOutcome("another reply is there", code="other_reply", network=NETWORK)


def _same(found: str, text: str) -> bool:
    # Google may trim or re-wrap what it stores; compare the words, not the spacing.
    return " ".join(found.split()) == " ".join(text.split())
