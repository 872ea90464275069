"""Facebook Page replies: under a comment (Graph comments edge) or by Messenger (Send API).

Shapes from https://developers.facebook.com/docs/graph-api/reference/object/comments/ (a new
comment answers `{"id"}`; reading gives `data` with `from`, `message`, `created_time`),
https://developers.facebook.com/docs/messenger-platform/reference/send-api/ (`recipient_id`,
`message_id`) and https://developers.facebook.com/docs/messenger-platform/error-codes
(10/2018278 outside the 24-hour window, 551 person unavailable).
"""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from essayons.connectors.base import Published, Reconciliation, ReplyTarget
from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.facebook.connector import FacebookConnector, FacebookLogin
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import answer, connection_make, fixtures_of, form_of
from essayons.lib.http import FakeTransport, Response, TransportError, use_transport

pytestmark = pytest.mark.django_db
fixture = fixtures_of(__file__)
PAGE = "546349135390552"
TOKEN = "PAGE-TOKEN-SECRET-1"
GRAPH = "https://graph.facebook.com/v26.0"
POST = f"{PAGE}_1116692661682799"
COMMENT = "1116692661682799_5203647839657000"
REPLY = "1116692661682799_5203647839657781"
PSID = "1254459154682919"
TEXT = "Oui, de 8h à 13h !"
# The reply was attempted at 14:30 (UTC); our reply in comment_replies_2.json is at 14:30:02.
SINCE = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)


@pytest.fixture
def page(business):
    return connection_make(business, "facebook", PAGE, {"page_token": TOKEN})


def connector(page):
    return FacebookConnector(Connection.objects.get(pk=page.pk))


def comment_target(**context):
    return ReplyTarget(
        remote_id=COMMENT,
        author_remote_id="6543210987654321",
        thread_id=f"{POST}:6543210987654321",
        post_remote_id=POST,
        context=context,
    )


def messenger_target(context=None):
    return ReplyTarget(
        remote_id="m_incoming",
        author_remote_id=PSID,
        thread_id=f"messenger:{PSID}",
        context={"kind": "messenger"} if context is None else context,
    )


def query_of(request):
    return parse_qs(urlsplit(request.url).query)


def no_token_in_urls_or_bodies(fake):
    return all(TOKEN not in r.url and TOKEN.encode() not in r.body for r in fake.requests)


def test_capabilities():
    assert FacebookConnector.supports_reply and FacebookConnector.supports_inbox
    assert FacebookConnector.inbox_kinds == ()  # webhooks push, nothing is polled
    assert FacebookConnector.reply_reconciliation == Reconciliation.FEED_LOOKUP
    scope = parse_qs(
        FacebookLogin().authorize_url(state="s", code_challenge="c", redirect_uri="r").split("?")[1]
    )["scope"][0].split(",")
    assert {"pages_manage_engagement", "pages_read_user_content", "pages_messaging"} <= set(scope)


# Comments ------------------------------------------------------------------------------------


def test_comment_reply_is_one_post_under_the_comment_with_the_token_in_the_header(page):
    fake = FakeTransport(
        answer(fixture("comment_reply_created")), answer(fixture("comment_permalink"))
    )
    with use_transport(fake):
        published = connector(page).reply(
            target=comment_target(), text=TEXT, attempt_key="reply-7-key"
        )
    sent, link = fake.requests
    assert sent.method == "POST"
    assert sent.url == f"{GRAPH}/{COMMENT}/comments"
    assert form_of(sent) == {"message": [TEXT]}
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "Idempotency-Key" not in sent.headers  # Graph has none: find_reply reconciles
    assert (link.method, link.url) == ("GET", f"{GRAPH}/{REPLY}?fields=permalink_url")
    assert no_token_in_urls_or_bodies(fake)
    assert published == Published(
        remote_id=REPLY,
        url=f"https://www.facebook.com/{PAGE}/posts/1116692661682799?comment_id=5203647839657781",
    )


def test_a_reply_inside_a_thread_is_answered_under_its_top_comment(page):
    created, link = answer(fixture("comment_reply_created")), answer({})
    fake = FakeTransport(created, link, created, link)
    with use_transport(fake):
        connector(page).reply(
            target=comment_target(parent_id="1116692661682799_5203647839650001"),
            text=TEXT,
            attempt_key="k",
        )
        # A top comment's parent is the post itself: answered under the comment.
        connector(page).reply(target=comment_target(parent_id=POST), text=TEXT, attempt_key="k")
    assert fake.requests[0].url == f"{GRAPH}/1116692661682799_5203647839650001/comments"
    assert fake.requests[2].url == f"{GRAPH}/{COMMENT}/comments"


def test_permalink_failing_after_the_reply_still_returns_it(page):
    fake = FakeTransport(
        answer(fixture("comment_reply_created")), answer(fixture("error_2"), status=500)
    )
    with use_transport(fake):
        published = connector(page).reply(target=comment_target(), text=TEXT, attempt_key="k")
    assert published == Published(remote_id=REPLY, url="")


@pytest.mark.parametrize(
    "failure, error_class, code",
    [
        (answer(fixture("error_190_463"), status=400), AuthExpired, "190"),
        (answer(fixture("error_4"), status=400), RateLimited, "4"),
        (answer(fixture("error_100_missing"), status=400), Rejected, "100"),
        (answer(fixture("error_368"), status=400), Rejected, "368"),
        (answer(fixture("error_200"), status=403), Rejected, "200:pages_read_engagement"),
        (answer(fixture("error_2"), status=500), UnknownOutcome, "2"),
        (answer(fixture("error_1"), status=400), UnknownOutcome, "1"),
        (TransportError("timed out"), UnknownOutcome, "network"),
        (TransportError("connection reset by peer"), UnknownOutcome, "network"),
        (Response(status=502, body=b"<html>Bad Gateway</html>"), UnknownOutcome, "502"),
        (Response(status=200, body=b"<html>not json</html>"), UnknownOutcome, "502"),
        (answer(["not", "an", "object"]), UnknownOutcome, "502"),
        # A success without an id may still have written: looked up, never sent again.
        (answer({"success": True}), UnknownOutcome, "malformed_answer"),
        (answer({"id": {"nested": "object"}}), UnknownOutcome, "malformed_answer"),
    ],
)
def test_every_comment_reply_failure_is_one_of_the_five_classes(page, failure, error_class, code):
    fake = FakeTransport(failure)
    with use_transport(fake), pytest.raises(error_class) as raised:
        connector(page).reply(target=comment_target(), text=TEXT, attempt_key="k")
    assert type(raised.value) is error_class
    assert raised.value.code == code
    assert len(fake.requests) == 1  # never retried blind


@pytest.mark.parametrize("bad", ["../me/feed", "123/feed?published=false", "", "1 2", "x" * 300])
def test_an_id_that_is_not_a_graph_id_never_reaches_a_url(page, bad):
    fake = FakeTransport(answer(fixture("comment_reply_created")))
    with use_transport(fake), pytest.raises(Rejected) as raised:
        connector(page).reply(
            target=ReplyTarget(remote_id=bad, post_remote_id=POST), text=TEXT, attempt_key="k"
        )
    assert raised.value.code == "bad_target"
    assert fake.requests == []


def test_a_throttled_page_is_not_called(page):
    Connection.objects.filter(pk=page.pk).update(
        rate_limited_until=timezone.now() + timedelta(minutes=20)
    )
    fake = FakeTransport(answer(fixture("comment_reply_created")))
    with use_transport(fake), pytest.raises(RateLimited):
        connector(page).reply(target=comment_target(), text=TEXT, attempt_key="k")
    with use_transport(fake), pytest.raises(RateLimited):
        connector(page).find_reply(target=comment_target(), text=TEXT, attempt_key="k", since=SINCE)
    assert fake.requests == []


# Unknown outcome, then find_reply -------------------------------------------------------------


def test_timeout_then_find_reply_finds_our_reply_on_the_second_page(page):
    with (
        use_transport(FakeTransport(TransportError("timed out"))),
        pytest.raises(UnknownOutcome),
    ):
        connector(page).reply(target=comment_target(), text=TEXT, attempt_key="k")
    lookup = FakeTransport(
        answer(fixture("comment_replies_1")), answer(fixture("comment_replies_2"))
    )
    with use_transport(lookup):
        found = connector(page).find_reply(
            target=comment_target(), text=TEXT, attempt_key="k", since=SINCE
        )
    # Page 1 holds the same text by someone else, ours from last week, and malformed entries.
    assert found == Published(
        remote_id=REPLY,
        url=f"https://www.facebook.com/{PAGE}/posts/1116692661682799?comment_id=5203647839657781",
    )
    first, second = lookup.requests
    assert all(r.method == "GET" for r in lookup.requests)
    assert first.url.startswith(f"{GRAPH}/{COMMENT}/comments?")
    assert query_of(first) == {
        "fields": ["id,message,from,created_time,permalink_url"],
        "order": ["reverse_chronological"],
        "limit": ["100"],
    }
    assert query_of(second)["after"] == ["QVFIUnJlcGx5"]  # the cursor, never `paging.next`
    assert no_token_in_urls_or_bodies(lookup)


def test_find_reply_is_none_when_the_whole_list_was_read_without_it(page):
    with use_transport(FakeTransport(answer({"data": []}))):
        assert (
            connector(page).find_reply(
                target=comment_target(), text=TEXT, attempt_key="k", since=SINCE
            )
            is None
        )
    # Same replies, but ours was written before the attempt (minus 5 minutes): not this one.
    later = SINCE + timedelta(minutes=6)
    fake = FakeTransport(answer(fixture("comment_replies_1")), answer(fixture("comment_replies_2")))
    with use_transport(fake):
        assert (
            connector(page).find_reply(
                target=comment_target(), text=TEXT, attempt_key="k", since=later
            )
            is None
        )
    with use_transport(FakeTransport(answer(fixture("comment_replies_2")))):
        assert (
            connector(page).find_reply(
                target=comment_target(), text="Autre texte", attempt_key="k", since=SINCE
            )
            is None
        )


def test_find_reply_cannot_tell_when_reading_is_refused_or_the_list_too_long(page):
    call = {"target": comment_target(), "text": TEXT, "attempt_key": "k", "since": SINCE}
    refused = FakeTransport(answer(fixture("error_100_missing"), status=400))
    with use_transport(refused), pytest.raises(UnknownOutcome) as gone:
        connector(page).find_reply(**call)
    assert gone.value.code == "100"
    endless = FakeTransport(answer(fixture("comment_replies_more")))
    with use_transport(endless), pytest.raises(UnknownOutcome) as long:
        connector(page).find_reply(**call)
    assert long.value.code == "lookup_too_long"
    assert len(endless.requests) == 4
    # Reading failed in passing: tried again later, not "unknown for ever".
    with use_transport(FakeTransport(TransportError("reset"))), pytest.raises(Transient):
        connector(page).find_reply(**call)
    with use_transport(FakeTransport(answer({"data": "nope"}))), pytest.raises(Transient) as bad:
        connector(page).find_reply(**call)
    assert bad.value.code == "malformed_answer"


def test_find_reply_survives_hostile_answers(page):
    hostile = {
        "data": [
            {"id": "1_2", "from": None, "message": None, "created_time": 12},
            {"id": None, "from": {"id": PAGE}, "message": TEXT, "created_time": "2026-11-26"},
            {"from": {"id": PAGE}, "message": TEXT, "created_time": "2026-11-26T14:31:00+0000"},
            42,
        ],
        "paging": "not an object",
    }
    with use_transport(FakeTransport(answer(hostile))):
        assert (
            connector(page).find_reply(
                target=comment_target(), text=TEXT, attempt_key="k", since=SINCE
            )
            is None
        )


# Messenger -----------------------------------------------------------------------------------


def test_messenger_reply_uses_the_send_api_as_a_response(page):
    fake = FakeTransport(answer(fixture("messenger_sent")))
    text = 'Bonjour <script>alert("x")</script> & à bientôt'
    with use_transport(fake):
        published = connector(page).reply(target=messenger_target(), text=text, attempt_key="k")
    (sent,) = fake.requests
    assert (sent.method, sent.url) == ("POST", f"{GRAPH}/{PAGE}/messages")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    form = form_of(sent)
    assert form.keys() == {"recipient", "messaging_type", "message"}
    assert json.loads(form["recipient"][0]) == {"id": PSID}
    assert form["messaging_type"] == ["RESPONSE"]
    assert json.loads(form["message"][0]) == {"text": text}
    assert no_token_in_urls_or_bodies(fake)
    assert published == Published(remote_id=fixture("messenger_sent")["message_id"])


def test_a_messenger_thread_is_recognised_without_its_context(page):
    fake = FakeTransport(answer(fixture("messenger_sent")))
    target = ReplyTarget(remote_id="m_x", thread_id=f"messenger:{PSID}")
    with use_transport(fake):
        connector(page).reply(target=target, text=TEXT, attempt_key="k")
    assert fake.last.url == f"{GRAPH}/{PAGE}/messages"
    assert json.loads(form_of(fake.last)["recipient"][0]) == {"id": PSID}


@pytest.mark.parametrize(
    "name, code", [("error_messenger_window", "outside_window"), ("error_551", "551")]
)
def test_messenger_refusals_are_rejected_with_a_clear_code(page, name, code):
    with (
        use_transport(FakeTransport(answer(fixture(name), status=400))),
        pytest.raises(Rejected) as raised,
    ):
        connector(page).reply(target=messenger_target(), text=TEXT, attempt_key="k")
    assert raised.value.code == code


def test_messenger_over_2000_characters_or_without_recipient_is_refused_before_any_call(page):
    fake = FakeTransport(answer(fixture("messenger_sent")))
    with use_transport(fake):
        with pytest.raises(Rejected) as long:
            connector(page).reply(target=messenger_target(), text="é" * 2001, attempt_key="k")
        with pytest.raises(Rejected) as nobody:
            connector(page).reply(
                target=ReplyTarget(remote_id="m_x", context={"kind": "messenger"}),
                text=TEXT,
                attempt_key="k",
            )
    assert (long.value.code, nobody.value.code) == ("too_long", "bad_target")
    assert fake.requests == []


@pytest.mark.parametrize(
    "failure",
    [
        TransportError("timed out"),
        answer(fixture("error_2"), status=500),
        answer({"recipient_id": PSID}),
    ],
)
def test_messenger_unknown_outcome_is_left_to_the_owner(page, failure):
    with use_transport(FakeTransport(failure)), pytest.raises(UnknownOutcome):
        connector(page).reply(target=messenger_target(), text=TEXT, attempt_key="k")
    fake = FakeTransport(answer(fixture("messenger_sent")))
    with use_transport(fake), pytest.raises(UnknownOutcome) as raised:
        connector(page).find_reply(
            target=messenger_target(), text=TEXT, attempt_key="k", since=SINCE
        )
    assert raised.value.code == "messenger_lookup"
    assert fake.requests == []


# --- the Page pushes its comments and messages to our webhook --------------------------------


def test_inbox_subscribe_sends_the_page_subscription(page):
    with use_transport(FakeTransport(answer({"success": True}))) as wire:
        connector(page).inbox_subscribe()
    (sent,) = wire.requests
    assert (sent.method, sent.url) == ("POST", f"{GRAPH}/{PAGE}/subscribed_apps")
    assert form_of(sent) == {"subscribed_fields": ["feed,messages"]}
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in sent.url


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (answer({"success": False}), Transient),
        (answer({"error": {"message": "perm", "code": 200, "type": "OAuthException"}}, 403), None),
        (answer({"error": {"message": "bad", "code": 190, "type": "OAuthException"}}, 400), None),
    ],
)
def test_inbox_subscribe_refused_is_a_connector_error(page, reply, error):
    from essayons.connectors.errors import ConnectorError

    with use_transport(FakeTransport(reply)), pytest.raises(error or ConnectorError):
        connector(page).inbox_subscribe()


def test_saving_a_connection_subscribes_it_once_committed(
    business, django_capture_on_commit_callbacks, caplog
):
    from essayons.connectors.flow import Candidate
    from essayons.connectors.services import connection_save

    candidate = Candidate(
        account_id=PAGE, name="Boulangerie", url="", credentials={"page_token": TOKEN}
    )
    refused = answer({"error": {"message": "no", "code": 200, "type": "OAuthException"}}, 403)
    with (
        use_transport(FakeTransport(refused)) as wire,
        django_capture_on_commit_callbacks(execute=True),
    ):
        connection = connection_save(business=business, kind="facebook", candidate=candidate)
    assert [r.url for r in wire.requests] == [f"{GRAPH}/{PAGE}/subscribed_apps"]
    assert "refused to push its messages" in caplog.text
    assert TOKEN not in caplog.text
    connection.refresh_from_db()
    assert connection.status == "active"  # publishing is not stopped by a webhook refusal
