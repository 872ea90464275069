"""An Instagram professional account, reached through the Facebook Page it is linked to.

The container id is saved (RemoteDraft) before `media_publish`, so that after an unknown
outcome the container's status says whether the post went out (PUBLISHED) and a retry reuses
a container younger than 24 hours instead of making a second one. An expired container
(EXPIRED, or error 2207020) is replaced by a new one and never published
(CONTRACTS.md §1.2, §3.1, §4 case 8).

Customers' comments are polled (instagram/inbox.py) and answered as replies under them; an
unknown outcome of a reply is settled by reading that comment's replies since the attempt.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essayons.connectors import services
from essayons.connectors.base import (
    Account,
    InboxPage,
    Limits,
    Outgoing,
    Published,
    Reconciliation,
    ReplyTarget,
)
from essayons.connectors.content import content_check, text_with_link
from essayons.connectors.errors import (
    ConnectorError,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.facebook.client import (
    GraphClient,
    answer_id,
    graph_id,
    graph_time,
    target_id,
    text_key,
)
from essayons.connectors.facebook.connector import GraphConnector
from essayons.connectors.facebook.login import MetaLogin
from essayons.connectors.flow import Candidate
from essayons.connectors.instagram import client as ig
from essayons.connectors.instagram import inbox
from essayons.connectors.instagram.client import ContainerStatus
from essayons.connectors.media import image_public_url
from essayons.connectors.models import RemoteDraft

CONTAINER_LIFETIME = timedelta(hours=24)
EXPIRED_CODE = "2207020"
CLOCK_SKEW = timedelta(minutes=5)
QUOTA_RETRY = timedelta(hours=1)
SUBCODE = re.compile(r"\d{5,}")  # `status` carries the error subcode when ERROR
# Replies under one comment read when settling an unknown outcome (50 a page).
LOOKUP_PAGES = 4


def sleep(seconds: float) -> None:
    """The pause between two status reads (tests replace it)."""
    time.sleep(seconds)


class InstagramLogin(MetaLogin):
    """Facebook Login asking for the Instagram publishing permissions; the account is the one
    linked to a Page (`instagram_business_account`), used with that Page's token, which does not
    expire on a timer. Permissions from
    https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit"""

    kind = "instagram"
    scopes = (
        "instagram_basic",
        "instagram_content_publish",
        "pages_show_list",
        "pages_read_engagement",
        # Reading and answering comments:
        # https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies
        "instagram_manage_comments",
    )
    no_account_message = _(
        "We found no Instagram professional account linked to a Facebook Page you manage. "
        "Link your Instagram account to your Page in Instagram's settings, then try again."
    )

    def candidates(self, *, code: str, verifier: str, redirect_uri: str) -> list[Candidate]:
        pages = self.pages(
            code=code,
            verifier=verifier,
            redirect_uri=redirect_uri,
            fields="id,name,access_token,instagram_business_account{id,username}",
        )
        found = []
        for page in pages:
            account = page.get("instagram_business_account")
            if (
                not isinstance(account, dict)
                or not account.get("id")
                or not page.get("access_token")
            ):
                continue
            username = str(account.get("username") or account["id"])
            found.append(
                Candidate(
                    account_id=str(account["id"]),
                    name=f"@{username}",
                    url=f"https://www.instagram.com/{username}/",
                    credentials={
                        "page_token": str(page["access_token"]),
                        "page_id": str(page["id"]),
                    },
                )
            )
        return found


class InstagramConnector(GraphConnector):
    kind = "instagram"
    label = _("Instagram")
    # 2,200 characters and an image are Instagram's rules; a carousel holds up to 10.
    limits = Limits(max_length=2_200, max_images=10, requires_image=True)
    reconciliation = Reconciliation.CONTAINER_STATUS
    oauth: ClassVar[InstagramLogin] = InstagramLogin()
    poll_delays: ClassVar[tuple[float, ...]] = (0, 1, 2, 4, 8)
    supports_inbox = True
    supports_reply = True
    inbox_kinds = (inbox.KIND,)
    # The comment's replies are read again after an unknown outcome.
    reply_reconciliation = Reconciliation.FEED_LOOKUP

    def verify(self) -> Account:
        found = self._client().get(self.connection.account_id, {"fields": "id,username"})
        username = str(found.get("username", ""))
        return Account(
            remote_id=str(found.get("id", self.connection.account_id)),
            name=f"@{username}" if username else "",
            url=f"https://www.instagram.com/{username}/" if username else "",
        )

    def publish(self, post: Outgoing) -> Published:
        caption = text_with_link(post)
        content_check(self.limits, post, network=self.kind, text=caption)
        urls = [image_public_url(image, network=self.kind) for image in post.images]
        self._not_throttled()
        client = self._client()
        container = self._reusable_container(client, post.attempt_key, caption)
        if isinstance(container, Published):
            return container
        self._quota_check(client)
        self._not_throttled()  # the reads above may have brought usage headers
        for _round in range(2):
            if container is None:
                container = self._container_new(client, post, caption, urls)
            status = self._wait_finished(client, container)
            if status == ContainerStatus.PUBLISHED:
                return self._found_or_container(client, caption, container, since=None)
            if status == ContainerStatus.EXPIRED:
                container = None  # never publish an expired container: a fresh one
                continue
            try:
                media_id = ig.media_publish(client, self.connection.account_id, container)
            except Transient as error:
                if error.code != EXPIRED_CODE:
                    raise
                container = None  # expired between the check and the publish: a fresh one
                continue
            return Published(remote_id=media_id, url=self._permalink(client, media_id))
        raise Transient("the container kept expiring", code=EXPIRED_CODE, network=self.kind)

    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        draft = self._latest_draft(post.attempt_key)
        if draft is None:
            return None  # the id is saved before media_publish: no container, no publish
        client = self._client()
        status, _detail = ig.container_status(client, draft.remote_id)
        if status != ContainerStatus.PUBLISHED:
            return None
        return self._found_or_container(client, text_with_link(post), draft.remote_id, since=since)

    def permalink_check(self, published: Published) -> bool:
        try:
            found = self._client().get(published.remote_id, {"fields": "id,permalink"})
        except Rejected:
            return False
        return bool(found.get("permalink"))

    # --- the inbox ----------------------------------------------------------------------------

    def inbox_poll(self, *, kind: str, cursor: str) -> InboxPage:
        """One page of the comments sweep (instagram/inbox.py); first poll: 30 days at most."""
        if kind != inbox.KIND:
            raise Rejected(
                f"nothing called {kind!r} to read", code="unknown_kind", network=self.kind
            )
        self._not_throttled()
        client = self._client()
        ours = inbox.Ours(account_id=self.connection.account_id, username=self._username(client))
        return inbox.comments_page(client, ours=ours, raw_cursor=cursor)

    def reply(self, *, target: ReplyTarget, text: str, attempt_key: str) -> Published:
        """`POST /{ig-comment-id}/replies` with `message` answers `{"id"}`; Graph takes no
        idempotency key, so `attempt_key` is not sent and find_reply settles an unknown outcome
        (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies)."""
        comment = _top_comment(target, network=self.kind)
        self._not_throttled()
        answer = self._client().post(f"{comment}/replies", {"message": text})
        return Published(remote_id=answer_id(answer, "id", network=self.kind))

    def find_reply(
        self, *, target: ReplyTarget, text: str, attempt_key: str, since: datetime
    ) -> Published | None:
        """Our reply with this text under the comment since the attempt; None only when all
        its replies were read without it; a refusal to read or a longer list: UnknownOutcome."""
        comment = _top_comment(target, network=self.kind)
        self._not_throttled()
        client = self._client()
        ours = self._username(client)
        try:
            found = client.walk(
                f"{comment}/replies",
                {"fields": "id,text,username,timestamp", "limit": 50},
                max_pages=LOOKUP_PAGES,
            )
        except Rejected as error:
            raise UnknownOutcome(str(error), code=error.code, network=self.kind) from error
        start, wanted = since - CLOCK_SKEW, text_key(text)
        for item in found.items:
            if _is_our_reply(item, username=ours, wanted=wanted, start=start):
                return Published(remote_id=graph_id(item.get("id")))
        if found.after:
            raise UnknownOutcome(
                "too many replies to read them all", code="lookup_too_long", network=self.kind
            )
        return None

    def _username(self, client: GraphClient) -> str:
        """Our username as the connection keeps it ("@name"), else as Instagram says it."""
        kept = self.connection.account_name.removeprefix("@").strip()
        if kept:
            return kept
        found = client.get(self.connection.account_id, {"fields": "username"}).get("username")
        if not isinstance(found, str) or not found:
            raise Transient("no username in the answer", code="malformed_answer", network=self.kind)
        return found

    # --- containers ---------------------------------------------------------------------------

    def _reusable_container(
        self, client: GraphClient, attempt_key: str, caption: str
    ) -> str | Published | None:
        """The container of an earlier try when it can still be published, the post when it
        already was, or None (none yet, expired, failed)."""
        draft = self._latest_draft(attempt_key)
        if draft is None or timezone.now() - draft.created_at >= CONTAINER_LIFETIME:
            return None
        status, _detail = ig.container_status(client, draft.remote_id)
        if status == ContainerStatus.PUBLISHED:
            return self._found_or_container(
                client, caption, draft.remote_id, since=draft.created_at
            )
        if status in (ContainerStatus.FINISHED, ContainerStatus.IN_PROGRESS):
            return draft.remote_id
        return None

    def _container_new(
        self, client: GraphClient, post: Outgoing, caption: str, urls: list[str]
    ) -> str:
        container = ig.container_create(
            client,
            self.connection.account_id,
            image_urls=urls,
            caption=caption,
            alt=[image.alt for image in post.images],
        )
        services.remote_draft_keep(
            connection=self.connection, attempt_key=post.attempt_key, remote_id=container
        )
        return container

    def _wait_finished(self, client: GraphClient, container: str) -> ContainerStatus:
        """FINISHED, PUBLISHED or EXPIRED; Rejected when Instagram could not use the image;
        Transient when still processing (the container is kept and reused by the next try)."""
        for delay in self.poll_delays:
            sleep(delay)
            status, detail = ig.container_status(client, container)
            if status in (
                ContainerStatus.FINISHED,
                ContainerStatus.PUBLISHED,
                ContainerStatus.EXPIRED,
            ):
                return status
            if status == ContainerStatus.ERROR:
                found = SUBCODE.search(detail)
                raise Rejected(
                    detail or "container error",
                    code=found.group(0) if found else "container_error",
                    network=self.kind,
                )
        raise Transient("still processing the media", code="in_progress", network=self.kind)

    def _quota_check(self, client: GraphClient) -> None:
        """At the quota (50 posts in 24 h by default): wait, never fail (CONTRACTS.md §4 case 8)."""
        quota = ig.publishing_quota(client, self.connection.account_id)
        if not quota.reached:
            return
        now = timezone.now()
        try:
            frees = ig.quota_frees_at(
                ig.recent_media(client, self.connection.account_id), quota, now
            )
        except ConnectorError:
            frees = None
        raise RateLimited(
            f"{quota.usage}/{quota.total} posts in the window",
            retry_at=frees or now + QUOTA_RETRY,
            code="quota",
            network=self.kind,
        )

    def _found_or_container(
        self, client: GraphClient, caption: str, container: str, *, since: datetime | None
    ) -> Published:
        """Instagram says the container was published: find the post to link to it. When it
        cannot be found the post is still out, so the container stands for it."""
        start = (since or timezone.now() - CONTAINER_LIFETIME) - CLOCK_SKEW
        try:
            media = ig.recent_media(client, self.connection.account_id)
        except ConnectorError:
            media = []
        wanted = " ".join(caption.split())
        for item in media:
            late_enough = item.timestamp is None or item.timestamp >= start
            if late_enough and (not wanted or " ".join(item.caption.split()) == wanted):
                return Published(remote_id=item.id, url=item.permalink)
        return Published(remote_id=container, url=self.connection.account_url)

    def _latest_draft(self, attempt_key: str) -> RemoteDraft | None:
        return RemoteDraft.objects.filter(
            connection=self.connection, attempt_key=attempt_key
        ).first()

    def _permalink(self, client: GraphClient, media_id: str) -> str:
        try:
            return str(client.get(media_id, {"fields": "permalink"}).get("permalink", ""))
        except ConnectorError:
            return ""


def _top_comment(target: ReplyTarget, *, network: str) -> str:
    """Instagram answers only top-level comments ("replies to a reply will be added to the
    top-level comment"): a reply in a thread is answered under its parent, kept by the poll."""
    parent = str(target.context.get("parent_id", ""))
    return target_id(parent or target.remote_id, network=network)


def _is_our_reply(item: dict[str, Any], *, username: str, wanted: str, start: datetime) -> bool:
    """Written by us (username, any case), with this text, since the attempt, with an id."""
    author, text = item.get("username"), item.get("text")
    written = graph_time(item.get("timestamp"))
    return (
        isinstance(author, str)
        and author.casefold() == username.casefold()
        and isinstance(text, str)
        and text_key(text) == wanted
        and written is not None
        and written >= start
        and bool(graph_id(item.get("id")))
    )
