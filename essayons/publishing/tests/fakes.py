"""A scripted, in-process network and its connector, for the engine's tests.

`Network` is the far side: the posts it holds (by attempt key) and every call it received.
Each `publish` call plays the next scripted step (the last one repeats); a step may create
the post and answer, create it and then fail (the ambiguous case), fail before creating it,
or "kill" the worker (a BaseException, like a SIGKILL arriving between the call and the commit).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from essayons.connectors.base import (
    Account,
    Connector,
    Limits,
    Outgoing,
    Published,
    Reconciliation,
)


class Killed(BaseException):
    """The worker process dies here: nothing after this line runs, no except clause catches it."""


Step = Callable[["Network", Outgoing], Published]


def ok(network: Network, post: Outgoing) -> Published:
    return network.create(post)


def fails(error: BaseException) -> Step:
    """The network refuses before doing anything."""

    def step(network: Network, post: Outgoing) -> Published:
        raise error

    return step


def creates_then(error: BaseException) -> Step:
    """The post is created, then the answer is lost or wrong (timeout, 5xx, a killed worker)."""

    def step(network: Network, post: Outgoing) -> Published:
        network.create(post)
        raise error

    return step


@dataclass
class Network:
    steps: list[Step] = field(default_factory=lambda: [ok])
    find_steps: list[Callable[[Network, Outgoing], Published | None]] = field(default_factory=list)
    posts: dict[str, list[str]] = field(default_factory=dict)  # attempt key → remote ids
    calls: list[tuple[str, str, int]] = field(default_factory=list)  # (verb, key, connection)
    seen: list[Outgoing] = field(default_factory=list)
    permalink_ok: bool = True
    on_publish: Callable[[Outgoing], None] | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    def create(self, post: Outgoing) -> Published:
        remote_id = str(next(self._ids))
        self.posts.setdefault(post.attempt_key, []).append(remote_id)
        return Published(remote_id=remote_id, url=f"https://fake.example/@shop/{remote_id}")

    def lookup(self, post: Outgoing) -> Published | None:
        ids = self.posts.get(post.attempt_key)
        if not ids:
            return None
        return Published(remote_id=ids[0], url=f"https://fake.example/@shop/{ids[0]}")

    @property
    def creates(self) -> int:
        return sum(len(ids) for ids in self.posts.values())

    def verbs(self) -> list[str]:
        return [verb for verb, _key, _connection in self.calls]


class FakeConnector(Connector):
    kind: ClassVar[str] = "mastodon"
    label: ClassVar[str] = "Fake"
    limits: ClassVar[Limits] = Limits(max_length=500, max_images=4)
    reconciliation: ClassVar[Reconciliation] = Reconciliation.IDEMPOTENCY_KEY
    network: ClassVar[Network]

    def verify(self) -> Account:
        return Account(remote_id=self.connection.account_id, name=self.connection.account_name)

    def publish(self, post: Outgoing) -> Published:
        network = self.network
        network.calls.append(("publish", post.attempt_key, self.connection.pk))
        network.seen.append(post)
        if network.on_publish is not None:
            network.on_publish(post)
        step = network.steps.pop(0) if len(network.steps) > 1 else network.steps[0]
        return step(network, post)

    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        network = self.network
        network.calls.append(("find", post.attempt_key, self.connection.pk))
        if network.find_steps:
            step = (
                network.find_steps.pop(0) if len(network.find_steps) > 1 else network.find_steps[0]
            )
            return step(network, post)
        return network.lookup(post)

    def permalink_check(self, published: Published) -> bool:
        self.network.calls.append(("permalink", published.remote_id, self.connection.pk))
        return self.network.permalink_ok


def connector_class(kind: str, network: Network | None = None) -> type[FakeConnector]:
    """A fake connector class for `kind`; without a network, only its attributes matter."""
    return type(f"Fake_{kind}", (FakeConnector,), {"kind": kind, "network": network})
