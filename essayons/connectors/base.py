"""What every connector is: a class with a few verbs and capability attributes.

What differs between networks is an attribute of its class (limits, what it supports,
how an unknown outcome is reconciled), never an `if kind == ...` elsewhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from essayons.connectors.models import Connection


class Counting(StrEnum):
    CHARACTERS = "characters"
    GRAPHEMES = "graphemes"


class Reconciliation(StrEnum):
    """How an unknown outcome is settled (CONTRACTS.md §3.1)."""

    IDEMPOTENCY_KEY = "idempotency_key"  # Mastodon: same key within the hour, else look it up
    FIXED_RECORD_KEY = "fixed_record_key"  # Bluesky: rkey chosen first, then getRecord
    CONTAINER_STATUS = "container_status"  # Instagram: the container says PUBLISHED or not
    FEED_LOOKUP = "feed_lookup"  # Facebook: look in the page feed since the attempt
    UPSERT = "upsert"  # Google: the write is idempotent, retry is safe
    HUMAN = "human"  # LinkedIn, manual: ask the owner


@dataclass(frozen=True)
class Limits:
    max_length: int | None
    counting: Counting = Counting.CHARACTERS
    max_bytes: int | None = None
    max_images: int = 4
    requires_image: bool = False
    min_lead_minutes: int = 0


@dataclass(frozen=True)
class OutgoingImage:
    path: str
    mime_type: str
    alt: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One post as a network receives it; `attempt_key` is fixed before the first try."""

    text: str
    attempt_key: str
    link: str = ""
    images: tuple[OutgoingImage, ...] = ()
    kind: str = "update"
    coupon_code: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str = ""


@dataclass(frozen=True)
class Incoming:
    """One thing a customer said, as a network (or the counter form) hands it over.

    `context` carries what the network needs to answer it later and that has no column of its
    own (e.g. Bluesky's root and parent `cid`, Messenger's recipient): strings only, small.
    """

    channel: str
    remote_id: str
    text: str
    received_at: datetime
    author_name: str = ""
    author_remote_id: str = ""
    thread_id: str = ""
    post_remote_id: str = ""
    post_url: str = ""
    post_excerpt: str = ""
    context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboxPage:
    """One page of a poll: what it brought, where the next poll starts, and whether more waits.

    The cursor is opaque to everyone but the connector that made it; it is stored only after
    the page's items are, so a poll that fails half-way asks for the same page again.
    """

    items: tuple[Incoming, ...]
    next_cursor: str
    more: bool = False


@dataclass(frozen=True)
class ReplyTarget:
    """The message a reply answers, with what the network needs to thread the answer."""

    remote_id: str
    author_remote_id: str = ""
    thread_id: str = ""
    post_remote_id: str = ""
    context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Account:
    remote_id: str
    name: str
    url: str = ""
    expires_at: datetime | None = None


class Connector(ABC):
    kind: ClassVar[str]
    label: ClassVar[StrOrPromise]
    limits: ClassVar[Limits]
    reconciliation: ClassVar[Reconciliation]
    supports_publish: ClassVar[bool] = True
    supports_inbox: ClassVar[bool] = False
    supports_reply: ClassVar[bool] = False
    supports_stats: ClassVar[bool] = False
    # What the inbox polls on this network, e.g. ("reviews",); empty when it pushes (webhooks)
    # or has nothing to read. Each kind keeps its own cursor.
    inbox_kinds: ClassVar[tuple[str, ...]] = ()
    reply_reconciliation: ClassVar[Reconciliation] = Reconciliation.HUMAN

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @abstractmethod
    def verify(self) -> Account:
        """Check the credentials still work; raises AuthExpired when they do not."""

    def limits_fetch(self) -> Limits:
        """The limits the network states for this account (e.g. a Mastodon instance)."""
        return self.limits

    @abstractmethod
    def publish(self, post: Outgoing) -> Published:
        """Send once. Raises one of essayons.connectors.errors on failure."""

    @abstractmethod
    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        """After an unknown outcome: did `post` reach the network? None when it surely did not.

        Raises UnknownOutcome when the network cannot tell (the owner decides).
        """

    @abstractmethod
    def permalink_check(self, published: Published) -> bool:
        """Once after publishing: is the live post really there?"""

    # --- the inbox (only for connectors with supports_reply / inbox_kinds) ------------------

    def reply(self, *, target: ReplyTarget, text: str, attempt_key: str) -> Published:
        """Answer one customer's message once, publicly where it was said.

        The same `attempt_key` is given to every try of one reply. Raises one of
        essayons.connectors.errors on failure (UnknownOutcome when it may have gone out).
        """
        raise NotImplementedError

    def find_reply(
        self, *, target: ReplyTarget, text: str, attempt_key: str, since: datetime
    ) -> Published | None:
        """After an unknown outcome: did this reply reach the network? None when it surely did not.

        Raises UnknownOutcome when the network cannot tell (the owner decides).
        """
        raise NotImplementedError

    def inbox_subscribe(self) -> None:
        """Once connected: ask the network to push this account's messages to us (webhooks).

        Nothing to do for networks that are polled. Raises one of the connector errors.
        """
        return None

    def inbox_poll(self, *, kind: str, cursor: str) -> InboxPage:
        """One page of what customers said since `cursor` ("" = the first poll).

        Never returns the same item twice across pages of one walk; may repeat items after a
        failure (the inbox skips what it already stored).
        """
        raise NotImplementedError

    # --- disconnecting ------------------------------------------------------------------------

    def revoke(self) -> None:
        """Once disconnected: forget what the network gave us, at the network; best effort.

        Raises one of the connector errors when the network refuses or does not answer; the
        credentials are forgotten here whatever happens (services.connection_revoke). Nothing
        to do by default: a network with nothing to revoke, or no documented way to.
        """
        return None
