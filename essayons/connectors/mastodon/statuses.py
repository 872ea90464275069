"""Reading Mastodon statuses and notifications, and addressing an answer to one.

Everything read here comes from an instance and is untrusted: a value of the wrong type makes
the item "of the wrong shape" (skipped with a log line), never a KeyError; text is kept as text
(the inbox escapes it when shown) and capped; links in it are never fetched.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from essayons.connectors.base import Incoming

log = logging.getLogger(__name__)

TEXT_MAX = 5000
NAME_MAX = 200
# Mastodon's ids are numbers written as strings, other servers use ULIDs or flake ids: kept as
# strings, never cast (https://docs.joinmastodon.org/api/guidelines/#id). They travel in URL
# paths and cursors, hence the narrow alphabet.
ID_PATTERN = re.compile(r"[0-9A-Za-z_-]{1,100}")
# `acct` is "username" on our instance, "username@domain" elsewhere
# (https://docs.joinmastodon.org/entities/Account/#acct); it is written into our answer.
ACCT_PATTERN = re.compile(r"[\w.-]{1,100}(?:@[\w.-]{1,200})?")
# <p> and <br> mark lines in the sanitised HTML Mastodon serves; remote posts may keep lists,
# quotes and code blocks too (https://docs.joinmastodon.org/spec/activitypub/#sanitization).
PARAGRAPH_PATTERN = re.compile(r"</p\s*>", re.IGNORECASE)
BREAK_PATTERN = re.compile(r"<br\s*/?>|</(?:li|blockquote|pre|h[1-6])\s*>", re.IGNORECASE)
BLANK_LINES_PATTERN = re.compile(r"\n\s*\n\s*\n")
TAG_PATTERN = re.compile(r"<[^>]*>")
LINK_PATTERN = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")
LINK_REL_PATTERN = re.compile(r'rel\s*=\s*"?([^";]*)"?', re.IGNORECASE)
MENTION_PATTERN = re.compile(r"(?<![\w@/])@[\w.-]+(?:@[\w.-]*\w)?")
# An answer to a status: never to a wider audience than the customer's. A public mention is
# answered "unlisted" (seen by all in the thread, kept off public timelines and trends: one
# customer's matter); a followers-only one is answered directly, so that our followers, who
# were never its audience, do not see it; a direct message is answered directly
# (https://docs.joinmastodon.org/entities/Status/#visibility).
REPLY_VISIBILITY = {
    "public": "unlisted",
    "unlisted": "unlisted",
    "private": "direct",
    "direct": "direct",
}


def plain_text(content: str) -> str:
    """The text of a status's HTML: paragraphs and breaks kept, tags dropped, entities read.

    Links keep their hidden parts (`<span class="invisible">https://</span>…`,
    https://docs.joinmastodon.org/api/guidelines/#links), mentions read "@name".
    """
    text = TAG_PATTERN.sub("", BREAK_PATTERN.sub("\n", PARAGRAPH_PATTERN.sub("\n\n", content)))
    return BLANK_LINES_PATTERN.sub("\n\n", html.unescape(text)).strip()


def comparable(text: str) -> str:
    """Text without any whitespace: Mastodon turns line breaks into <p> and <br>."""
    return "".join(text.split())


def without_mentions(text: str) -> str:
    """The text without its @mentions: the HTML shows "@bob" where we wrote "@bob@domain"."""
    return MENTION_PATTERN.sub("", text)


def status_id(value: Any) -> str:
    """An id as the instance gave it, or "" when it is not a string of the expected shape."""
    return value if isinstance(value, str) and ID_PATTERN.fullmatch(value) else ""


def id_order(value: str) -> tuple[int, str]:
    """Mastodon's order of ids: a longer id is newer; at equal length the strings compare
    (https://docs.joinmastodon.org/api/guidelines/#id)."""
    return (len(value), value)


def link_param(header: str, *, rel: str, name: str) -> str:
    """A query parameter of the `rel` link of a Link header (RFC 8288), "" when absent.

    Only the parameter is read: the URL itself is the instance's word and is never fetched.
    """
    for match in LINK_PATTERN.finditer(header):
        url, attributes = match.groups()
        rels = LINK_REL_PATTERN.search(attributes)
        if rels and rel in rels.group(1).lower().split():
            values = parse_qs(urlsplit(url).query).get(name)
            return values[0] if values else ""
    return ""


def parsed_time(value: Any) -> datetime | None:
    """An ISO 8601 datetime (https://docs.joinmastodon.org/api/datetime-format/), always aware."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def text_addressed(text: str, acct: str) -> str:
    """The answer starting with "@acct " so that the customer is notified, unless it already
    mentions them (mentions are what notify: https://docs.joinmastodon.org/user/posting/#mentions)."""
    mention = re.compile(rf"(?<![\w@/])@{re.escape(acct)}(?![\w@-])", re.IGNORECASE)
    if mention.search(text):
        return text
    return f"@{acct} {text.lstrip()}"


def reply_visibility(visibility: str) -> str:
    """The audience of our answer; an unknown or missing visibility is answered directly."""
    return REPLY_VISIBILITY.get(visibility, "direct")


def incoming_from(
    notification: Mapping[str, Any], *, own_account_id: str, channel: str
) -> Incoming | None:
    """One customer's mention from a Notification, or None (ours, or of the wrong shape).

    https://docs.joinmastodon.org/entities/Notification/ and /entities/Status/.
    """
    status = notification.get("status")
    author = notification.get("account")
    if notification.get("type") != "mention":
        return None  # servers before 3.5 ignore types[] (notifications#get, version history)
    if not isinstance(status, Mapping) or not isinstance(author, Mapping):
        _skipped(notification, "no status or account")
        return None
    remote_id, author_id = status_id(status.get("id")), status_id(author.get("id"))
    received_at, content = parsed_time(status.get("created_at")), status.get("content")
    if not remote_id or not author_id or received_at is None or not isinstance(content, str):
        _skipped(notification, "id, author, time or content")
        return None
    status_author = status.get("account")
    if author_id == own_account_id or (
        isinstance(status_author, Mapping) and status_author.get("id") == own_account_id
    ):
        return None
    acct, visibility = author.get("acct"), status.get("visibility")
    if not isinstance(acct, str) or not ACCT_PATTERN.fullmatch(acct):
        _skipped(notification, "acct")
        return None
    parent = status_id(status.get("in_reply_to_id"))
    return Incoming(
        channel=channel,
        remote_id=remote_id,
        text=_status_text(status, content)[:TEXT_MAX],
        received_at=received_at,
        author_name=_display_name(author, acct),
        author_remote_id=author_id,
        # No conversation id is exposed on a Status; the thread is the status answered (or
        # this one when it starts a thread). A customer answering our answer opens a thread
        # named after our answer's id (its post_remote_id).
        thread_id=parent or remote_id,
        post_remote_id=parent,
        context=_context(status, acct=acct, visibility=visibility),
    )


def _status_text(status: Mapping[str, Any], content: str) -> str:
    """The content, after its content warning when it has one (spoiler_text is plain text)."""
    warning = status.get("spoiler_text")
    body = plain_text(content)
    if isinstance(warning, str) and warning.strip():
        return f"{warning.strip()}\n\n{body}"
    return body


def _display_name(author: Mapping[str, Any], acct: str) -> str:
    name = author.get("display_name")
    return (name.strip() if isinstance(name, str) and name.strip() else acct)[:NAME_MAX]


def _context(status: Mapping[str, Any], *, acct: str, visibility: Any) -> dict[str, str]:
    context = {"acct": acct, "visibility": visibility if isinstance(visibility, str) else ""}
    url = status.get("url")
    if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 500:
        context["url"] = url
    return context


def _skipped(notification: Mapping[str, Any], what: str) -> None:
    log.warning(
        "mastodon: skipped notification %s of the wrong shape (%s)",
        status_id(notification.get("id")) or "?",
        what,
    )
