"""The Bluesky connector against Bluesky's reference server: @atproto/dev-env (TestNetworkNoAppView).

peers/bluesky/serve.mjs starts a real PDS and an in-memory PLC on free loopback ports (Node 22,
installed by peers/bluesky/install.sh, which `make test-peers` runs). Each test makes its own
account and app password there, then drives our code. The rest of the internet (link pages,
card images) is answered from fixtures by the test transport: nothing leaves the machine.

Without the installed peer these tests skip with the reason; under `make test-peers`
(ESSAYONS_REQUIRE_PEERS=1) they fail instead.
"""

import io
import itertools
import json
import os
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from essayons.connectors.base import ReplyTarget
from essayons.connectors.bluesky import atproto
from essayons.connectors.bluesky.client import session_create
from essayons.connectors.bluesky.connector import BlueskyConnector
from essayons.connectors.bluesky.services import BlueskyConnectError, bluesky_connect
from essayons.connectors.bluesky.tests.lexicon import LEXICONS, problems_of_record
from essayons.connectors.errors import AuthExpired, RateLimited, UnknownOutcome
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import image_file, outgoing
from essayons.lib.http import (
    Response,
    SocketTransport,
    TransportError,
    allow_loopback,
    use_transport,
)

pytestmark = [pytest.mark.django_db, pytest.mark.peers]

PEER = Path(settings.BASE_DIR) / "peers" / "bluesky"
NODE = PEER / "node_modules" / ".bin" / "node"
STARTUP_SECONDS = 120
LOOPBACK = ("localhost", "127.0.0.1", "::1")
PAGE = (Path(__file__).parent / "fixtures" / "page.html").read_bytes()
LINK = "https://boulangerie.example/menu"
handles = itertools.count(1)


def jpeg(color="orange", size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def network(*, rate_limits=False):
    """Start serve.mjs; yields the PDS URL; stops it when its standard input closes."""
    if not (NODE.exists() and (PEER / "node_modules" / "@atproto" / "dev-env").is_dir()):
        reason = "Bluesky's reference PDS is not installed (peers/bluesky/install.sh, or make test-peers)"
        if os.environ.get("ESSAYONS_REQUIRE_PEERS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    log = tempfile.NamedTemporaryFile(prefix="bluesky-peer-", suffix=".log", delete=False)  # noqa: SIM115
    env = {**os.environ, "RATE_LIMITS": "1" if rate_limits else "0", "LOG_ENABLED": "false"}
    process = subprocess.Popen(  # noqa: S603 (our own script, fixed arguments)
        [str(NODE), "serve.mjs"], cwd=PEER, stdin=subprocess.PIPE, stdout=log, stderr=log, env=env
    )
    try:
        yield _wait_for_url(process, Path(log.name))
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        Path(log.name).unlink(missing_ok=True)


def _wait_for_url(process, log):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith('{"pds"'):
                return json.loads(line)["pds"]
        if process.poll() is not None:
            pytest.fail(f"the Bluesky peer stopped: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"the Bluesky peer did not start within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def pds():
    yield from network()


@pytest.fixture(autouse=True)
def _loopback():
    with allow_loopback():
        yield


def xrpc(pds, nsid, body=None, token=None, params=None):
    """Talk to the PDS directly, as the test harness (not through the code under test)."""
    url = f"{pds}/xrpc/{nsid}" + (f"?{urlencode(params)}" if params else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310 (loopback peer)
        return json.loads(answer.read() or b"{}")


def person(pds):
    """A fresh account on the PDS with an app password: (handle, did, main token, app password)."""
    handle = f"boulangerie{next(handles)}.test"
    made = xrpc(
        pds,
        "com.atproto.server.createAccount",
        {"handle": handle, "email": f"{handle}@example.test", "password": "main-password-42"},
    )
    app = xrpc(
        pds, "com.atproto.server.createAppPassword", {"name": "Essayons"}, token=made["accessJwt"]
    )
    return handle, made["did"], made["accessJwt"], app["password"]


def records_of(pds, did):
    return xrpc(
        pds,
        "com.atproto.repo.listRecords",
        params={"repo": did, "collection": "app.bsky.feed.post"},
    )["records"]


class PeerTransport:
    """The real transport to the PDS on loopback; other hosts answered from `pages`.

    `drop` lists XRPC methods whose next successful answer is thrown away after the PDS has
    processed the call: "processed, answer lost" (CONTRACTS §4 cases 1 and 4).
    """

    def __init__(self, pages=None, drop=()):
        self.inner = SocketTransport()
        self.pages = pages or {}
        self.drop = list(drop)
        self.exchanges = []

    def resolve(self, host, port):
        if host in LOOPBACK:
            return self.inner.resolve(host, port)
        return ["93.184.215.14"]  # a public stand-in: the guard passes, nothing is sent there

    def send(self, request, *, address):
        parts = urlsplit(request.url)
        if parts.hostname not in LOOPBACK:
            if request.url not in self.pages:
                raise TransportError(f"no internet in the peer tests ({parts.hostname})")
            answer = self.pages[request.url]
            self.exchanges.append((request, answer))
            return answer
        response = self.inner.send(request, address=address)
        self.exchanges.append((request, response))
        method = parts.path.rsplit("/", 1)[-1]
        if self.drop and self.drop[0] == method and response.ok:
            self.drop.pop(0)
            raise TransportError("connection reset after the request was processed")
        return response

    def answers_to(self, method):
        return [r for q, r in self.exchanges if q.url.split("?")[0].endswith(f"/{method}")]


def connected(business, pds):
    handle, did, _main, app_password = person(pds)
    with use_transport(PeerTransport()):
        connection = bluesky_connect(
            business=business, identifier=handle, app_password=app_password, pds_url=pds
        )
    return connection, did


def test_the_owner_connects_through_the_page_with_an_app_password(client_as, business, owner, pds):
    handle, did, _main, app_password = person(pds)
    with use_transport(PeerTransport()):
        response = client_as(owner).post(
            reverse("connectors:bluesky_connect", args=[business.public_id]),
            {"identifier": handle, "app_password": app_password, "pds_url": pds},
        )
    assert response.status_code == 302, response.content.decode()[-800:]
    connection = Connection.objects.get(business=business, kind="bluesky")
    assert connection.account_id == did
    assert connection.account_name == f"@{handle}"
    assert app_password not in connection.credentials_encrypted
    with use_transport(PeerTransport()):
        assert BlueskyConnector(connection).verify().remote_id == did


def test_the_main_password_is_refused(business, pds):
    handle, _did, _main, _app = person(pds)
    with use_transport(PeerTransport()), pytest.raises(BlueskyConnectError) as caught:
        bluesky_connect(
            business=business, identifier=handle, app_password="main-password-42", pds_url=pds
        )
    assert "mot de passe principal" in str(caught.value.message)
    assert not Connection.objects.exists()


def test_accents_emoji_and_a_link_make_a_valid_post_with_its_card(business, pds):
    """CONTRACTS §4 case 10 on the real PDS: the facet's bytes, the card and its thumbnail."""
    connection, did = connected(business, pds)
    text = "Pâtisserie « maison » 🥐🇲🇶👨‍👩‍👧‍👦 — le menu du jour :"
    pages = {
        LINK: Response(status=200, body=PAGE, headers={"content-type": "text/html; charset=utf-8"}),
        "https://boulangerie.example/static/menu.jpg": Response(
            status=200, body=jpeg(), headers={"content-type": "image/jpeg"}
        ),
    }
    transport = PeerTransport(pages=pages)
    with use_transport(transport):
        published = BlueskyConnector(connection).publish(
            outgoing(text, link=LINK, attempt_key=atproto.tid_new())
        )
    [created] = transport.answers_to("com.atproto.repo.createRecord")
    assert created.json()["validationStatus"] == "valid"
    [stored] = records_of(pds, did)
    assert stored["uri"] == published.remote_id
    value = stored["value"]
    [facet] = value["facets"]
    index = facet["index"]
    assert value["text"].encode("utf-8")[index["byteStart"] : index["byteEnd"]] == LINK.encode()
    assert index["byteStart"] != value["text"].index(LINK)  # bytes, not characters
    assert value["embed"]["external"]["title"] == "Le menu du jour & nos viennoiseries"
    assert value["embed"]["external"]["thumb"]["mimeType"] == "image/jpeg"
    if LEXICONS.is_dir():
        assert problems_of_record("app.bsky.feed.post", value) == []


def test_images_go_up_as_blobs_and_the_pds_accepts_the_post(business, pds, settings):
    connection, did = connected(business, pds)
    images = (
        image_file(settings, name="a.jpg", data=jpeg("orange")),
        image_file(settings, name="b.jpg", data=jpeg("brown", (48, 64))),
    )
    transport = PeerTransport()
    with use_transport(transport):
        BlueskyConnector(connection).publish(outgoing(images=images, attempt_key=atproto.tid_new()))
    [created] = transport.answers_to("com.atproto.repo.createRecord")
    assert created.json()["validationStatus"] == "valid"
    [stored] = records_of(pds, did)
    embedded = stored["value"]["embed"]["images"]
    assert [i["aspectRatio"] for i in embedded] == [
        {"width": 64, "height": 48},
        {"width": 48, "height": 64},
    ]


def test_a_lost_answer_then_a_retry_with_the_same_key_makes_one_record(business, pds):
    """CONTRACTS §4 case 4: same rkey on retry; the PDS answers 500; getRecord finds it."""
    connection, did = connected(business, pds)
    post = outgoing("Fournée de 16 h : baguettes tradition 🥖", attempt_key=atproto.tid_new())

    lost = PeerTransport(drop=["com.atproto.repo.createRecord", "com.atproto.repo.getRecord"])
    with use_transport(lost), pytest.raises(UnknownOutcome):
        BlueskyConnector(connection).publish(post)
    assert len(records_of(pds, did)) == 1  # it was written; only the answer was lost

    with use_transport(PeerTransport()):
        found = BlueskyConnector(connection).find_published(post, since=timezone.now())
    assert found is not None

    retry = PeerTransport()
    with use_transport(retry):
        again = BlueskyConnector(connection).publish(post)
    [duplicate] = retry.answers_to("com.atproto.repo.createRecord")
    assert duplicate.status == 500  # the reference PDS's answer to an existing record key
    assert retry.answers_to("com.atproto.repo.getRecord")[0].status == 200
    assert again == found
    [stored] = records_of(pds, did)
    assert stored["uri"] == again.remote_id
    assert stored["uri"].endswith(f"/{post.attempt_key}")


def test_a_refused_access_token_is_renewed_on_the_real_pds(business, pds):
    connection, did = connected(business, pds)
    connection.credentials = {**connection.credentials, "access_jwt": "not-a-token"}
    connection.save()
    transport = PeerTransport()
    with use_transport(transport):
        BlueskyConnector(connection).publish(outgoing(attempt_key=atproto.tid_new()))
    first = transport.answers_to("com.atproto.repo.createRecord")[0]
    assert (first.status, first.json()["error"]) == (400, "InvalidToken")  # 400, not 401
    assert len(records_of(pds, did)) == 1
    assert Connection.objects.get(pk=connection.pk).credentials["access_jwt"] != "not-a-token"


def test_a_revoked_app_password_is_auth_expired(business, pds):
    """CONTRACTS §4 case 6: the owner deleted the app password in Bluesky."""
    handle, did, main, app_password = person(pds)
    with use_transport(PeerTransport()):
        connection = bluesky_connect(
            business=business, identifier=handle, app_password=app_password, pds_url=pds
        )
    xrpc(pds, "com.atproto.server.revokeAppPassword", {"name": "Essayons"}, token=main)
    connection.credentials = {**connection.credentials, "access_jwt": "not-a-token"}
    connection.save()
    with use_transport(PeerTransport()), pytest.raises(AuthExpired) as caught:
        BlueskyConnector(connection).publish(outgoing(attempt_key=atproto.tid_new()))
    assert caught.value.code == "AuthenticationRequired"
    assert records_of(pds, did) == []


def test_permalink_check_reads_the_record(business, pds):
    connection, _did = connected(business, pds)
    with use_transport(PeerTransport()):
        published = BlueskyConnector(connection).publish(outgoing(attempt_key=atproto.tid_new()))
        assert BlueskyConnector(connection).permalink_check(published)
        other = published.remote_id.rsplit("/", 1)[0] + "/" + atproto.tid_new()
        assert not BlueskyConnector(connection).permalink_check(type(published)(remote_id=other))


def customer_post(pds, token, did, text, reply=None):
    """A post by a customer on the same PDS, written by the harness: its strongRef."""
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-11-26T14:30:00.000Z"}
    if reply:
        record["reply"] = reply
    made = xrpc(
        pds,
        "com.atproto.repo.createRecord",
        {"repo": did, "collection": "app.bsky.feed.post", "record": record},
        token=token,
    )
    return {"uri": made["uri"], "cid": made["cid"]}


def test_a_reply_to_a_customer_is_valid_and_a_second_try_makes_no_second_record(business, pds):
    """The reply carries root and parent; a retry with the same key: a 500, getRecord, one record.

    Replying is tested here; reading notifications is not: TestNetworkNoAppView has no AppView,
    so app.bsky.notification.listNotifications is tested with FakeTransport only (test_inbox.py).
    """
    connection, did = connected(business, pds)
    _handle, customer_did, customer_token, _app = person(pds)
    root = customer_post(pds, customer_token, customer_did, "Vous livrez le dimanche ?")
    parent = customer_post(
        pds,
        customer_token,
        customer_did,
        "Et vous avez du pain sans gluten ? 🥖",
        reply={"root": root, "parent": root},
    )
    target = ReplyTarget(
        remote_id=parent["uri"],
        author_remote_id=customer_did,
        thread_id=root["uri"],
        context={"cid": parent["cid"], "root_uri": root["uri"], "root_cid": root["cid"]},
    )
    text = "Oui, le samedi et le dimanche ! Détails : https://boulangerie.example/menu"
    key = "reply-42-9f3b"

    first = PeerTransport()
    with use_transport(first):
        published = BlueskyConnector(connection).reply(target=target, text=text, attempt_key=key)
    [created] = first.answers_to("com.atproto.repo.createRecord")
    assert created.json()["validationStatus"] == "valid"

    retry = PeerTransport()
    with use_transport(retry):
        again = BlueskyConnector(connection).reply(target=target, text=text, attempt_key=key)
    assert retry.answers_to("com.atproto.repo.createRecord")[0].status == 500
    assert again == published

    [stored] = records_of(pds, did)
    assert stored["uri"] == published.remote_id
    assert stored["uri"].endswith(f"/{atproto.tid_from_key(key)}")
    value = stored["value"]
    assert value["reply"] == {"root": root, "parent": parent}
    assert value["text"] == text
    if LEXICONS.is_dir():
        assert problems_of_record("app.bsky.feed.post", value) == []


def test_a_reply_whose_answer_is_lost_is_found_then_not_sent_again(business, pds):
    connection, did = connected(business, pds)
    _handle, customer_did, customer_token, _app = person(pds)
    post = customer_post(pds, customer_token, customer_did, "Commande oubliée ce matin.")
    target = ReplyTarget(remote_id=post["uri"], context={"cid": post["cid"]})
    key = "reply-43-1a2b"

    lost = PeerTransport(drop=["com.atproto.repo.createRecord", "com.atproto.repo.getRecord"])
    with use_transport(lost), pytest.raises(UnknownOutcome):
        BlueskyConnector(connection).reply(target=target, text="Désolés !", attempt_key=key)
    with use_transport(PeerTransport()):
        found = BlueskyConnector(connection).find_reply(
            target=target, text="Désolés !", attempt_key=key, since=timezone.now()
        )
        missing = BlueskyConnector(connection).find_reply(
            target=target, text="Désolés !", attempt_key="reply-44-never", since=timezone.now()
        )
    assert found is not None
    assert missing is None
    [stored] = records_of(pds, did)
    assert stored["uri"] == found.remote_id
    assert stored["value"]["reply"]["root"] == stored["value"]["reply"]["parent"] == post


@pytest.fixture(scope="module")
def pds_with_limits():
    yield from network(rate_limits=True)


def test_the_login_rate_limit_gives_the_reset_time(business, pds_with_limits):
    """CONTRACTS §4 case 7 with the PDS's real limiter: createSession, 30 per 5 minutes."""
    handle, _did, _main, app_password = person(pds_with_limits)
    transport = PeerTransport()
    with use_transport(transport), pytest.raises(RateLimited) as caught:
        for _try in range(40):
            session_create(pds_with_limits, identifier=handle, password=app_password)
    limited = transport.answers_to("com.atproto.server.createSession")[-1]
    assert limited.status == 429
    assert "ratelimit-policy" in limited.headers
    reset = int(limited.headers["ratelimit-reset"])
    assert caught.value.retry_at.timestamp() == reset > time.time()
    assert caught.value.code == "RateLimitExceeded"

    with use_transport(transport), pytest.raises(BlueskyConnectError) as refused:
        bluesky_connect(
            business=business, identifier=handle, app_password=app_password, pds_url=pds_with_limits
        )
    assert "Trop d’essais" in str(refused.value.message)
