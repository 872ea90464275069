"""Meta webhook: comments on a Facebook Page's posts, messages to the Page, Instagram comments.

https://developers.facebook.com/docs/graph-api/webhooks/getting-started/ (CONTRACTS.md §1.1):
the GET handshake echoes `hub.challenge` when `hub.verify_token` is ours; every POST carries
`X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, raw body)>`, checked over the raw
bytes before anything is parsed. Each entry is routed by its page id to the one business
whose Facebook connection has that page as `account_id`. Messages are stored and answered
200 at once; the worker sorts them (CONTRACTS.md §3.2: respond fast, process asynchronously).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from essayons.connectors.base import Incoming
from essayons.connectors.models import Connection
from essayons.inbox.models import InboxChannel
from essayons.inbox.services import message_receive

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
FACEBOOK_KIND = "facebook"
INSTAGRAM_KIND = "instagram"


@csrf_exempt
def facebook_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _handshake(request)
    if request.method != "POST":
        return HttpResponse(status=405)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return HttpResponse(status=413)
    body = request.body
    if len(body) > MAX_BODY:
        return HttpResponse(status=413)
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256", "")):
        log.warning("facebook webhook: bad or missing signature, ignored")
        return HttpResponse(status=403)
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return HttpResponse(status=400)
    receive = RECEIVERS.get(payload.get("object")) if isinstance(payload, dict) else None
    if receive is None:
        log.info("facebook webhook: object %r ignored", _kind(payload))
        return HttpResponse("ok")
    for entry in payload.get("entry") or []:
        if isinstance(entry, dict):
            receive(entry)
    return HttpResponse("ok")


def signature_valid(body: bytes, header: str) -> bool:
    secret = settings.FACEBOOK_APP_SECRET
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def _handshake(request: HttpRequest) -> HttpResponse:
    ours = settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN
    given = request.GET.get("hub.verify_token", "")
    if (
        ours
        and request.GET.get("hub.mode") == "subscribe"
        and hmac.compare_digest(ours.encode(), given.encode())
    ):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return HttpResponse(status=403)


def _kind(payload: Any) -> str:
    return str(payload.get("object")) if isinstance(payload, dict) else type(payload).__name__


def _connection(kind: str, account_id: str) -> Connection | None:
    connection = (
        Connection.objects.select_related("business")
        .filter(kind=kind, account_id=account_id)
        .first()
    )
    if connection is None:
        log.info("%s webhook: account %s is connected to no business, ignored", kind, account_id)
    return connection


def _entry_receive(entry: dict[str, Any]) -> None:
    page_id = str(entry.get("id", ""))
    connection = _connection(FACEBOOK_KIND, page_id)
    if connection is None:
        return
    for change in entry.get("changes") or []:
        incoming = _comment(change, page_id)
        if incoming is not None:
            message_receive(business=connection.business, incoming=incoming, connection=connection)
    for event in entry.get("messaging") or []:
        incoming = _private_message(event, page_id)
        if incoming is not None:
            message_receive(business=connection.business, incoming=incoming, connection=connection)


def _comment(change: Any, page_id: str) -> Incoming | None:
    """A new comment on one of the page's posts; edits, removals and the page's own are skipped."""
    value = change.get("value") if isinstance(change, dict) else None
    if not isinstance(value, dict) or change.get("field") != "feed":
        log.info("facebook webhook: change %r ignored", _field(change))
        return None
    author = value.get("from") or {}
    if value.get("item") != "comment" or value.get("verb") != "add":
        return None
    if str(author.get("id", "")) == page_id or not value.get("comment_id"):
        return None
    post = value.get("post")
    if not isinstance(post, dict):
        post = {}
    return Incoming(
        channel=InboxChannel.FACEBOOK,
        remote_id=str(value["comment_id"]),
        text=str(value.get("message", "")),
        received_at=_when(value.get("created_time")),
        author_name=str(author.get("name", "")),
        author_remote_id=str(author.get("id", "")),
        thread_id=str(value.get("post_id", "")) + ":" + str(author.get("id", "")),
        post_remote_id=str(value.get("post_id", "")),
        post_url=_https(str(post.get("permalink_url", ""))),
        # A reply to a comment names that comment: our answer goes under it, in the same thread.
        context={"parent_id": str(value["parent_id"])} if value.get("parent_id") else {},
    )


def _private_message(event: Any, page_id: str) -> Incoming | None:
    """A message sent to the page (Messenger); echoes of the page's own messages are skipped."""
    message = event.get("message") if isinstance(event, dict) else None
    if not isinstance(message, dict) or message.get("is_echo") or not message.get("mid"):
        return None
    sender = str((event.get("sender") or {}).get("id", ""))
    if sender == page_id:
        return None
    timestamp = event.get("timestamp")
    return Incoming(
        channel=InboxChannel.FACEBOOK,
        remote_id=str(message["mid"]),
        text=str(message.get("text", "")),
        received_at=_when(timestamp / 1000 if isinstance(timestamp, int) else None),
        author_remote_id=sender,
        thread_id="messenger:" + sender,
        context={"kind": "messenger"},  # answered by the Send API, not as a comment
    )


def _instagram_entry_receive(entry: dict[str, Any]) -> None:
    """Comments on the account's media, pushed as they come (the poll stays as a safety net:
    a comment both pushed and polled is stored once, under its comment id).

    https://developers.facebook.com/docs/instagram-platform/webhooks/examples/ (comments:
    value {id, from {id, username}, text, media {id}, parent_id}); entries list them under
    `changes`, the newer examples put one `field`/`value` on the entry itself.
    """
    account_id = str(entry.get("id", ""))
    connection = _connection(INSTAGRAM_KIND, account_id)
    if connection is None:
        return
    changes = entry.get("changes")
    if not isinstance(changes, list):
        changes = [entry] if "field" in entry else []
    for change in changes:
        incoming = _instagram_comment(change, connection, entry.get("time"))
        if incoming is not None:
            message_receive(business=connection.business, incoming=incoming, connection=connection)


def _instagram_comment(change: Any, connection: Connection, sent: Any) -> Incoming | None:
    value = change.get("value") if isinstance(change, dict) else None
    if not isinstance(value, dict) or change.get("field") != "comments":
        log.info("instagram webhook: change %r ignored", _field(change))
        return None
    author = _object(value.get("from"))
    media = _object(value.get("media"))
    username = str(author.get("username", ""))
    ours = connection.account_name.lstrip("@").casefold()
    if not value.get("id") or not media.get("id") or username.casefold() == ours:
        return None
    parent = str(value.get("parent_id") or "")
    context = {"media_id": str(media["id"])} | ({"parent_id": parent} if parent else {})
    return Incoming(
        channel=InboxChannel.INSTAGRAM,
        remote_id=str(value["id"]),
        text=str(value.get("text", "")),
        received_at=_when(sent),
        author_name=username,
        author_remote_id=str(author.get("id", "")) or username,
        thread_id=parent or str(value["id"]),  # as the poll threads them
        post_remote_id=str(media["id"]),
        context=context,
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _field(change: Any) -> str:
    return str(change.get("field")) if isinstance(change, dict) else type(change).__name__


def _when(value: Any) -> datetime:
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return datetime.now(tz=UTC)


def _https(url: str) -> str:
    # Stored as a link for the owner to click; the server never fetches it.
    return url[:500] if url.startswith("https://") else ""


# Which entries each webhook object carries ("page": Facebook Page, "instagram": the account).
RECEIVERS: dict[Any, Callable[[dict[str, Any]], None]] = {
    "page": _entry_receive,
    "instagram": _instagram_entry_receive,
}
