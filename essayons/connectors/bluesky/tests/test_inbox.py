"""Bluesky inbox: replies, mentions and quotes read from app.bsky.notification.listNotifications.

Fixtures shaped like https://docs.bsky.app/docs/api/app-bsky-notification-list-notifications
(and lexicons/app/bsky/notification/listNotifications.json): newest first, an API cursor that
pages back in time. The reference PDS of the peer tests runs without an AppView
(TestNetworkNoAppView), which serves no notifications: polling is tested here only.
"""

import json
import logging
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from essayons.connectors.bluesky.client import APPVIEW_PROXY
from essayons.connectors.bluesky.connector import BlueskyConnector
from essayons.connectors.bluesky.tests.helpers import DID, XRPC, connector, fixture
from essayons.connectors.errors import AuthExpired, RateLimited, Rejected, Transient
from essayons.connectors.tests.support import answer
from essayons.lib.http import FakeTransport, Response, TransportError, use_transport

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
NOW = "2026-11-26T15:00:00Z"
LIST = f"{XRPC}/app.bsky.notification.listNotifications"
FIRST_PAGE = f"{LIST}?limit=50&reasons=reply&reasons=mention&reasons=quote"
OUR_POST = f"at://{DID}/app.bsky.feed.post/3lbqxfu3ngc2k"
MARIE = "did:plc:q6gjnaw2blty4crticxkmujt"


@pytest.fixture
def frozen():
    with freeze_time(NOW):
        yield


def poll(account, *answers, cursor=""):
    fake = FakeTransport(*answers)
    with use_transport(fake):
        page = connector(account).inbox_poll(kind="notifications", cursor=cursor)
    return page, fake


def state(page):
    return json.loads(page.next_cursor)


def notification(**changes):
    """The first notification of the fixture (Marie's reply), changed."""
    item = fixture("notifications")["notifications"][0]
    return {**item, **changes}


def page_of(*items, cursor=None):
    body = {"notifications": list(items)}
    if cursor is not None:
        body["cursor"] = cursor
    return answer(body)


def test_the_class_says_it_polls_notifications():
    assert BlueskyConnector.supports_inbox
    assert BlueskyConnector.inbox_kinds == ("notifications",)


def test_the_first_poll_asks_the_newest_page_through_the_appview(account):
    page, fake = poll(account, answer(fixture("notifications")))
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("GET", FIRST_PAGE)
    assert sent.headers["atproto-proxy"] == APPVIEW_PROXY == "did:web:api.bsky.app#bsky_appview"
    assert sent.headers["Authorization"] == f"Bearer {fixture('session')['accessJwt']}"
    assert sent.body == b""
    assert page.more
    assert state(page) == {
        "until": "2026-10-27T15:00:00.000Z",  # 30 days back at most
        "top": "2026-11-26T14:30:00.000Z",
        "page": "2026-11-26T13:50:00.000Z",
    }
    assert len(page.next_cursor) <= 500


def test_replies_mentions_and_quotes_come_oldest_first_and_the_rest_is_left(account):
    """The like is not a message; our own reply in the thread is not a customer's."""
    page, _fake = poll(account, answer(fixture("notifications")))
    assert [item.remote_id.rsplit("/", 1)[1] for item in page.items] == [
        "3lcdeyqfz2k2a",  # Chloé's quote, 13:50
        "3lcdf3ouvc22p",  # Paul's mention, 14:00
        "3lcdfmrgqk22k",  # Marie's reply, 14:30
    ]
    assert all(item.author_remote_id != DID for item in page.items)
    assert {item.channel for item in page.items} == {"bluesky"}


def test_a_reply_to_our_post_carries_what_a_reply_needs(account):
    page, _fake = poll(account, answer(fixture("notifications")))
    reply = page.items[-1]
    assert reply.remote_id == f"at://{MARIE}/app.bsky.feed.post/3lcdfmrgqk22k"
    assert reply.text == "Vous êtes ouverts dimanche matin ? 🥐"
    assert reply.received_at == datetime(2026, 11, 26, 14, 30, tzinfo=UTC)  # indexedAt
    assert (reply.author_name, reply.author_remote_id) == ("Marie Duval", MARIE)
    assert reply.thread_id == OUR_POST
    assert reply.post_remote_id == OUR_POST
    assert reply.post_url == f"https://bsky.app/profile/{DID}/post/3lbqxfu3ngc2k"
    assert dict(reply.context) == {
        "cid": "bafyreif7qcaj6xubr7m2gmqf3vfx2q4gmsgcmx7mbxp3twhfmhrtmy6oin",
        "root_uri": OUR_POST,
        "root_cid": "bafyreibjifzpqj6o6wcq3hejh7y4z4z2vmiklkvykc57tw3pcbx3kxifpm",
        "handle": "marie.bsky.social",
    }


def test_a_mention_starts_its_own_thread_and_is_named_by_its_handle(account):
    page, _fake = poll(account, answer(fixture("notifications")))
    mention = page.items[1]
    assert mention.author_name == "paul.bsky.social"  # no displayName
    assert mention.thread_id == mention.remote_id
    assert mention.context["root_uri"] == mention.remote_id
    assert mention.context["root_cid"] == mention.context["cid"]
    assert (mention.post_remote_id, mention.post_url) == ("", "")


def test_a_quote_points_at_our_quoted_post(account):
    page, _fake = poll(account, answer(fixture("notifications")))
    quote = page.items[0]
    assert quote.author_name == "chloe.example.fr"  # an empty displayName is no name
    assert quote.post_remote_id == OUR_POST
    assert quote.thread_id == quote.remote_id


def test_the_walk_goes_on_with_the_api_cursor_and_ends_on_the_last_page(account):
    first, _fake = poll(account, answer(fixture("notifications")))
    second, fake = poll(account, answer(fixture("notifications_older")), cursor=first.next_cursor)
    assert fake.last.url == f"{FIRST_PAGE}&cursor=2026-11-26T13%3A50%3A00.000Z"
    [reply] = second.items  # the follow is left
    assert reply.author_name == "Jules"
    assert reply.thread_id == OUR_POST
    assert reply.post_remote_id == ""  # it answers Chloé, not us
    assert reply.context["root_uri"] == OUR_POST
    assert not second.more
    assert state(second) == {"until": "2026-11-26T14:30:00.000Z"}  # the walk's newest item


def test_the_next_walk_stops_at_what_the_last_one_read(account):
    """Only the newest page is asked; the overlap (10 minutes) is read again, and deduped."""
    cursor = json.dumps({"until": "2026-11-26T14:35:00.000Z"})
    page, fake = poll(account, answer(fixture("notifications")), cursor=cursor)
    assert [r.url for r in fake.requests] == [FIRST_PAGE]
    assert [item.author_remote_id for item in page.items] == [MARIE]  # 14:30, in the overlap
    assert not page.more
    assert state(page) == {"until": "2026-11-26T14:35:00.000Z"}


def test_what_came_in_between_two_walks_is_read_by_the_next(account):
    cursor = json.dumps({"until": "2026-11-26T14:30:00.000Z"})
    newer = notification(
        uri=f"at://{MARIE}/app.bsky.feed.post/3lcdgxq2bck2s", indexedAt="2026-11-26T14:55:00.000Z"
    )
    body = fixture("notifications")
    page, _fake = poll(
        account, page_of(newer, *body["notifications"], cursor=body["cursor"]), cursor=cursor
    )
    assert [item.remote_id.rsplit("/", 1)[1] for item in page.items] == [
        "3lcdfmrgqk22k",
        "3lcdgxq2bck2s",
    ]
    assert state(page) == {"until": "2026-11-26T14:55:00.000Z"}


def test_a_poll_that_fails_mid_walk_asks_the_same_page_again(account):
    first, _fake = poll(account, answer(fixture("notifications")))
    with pytest.raises(Transient):
        poll(account, TransportError("timed out"), cursor=first.next_cursor)
    with pytest.raises(Transient):
        poll(account, answer({"error": "UpstreamFailure"}, status=502), cursor=first.next_cursor)
    # The inbox kept the cursor: the same page is asked, nothing between is skipped.
    again, fake = poll(account, answer(fixture("notifications_older")), cursor=first.next_cursor)
    assert fake.last.url == f"{FIRST_PAGE}&cursor=2026-11-26T13%3A50%3A00.000Z"
    assert [item.author_name for item in again.items] == ["Jules"]
    assert state(again) == {"until": "2026-11-26T14:30:00.000Z"}


def test_the_first_poll_does_not_import_more_than_30_days(account):
    with freeze_time("2027-01-10T12:00:00Z"):
        page, fake = poll(account, answer(fixture("notifications")))
    assert page.items == ()
    assert not page.more  # older than 30 days: the walk ends at once
    assert len(fake.requests) == 1
    assert state(page) == {"until": "2026-12-11T12:00:00.000Z"}


def test_an_empty_inbox_keeps_its_place(account):
    cursor = json.dumps({"until": "2026-11-26T14:30:00.000Z"})
    page, _fake = poll(account, page_of(), cursor=cursor)
    assert (page.items, page.more) == ((), False)
    assert state(page) == {"until": "2026-11-26T14:30:00.000Z"}


def test_an_appview_that_gives_the_same_cursor_again_does_not_loop(account):
    cursor = json.dumps(
        {"until": "2026-11-01T00:00:00.000Z", "top": "2026-11-26T14:30:00.000Z", "page": "c1"}
    )
    page, _fake = poll(account, page_of(notification(), cursor="c1"), cursor=cursor)
    assert not page.more
    assert state(page) == {"until": "2026-11-26T14:30:00.000Z"}


def test_a_time_still_to_come_cannot_push_the_cursor_past_now(account):
    future = notification(indexedAt="2031-01-01T00:00:00.000Z")
    page, _fake = poll(account, page_of(future))
    assert state(page) == {"until": "2026-11-26T15:00:00.000Z"}
    assert len(page.items) == 1


def test_an_unreadable_cursor_of_ours_starts_again_30_days_back(account, caplog):
    with caplog.at_level(logging.WARNING):
        page, _fake = poll(account, answer(fixture("notifications")), cursor="{broken")
    assert "unreadable inbox cursor" in caplog.text
    assert state(page)["until"] == "2026-10-27T15:00:00.000Z"


def test_an_unknown_kind_is_refused(account):
    fake = FakeTransport()
    with use_transport(fake), pytest.raises(Rejected) as caught:
        connector(account).inbox_poll(kind="messages", cursor="")
    assert caught.value.code == "unknown_inbox_kind"
    assert fake.requests == []


# --- errors through the client's mapping ----------------------------------------------------


def test_an_expired_token_is_refreshed_then_the_page_is_read(account):
    page, fake = poll(
        account,
        answer(fixture("error_expired_token"), status=400),
        answer(fixture("session_refreshed")),
        answer(fixture("notifications")),
    )
    assert [r.url.split("?")[0].rsplit("/", 1)[1] for r in fake.requests] == [
        "app.bsky.notification.listNotifications",
        "com.atproto.server.refreshSession",
        "app.bsky.notification.listNotifications",
    ]
    assert len(page.items) == 3


def test_a_revoked_app_password_stops_the_poll(account):
    with pytest.raises(AuthExpired):
        poll(
            account,
            answer(fixture("error_invalid_token"), status=400),
            answer(fixture("error_invalid_token"), status=400),
            answer(fixture("error_authentication_required"), status=401),
        )


def test_a_rate_limited_poll_says_when_to_come_back(account):
    reset = int(datetime(2026, 11, 26, 15, 2, tzinfo=UTC).timestamp())
    headers = {"RateLimit-Reset": str(reset)}
    with pytest.raises(RateLimited) as caught:
        poll(account, answer(fixture("error_rate_limited"), status=429, headers=headers))
    assert caught.value.retry_at == datetime(2026, 11, 26, 15, 2, tzinfo=UTC)


# --- malformed, hostile and oversized answers ----------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        Response(status=200, body=b"<html>Bad gateway</html>"),
        answer([]),
        answer({"cursor": "x"}),
        answer({"notifications": "none"}),
        answer({"notifications": [], "cursor": 42}),
        answer({"notifications": [notification()], "cursor": "c" * 301}),
        Response(status=200, body=b"{" + b" " * 2_000_001 + b"}"),
    ],
)
def test_an_answer_of_the_wrong_shape_is_transient_and_moves_nothing(account, body):
    with pytest.raises(Transient) as caught:
        poll(account, body, cursor=json.dumps({"until": "2026-11-26T14:30:00.000Z"}))
    assert caught.value.code in ("malformed", "no_answer")


@pytest.mark.parametrize(
    "change",
    [
        {"uri": 42},
        {"uri": "https://bsky.app/profile/marie/post/1"},
        {"uri": f"at://{MARIE}/app.bsky.feed.like/3lcdfmrgqk22k"},
        {"uri": f"at://{MARIE}/app.bsky.feed.post/" + "x" * 300},
        {"cid": None},
        {"author": "marie"},
        {"author": {"did": MARIE}},
        {"record": {"text": 12, "createdAt": "2026-11-26T14:29:58.120Z"}},
        {"record": {"createdAt": "2026-11-26T14:29:58.120Z"}},
        {"record": {"text": "hi", "reply": {"root": {"uri": OUR_POST}, "parent": "x"}}},
        {"record": {"text": "hi", "reply": {"root": {"uri": OUR_POST, "cid": "b"}}}},
        {"indexedAt": "yesterday"},
        {"indexedAt": None},
    ],
)
def test_an_item_of_the_wrong_shape_is_logged_and_skipped_the_others_kept(account, caplog, change):
    good = fixture("notifications")["notifications"][3]  # Paul's mention
    with caplog.at_level(logging.WARNING):
        page, _fake = poll(account, page_of(notification(**change), good))
    assert [item.author_name for item in page.items] == ["paul.bsky.social"]
    assert "bluesky: " in caplog.text


def test_an_item_that_is_not_an_object_is_skipped(account, caplog):
    good = fixture("notifications")["notifications"][3]
    with caplog.at_level(logging.WARNING):
        page, _fake = poll(account, page_of("<b>not an object</b>", None, 7, good))
    assert [item.author_name for item in page.items] == ["paul.bsky.social"]
    assert caplog.text.count("without a readable indexedAt") == 3


def test_hostile_text_is_kept_as_text_and_capped(account):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)> https://evil.example/'
    hostile = notification(
        record={"text": script + "\x00" + "a" * 10_000, "createdAt": "2026-11-26T14:00:00Z"},
        author={"did": MARIE, "handle": "marie.bsky.social", "displayName": "M" * 1000},
    )
    page, fake = poll(account, page_of(hostile))
    [item] = page.items
    assert item.text.startswith(script + "a")  # as is, but no NUL (PostgreSQL refuses it)
    assert len(item.text) == 5000
    assert len(item.author_name) == 200
    assert all("evil.example" not in r.url for r in fake.requests)  # nothing in it is fetched


def test_a_reason_we_do_not_read_is_left_without_a_word(account, caplog):
    like = fixture("notifications")["notifications"][1]
    with caplog.at_level(logging.WARNING):
        page, _fake = poll(account, page_of(like, {**like, "reason": "starterpack-joined"}))
    assert page.items == ()
    assert caplog.text == ""
