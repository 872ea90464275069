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
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from django.utils import timezone

from essayons.connectors.base import (
    Account,
    Connector,
    Counting,
    Limits,
    Outgoing,
    OutgoingImage,
    Published,
    Reconciliation,
)
from essayons.connectors.content import content_check, text_with_link
from essayons.connectors.errors import AuthExpired
from essayons.connectors.mastodon.client import (
    MastodonClient,
    instance_fetch,
    limits_from_instance,
)
from essayons.connectors.media import image_bytes

KEY_WINDOW = timedelta(minutes=50)  # under Mastodon's hour, with room for slow instances
LOOKUP_PAGES = 5
URL_PATTERN = re.compile(r"https?://\S+")
TAG_PATTERN = re.compile(r"<[^>]+>")


class MastodonConnector(Connector):
    kind: ClassVar[str] = "mastodon"
    label: ClassVar[str] = "Mastodon"
    limits: ClassVar[Limits] = Limits(
        max_length=500, counting=Counting.CHARACTERS, max_images=4
    )  # the defaults; each instance states its own (limits_fetch)
    reconciliation: ClassVar[Reconciliation] = Reconciliation.IDEMPOTENCY_KEY

    @staticmethod
    def text_for(post: Outgoing) -> str:
        """The text as posted: the link is added at the end when the text does not show it."""
        return text_with_link(post)

    def text_counted(self, text: str) -> str:
        """The text as the instance counts it: every link weighs `characters_reserved_per_url`."""
        url_length = int((self.connection.limits or {}).get("url_length", 23))
        return URL_PATTERN.sub("x" * url_length, text)

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
        return self._lookup(post, since=since)

    def permalink_check(self, published: Published) -> bool:
        return self._client().status_get(published.remote_id) is not None

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

    def _lookup(self, post: Outgoing, *, since: datetime) -> Published | None:
        """The account's statuses made since the first try, newest first, matched on text."""
        client = self._client()
        wanted = _comparable(self.text_for(post))
        oldest = since - timedelta(minutes=5)  # the instance's clock may differ from ours
        max_id = ""
        for _page in range(LOOKUP_PAGES):
            statuses = client.statuses_page(self.remote_account_id, max_id=max_id)
            for status in statuses:
                if _comparable(_plain(str(status.get("content", "")))) == wanted:
                    return _published(status)
            if not statuses or _created(statuses[-1]) < oldest:
                return None
            max_id = str(statuses[-1].get("id", ""))
        return None


def _published(status: dict[str, Any]) -> Published:
    return Published(remote_id=str(status.get("id", "")), url=str(status.get("url") or ""))


def _plain(content: str) -> str:
    """The text of a status's HTML: tags dropped (links keep their hidden parts), entities read."""
    return html.unescape(TAG_PATTERN.sub(" ", content))


def _comparable(text: str) -> str:
    """Text without any whitespace: Mastodon turns line breaks into <p> and <br>."""
    return "".join(text.split())


def _created(status: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(status.get("created_at", "")))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]
