"""A Facebook Page: posts with text, a link or photos, published as the Page.

Publishing happens at the due time from our own scheduler with `published=true` (the default),
never with Facebook's own `scheduled_publish_time`, so its 10-minute lead rule does not apply
(CONTRACTS.md §1.1; https://developers.facebook.com/docs/pages-api/posts). An unknown outcome
(timeout, 5xx, codes 1/2) is settled by looking in the Page's published posts since the attempt.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essayons.connectors import services
from essayons.connectors.base import Account, Connector, Limits, Outgoing, Published, Reconciliation
from essayons.connectors.content import content_check, text_with_link
from essayons.connectors.errors import AuthExpired, ConnectorError, RateLimited, Rejected
from essayons.connectors.facebook.client import (
    GraphClient,
    login_url,
    managed_pages,
    user_token,
)
from essayons.connectors.flow import Candidate, settings_present
from essayons.connectors.media import image_bytes

# Reconciliation looks a little before the attempt started: clocks differ.
CLOCK_SKEW = timedelta(minutes=5)


class FacebookLogin:
    """Facebook Login for a Page: the Page token comes from the long-lived user token and does
    not expire on a timer (it dies with a password change or a lost role: error 190 at any time).
    https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived"""

    kind = "facebook"
    setting_names = ("FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET")
    scopes = ("pages_show_list", "pages_read_engagement", "pages_manage_posts")
    no_account_message = _(
        "We found no Facebook Page you can post to with this account. Check that you manage the "
        "Page, then try again and tick it in the Facebook window."
    )

    def is_configured(self) -> bool:
        return settings_present(*self.setting_names)

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        return login_url(
            scopes=self.scopes,
            state=state,
            code_challenge=code_challenge,
            redirect_uri=redirect_uri,
        )

    def candidates(self, *, code: str, verifier: str, redirect_uri: str) -> list[Candidate]:
        token, _expires = user_token(
            code=code, verifier=verifier, redirect_uri=redirect_uri, network=self.kind
        )
        pages = managed_pages(token, fields="id,name,link,access_token,tasks", network=self.kind)
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
