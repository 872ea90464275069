"""Mastodon: any instance, OAuth per instance, posts sent with an Idempotency-Key.

Never twice (CONTRACTS.md §3.1, §4 case 3): every try of one delivery sends the same
`Idempotency-Key` (the delivery's `attempt_key`). Mastodon keeps keys "for up to 1 hour"
(https://docs.joinmastodon.org/methods/statuses/#create), so after an unknown outcome:
- within the hour of the first try, the documented path is to send again with the same key:
  the instance answers with the status it already made, or makes it now;
- later, the key is forgotten: we read the account's own statuses since the first try and
  match the text; only when nothing matches may a new try go out.
The key is best-effort on the server (a slow instance stored it late and duplicated posts,
https://github.com/tuskyapp/Tusky/issues/2951), hence a margin under the hour.

Answers to customers follow the same rule: one key per reply, sent again within the window,
looked up in the customer's thread (GET /api/v1/statuses/:id/context) after it.

The inbox reads mentions (GET /api/v1/notifications?types[]=mention). The cursor is the newest
notification id read so far; each poll asks for the page immediately newer than it (`min_id`),
so nothing between two polls is skipped and a failed poll asks for the same page again. The
first poll (cursor "") reads only the newest page (40 mentions), and of it only the last
FIRST_POLL_DAYS: no years of history.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from django.utils import timezone

from essayons.connectors.base import (
    Account,
    Connector,
    Counting,
    InboxPage,
    Incoming,
    Limits,
    Outgoing,
    OutgoingImage,
    Published,
    Reconciliation,
    ReplyTarget,
)
from essayons.connectors.content import content_check, text_with_link
from essayons.connectors.errors import AuthExpired, Rejected, Transient, UnknownOutcome
from essayons.connectors.mastodon.client import (
    NETWORK,
    NOTIFICATIONS_PAGE,
    MastodonClient,
    NotificationsPage,
    instance_fetch,
    limits_from_instance,
    token_revoke,
)
from essayons.connectors.mastodon.statuses import (
    ACCT_PATTERN,
    comparable,
    id_order,
    incoming_from,
    parsed_time,
    plain_text,
    reply_visibility,
    status_id,
    text_addressed,
    without_mentions,
)
from essayons.connectors.media import image_bytes
from essayons.connectors.models import MastodonApp

log = logging.getLogger(__name__)

KEY_WINDOW = timedelta(minutes=50)  # under Mastodon's hour, with room for slow instances
LOOKUP_PAGES = 5
FIRST_POLL_DAYS = 30
URL_PATTERN = re.compile(r"https?://\S+")
# A remote mention counts as its username only, "the domain is not counted"
# (https://docs.joinmastodon.org/user/posting/#mentions).
REMOTE_MENTION_PATTERN = re.compile(r"(?<![\w@/])(@\w+)@[\w.-]*\w")


class MastodonConnector(Connector):
    kind: ClassVar[str] = "mastodon"
    label: ClassVar[str] = "Mastodon"
    limits: ClassVar[Limits] = Limits(
        max_length=500, counting=Counting.CHARACTERS, max_images=4
    )  # the defaults; each instance states its own (limits_fetch)
    reconciliation: ClassVar[Reconciliation] = Reconciliation.IDEMPOTENCY_KEY
    supports_inbox: ClassVar[bool] = True
    supports_reply: ClassVar[bool] = True
    inbox_kinds: ClassVar[tuple[str, ...]] = ("mentions",)
    reply_reconciliation: ClassVar[Reconciliation] = Reconciliation.IDEMPOTENCY_KEY

    @staticmethod
    def text_for(post: Outgoing) -> str:
        """The text as posted: the link is added at the end when the text does not show it."""
        return text_with_link(post)

    def text_counted(self, text: str) -> str:
        """The text as the instance counts it: every link weighs `characters_reserved_per_url`,
        a remote mention its username."""
        url_length = int((self.connection.limits or {}).get("url_length", 23))
        return REMOTE_MENTION_PATTERN.sub(r"\1", URL_PATTERN.sub("x" * url_length, text))

    @staticmethod
    def account_from(remote: dict[str, Any], *, instance_url: str) -> Account:
        """Our account for an instance's Account; ids are per instance, so the id carries it."""
        host = _host(instance_url)
        return Account(
            remote_id=f"{remote.get('id', '')}@{host}",
            name=f"@{remote.get('acct', '')}@{host}",
            url=str(remote.get("url") or ""),
        )

    @property
    def remote_account_id(self) -> str:
        """The account's id on its instance (Connection.account_id is `<id>@<host>`)."""
        return self.connection.account_id.split("@", 1)[0]

    def verify(self) -> Account:
        remote = self._client().credentials_verify()
        return self.account_from(remote, instance_url=self.connection.instance_url)

    def limits_fetch(self) -> Limits:
        """The instance's own limits (GET /api/v2/instance), cached on the connection."""
        found = limits_from_instance(instance_fetch(self.connection.instance_url))
        self.connection.limits = {**found, "fetched_at": timezone.now().isoformat()}
        if self.connection.pk:
            self.connection.save(update_fields=["limits"])
        return self.limits_cached()

    def limits_cached(self) -> Limits:
        """The limits last read from the instance, or the defaults before the first read."""
        cached = self.connection.limits or {}
        return Limits(
            max_length=int(cached.get("max_length", self.limits.max_length or 500)),
            counting=Counting.CHARACTERS,
            max_images=int(cached.get("max_images", self.limits.max_images)),
        )

    def publish(self, post: Outgoing) -> Published:
        text = self.text_for(post)
        self._content_check(text, post)
        client = self._client()
        media_ids = [self._media_upload(client, image) for image in post.images]
        status = client.status_post(
            text=text, media_ids=media_ids, idempotency_key=post.attempt_key
        )
        return _published(status)

    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        """Within the key's window, send again with the same key; later, look it up.

        `since` is when the FIRST try with this attempt key was made (the key's hour runs
        from there). Within the window this may create the status if it never arrived: the
        answer is then the status, made once.
        """
        if timezone.now() - since < KEY_WINDOW:
            return self.publish(post)
        wanted = comparable(self.text_for(post))
        return self._lookup(lambda status: _text_of(status) == wanted, since=since)

    def permalink_check(self, published: Published) -> bool:
        return self._client().status_get(published.remote_id) is not None

    # --- the inbox -----------------------------------------------------------------------

    def reply(self, *, target: ReplyTarget, text: str, attempt_key: str) -> Published:
        """Answer one status: a status in reply to it, mentioning its author, sent once.

        The audience is never wider than the customer's (statuses.REPLY_VISIBILITY). Every try
        of one reply carries the same Idempotency-Key.
        """
        sent = self._reply_text(target, text)
        status = self._client().status_post(
            text=sent,
            media_ids=[],
            idempotency_key=attempt_key,
            in_reply_to_id=target.remote_id,
            visibility=reply_visibility(target.context.get("visibility", "")),
        )
        return _published(status)

    def find_reply(
        self, *, target: ReplyTarget, text: str, attempt_key: str, since: datetime
    ) -> Published | None:
        """Within the key's window, answer again with the same key; later, look in the thread.

        `since` is the first try with this key. When the customer's status is gone, the
        instance answers 404 before it looks at the key (`set_thread`, a before_action in
        https://github.com/mastodon/mastodon/blob/main/app/controllers/api/v1/statuses_controller.rb):
        our own statuses since the first try are read instead.
        """
        if timezone.now() - since < KEY_WINDOW:
            try:
                return self.reply(target=target, text=text, attempt_key=attempt_key)
            except Rejected as error:
                if error.code != "http_404":
                    raise
        return self._reply_lookup(target, text, since=since)

    def inbox_poll(self, *, kind: str, cursor: str) -> InboxPage:
        """One page of mentions newer than `cursor`, oldest first (see the module docstring)."""
        if kind not in self.inbox_kinds:
            raise Rejected(f"no inbox kind {kind!r}", code="unknown_kind", network=self.kind)
        min_id = status_id(cursor)
        if cursor and not min_id:
            log.warning("mastodon: unreadable inbox cursor, read as a first poll")
        page = self._client().notifications_page(min_id=min_id)
        notifications = sorted(
            (item for item in page.items if isinstance(item, dict)),
            key=lambda item: id_order(status_id(item.get("id"))),
        )
        items = [
            incoming
            for notification in notifications
            if (incoming := self._incoming(notification)) is not None
        ]
        if not min_id:
            oldest = timezone.now() - timedelta(days=FIRST_POLL_DAYS)
            items = [item for item in items if item.received_at >= oldest]
        next_cursor = _cursor_after(page, notifications, previous=min_id)
        more = bool(min_id) and len(page.items) >= NOTIFICATIONS_PAGE and next_cursor != min_id
        return InboxPage(items=tuple(items), next_cursor=next_cursor, more=more)

    # --- disconnecting -------------------------------------------------------------------

    def revoke(self) -> None:
        """POST /oauth/revoke with Essayons's client on the instance and the token, all in the
        form body (https://docs.joinmastodon.org/methods/oauth/#revoke): the token stops
        working at once; calling it again is harmless ("This operation is idempotent").

        Only the client that obtained a token may revoke it (403 otherwise): a token obtained
        before our client was registered again on that instance (SITE_URL changed,
        services.mastodon_app_ready) is refused, logged, and forgotten all the same.
        """
        token = str(self.connection.credentials.get("access_token", ""))
        app = MastodonApp.objects.filter(instance_url=self.connection.instance_url).first()
        if not token or app is None:
            return None
        token_revoke(
            self.connection.instance_url,
            client_id=app.client_id,
            client_secret=app.client_secret,
            token=token,
        )

    # --- helpers -------------------------------------------------------------------------

    def _client(self) -> MastodonClient:
        token = self.connection.credentials.get("access_token", "")
        if not token:
            raise AuthExpired("no token", code="not_connected", network=self.kind)
        return MastodonClient(self.connection.instance_url, token)

    def _content_check(self, text: str, post: Outgoing) -> None:
        """The instance's limits as last read (max_characters, max_media_attachments)."""
        content_check(self.limits_cached(), post, network=self.kind, text=self.text_counted(text))

    def _media_upload(self, client: MastodonClient, image: OutgoingImage) -> str:
        return client.media_upload(
            data=image_bytes(image),
            filename=Path(image.path).name or "image.jpg",
            mime_type=image.mime_type,
            description=image.alt,
        )

    def _lookup(
        self, matches: Callable[[dict[str, Any]], bool], *, since: datetime
    ) -> Published | None:
        """The account's statuses made since the first try, newest first, the first matching.

        None once the walk has passed the first try; UnknownOutcome when LOOKUP_PAGES pages
        did not reach it (too many statuses since to tell).
        """
        client = self._client()
        oldest = since - timedelta(minutes=5)  # the instance's clock may differ from ours
        max_id = ""
        for _page in range(LOOKUP_PAGES):
            statuses = client.statuses_page(self.remote_account_id, max_id=max_id)
            for status in statuses:
                if matches(status):
                    return _published(status)
            if not statuses:
                return None
            created = parsed_time(statuses[-1].get("created_at"))
            max_id = status_id(statuses[-1].get("id"))
            if created is None or not max_id:
                raise Transient("unexpected status", code="malformed", network=self.kind)
            if created < oldest:
                return None
        raise UnknownOutcome(
            "too many statuses to tell", code="lookup_exhausted", network=self.kind
        )

    def _addressed(self, target: ReplyTarget, text: str) -> str:
        """The answer as sent: it mentions the customer (statuses.text_addressed)."""
        acct = target.context.get("acct", "")
        if not status_id(target.remote_id) or not ACCT_PATTERN.fullmatch(acct):
            # Without its author's acct an answer would notify nobody, and a direct one would
            # be seen by nobody: refused before anything is sent.
            raise Rejected("no author to answer", code="no_recipient", network=self.kind)
        if not text.strip():
            raise Rejected("the answer is empty", code="empty", network=self.kind)
        return text_addressed(text, acct)

    def _reply_text(self, target: ReplyTarget, text: str) -> str:
        """The answer as sent, checked against the instance's limits as last read."""
        sent = self._addressed(target, text)
        post = Outgoing(text=sent, attempt_key="")
        content_check(self.limits_cached(), post, network=self.kind, text=self.text_counted(sent))
        return sent

    def _reply_lookup(self, target: ReplyTarget, text: str, *, since: datetime) -> Published | None:
        """Our answer among the replies to the customer's status, matched on its words.

        When the status is gone (404/410) our own statuses since the first try are read; if
        the instance cut the link to the deleted status, None is said, and a new try is safe
        all the same: an answer to a deleted status is refused (404).
        """
        wanted = _words(self._addressed(target, text))

        def ours(status: Any) -> bool:
            author = status.get("account") if isinstance(status, dict) else None
            return (
                isinstance(author, dict)
                and author.get("id") == self.remote_account_id
                and status.get("in_reply_to_id") == target.remote_id
                and _words(plain_text(str(status.get("content", "")))) == wanted
            )

        context = self._client().status_context(target.remote_id)
        if context is None:
            return self._lookup(ours, since=since)
        descendants = context.get("descendants")
        if not isinstance(descendants, list):
            raise Transient("unexpected thread", code="malformed", network=self.kind)
        return next((_published(status) for status in descendants if ours(status)), None)

    def _incoming(self, notification: dict[str, Any]) -> Incoming | None:
        return incoming_from(notification, own_account_id=self.remote_account_id, channel=self.kind)


def _published(status: dict[str, Any]) -> Published:
    """Our status as made; an answer without its id cannot be trusted to say it was made."""
    remote_id = status_id(status.get("id"))
    if not remote_id:
        raise UnknownOutcome("the instance gave no status id", code="malformed", network=NETWORK)
    url = status.get("url")
    safe_url = url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""
    return Published(remote_id=remote_id, url=safe_url)


def _text_of(status: dict[str, Any]) -> str:
    return comparable(plain_text(str(status.get("content", ""))))


def _words(text: str) -> str:
    """What an answer says, mentions aside: the HTML shows "@bob" where we wrote "@bob@host"."""
    return comparable(without_mentions(text))


def _cursor_after(
    page: NotificationsPage, notifications: list[dict[str, Any]], *, previous: str
) -> str:
    """The newest notification id of the page (our own and skipped ones count), else the Link
    header's, never older than `previous`. An empty first page starts from "0": whatever comes
    next is newer."""
    ids = [found for item in notifications if (found := status_id(item.get("id")))]
    candidate = max(ids, key=id_order) if ids else status_id(page.prev_min_id)
    if not candidate:
        return previous or ("0" if not page.items else "")
    if previous and id_order(candidate) <= id_order(previous):
        return previous
    return candidate


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]
