"""A Facebook Page: posts with text, a link or photos, published as the Page.

Publishing happens at the due time from our own scheduler with `published=true` (the default),
never with Facebook's own `scheduled_publish_time`, so its 10-minute lead rule does not apply
(CONTRACTS.md §1.1; https://developers.facebook.com/docs/pages-api/posts). An unknown outcome
(timeout, 5xx, codes 1/2) is settled by looking in the Page's published posts since the attempt.

Comments and Messenger messages reach the inbox by webhook (essayons/inbox/webhooks.py), so
nothing is polled here; replies go back as a comment under the comment, or through the
Messenger Send API for a private message. Graph has no idempotency key: an unknown outcome
of a comment reply is settled by reading the comment's replies since the attempt.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essayons.connectors import services
from essayons.connectors.base import (
    Account,
    Connector,
    Limits,
    Outgoing,
    Published,
    Reconciliation,
    ReplyTarget,
)
from essayons.connectors.content import content_check, text_with_link
from essayons.connectors.errors import (
    AuthExpired,
    ConnectorError,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.facebook.client import (
    GraphClient,
    ListPage,
    answer_id,
    graph_id,
    graph_time,
    target_id,
    text_key,
)
from essayons.connectors.facebook.login import MetaLogin
from essayons.connectors.flow import Candidate
from essayons.connectors.media import image_bytes

# Reconciliation looks a little before the attempt started: clocks differ.
CLOCK_SKEW = timedelta(minutes=5)
# Replies under one comment read when settling an unknown outcome (100 a page); past that,
# the owner decides.
LOOKUP_PAGES = 4
MESSENGER_THREAD = "messenger:"
# "text: … must be UTF-8 and has a 2000 character limit":
# https://developers.facebook.com/docs/messenger-platform/reference/send-api/
MESSENGER_MAX_TEXT = 2000


class FacebookLogin(MetaLogin):
    """Facebook Login for a Page: the Page token comes from the long-lived user token and does
    not expire on a timer (it dies with a password change or a lost role: error 190 at any time).
    https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived"""

    kind = "facebook"
    # Replies need pages_manage_engagement (comments,
    # https://developers.facebook.com/documentation/pages-api/comments-mentions),
    # pages_read_user_content (the comments people wrote) and pages_messaging (Send API,
    # https://developers.facebook.com/docs/messenger-platform/reference/send-api/).
    scopes = (
        "pages_show_list",
        "pages_read_engagement",
        "pages_manage_posts",
        "pages_manage_engagement",
        "pages_read_user_content",
        "pages_messaging",
        "pages_manage_metadata",  # to subscribe the Page to our webhook (inbox_subscribe)
    )
    no_account_message = _(
        "We found no Facebook Page you can post to with this account. Check that you manage the "
        "Page, then try again and tick it in the Facebook window."
    )

    def candidates(self, *, code: str, verifier: str, redirect_uri: str) -> list[Candidate]:
        pages = self.pages(
            code=code,
            verifier=verifier,
            redirect_uri=redirect_uri,
            fields="id,name,link,access_token,tasks",
        )
        return [
            Candidate(
                account_id=str(page["id"]),
                name=str(page.get("name") or page["id"]),
                url=str(page.get("link") or f"https://www.facebook.com/{page['id']}"),
                credentials={"page_token": str(page["access_token"])},
            )
            for page in pages
            if page.get("id") and page.get("access_token") and _can_post(page)
        ]


def _can_post(page: dict[str, Any]) -> bool:
    tasks = page.get("tasks")
    return not isinstance(tasks, list) or "CREATE_CONTENT" in tasks


class GraphConnector(Connector):
    """What the Facebook Page and Instagram connectors share: the Page token, and honouring
    Meta's usage headers before any call."""

    def _client(self) -> GraphClient:
        token = self.connection.credentials.get("page_token")
        if not token:
            raise AuthExpired("no Page token stored", code="no_token", network=self.kind)
        return GraphClient(token=str(token), network=self.kind, on_throttle=self._throttled)

    def _throttled(self, until: datetime) -> None:
        services.connection_throttle(connection=self.connection, until=until)

    def revoke(self) -> None:
        """Nothing the stored Page token can revoke. Taking the app's permissions back is
        `DELETE /{user-id}/permissions`, made "with a user access token or an app access token"
        (https://developers.facebook.com/docs/facebook-login/guides/permissions/request-revoke,
        https://developers.facebook.com/docs/graph-api/reference/user/permissions/); we keep
        neither the person's token nor their id, only the Page token, and it would cut every
        other Page and Instagram account that person connected, here or in another business.
        The Page token is forgotten here; the person removes the app in Facebook's settings
        (Business integrations) if they want it gone (docs/connectors/facebook.md)."""
        return None

    def _not_throttled(self) -> None:
        """Meta said to wait: no call before then, not even to check (it prolongs the wait).
        Only a moment Meta gave is kept; a later answer without usage headers clears nothing."""
        until = self.connection.rate_limited_until
        if until is not None and until > timezone.now():
            raise RateLimited(
                "usage above the limit", retry_at=until, code="usage", network=self.kind
            )


class FacebookConnector(GraphConnector):
    kind = "facebook"
    label = _("Facebook Page")
    limits = Limits(max_length=63_206, max_images=10)
    reconciliation = Reconciliation.FEED_LOOKUP
    oauth: ClassVar[FacebookLogin] = FacebookLogin()
    # Comments and messages are pushed by webhook: the inbox is fed, nothing is polled.
    supports_inbox = True
    supports_reply = True
    # A comment reply is found again by reading the comment's replies. A Messenger reply
    # cannot be looked up reliably: find_reply raises UnknownOutcome and the owner decides
    # (HUMAN in effect). One class attribute, so it names the comment case.
    reply_reconciliation = Reconciliation.FEED_LOOKUP

    def verify(self) -> Account:
        page = self._client().get(self.connection.account_id, {"fields": "id,name,link"})
        return Account(
            remote_id=str(page.get("id", self.connection.account_id)),
            name=str(page.get("name", "")),
            url=str(page.get("link", "")),
        )

    def publish(self, post: Outgoing) -> Published:
        message = self._message(post)
        content_check(self.limits, post, network=self.kind, text=message)
        self._not_throttled()
        client = self._client()
        page = self.connection.account_id
        if not post.images:
            data = {"message": post.text} if post.text else {}
            if post.link:
                data["link"] = post.link
            post_id = str(client.post(f"{page}/feed", data)["id"])
        elif len(post.images) == 1:
            image = post.images[0]
            fields = {"message": message} if message else {}
            answer = client.upload(
                f"{page}/photos",
                fields,
                [("source", image.mime_type, image_bytes(image))],
                side_effect=True,
            )
            post_id = str(answer.get("post_id") or answer["id"])
        else:
            post_id = self._multi_photo(client, post, message)
        return Published(remote_id=post_id, url=self._permalink(client, post_id))

    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        self._not_throttled()
        expected = self._message(post)
        items = self._client().pages(
            f"{self.connection.account_id}/published_posts",
            {
                "fields": "id,message,created_time,permalink_url,attachments{unshimmed_url,url}",
                "since": int((since - CLOCK_SKEW).timestamp()),
                "limit": 25,
            },
        )
        for item in items:
            if _same_post(item, expected, post.link):
                return Published(remote_id=str(item["id"]), url=str(item.get("permalink_url", "")))
        return None

    def permalink_check(self, published: Published) -> bool:
        try:
            found = self._client().get(published.remote_id, {"fields": "id,permalink_url"})
        except Rejected:
            return False
        return bool(found.get("id"))

    def inbox_subscribe(self) -> None:
        """Have Meta send this Page's new comments and messages to our webhook.

        An app receives a Page's webhook events only once the Page is subscribed to it:
        `POST /{page-id}/subscribed_apps` with `subscribed_fields`, a Page token and
        `pages_manage_metadata` (https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps/).
        Subscribing again is harmless: the answer is `{"success": true}` each time.
        """
        self._not_throttled()
        answer = self._client().post(
            f"{self.connection.account_id}/subscribed_apps",
            {"subscribed_fields": "feed,messages"},
            side_effect=False,
        )
        if not (isinstance(answer, dict) and answer.get("success") is True):
            raise Transient("subscription not confirmed", code="not_subscribed", network=self.kind)

    # --- replies ----------------------------------------------------------------------------

    def reply(self, *, target: ReplyTarget, text: str, attempt_key: str) -> Published:
        """A comment under the customer's comment, as the Page, or a Messenger message.

        Graph takes no idempotency key, so `attempt_key` is not sent: find_reply settles an
        unknown outcome. `POST /{comment-id}/comments` with `message` answers `{"id"}`
        (https://developers.facebook.com/docs/graph-api/reference/object/comments/).
        """
        if _is_messenger(target):
            return self._message_send(target, text)
        comment = _comment_answered(target, network=self.kind)
        self._not_throttled()
        client = self._client()
        answer = client.post(f"{comment}/comments", {"message": text})
        reply_id = answer_id(answer, "id", network=self.kind)
        return Published(remote_id=reply_id, url=self._comment_link(client, reply_id))

    def find_reply(
        self, *, target: ReplyTarget, text: str, attempt_key: str, since: datetime
    ) -> Published | None:
        """The Page's comment with this text under the comment, written since the attempt.

        All replies of the comment are read (newest first, at most LOOKUP_PAGES pages): None
        only when the whole list was read without it. A refusal to read (comment gone,
        permission missing) or a longer list cannot tell: UnknownOutcome.
        """
        if _is_messenger(target):
            # The Send API has no lookup by attempt, and the conversation API does not say
            # which of several identical messages is ours: the owner checks Messenger.
            raise UnknownOutcome(
                "a Messenger reply cannot be looked up", code="messenger_lookup", network=self.kind
            )
        comment = _comment_answered(target, network=self.kind)
        self._not_throttled()
        found = self._replies_read(comment)
        start, wanted = since - CLOCK_SKEW, text_key(text)
        for item in found.items:
            if self._is_our_reply(item, wanted, start):
                return Published(
                    remote_id=graph_id(item.get("id")), url=_https(item.get("permalink_url"))
                )
        if found.after:
            raise UnknownOutcome(
                "too many replies to read them all", code="lookup_too_long", network=self.kind
            )
        return None

    def _message_send(self, target: ReplyTarget, text: str) -> Published:
        """Send API, as a RESPONSE to the person's message: allowed within 24 hours of it,
        after which Meta answers 10/2018278 (Rejected "outside_window"). `recipient` and
        `message` are JSON in the form body, the token in the header, never in the URL
        (https://developers.facebook.com/docs/messenger-platform/reference/send-api/)."""
        if len(text) > MESSENGER_MAX_TEXT:
            raise Rejected(
                f"over {MESSENGER_MAX_TEXT} characters", code="too_long", network=self.kind
            )
        psid = target.author_remote_id or target.thread_id.removeprefix(MESSENGER_THREAD)
        recipient = target_id(psid, network=self.kind)
        self._not_throttled()
        answer = self._client().post(
            f"{self.connection.account_id}/messages",
            {
                "recipient": json.dumps({"id": recipient}),
                "messaging_type": "RESPONSE",
                "message": json.dumps({"text": text}, ensure_ascii=False),
            },
        )
        return Published(remote_id=answer_id(answer, "message_id", network=self.kind))

    def _replies_read(self, comment: str) -> ListPage:
        """The comment's replies, newest first (`order`, a parameter of the comments edge:
        https://developers.facebook.com/docs/graph-api/reference/object/comments/)."""
        try:
            return self._client().walk(
                f"{comment}/comments",
                {
                    "fields": "id,message,from,created_time,permalink_url",
                    "order": "reverse_chronological",
                    "limit": 100,
                },
                max_pages=LOOKUP_PAGES,
            )
        except Rejected as error:
            raise UnknownOutcome(str(error), code=error.code, network=self.kind) from error

    def _is_our_reply(self, item: dict[str, Any], wanted: str, start: datetime) -> bool:
        author = item.get("from")
        written = graph_time(item.get("created_time"))
        message = item.get("message")
        return (
            isinstance(author, dict)
            and str(author.get("id", "")) == self.connection.account_id
            and isinstance(message, str)
            and text_key(message) == wanted
            and written is not None
            and written >= start
            and bool(graph_id(item.get("id")))
        )

    def _comment_link(self, client: GraphClient, comment_id: str) -> str:
        """Best effort: the reply is out whatever this read says."""
        try:
            return _https(client.get(comment_id, {"fields": "permalink_url"}).get("permalink_url"))
        except ConnectorError:
            return ""

    # --- helpers ----------------------------------------------------------------------------

    def _message(self, post: Outgoing) -> str:
        """A photo post cannot carry a link card: the link goes at the end of the text."""
        return text_with_link(post) if post.images else post.text

    def _multi_photo(self, client: GraphClient, post: Outgoing, message: str) -> str:
        """Photos uploaded unpublished (invisible, safe to redo), then one feed post with them:
        https://developers.facebook.com/docs/pages-api/posts (multi-photo posts)."""
        data: dict[str, str] = {"message": message} if message else {}
        for index, image in enumerate(post.images):
            uploaded = client.upload(
                f"{self.connection.account_id}/photos",
                {"published": "false"},
                [("source", image.mime_type, image_bytes(image))],
                side_effect=False,
            )
            data[f"attached_media[{index}]"] = json.dumps({"media_fbid": str(uploaded["id"])})
        return str(client.post(f"{self.connection.account_id}/feed", data)["id"])

    def _permalink(self, client: GraphClient, post_id: str) -> str:
        """Best effort: the post is out whatever this read says."""
        try:
            return str(client.get(post_id, {"fields": "permalink_url"}).get("permalink_url", ""))
        except ConnectorError:
            return ""


def _same_post(item: dict[str, Any], message: str, link: str) -> bool:
    found = " ".join(str(item.get("message", "")).split())
    if found and found == " ".join(message.split()):
        return True
    if message.strip() or not link:
        return False
    attachments = (item.get("attachments") or {}).get("data", [])
    return any(
        link in (a.get("unshimmed_url"), a.get("url")) for a in attachments if isinstance(a, dict)
    )


def _is_messenger(target: ReplyTarget) -> bool:
    """The webhook marks private messages (context kind, and a "messenger:" thread)."""
    return target.context.get("kind") == "messenger" or target.thread_id.startswith(
        MESSENGER_THREAD
    )


def _comment_answered(target: ReplyTarget, *, network: str) -> str:
    """The comment to answer under. A reply inside a thread is answered under its top
    comment when the inbox kept it (context "parent_id"; a top comment's parent is the post),
    as Facebook shows one level of replies."""
    parent = str(target.context.get("parent_id", ""))
    if parent and parent != target.post_remote_id and graph_id(parent):
        return parent
    return target_id(target.remote_id, network=network)


def _https(url: Any) -> str:
    """A link shown to the owner, never fetched by us."""
    return url[:500] if isinstance(url, str) and url.startswith("https://") else ""
