"""Bluesky replies: a post with a `reply` ref under a record key fixed from the attempt key.

Shapes: https://docs.bsky.app/docs/advanced-guides/posts#replies (reply = {root, parent}, each
a com.atproto.repo.strongRef {uri, cid}); records checked against lexicons/app/bsky/feed/post.json.
"""

import pytest
from django.utils import timezone

from essayons.connectors.base import Published, Reconciliation, ReplyTarget
from essayons.connectors.bluesky import atproto
from essayons.connectors.bluesky.connector import BlueskyConnector
from essayons.connectors.bluesky.tests.helpers import DID, XRPC, connector, fixture
from essayons.connectors.bluesky.tests.lexicon import LEXICONS, problems_of_record
from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.tests.support import answer
from essayons.lib.http import FakeTransport, Response, TransportError, use_transport

pytestmark = pytest.mark.django_db
KEY = "reply-17-7c1f0e"
RKEY = atproto.tid_from_key(KEY)
CUSTOMER_DID = "did:plc:q6gjnaw2blty4crticxkmujt"
CUSTOMER_POST = f"at://{CUSTOMER_DID}/app.bsky.feed.post/3lcdfmrgqk22k"
CUSTOMER_CID = "bafyreif7qcaj6xubr7m2gmqf3vfx2q4gmsgcmx7mbxp3twhfmhrtmy6oin"
OUR_POST = f"at://{DID}/app.bsky.feed.post/3lbqxfu3ngc2k"
OUR_CID = "bafyreibjifzpqj6o6wcq3hejh7y4z4z2vmiklkvykc57tw3pcbx3kxifpm"
TEXT = "Oui Marie, de 7 h à 13 h ! Les horaires : https://boulangerie.example/horaires"


def target(**context):
    """The customer's reply to our post, as the inbox hands it back (context from the poll)."""
    defaults = {"cid": CUSTOMER_CID, "root_uri": OUR_POST, "root_cid": OUR_CID}
    return ReplyTarget(
        remote_id=CUSTOMER_POST,
        author_remote_id=CUSTOMER_DID,
        thread_id=OUR_POST,
        context={**defaults, **context},
    )


def created():
    return answer(
        {
            **fixture("record_created"),
            "uri": f"at://{DID}/app.bsky.feed.post/{RKEY}",
        }
    )


def failed(status, name, headers=None):
    return answer(fixture(name), status=status, headers=headers)


def send(account, fake, **kwargs):
    kwargs.setdefault("target", target())
    kwargs.setdefault("text", TEXT)
    kwargs.setdefault("attempt_key", KEY)
    with use_transport(fake):
        return connector(account).reply(**kwargs)


def look(account, fake):
    with use_transport(fake):
        return connector(account).find_reply(
            target=target(), text=TEXT, attempt_key=KEY, since=timezone.now()
        )


def test_the_class_says_it_replies_with_a_fixed_record_key():
    assert BlueskyConnector.supports_reply
    assert BlueskyConnector.reply_reconciliation == Reconciliation.FIXED_RECORD_KEY


def test_a_reply_is_a_post_with_root_and_parent_under_the_fixed_record_key(account):
    fake = FakeTransport(created())
    published = send(account, fake)
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("POST", f"{XRPC}/com.atproto.repo.createRecord")
    assert sent.headers["Authorization"] == f"Bearer {fixture('session')['accessJwt']}"
    body = sent.json()
    assert (body["repo"], body["collection"], body["rkey"]) == (DID, "app.bsky.feed.post", RKEY)
    record = body["record"]
    assert record["text"] == TEXT
    assert record["reply"] == {
        "root": {"uri": OUR_POST, "cid": OUR_CID},
        "parent": {"uri": CUSTOMER_POST, "cid": CUSTOMER_CID},
    }
    [facet] = record["facets"]  # the link is annotated, in UTF-8 bytes, like a post's
    index = facet["index"]
    assert (
        TEXT.encode()[index["byteStart"] : index["byteEnd"]]
        == b"https://boulangerie.example/horaires"
    )
    assert "embed" not in record
    assert published == Published(
        remote_id=f"at://{DID}/app.bsky.feed.post/{RKEY}",
        url=f"https://bsky.app/profile/{DID}/post/{RKEY}",
    )
    if LEXICONS.is_dir():
        assert problems_of_record("app.bsky.feed.post", record) == []


def test_a_post_that_starts_its_thread_is_its_own_root(account):
    """A mention or a quote is not a reply: the inbox gives no root, or the post itself."""
    fake = FakeTransport(created())
    send(account, fake, target=ReplyTarget(remote_id=CUSTOMER_POST, context={"cid": CUSTOMER_CID}))
    reply = fake.last.json()["record"]["reply"]
    assert reply["root"] == reply["parent"] == {"uri": CUSTOMER_POST, "cid": CUSTOMER_CID}


def test_every_try_of_one_reply_uses_the_same_record_key(account):
    first = FakeTransport(TransportError("reset"), failed(400, "error_record_not_found"))
    with pytest.raises(UnknownOutcome):
        send(account, first)
    again = FakeTransport(created())
    send(account, again)
    assert first.requests[0].json()["rkey"] == again.requests[0].json()["rkey"] == RKEY
    assert atproto.tid_valid(RKEY)
    other = FakeTransport(created())
    send(account, other, attempt_key="reply-18-000000")
    assert other.last.json()["rkey"] != RKEY


def test_a_500_for_an_existing_record_key_is_the_reply_already_sent(account):
    """CONTRACTS §2.3 point 3: the PDS answers a duplicate key with a 500; getRecord tells."""
    fake = FakeTransport(failed(500, "error_internal"), answer(fixture("record")))
    published = send(account, fake)
    _create, get = fake.requests
    assert get.method == "GET"
    assert get.url == (
        f"{XRPC}/com.atproto.repo.getRecord?repo=did%3Aplc%3Aewvi7nxzyoun6zhxrhs64oiz"
        f"&collection=app.bsky.feed.post&rkey={RKEY}"
    )
    assert published.remote_id == f"at://{DID}/app.bsky.feed.post/{RKEY}"


def test_a_500_and_no_record_is_an_unknown_outcome(account):
    fake = FakeTransport(failed(500, "error_internal"), failed(400, "error_record_not_found"))
    with pytest.raises(UnknownOutcome):
        send(account, fake)


def test_a_lost_answer_whose_look_fails_too_stays_unknown(account):
    with pytest.raises(UnknownOutcome):
        send(account, FakeTransport(TransportError("timed out"), TransportError("reset")))


def test_an_unreadable_success_answer_is_unknown(account):
    fake = FakeTransport(
        Response(status=200, body=b"<html>proxy</html>"), failed(400, "error_record_not_found")
    )
    with pytest.raises(UnknownOutcome):
        send(account, fake)


def test_a_success_answer_without_its_uri_still_names_the_record(account):
    published = send(account, FakeTransport(answer({"validationStatus": "valid"})))
    assert published.remote_id == f"at://{DID}/app.bsky.feed.post/{RKEY}"


# --- limits and refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("é" * 301, "too_long"),  # 301 graphemes
        ("👨‍👩‍👧‍👦" * 121, "too_many_bytes"),  # 121 graphemes, 3025 bytes
    ],
)
def test_a_reply_over_the_limits_is_refused_before_anything(account, text, code):
    fake = FakeTransport(created())
    with pytest.raises(Rejected) as caught:
        send(account, fake, text=text)
    assert caught.value.code == code
    assert fake.requests == []


def test_exactly_300_graphemes_go_out(account):
    fake = FakeTransport(created())
    send(account, fake, text="🥐" * 300)
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    "broken",
    [
        ReplyTarget(remote_id=CUSTOMER_POST),  # no cid: the PDS would refuse the strongRef
        ReplyTarget(remote_id="https://bsky.app/profile/x/post/y", context={"cid": CUSTOMER_CID}),
        ReplyTarget(
            remote_id=CUSTOMER_POST,
            context={"cid": CUSTOMER_CID, "root_uri": "not-a-uri", "root_cid": OUR_CID},
        ),
    ],
)
def test_a_target_without_its_uri_or_cid_is_refused_before_anything(account, broken):
    fake = FakeTransport(created())
    with pytest.raises(Rejected) as caught:
        send(account, fake, target=broken)
    assert caught.value.code == "reply_target_incomplete"
    assert fake.requests == []


def test_an_invalid_record_is_rejected_with_the_pds_words(account):
    with pytest.raises(Rejected) as caught:
        send(account, FakeTransport(failed(400, "error_invalid_request")))
    assert caught.value.code == "InvalidRequest"


def test_a_rate_limit_on_a_reply_waits_until_the_reset(account):
    reset = int(timezone.now().timestamp()) + 90
    fake = FakeTransport(failed(429, "error_rate_limited", {"RateLimit-Reset": str(reset)}))
    with pytest.raises(RateLimited) as caught:
        send(account, fake)
    assert caught.value.retry_at.timestamp() == reset


def test_an_expired_token_is_refreshed_then_the_reply_goes_out_once(account):
    fake = FakeTransport(
        failed(400, "error_expired_token"), answer(fixture("session_refreshed")), created()
    )
    send(account, fake)
    first, refresh, second = fake.requests
    assert refresh.url == f"{XRPC}/com.atproto.server.refreshSession"
    assert first.json() == second.json()


def test_a_revoked_app_password_is_auth_expired(account):
    fake = FakeTransport(
        failed(400, "error_invalid_token"),
        failed(400, "error_invalid_token"),
        failed(401, "error_authentication_required"),
    )
    with pytest.raises(AuthExpired):
        send(account, fake)
    assert len(fake.requests) == 3


def test_a_connection_refused_before_sending_is_transient(account):
    error = TransportError("refused")
    error.__cause__ = ConnectionRefusedError()
    with pytest.raises(Transient) as caught:
        send(account, FakeTransport(error))
    assert not isinstance(caught.value, UnknownOutcome)


# --- find_reply ---------------------------------------------------------------------------


def test_find_reply_finds_the_record_under_its_key(account):
    fake = FakeTransport(answer(fixture("record")))
    found = look(account, fake)
    assert found == Published(
        remote_id=f"at://{DID}/app.bsky.feed.post/{RKEY}",
        url=f"https://bsky.app/profile/{DID}/post/{RKEY}",
    )
    assert fake.last.method == "GET"
    assert fake.last.url.endswith(
        f"/com.atproto.repo.getRecord?repo=did%3Aplc%3Aewvi7nxzyoun6zhxrhs64oiz&collection=app.bsky.feed.post&rkey={RKEY}"
    )


def test_find_reply_says_none_when_the_pds_says_record_not_found(account):
    assert look(account, FakeTransport(failed(400, "error_record_not_found"))) is None


@pytest.mark.parametrize(
    "trouble",
    [
        TransportError("timed out"),
        failed(502, "error_internal"),
        Response(status=200, body=b"not json"),
        failed(429, "error_rate_limited"),
    ],
)
def test_find_reply_cannot_tell_when_the_look_fails(account, trouble):
    with pytest.raises(UnknownOutcome):
        look(account, FakeTransport(trouble))


def test_find_reply_with_a_revoked_password_asks_for_a_reconnection(account):
    fake = FakeTransport(
        failed(400, "error_invalid_token"),
        failed(400, "error_invalid_token"),
        failed(401, "error_authentication_required"),
    )
    with pytest.raises(AuthExpired):
        look(account, fake)


def test_after_find_reply_says_none_the_same_key_may_go_again(account):
    """The whole unknown path: lost answer, look says no, retry under the same key once."""
    with pytest.raises(UnknownOutcome):
        send(account, FakeTransport(TransportError("reset"), TransportError("reset")))
    assert look(account, FakeTransport(failed(400, "error_record_not_found"))) is None
    retry = FakeTransport(created())
    assert send(account, retry).remote_id.endswith(f"/{RKEY}")
    assert retry.last.json()["rkey"] == RKEY
