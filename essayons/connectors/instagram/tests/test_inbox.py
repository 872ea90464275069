"""Instagram comments: polled page by page with a resumable cursor, answered as replies.

Shapes from https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments
(`data` of comments with `timestamp`, `text`, `id`), …/ig-comment/replies (a reply answers
`{"id"}`; reading gives the same comment shape) and …/ig-user/media; `username`, `from` and
`replies` are IG Comment fields asked for by field expansion.
"""

import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from essayons.connectors.base import Incoming, Published, Reconciliation, ReplyTarget
from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.instagram.connector import InstagramConnector
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import answer, connection_make, fixtures_of, form_of
from essayons.lib.http import FakeTransport, Response, TransportError, use_transport

pytestmark = pytest.mark.django_db
fixture = fixtures_of(__file__)
IG = "17841405822304914"
TOKEN = "PAGE-TOKEN-SECRET-1"
GRAPH = "https://graph.facebook.com/v26.0"
LATEST = "17920238422030506"  # media with 5 comments over two pages
NONE = "17920238422030400"  # media without comments
GALETTES = "17918920912034500"  # media of 1 October
OLD = "17900000000000001"  # media of June: past the 90-day horizon
COMMENT = "17870913679156914"
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
TEXT = "Oui, de 8h à 13h !"
MEDIA_QUERY = {"fields": ["id,caption,permalink,timestamp,comments_count"], "limit": ["50"]}
COMMENT_FIELDS = "id,text,username,timestamp,from"
DAY, MINUTE = timedelta(days=1), timedelta(minutes=1)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def account(business):
    return connection_make(
        business,
        "instagram",
        IG,
        {"page_token": TOKEN, "page_id": "546349135390552"},
        account_name="@boulangerietest",
        account_url="https://www.instagram.com/boulangerietest/",
    )


def connector(account):
    return InstagramConnector(Connection.objects.get(pk=account.pk))


def graph(routes):
    """A fake Graph answering by (path, after cursor); an Exception in the table is raised."""

    def route(request):
        parts = urlsplit(request.url)
        after = parse_qs(parts.query).get("after", [""])[0]
        found = routes[(parts.path.removeprefix("/v26.0/"), after)]
        if isinstance(found, Exception):
            raise found
        return found

    return FakeTransport(route)


def standard_routes(**overrides):
    routes = {
        (f"{IG}/media", ""): answer(fixture("media_recent")),
        (f"{LATEST}/comments", ""): answer(fixture("comments_latest_1")),
        (f"{LATEST}/comments", "QVFIUm1hcmll"): answer(fixture("comments_latest_2")),
        (f"{GALETTES}/comments", ""): answer(fixture("comments_galettes")),
    }
    routes.update(overrides)
    return routes


def poll(account, cursor=""):
    return connector(account).inbox_poll(kind="comments", cursor=cursor)


def paths(fake):
    return [
        (urlsplit(r.url).path.removeprefix("/v26.0/"), parse_qs(urlsplit(r.url).query).get("after"))
        for r in fake.requests
    ]


def test_capabilities():
    assert InstagramConnector.inbox_kinds == ("comments",)
    assert InstagramConnector.supports_inbox and InstagramConnector.supports_reply
    assert InstagramConnector.reply_reconciliation == Reconciliation.FEED_LOOKUP


# The first poll ------------------------------------------------------------------------------


def test_first_poll_reads_recent_media_and_keeps_30_days_of_customers_comments(account, caplog):
    caplog.set_level(logging.INFO)
    fake = graph(standard_routes())
    with use_transport(fake):
        page = poll(account)
    # The media list, then comments of media with comments only, inside the 90-day horizon.
    assert paths(fake) == [
        (f"{IG}/media", None),
        (f"{LATEST}/comments", None),
        (f"{LATEST}/comments", ["QVFIUm1hcmll"]),  # the cursor, never `paging.next`
        (f"{GALETTES}/comments", None),
    ]
    media, comments = fake.requests[0], fake.requests[1]
    assert parse_qs(urlsplit(media.url).query) == MEDIA_QUERY
    assert parse_qs(urlsplit(comments.url).query) == {
        "fields": [f"{COMMENT_FIELDS},replies.limit(50){{{COMMENT_FIELDS}}}"],
        "limit": ["50"],
    }
    assert all(r.method == "GET" for r in fake.requests)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in fake.requests)
    assert all(TOKEN not in r.url for r in fake.requests)

    ids = [item.remote_id for item in page.items]
    # Ours (the reply and "BoulangerieTest", any case) and the 2 October comment are left
    # out; the four malformed entries are ignored with a log line.
    assert ids == [
        COMMENT,
        "17873440459141099",
        "17870913679150002",
        "17870913679150005",
        "17870913679140001",
    ]
    assert page.items[0] == Incoming(
        channel="instagram",
        remote_id=COMMENT,
        text="Vous êtes ouverts dimanche ?",
        received_at=datetime(2026, 11, 26, 14, 20, tzinfo=UTC),
        author_name="marie.dupont",
        author_remote_id="17841400000000001",
        thread_id=COMMENT,
        post_remote_id=LATEST,
        post_url="https://www.instagram.com/p/C1a2B3c4D5e/",
        post_excerpt="Croissants tout chauds ce matin !\nVenez vite.\n\nhttps://boulangerie.example",
        context={"media_id": LATEST},
    )
    reply = page.items[1]
    assert (reply.thread_id, reply.context) == (
        COMMENT,
        {"media_id": LATEST, "parent_id": COMMENT},
    )
    hostile = page.items[2]
    assert hostile.text == (
        '<script>alert(1)</script> <a href="https://evil.example/x">trop cher</a> !'
    )  # kept as text, escaped when shown; the link is never fetched
    assert (page.items[3].author_name, page.items[3].author_remote_id) == ("", "")
    galettes = page.items[4]
    assert galettes.post_url == ""  # a javascript: permalink is dropped
    assert galettes.post_excerpt == "<b>Galettes</b> des rois"
    assert "malformed comment" in caplog.text

    assert page.more is False
    assert json.loads(page.next_cursor) == {
        "since": int((NOW - timedelta(minutes=10)).timestamp()),
        "start": 0,
        "media": "",
        "after": "",
    }


def test_the_next_sweep_reads_only_what_came_since_the_last_one_started(account):
    since = int((NOW - timedelta(minutes=40)).timestamp())  # 14:20: the first comment
    cursor = json.dumps({"since": since, "start": 0, "media": "", "after": ""})
    with use_transport(graph(standard_routes())):
        page = poll(account, cursor)
    assert [item.remote_id for item in page.items] == [
        COMMENT,
        "17873440459141099",
        "17870913679150002",
        "17870913679150005",
    ]
    assert json.loads(page.next_cursor)["since"] == int((NOW - timedelta(minutes=10)).timestamp())


@pytest.mark.parametrize(
    "stored", ["not json", "[1, 2]", '{"since": "yesterday"}', '{"since": true}']
)
def test_an_unreadable_cursor_starts_again_like_a_first_poll(account, stored):
    with use_transport(graph(standard_routes())):
        page = poll(account, stored)
    assert "17870913679140001" in [item.remote_id for item in page.items]  # 20 November
    assert "17870913679140000" not in [item.remote_id for item in page.items]  # 2 October


def test_a_cursor_since_in_the_future_cannot_hide_comments(account):
    future = json.dumps(
        {
            "since": int((NOW + timedelta(days=365)).timestamp()),
            "start": 0,
            "media": "",
            "after": "",
        }
    )
    with use_transport(graph(standard_routes())):
        page = poll(account, future)
    assert "17870913679140001" in [item.remote_id for item in page.items]  # read as a first poll


# Pages, cursors, failures ---------------------------------------------------------------------


def long_comments(after):
    return answer(
        {
            "data": [
                {
                    "id": f"1787091367915{after or 0:04d}",
                    "text": f"Commentaire {after}",
                    "timestamp": "2026-11-26T14:40:00+0000",
                    "username": "client",
                }
            ],
            "paging": {"cursors": {"after": f"C{after + 1}"}, "next": "https://x.example"},
        }
    )


def test_a_long_walk_is_cut_into_bounded_pages_and_resumed_with_the_cursor(account):
    routes = standard_routes()
    routes[(f"{LATEST}/comments", "")] = long_comments(0)
    for n in range(1, 5):
        routes[(f"{LATEST}/comments", f"C{n}")] = long_comments(n)
    routes[(f"{LATEST}/comments", "C5")] = answer({"data": []})
    first_fake = graph(routes)
    with use_transport(first_fake):
        first = poll(account)
    assert len(first_fake.requests) == 4  # the media list and three comment pages
    assert first.more is True
    assert json.loads(first.next_cursor) == {
        "since": int((NOW - timedelta(days=30)).timestamp()),
        "start": int(NOW.timestamp()),
        "media": LATEST,
        "after": "C3",
    }
    second_fake = graph(routes)
    with use_transport(second_fake):
        second = poll(account, first.next_cursor)
    assert paths(second_fake) == [
        (f"{IG}/media", None),
        (f"{LATEST}/comments", ["C3"]),
        (f"{LATEST}/comments", ["C4"]),
        (f"{LATEST}/comments", ["C5"]),
    ]
    assert second.more is True
    assert json.loads(second.next_cursor)["media"] == GALETTES  # the next one with comments
    assert json.loads(second.next_cursor)["after"] == ""
    third_fake = graph(routes)
    with use_transport(third_fake):
        third = poll(account, second.next_cursor)
    assert paths(third_fake) == [(f"{IG}/media", None), (f"{GALETTES}/comments", None)]
    assert third.more is False
    # The sweep's start (the first page's "now") becomes the next `since`, minus the overlap.
    assert json.loads(third.next_cursor)["since"] == int((NOW - timedelta(minutes=10)).timestamp())
    seen = [i.remote_id for page in (first, second, third) for i in page.items]
    assert len(seen) == len(set(seen))  # never the same item twice in one walk


def test_a_poll_failing_mid_walk_asks_for_the_same_page_again(account):
    cursor = json.dumps(
        {
            "since": int((NOW - timedelta(days=1)).timestamp()),
            "start": 1,
            "media": LATEST,
            "after": "",
        }
    )
    failing = graph(
        standard_routes(**{"_": None})
        | {(f"{LATEST}/comments", "QVFIUm1hcmll"): TransportError("connection reset")}
    )
    with use_transport(failing), pytest.raises(Transient):
        poll(account, cursor)
    again = graph(standard_routes())
    with use_transport(again):
        page = poll(account, cursor)  # the cursor was not moved: same requests, in order
    assert [r.url for r in again.requests[: len(failing.requests)]] == [
        r.url for r in failing.requests
    ]
    assert COMMENT in [item.remote_id for item in page.items]


def test_a_media_gone_from_the_list_restarts_from_the_newest(account):
    cursor = json.dumps({"since": 0, "start": 1, "media": "17999999999999999", "after": "ZZ"})
    fake = graph(standard_routes())
    with use_transport(fake):
        poll(account, cursor)
    assert paths(fake)[1] == (f"{LATEST}/comments", None)


def test_a_comments_cursor_graph_refuses_is_read_again_from_the_start(account):
    cursor = json.dumps({"since": 0, "start": 1, "media": LATEST, "after": "EXPIRED"})
    fake = graph(
        standard_routes()
        | {(f"{LATEST}/comments", "EXPIRED"): answer(fixture("error_object_missing"), status=400)}
    )
    with use_transport(fake):
        page = poll(account, cursor)
    assert paths(fake)[:3] == [
        (f"{IG}/media", None),
        (f"{LATEST}/comments", ["EXPIRED"]),
        (f"{LATEST}/comments", None),
    ]
    assert COMMENT in [item.remote_id for item in page.items]


def test_a_media_whose_comments_are_refused_is_skipped_but_a_missing_permission_stops(account):
    refused = standard_routes() | {
        (f"{LATEST}/comments", ""): answer(fixture("error_object_missing"), status=400)
    }
    with use_transport(graph(refused)):
        page = poll(account)
    assert [item.remote_id for item in page.items] == ["17870913679140001"]
    assert page.more is False
    no_permission = standard_routes() | {
        (f"{LATEST}/comments", ""): answer(fixture("error_permission_comments"), status=403)
    }
    with use_transport(graph(no_permission)), pytest.raises(Rejected) as raised:
        poll(account)
    assert raised.value.code == "10:instagram_manage_comments"


@pytest.mark.parametrize(
    "failure, error_class",
    [
        (answer(fixture("error_190_463"), status=400), AuthExpired),
        (answer(fixture("error_throttled"), status=400), RateLimited),
        (answer(fixture("error_server"), status=500), Transient),
        (TransportError("timed out"), Transient),
        (Response(status=200, body=b"<html>maintenance</html>"), Transient),
        (answer({"data": {"not": "a list"}}), Transient),
        (answer("a string"), Transient),
    ],
)
def test_each_failure_of_a_poll_is_one_of_the_five_classes(account, failure, error_class):
    with use_transport(graph({(f"{IG}/media", ""): failure})), pytest.raises(error_class):
        poll(account)


def test_an_oversized_answer_is_transient(account):
    huge = Response(status=200, body=b'{"data": [' + b" " * 5_000_001 + b"]}")
    with use_transport(graph({(f"{IG}/media", ""): huge})), pytest.raises(Transient):
        poll(account)


def test_huge_text_is_cut_and_huge_names_trimmed(account):
    routes = standard_routes() | {
        (f"{LATEST}/comments", ""): answer(
            {
                "data": [
                    {
                        "id": "17870913679159999",
                        "text": "é" * 100_000,
                        "timestamp": "2026-11-26T14:40:00+0000",
                        "username": "u" * 1000,
                    }
                ]
            }
        )
    }
    with use_transport(graph(routes)):
        page = poll(account)
    item = page.items[0]
    assert item.text == "é" * 5000
    assert len(item.author_name) == 200


def test_a_throttled_account_and_an_unknown_kind_make_no_call(account):
    fake = graph(standard_routes())
    with use_transport(fake), pytest.raises(Rejected):
        connector(account).inbox_poll(kind="mentions", cursor="")
    Connection.objects.filter(pk=account.pk).update(rate_limited_until=NOW + timedelta(minutes=5))
    with use_transport(fake), pytest.raises(RateLimited):
        poll(account)
    assert fake.requests == []


def test_without_a_stored_name_the_username_is_asked_once(account):
    Connection.objects.filter(pk=account.pk).update(account_name="")
    routes = standard_routes() | {(IG, ""): answer(fixture("user"))}
    fake = graph(routes)
    with use_transport(fake):
        page = poll(account)
    assert fake.requests[0].url == f"{GRAPH}/{IG}?fields=username"
    assert "17870913679150001" not in [i.remote_id for i in page.items]  # still ours


# Replies ------------------------------------------------------------------------------------


def comment_target(**context):
    return ReplyTarget(remote_id=COMMENT, thread_id=COMMENT, post_remote_id=LATEST, context=context)


def test_reply_is_one_post_under_the_comment(account):
    fake = FakeTransport(answer(fixture("reply_created")))
    with use_transport(fake):
        published = connector(account).reply(
            target=comment_target(media_id=LATEST), text=TEXT, attempt_key="reply-1"
        )
    (sent,) = fake.requests
    assert (sent.method, sent.url) == ("POST", f"{GRAPH}/{COMMENT}/replies")
    assert form_of(sent) == {"message": [TEXT]}
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN.encode() not in sent.body
    assert published == Published(remote_id="17873440459141021")


def test_a_reply_in_a_thread_is_answered_under_the_top_comment(account):
    fake = FakeTransport(answer(fixture("reply_created")))
    target = ReplyTarget(
        remote_id="17873440459141099", thread_id=COMMENT, context={"parent_id": COMMENT}
    )
    with use_transport(fake):
        connector(account).reply(target=target, text=TEXT, attempt_key="k")
    assert fake.last.url == f"{GRAPH}/{COMMENT}/replies"


@pytest.mark.parametrize(
    "failure, error_class, code",
    [
        (answer(fixture("error_190_463"), status=400), AuthExpired, "190"),
        (answer(fixture("error_throttled"), status=400), RateLimited, "80002"),
        (answer(fixture("error_object_missing"), status=400), Rejected, "100"),
        (answer(fixture("error_server"), status=500), UnknownOutcome, "2207001"),
        (TransportError("timed out"), UnknownOutcome, "network"),
        (Response(status=504, body=b"Gateway Timeout"), UnknownOutcome, "504"),
        (answer({"id": None}), UnknownOutcome, "malformed_answer"),
    ],
)
def test_every_reply_failure_is_one_of_the_five_classes(account, failure, error_class, code):
    fake = FakeTransport(failure)
    with use_transport(fake), pytest.raises(error_class) as raised:
        connector(account).reply(target=comment_target(), text=TEXT, attempt_key="k")
    assert (type(raised.value), raised.value.code) == (error_class, code)
    assert len(fake.requests) == 1


def test_unknown_outcome_then_find_reply_finds_ours_by_username_and_text(account):
    with use_transport(FakeTransport(TransportError("timed out"))), pytest.raises(UnknownOutcome):
        connector(account).reply(target=comment_target(), text=TEXT, attempt_key="k")
    fake = FakeTransport(answer(fixture("replies")))
    since = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
    with use_transport(fake):
        found = connector(account).find_reply(
            target=comment_target(), text=TEXT, attempt_key="k", since=since
        )
    # Not marie.dupont's identical text, not our own reply of 20 November.
    assert found == Published(remote_id="17873440459141021")
    (sent,) = fake.requests
    assert sent.method == "GET"
    assert sent.url.startswith(f"{GRAPH}/{COMMENT}/replies?")
    assert parse_qs(urlsplit(sent.url).query) == {
        "fields": ["id,text,username,timestamp"],
        "limit": ["50"],
    }


def test_find_reply_none_when_all_replies_were_read_without_it(account):
    since = datetime(2026, 11, 26, 14, 40, tzinfo=UTC)  # after our reply of 14:30
    with use_transport(FakeTransport(answer(fixture("replies")))):
        assert (
            connector(account).find_reply(
                target=comment_target(), text=TEXT, attempt_key="k", since=since
            )
            is None
        )


def test_find_reply_cannot_tell_when_reading_is_refused_or_endless(account):
    call = {"target": comment_target(), "text": TEXT, "attempt_key": "k", "since": NOW}
    with (
        use_transport(FakeTransport(answer(fixture("error_object_missing"), status=400))),
        pytest.raises(UnknownOutcome),
    ):
        connector(account).find_reply(**call)
    endless = FakeTransport(
        answer({"data": [], "paging": {"cursors": {"after": "A"}, "next": "https://x.example"}})
    )
    with use_transport(endless), pytest.raises(UnknownOutcome) as raised:
        connector(account).find_reply(**call)
    assert raised.value.code == "lookup_too_long"
    assert len(endless.requests) == 4
    hostile = answer({"data": [{"id": "1", "text": 5, "username": ["boulangerietest"]}, 3]})
    with use_transport(FakeTransport(hostile)):
        assert connector(account).find_reply(**call) is None
