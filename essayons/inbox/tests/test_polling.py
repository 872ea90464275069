"""Polling a network page by page: resumable, never stores twice, stops cleanly on refusals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from essayons.connectors.base import InboxPage, Incoming
from essayons.connectors.errors import AuthExpired, RateLimited, Transient
from essayons.connectors.models import ConnectionStatus
from essayons.connectors.registry import CONNECTORS
from essayons.inbox import services
from essayons.inbox.models import Message, PollCursor
from essayons.inbox.tasks import inbox_polls_enqueue

from .support import FakeReplier, facebook_connection


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(CONNECTORS, "facebook", FakeReplier)
    FakeReplier.reset()
    FakeReplier.inbox_kinds = ("reviews",)
    return FakeReplier


def item(n, **kw):
    return Incoming(
        channel="google",
        remote_id=f"review-{n}",
        text=kw.pop("text", f"Avis numéro {n}"),
        received_at=timezone.now() - timedelta(hours=n),
        author_name=f"Client {n}",
        **kw,
    )


def page(*numbers, cursor, more=False):
    return InboxPage(items=tuple(item(n) for n in numbers), next_cursor=cursor, more=more)


def test_walks_pages_and_stores_each_once(business, fake):
    connection = facebook_connection(business)
    fake.pages = {"": page(1, 2, cursor="p2", more=True), "p2": page(2, 3, cursor="top")}
    assert services.connection_poll(connection_id=connection.pk, kind="reviews") == 3
    assert fake.polls == ["", "p2"]
    assert sorted(Message.objects.values_list("remote_id", flat=True)) == [
        "review-1",
        "review-2",
        "review-3",
    ]
    assert services.poll_cursor_read(connection=connection, kind="reviews") == "top"
    message = Message.objects.get(remote_id="review-1")
    assert message.conversation.connection == connection  # answered through it later
    fake.pages["top"] = page(3, cursor="top")
    assert services.connection_poll(connection_id=connection.pk, kind="reviews") == 0


def test_failure_mid_walk_resumes_at_the_same_page(business, fake):
    connection = facebook_connection(business)
    fake.pages = {"": page(1, cursor="p2", more=True), "p2": Transient("503", code="503")}
    assert services.connection_poll(connection_id=connection.pk, kind="reviews") == 1
    assert services.poll_cursor_read(connection=connection, kind="reviews") == "p2"
    fake.pages["p2"] = page(2, cursor="top")
    assert services.connection_poll(connection_id=connection.pk, kind="reviews") == 1
    assert fake.polls == ["", "p2", "p2"]
    assert Message.objects.count() == 2


def test_expired_connection_stops_and_waits_for_its_owner(business, fake):
    connection = facebook_connection(business)
    fake.pages = {"": AuthExpired("revoked", code="190")}
    assert services.connection_poll(connection_id=connection.pk, kind="reviews") == 0
    connection.refresh_from_db()
    assert (connection.status, connection.last_error_code) == (
        ConnectionStatus.NEEDS_RECONNECT,
        "190",
    )
    assert services.connection_poll(connection_id=connection.pk, kind="reviews") == 0
    assert fake.polls == [""]  # not asked again until reconnected
    assert services.polls_due() == []


def test_rate_limit_is_remembered(business, fake):
    connection = facebook_connection(business)
    until = timezone.now() + timedelta(minutes=30)
    fake.pages = {"": RateLimited("slow down", retry_at=until, code="429")}
    services.connection_poll(connection_id=connection.pk, kind="reviews")
    connection.refresh_from_db()
    assert connection.rate_limited_until == until
    assert services.polls_due() == []
    assert PollCursor.objects.count() == 0


def test_pages_per_poll_are_bounded(business, fake):
    connection = facebook_connection(business)
    fake.pages = {
        ("" if n == 0 else f"p{n}"): page(n, cursor=f"p{n + 1}", more=True) for n in range(30)
    }
    services.connection_poll(connection_id=connection.pk, kind="reviews", max_pages=4)
    assert fake.polls == ["", "p1", "p2", "p3"]
    assert services.poll_cursor_read(connection=connection, kind="reviews") == "p4"


def test_unknown_kind_or_unpolled_network_does_nothing(business, fake):
    connection = facebook_connection(business)
    assert services.connection_poll(connection_id=connection.pk, kind="stories") == 0
    assert services.connection_poll(connection_id=987654, kind="reviews") == 0
    assert fake.polls == []


def test_periodic_job_enqueues_one_poll_per_connection_and_kind(business, other_business, fake):
    mine = facebook_connection(business)
    theirs = facebook_connection(other_business, page_id="555")
    fake.pages = {"": page(1, cursor="top")}
    assert sorted(services.polls_due()) == sorted([(mine.pk, "reviews"), (theirs.pk, "reviews")])
    assert inbox_polls_enqueue.call() == 2  # the immediate backend runs each poll at once
    assert Message.objects.filter(business=business).count() == 1
    assert Message.objects.filter(business=other_business).count() == 1
