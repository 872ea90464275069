"""Bluesky: an app password, a session kept fresh, and posts written under a record key fixed first.

Never twice (CONTRACTS.md §3.1, §4 case 4): the record key is the delivery's `attempt_key`,
a TID saved by the publishing engine before the first try (essayons/publishing/keys.py); a
key that is not a TID is turned into one, the same for every try (atproto.tid_from_key).
A retry writes under the same key, which the PDS refuses (a generic 500) when the post
exists; `getRecord` with that key then tells "already posted" from a real failure.

Sessions: createSession is limited to 30 per 5 minutes and 300 a day, so it is called once when
connecting; then the access token is renewed with refreshSession when it expires or is refused
(`ExpiredToken`/`InvalidToken`, answered as 400), and only when the refresh token is refused
too, a new session is made with the stored app password. When that fails: AuthExpired.

Replies to customers are posts too, with a `reply` ref (root and parent, each a uri and cid:
https://docs.bsky.app/docs/advanced-guides/posts#replies), written the same way under a record
key fixed from the reply's attempt key. The inbox reads replies, mentions and quotes from the
account's notifications (inbox.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any, ClassVar, TypeVar

from PIL import Image, UnidentifiedImageError

from essayons.connectors.base import (
    Account,
    Connector,
    Counting,
    InboxPage,
    Limits,
    Outgoing,
    OutgoingImage,
    Published,
    Reconciliation,
    ReplyTarget,
)
from essayons.connectors.bluesky import atproto, card, inbox
from essayons.connectors.bluesky.client import (
    BlueskyClient,
    Session,
    TokenProblem,
    jwt_claims,
    session_create,
    session_delete,
    session_refresh,
)
from essayons.connectors.content import content_check, text_with_link
from essayons.connectors.errors import AuthExpired, ConnectorError, Rejected, UnknownOutcome
from essayons.connectors.media import image_bytes

T = TypeVar("T")

COLLECTION = "app.bsky.feed.post"
IMAGE_MAX_BYTES = 2_000_000  # app.bsky.embed.images#image.image maxSize
REFRESH_MARGIN = timedelta(minutes=2)
APP_URL = "https://bsky.app"


class BlueskyConnector(Connector):
    kind: ClassVar[str] = "bluesky"
    label: ClassVar[str] = "Bluesky"
    limits: ClassVar[Limits] = Limits(
        max_length=atproto.MAX_GRAPHEMES,
        counting=Counting.GRAPHEMES,
        max_bytes=atproto.MAX_TEXT_BYTES,
        max_images=4,
    )
    reconciliation: ClassVar[Reconciliation] = Reconciliation.FIXED_RECORD_KEY
    supports_reply: ClassVar[bool] = True
    supports_inbox: ClassVar[bool] = True
    inbox_kinds: ClassVar[tuple[str, ...]] = ("notifications",)
    reply_reconciliation: ClassVar[Reconciliation] = Reconciliation.FIXED_RECORD_KEY

    @staticmethod
    def text_for(post: Outgoing) -> str:
        """The text as posted: the link is added at the end when the text does not show it."""
        return text_with_link(post)

    def verify(self) -> Account:
        answer = self._authed(lambda client: client.session_get())
        did, handle = str(answer.get("did", "")), str(answer.get("handle", ""))
        return Account(remote_id=did, name=f"@{handle}", url=f"{APP_URL}/profile/{handle}")

    def publish(self, post: Outgoing) -> Published:
        text = self.text_for(post)
        self._content_check(text, post)
        rkey = atproto.tid_from_key(post.attempt_key)
        record = self.record_build(text, embed=self._embed(post), created_at=datetime.now(UTC))
        return self._record_write(rkey, record)

    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        rkey = atproto.tid_from_key(post.attempt_key)
        found = self._authed(lambda client: client.record_get(**self._record_ref(rkey)))
        return self._published(rkey) if found is not None else None

    def permalink_check(self, published: Published) -> bool:
        rkey = published.remote_id.rsplit("/", 1)[-1]
        found = self._authed(lambda client: client.record_get(**self._record_ref(rkey)))
        return found is not None

    # --- the inbox -----------------------------------------------------------------------

    def reply(self, *, target: ReplyTarget, text: str, attempt_key: str) -> Published:
        """A post answering the customer's, under the record key of `attempt_key`."""
        self._content_check(text, Outgoing(text=text, attempt_key=attempt_key))
        record = self.record_build(
            text, embed=None, created_at=datetime.now(UTC), reply=self._reply_ref(target)
        )
        return self._record_write(atproto.tid_from_key(attempt_key), record)

    def find_reply(
        self, *, target: ReplyTarget, text: str, attempt_key: str, since: datetime
    ) -> Published | None:
        """getRecord under the reply's record key: there, or surely not (RecordNotFound).

        A failed look is UnknownOutcome (cannot tell), except AuthExpired, which tells the
        owner to reconnect first.
        """
        rkey = atproto.tid_from_key(attempt_key)
        try:
            found = self._authed(lambda client: client.record_get(**self._record_ref(rkey)))
        except AuthExpired:
            raise
        except ConnectorError as error:
            raise UnknownOutcome(str(error), code=error.code, network=self.kind) from error
        return self._published(rkey) if found is not None else None

    def inbox_poll(self, *, kind: str, cursor: str) -> InboxPage:
        """One page of replies, mentions and quotes; the cursor is explained in inbox.py."""
        if kind not in self.inbox_kinds:
            raise Rejected(f"no inbox {kind!r}", code="unknown_inbox_kind", network=self.kind)
        now = datetime.now(UTC)
        walk = inbox.walk_read(cursor, now=now)
        answer = self._authed(
            lambda client: client.notifications_list(
                limit=inbox.PAGE_SIZE, reasons=inbox.REASONS, cursor=walk.page
            )
        )
        return inbox.page_read(answer, walk=walk, own_did=self.connection.account_id, now=now)

    @staticmethod
    def record_build(
        text: str,
        *,
        embed: dict[str, Any] | None,
        created_at: datetime,
        reply: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An app.bsky.feed.post record (lexicons/app/bsky/feed/post.json)."""
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": text,
            "createdAt": atproto.datetime_format(created_at),
        }
        facets = atproto.link_facets(text)
        if facets:
            record["facets"] = facets
        if embed:
            record["embed"] = embed
        if reply:
            record["reply"] = reply
        return record

    def _reply_ref(self, target: ReplyTarget) -> dict[str, Any]:
        """Parent = the customer's post; root = its thread's first post, itself when it starts
        one (https://docs.bsky.app/docs/advanced-guides/posts#replies). Both need the cid."""
        context = target.context
        parent = {"uri": target.remote_id, "cid": context.get("cid", "")}
        root = {
            "uri": context.get("root_uri") or parent["uri"],
            "cid": context.get("root_cid") or parent["cid"],
        }
        for ref in (parent, root):
            if not ref["uri"].startswith("at://") or not ref["cid"]:
                raise Rejected(
                    "the message to answer lacks its at:// uri or cid",
                    code="reply_target_incomplete",
                    network=self.kind,
                )
        return {"root": root, "parent": parent}

    # --- content -------------------------------------------------------------------------

    def _content_check(self, text: str, post: Outgoing) -> None:
        """Refuse here what the PDS would refuse (300 graphemes, 3000 bytes, 4 images)."""
        content_check(self.limits, post, network=self.kind, text=text)

    def _embed(self, post: Outgoing) -> dict[str, Any] | None:
        """Images when there are some (≤ 4, each ≤ 2 MB), else a card for the link."""
        if post.images:
            images = [self._image_embed(image) for image in post.images]
            return {"$type": "app.bsky.embed.images", "images": images}
        if not post.link:
            return None
        found = card.card_fetch(post.link)
        external: dict[str, Any] = {
            "uri": found.uri,
            "title": found.title,
            "description": found.description,
        }
        thumb = card.thumb_fetch(found)
        if thumb is not None:
            external["thumb"] = self._authed(
                lambda client: client.blob_upload(thumb.data, thumb.mime_type)
            )
        return {"$type": "app.bsky.embed.external", "external": external}

    def _image_embed(self, image: OutgoingImage) -> dict[str, Any]:
        data = image_bytes(image)
        if len(data) > IMAGE_MAX_BYTES:
            raise Rejected("image over 2 MB", code="image_too_large", network=self.kind)
        blob = self._authed(lambda client: client.blob_upload(data, image.mime_type))
        embed: dict[str, Any] = {"image": blob, "alt": image.alt}
        size = _image_size(data)
        if size is not None:
            embed["aspectRatio"] = {"width": size[0], "height": size[1]}
        return embed

    # --- records -------------------------------------------------------------------------

    def _record_write(self, rkey: str, record: dict[str, Any]) -> Published:
        """createRecord under `rkey`; after an unknown outcome, getRecord says if it is there."""
        repo = self.connection.account_id
        try:
            answer = self._authed(
                lambda client: client.record_create(
                    repo=repo, collection=COLLECTION, rkey=rkey, record=record
                )
            )
        except UnknownOutcome:
            # The reference PDS answers a write under an existing key with a 500: look.
            if self._record_exists(rkey):
                return self._published(rkey)
            raise
        uri = answer.get("uri")
        if isinstance(uri, str) and uri:
            return Published(remote_id=uri, url=self._post_url(rkey))
        return self._published(rkey)  # an answer without its uri: the record is where we wrote it

    def _record_ref(self, rkey: str) -> dict[str, str]:
        return {"repo": self.connection.account_id, "collection": COLLECTION, "rkey": rkey}

    def _record_exists(self, rkey: str) -> bool:
        """After an unknown outcome: True only when getRecord finds it (a failed look is no)."""
        try:
            found = self._authed(lambda client: client.record_get(**self._record_ref(rkey)))
        except ConnectorError:
            return False
        return found is not None

    def _published(self, rkey: str) -> Published:
        uri = f"at://{self.connection.account_id}/{COLLECTION}/{rkey}"
        return Published(remote_id=uri, url=self._post_url(rkey))

    def _post_url(self, rkey: str) -> str:
        return f"{APP_URL}/profile/{self.connection.account_id}/post/{rkey}"

    # --- disconnecting -------------------------------------------------------------------

    def revoke(self) -> None:
        """Close the session at the PDS: com.atproto.server.deleteSession, which "requires auth
        using the 'refreshJwt' (not the 'accessJwt')" (lexicon com/atproto/server/
        deleteSession.json). The refresh token dies at once; the access token is a signed JWT
        that lives until its `exp`, and is forgotten here.

        The app password itself stays valid: com.atproto.server.revokeAppPassword takes the
        password's name, which the owner chose in Bluesky and Essayons never learns (no session
        answer carries it), and revoking a guessed name could cut another app. The owner
        deletes it in Bluesky's settings (docs/connectors/bluesky.md).
        """
        refresh_jwt = str(self.connection.credentials.get("refresh_jwt", ""))
        if refresh_jwt:
            session_delete(self.connection.instance_url, refresh_jwt=refresh_jwt)

    # --- session -------------------------------------------------------------------------

    def _authed(self, call: Callable[[BlueskyClient], T]) -> T:
        """Run `call` with a valid access token, renewing the session once if it is refused."""
        credentials = self.connection.credentials
        if not credentials.get("app_password"):
            raise AuthExpired("no credentials", code="not_connected", network=self.kind)
        if _expiring(credentials.get("access_jwt", "")):
            credentials = self._renew()
        try:
            return call(BlueskyClient(self.connection.instance_url, credentials["access_jwt"]))
        except TokenProblem:
            credentials = self._renew()
            return call(BlueskyClient(self.connection.instance_url, credentials["access_jwt"]))

    def _renew(self) -> dict[str, Any]:
        credentials = self.connection.credentials
        pds_url = self.connection.instance_url
        try:
            session = session_refresh(pds_url, refresh_jwt=credentials.get("refresh_jwt", ""))
        except TokenProblem:
            session = session_create(
                pds_url,
                identifier=self.connection.account_id,
                password=credentials.get("app_password", ""),
            )
        return self.session_store(session)

    def session_store(self, session: Session) -> dict[str, Any]:
        """Keep the new tokens (encrypted) on the connection; the app password stays."""
        credentials = dict(self.connection.credentials)
        credentials.update(access_jwt=session.access_jwt, refresh_jwt=session.refresh_jwt)
        self.connection.credentials = credentials
        self.connection.instance_url = session.pds_url
        if self.connection.pk:
            self.connection.save(update_fields=["credentials_encrypted", "instance_url"])
        return credentials


def _expiring(access_jwt: str) -> bool:
    """True when the token's `exp` is within the margin (a token without one is just tried)."""
    exp = jwt_claims(access_jwt).get("exp")
    if not isinstance(exp, int | float):
        return False
    return datetime.fromtimestamp(exp, tz=UTC) - REFRESH_MARGIN <= datetime.now(UTC)


def _image_size(data: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(BytesIO(data)) as picture:
            return picture.size
    except (UnidentifiedImageError, OSError):
        return None
