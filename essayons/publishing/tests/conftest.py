"""Fixtures of the publishing tests: a clock to move, a scripted network, posts and accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.registry import CONNECTORS
from essayons.planner.models import Post, PostStatus
from essayons.publishing import clock as clock_module
from essayons.publishing.models import Delivery
from essayons.publishing.services import deliveries_plan, publishing_tick
from essayons.publishing.tests.fakes import Network, connector_class

START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 11:00 in Martinique
TOKEN = "tok-SECRET-4f9d2a7c1b"


@pytest.fixture(autouse=True)
def _one_thread(settings):
    """Deliveries one after the other: worker threads could not see the test's transaction."""
    settings.PUBLISH_THREADS = 1


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(START)
    monkeypatch.setattr(clock_module, "now", fake)
    return fake


@pytest.fixture
def network(monkeypatch) -> Network:
    """The far side of the `mastodon` kind: every Mastodon connection talks to it."""
    far = Network()
    monkeypatch.setitem(CONNECTORS, "mastodon", connector_class("mastodon", far))
    return far


@pytest.fixture
def other_network(monkeypatch) -> Network:
    """A second network (`bluesky`), to check that one network's trouble stays its own."""
    far = Network()
    monkeypatch.setitem(CONNECTORS, "bluesky", connector_class("bluesky", far))
    return far


def connect(business, kind: str = "mastodon", **fields) -> Connection:
    connection = Connection(
        business=business,
        kind=kind,
        account_id=fields.pop("account_id", f"{kind}-{business.pk}"),
        account_name=fields.pop("account_name", "@boulangerie"),
        status=fields.pop("status", ConnectionStatus.ACTIVE),
        **fields,
    )
    connection.credentials = {"access_token": TOKEN}
    connection.save()
    return connection


def schedule(
    business, *, channels=("mastodon",), at=None, text="Pain au beurre tout chaud 🥖", **fields
) -> Post:
    """A scheduled post (as the planner leaves it), with its deliveries planned."""
    post = Post.objects.create(
        business=business,
        status=fields.pop("status", PostStatus.SCHEDULED),
        text=text,
        channels=list(channels),
        scheduled_at=at or START + timedelta(hours=1),
        **fields,
    )
    deliveries_plan(post=post)
    return post


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    """One scheduler tick; the tasks it enqueues (immediate backend) run after its commits."""

    def run(now=None):
        with django_capture_on_commit_callbacks(execute=True):
            return publishing_tick(now)

    return run


def only(post: Post, channel: str = "mastodon") -> Delivery:
    return Delivery.objects.get(post=post, channel=channel)
