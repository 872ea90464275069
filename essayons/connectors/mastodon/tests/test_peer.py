"""The Mastodon connector against a real peer: `mastodon-mock`, a stateful Mastodon API server.

The server runs in this process on a free 127.0.0.1 port (its MockServer, seeded with alice,
bob and carol); its fault-injection control plane (POST /api/v1/_mock/faults) makes it fail
on purpose. Its faults fire before the handler ("never processed"); "processed but the answer
was lost" is made here by a transport that drops the answer of a real, successful call.
Without the package these tests skip with the reason, and fail in CI (ESSAYONS_REQUIRE_SERVICES=1).
"""

import json
import os
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from essayons.connectors.base import Published, ReplyTarget
from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.mastodon.connector import MastodonConnector
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import connection_make, image_file, outgoing
from essayons.lib import http
from essayons.lib.http import SocketTransport, TransportError, allow_loopback, use_transport


def mock_server_class():
    """mastodon-mock's threaded server, or None when the package is not installed."""
    try:
        from mastodon_mock.testing.server import MockServer
    except ImportError:
        return None
    return MockServer


pytestmark = [pytest.mark.django_db, pytest.mark.peers]


@pytest.fixture(scope="module")
def peer():
    server_class = mock_server_class()
    if server_class is None:
        if os.environ.get("ESSAYONS_REQUIRE_SERVICES") == "1":
            pytest.fail("mastodon-mock is required here (pip install -r requirements-dev.txt)")
        pytest.skip("mastodon-mock is not installed (pip install -r requirements-dev.txt)")
    with server_class() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh(peer):
    control(peer, "POST", "/api/v1/_mock/reset")
    control(peer, "DELETE", "/api/v1/_mock/faults")
    with allow_loopback():
        yield


def control(peer, method, path, payload=None, token=None):
    """Talk to the peer directly, as a test harness (not through the code under test)."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(f"{peer.base_url}{path}", data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback peer)
        return json.loads(answer.read() or b"null")


def alice_id(peer):
    return control(peer, "GET", "/api/v1/accounts/verify_credentials", token="alice_token")["id"]


def statuses_of_alice(peer):
    return control(peer, "GET", f"/api/v1/accounts/{alice_id(peer)}/statuses", token="alice_token")


@pytest.fixture
def account(business, peer):
    host = urlsplit(peer.base_url).netloc
    return connection_make(
        business,
        "mastodon",
        f"{alice_id(peer)}@{host}",
        {"access_token": "alice_token"},
        account_name=f"@alice@{host}",
        instance_url=peer.base_url,
    )


def connector(account):
    return MastodonConnector(Connection.objects.get(pk=account.pk))


class Recording:
    """The real transport, recording each request; can drop the answer of one successful call."""

    def __init__(self, *, drop_answer_of=None):
        self.inner = SocketTransport()
        self.requests = []
        self.responses = []
        self.drop_answer_of = drop_answer_of

    def resolve(self, host, port):
        return self.inner.resolve(host, port)

    def send(self, request, *, address):
        self.requests.append(request)
        response = self.inner.send(request, address=address)
        self.responses.append(response)
        target = (request.method, urlsplit(request.url).path)
        if self.drop_answer_of == target and response.ok:
            self.drop_answer_of = None
            raise TransportError("connection reset after the request was processed")
        return response

    def keys(self):
        return [r.headers.get("Idempotency-Key") for r in self.requests if r.method == "POST"]


def test_the_owner_connects_through_the_real_oauth_round_trip(
    client_as, business, owner, peer, settings
):
    settings.SITE_URL = "http://testserver"
    client = client_as(owner)
    started = client.post(
        reverse("connectors:mastodon_connect", args=[business.public_id]),
        {"instance": peer.base_url},
    )
    assert started.status_code == 302
    authorize = urlsplit(started["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == peer.base_url
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}

    # The owner's browser on the instance: the mock's account picker, "alice" chosen.
    form = {k: query[k] for k in ("redirect_uri", "client_id", "scope", "state")}
    back = browser_post(f"{peer.base_url}/oauth/authorize", {**form, "username": "alice"})
    returned = urlsplit(back)
    assert returned.path == reverse("connectors:mastodon_callback")

    finished = client.get(returned.path, parse_qs(returned.query))
    assert finished.status_code == 302
    connection = Connection.objects.get(business=business, kind="mastodon")
    host = urlsplit(peer.base_url).netloc
    assert connection.account_name == f"@alice@{host}"
    assert connection.limits["max_length"] > 0

    published = MastodonConnector(connection).publish(outgoing("Bonjour depuis Essayons ☕"))
    assert [s["id"] for s in statuses_of_alice(peer)] == [published.remote_id]


def browser_post(url, form):
    """POST a form without following the redirect; the Location it answers."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=urlencode(form).encode(), method="POST")  # noqa: S310
    try:
        opener.open(request, timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302
        return answer.headers["Location"]
    raise AssertionError("the instance did not redirect back")


def test_publish_creates_exactly_one_status(account, peer):
    published = connector(account).publish(outgoing(link="https://boulangerie.example/menu"))
    statuses = statuses_of_alice(peer)
    assert [s["id"] for s in statuses] == [published.remote_id]
    assert "https://boulangerie.example/menu" in statuses[0]["content"]
    assert published.url


def test_a_502_then_a_retry_with_the_same_key_makes_one_status(account, peer):
    """CONTRACTS §4 case 3 (the request was not processed the first time)."""
    control(
        peer,
        "POST",
        "/api/v1/_mock/faults",
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 502},
            "count": 1,
        },
    )
    recording = Recording()
    post = outgoing()
    with use_transport(recording):
        with pytest.raises(UnknownOutcome):
            connector(account).publish(post)
        published = connector(account).publish(post)
    assert recording.keys() == [post.attempt_key, post.attempt_key]
    assert [s["id"] for s in statuses_of_alice(peer)] == [published.remote_id]


def test_a_lost_answer_is_reconciled_with_the_same_key(account, peer):
    """CONTRACTS §4 case 3 (processed, answer lost): reconciling within the hour re-sends the
    same key and gets the status already made, not a second one."""
    recording = Recording(drop_answer_of=("POST", "/api/v1/statuses"))
    post = outgoing()
    first_try = timezone.now()
    with use_transport(recording):
        with pytest.raises(UnknownOutcome):
            connector(account).publish(post)
        found = connector(account).find_published(post, since=first_try)
    assert recording.keys() == [post.attempt_key, post.attempt_key]
    assert [s["id"] for s in statuses_of_alice(peer)] == [found.remote_id]


def test_after_the_hour_the_status_is_looked_up_not_posted(account, peer):
    post = outgoing("Pain au chocolat & chocolatine : même combat.\n\nÀ demain !")
    published = connector(account).publish(post)
    recording = Recording()
    with use_transport(recording):
        found = connector(account).find_published(post, since=timezone.now() - timedelta(hours=2))
    assert found == Published(remote_id=published.remote_id, url=published.url)
    assert {r.method for r in recording.requests} == {"GET"}
    assert len(statuses_of_alice(peer)) == 1


def test_after_the_hour_nothing_found_means_none(account, peer):
    recording = Recording()
    with use_transport(recording):
        found = connector(account).find_published(
            outgoing(), since=timezone.now() - timedelta(hours=2)
        )
    assert found is None
    assert {r.method for r in recording.requests} == {"GET"}


def test_a_rate_limit_gives_the_reset_time(account, peer):
    control(
        peer,
        "POST",
        "/api/v1/_mock/faults",
        {"match": {"path": "/api/v1/statuses"}, "effect": {"type": "ratelimit"}, "count": 1},
    )
    recording = Recording()
    with use_transport(recording), pytest.raises(RateLimited) as caught:
        connector(account).publish(outgoing())
    reset = int(recording.responses[-1].headers["x-ratelimit-reset"])
    assert caught.value.retry_at == datetime.fromtimestamp(reset, tz=UTC)
    assert caught.value.retry_at > timezone.now() + timedelta(minutes=4)
    assert statuses_of_alice(peer) == []


def test_an_invalid_token_is_auth_expired(account, peer):
    account.credentials = {"access_token": "revoked-token"}
    account.save()
    with pytest.raises(AuthExpired) as caught:
        connector(account).publish(outgoing())
    assert caught.value.code == "invalid_token"
    assert statuses_of_alice(peer) == []


def test_images_are_uploaded_and_attached(account, peer, settings):
    images = (image_file(settings), image_file(settings, name="pain.jpg"))
    published = connector(account).publish(outgoing(images=images))
    [status] = statuses_of_alice(peer)
    assert status["id"] == published.remote_id
    assert [m["description"] for m in status["media_attachments"]] == ["Des croissants"] * 2


def test_limits_come_from_the_instance(account, peer):
    limits = connector(account).limits_fetch()
    instance = control(peer, "GET", "/api/v2/instance")
    assert limits.max_length == instance["configuration"]["statuses"]["max_characters"]
    assert Connection.objects.get(pk=account.pk).limits["max_length"] == limits.max_length


def test_permalink_check_and_verify(account, peer):
    published = connector(account).publish(outgoing())
    assert connector(account).permalink_check(published)
    assert not connector(account).permalink_check(Published(remote_id="999999999"))
    assert re.fullmatch(r"@alice@127\.0\.0\.1:\d+", connector(account).verify().name)


def test_nothing_reaches_the_loopback_without_the_test_switch(account, peer, monkeypatch):
    monkeypatch.setattr(http, "_loopback_allowed", False)
    with pytest.raises(Rejected) as caught:
        connector(account).publish(outgoing())
    assert caught.value.code == "blocked_address"
    assert statuses_of_alice(peer) == []


# --- the inbox: mentions polled, answered once ------------------------------------------


def bob_says(peer, text, visibility="public"):
    return control(
        peer, "POST", "/api/v1/statuses", {"status": text, "visibility": visibility}, "bob_token"
    )


def answers_to(peer, status_id):
    context = control(peer, "GET", f"/api/v1/statuses/{status_id}/context", token="alice_token")
    return context["descendants"]


def first_mention(account):
    page = connector(account).inbox_poll(kind="mentions", cursor="")
    [item] = page.items
    return item, page


def target_of(item):
    return ReplyTarget(
        remote_id=item.remote_id,
        author_remote_id=item.author_remote_id,
        thread_id=item.thread_id,
        context=item.context,
    )


def test_a_mention_is_polled_then_answered_once_with_one_key(account, peer):
    asked = bob_says(peer, "@alice Vous ouvrez dimanche ?")
    item, page = first_mention(account)
    assert (item.remote_id, item.author_name, item.text) == (
        asked["id"],
        "Bob",
        "@alice Vous ouvrez dimanche ?",
    )
    assert item.context["acct"] == "bob" and item.context["visibility"] == "public"
    assert page.next_cursor and not page.more

    recording = Recording()
    with use_transport(recording):
        first = connector(account).reply(
            target=target_of(item), text="Oui, 8h-13h.", attempt_key="k1"
        )
        again = connector(account).reply(
            target=target_of(item), text="Oui, 8h-13h.", attempt_key="k1"
        )
    assert first == again
    assert recording.keys() == ["k1", "k1"]
    [answer] = answers_to(peer, asked["id"])
    assert answer["id"] == first.remote_id
    assert answer["visibility"] == "unlisted"
    assert answer["in_reply_to_id"] == asked["id"]
    bob_mentions = control(peer, "GET", "/api/v1/notifications?types[]=mention", token="bob_token")
    assert [n["status"]["id"] for n in bob_mentions] == [first.remote_id]


def test_a_lost_reply_is_reconciled_with_the_same_key(account, peer):
    asked = bob_says(peer, "@alice Ma commande n'est pas arrivée.")
    item, _page = first_mention(account)
    recording = Recording(drop_answer_of=("POST", "/api/v1/statuses"))
    first_try = timezone.now()
    with use_transport(recording):
        with pytest.raises(UnknownOutcome):
            connector(account).reply(target=target_of(item), text="Désolés !", attempt_key="k2")
        found = connector(account).find_reply(
            target=target_of(item), text="Désolés !", attempt_key="k2", since=first_try
        )
    assert recording.keys() == ["k2", "k2"]
    assert [a["id"] for a in answers_to(peer, asked["id"])] == [found.remote_id]


def test_after_the_window_the_answer_is_looked_up_in_the_thread(account, peer):
    bob_says(peer, "@alice Merci pour le pain !")
    item, _page = first_mention(account)
    long_ago = timezone.now() - timedelta(hours=2)
    recording = Recording()
    with use_transport(recording):
        missing = connector(account).find_reply(
            target=target_of(item), text="Avec plaisir !", attempt_key="k3", since=long_ago
        )
    assert missing is None
    sent = connector(account).reply(target=target_of(item), text="Avec plaisir !", attempt_key="k3")
    with use_transport(recording):
        found = connector(account).find_reply(
            target=target_of(item), text="Avec plaisir !", attempt_key="k3", since=long_ago
        )
    assert found == sent
    assert {r.method for r in recording.requests} == {"GET"}


def test_polling_walks_forward_and_never_skips(account, peer):
    empty = connector(account).inbox_poll(kind="mentions", cursor="")
    assert (empty.items, empty.next_cursor) == ((), "0")
    said = [bob_says(peer, f"@alice question {n}")["id"] for n in range(45)]
    control(peer, "POST", "/api/v1/statuses", {"status": "@alice moi-même"}, "alice_token")
    pages, cursor = [], empty.next_cursor
    for _poll in range(4):
        page = connector(account).inbox_poll(kind="mentions", cursor=cursor)
        pages.append(page)
        cursor = page.next_cursor
        if not page.more:
            break
    assert [(len(p.items), p.more) for p in pages] == [(40, True), (5, False)]
    assert [item.remote_id for p in pages for item in p.items] == said  # oldest first, once each
    later = connector(account).inbox_poll(kind="mentions", cursor=cursor)
    assert (later.items, later.next_cursor) == ((), cursor)


def test_a_failed_poll_asks_for_the_same_page_again(account, peer):
    page = connector(account).inbox_poll(kind="mentions", cursor="")
    bob_says(peer, "@alice encore là ?")
    control(
        peer,
        "POST",
        "/api/v1/_mock/faults",
        {
            "match": {"methods": ["GET"], "path": "/api/v1/notifications"},
            "effect": {"type": "status", "status": 503},
            "count": 1,
        },
    )
    recording = Recording()
    with use_transport(recording):
        with pytest.raises(Transient):
            connector(account).inbox_poll(kind="mentions", cursor=page.next_cursor)
        again = connector(account).inbox_poll(kind="mentions", cursor=page.next_cursor)
    assert recording.requests[0].url == recording.requests[1].url
    assert [item.text for item in again.items] == ["@alice encore là ?"]


def test_a_private_mention_set_aside_by_the_policy_is_read_and_answered_directly(account, peer):
    """Since 4.3 private mentions from strangers may be filtered; we ask for them anyway."""
    control(
        peer,
        "PATCH",
        "/api/v2/notifications/policy",
        {"for_private_mentions": "filter"},
        "alice_token",
    )
    asked = bob_says(peer, "@alice Un souci avec ma commande", visibility="direct")
    hidden = control(peer, "GET", "/api/v1/notifications", token="alice_token")
    assert hidden == []  # what a client without include_filtered sees
    item, _page = first_mention(account)
    assert (item.remote_id, item.context["visibility"]) == (asked["id"], "direct")
    connector(account).reply(target=target_of(item), text="Nous regardons.", attempt_key="k4")
    [answer] = answers_to(peer, asked["id"])
    assert answer["visibility"] == "direct"
