"""Bluesky: the exact XRPC requests, the session ladder, each error class, CONTRACTS §4 cases 4, 6, 7, 9, 10."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from essayons.connectors.base import Published
from essayons.connectors.bluesky.tests.helpers import (
    APP_PASSWORD,
    DID,
    XRPC,
    connector,
    fixture,
    jwt,
)
from essayons.connectors.bluesky.tests.lexicon import LEXICONS, problems_of_record
from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import answer, image_file, outgoing
from essayons.lib.http import FakeTransport, Response, TransportError, use_transport

pytestmark = pytest.mark.django_db
RKEY = "3lbqxfu3ngc2k"
URI = f"at://{DID}/app.bsky.feed.post/{RKEY}"
PAGE = (Path(__file__).parent / "fixtures" / "page.html").read_bytes()


def failed(status, name, headers=None):
    return answer(fixture(name), status=status, headers=headers)


def post(**kwargs):
    return outgoing(attempt_key=RKEY, **kwargs)


def test_a_post_is_written_under_the_record_key_saved_before(account):
    fake = FakeTransport(answer(fixture("record_created")))
    with use_transport(fake):
        published = connector(account).publish(post())
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("POST", f"{XRPC}/com.atproto.repo.createRecord")
    assert sent.headers["Authorization"] == f"Bearer {fixture('session')['accessJwt']}"
    assert sent.headers["Content-Type"] == "application/json"
    body = sent.json()
    assert body["repo"] == DID
    assert body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] == RKEY
    record = body["record"]
    assert record["text"] == "Croissants tout chauds ce matin !\nVenez vite."
    assert record["$type"] == "app.bsky.feed.post"
    assert abs(datetime.fromisoformat(record["createdAt"]) - timezone.now()) < timedelta(minutes=1)
    assert published == Published(remote_id=URI, url=f"https://bsky.app/profile/{DID}/post/{RKEY}")
    if LEXICONS.is_dir():
        assert problems_of_record("app.bsky.feed.post", record) == []


def test_the_same_delivery_always_uses_the_same_record_key(account):
    fake = FakeTransport(TransportError("reset"), failed(404, "error_record_not_found"))
    with use_transport(fake), pytest.raises(UnknownOutcome):
        connector(account).publish(outgoing(attempt_key="delivery-42-attempt"))
    retry = FakeTransport(answer(fixture("record_created")))
    with use_transport(retry):
        connector(account).publish(outgoing(attempt_key="delivery-42-attempt"))
    assert fake.requests[0].json()["rkey"] == retry.requests[0].json()["rkey"]


def test_a_link_gets_a_byte_facet_and_a_card_with_its_thumbnail(account):
    """CONTRACTS §4 case 10, and the card fetched through the guard (SSRF) with its image."""
    text = "Pâtisserie « maison » 🥐 — le menu :"
    link = "https://boulangerie.example/menu"
    fake = FakeTransport(
        Response(status=200, body=PAGE, headers={"content-type": "text/html; charset=utf-8"}),
        Response(status=200, body=b"\xff\xd8\xff-thumb", headers={"content-type": "image/jpeg"}),
        answer(fixture("blob")),
        answer(fixture("record_created")),
    )
    with use_transport(fake):
        connector(account).publish(post(text=text, link=link))
    page, thumb, upload, create = fake.requests
    assert (page.method, page.url) == ("GET", link)
    assert "Authorization" not in page.headers
    assert thumb.url == "https://boulangerie.example/static/menu.jpg"
    assert upload.url == f"{XRPC}/com.atproto.repo.uploadBlob"
    assert upload.headers["Content-Type"] == "image/jpeg"
    assert upload.body == b"\xff\xd8\xff-thumb"
    record = create.json()["record"]
    assert record["text"] == f"{text}\n\n{link}"
    [facet] = record["facets"]
    index = facet["index"]
    assert record["text"].encode()[index["byteStart"] : index["byteEnd"]] == link.encode()
    assert record["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": link,
            "title": "Le menu du jour & nos viennoiseries",
            "description": "Pain au levain, croissants pur beurre, tartes de saison.",
            "thumb": fixture("blob")["blob"],
        },
    }
    if LEXICONS.is_dir():
        assert problems_of_record("app.bsky.feed.post", record) == []


def test_a_link_to_a_private_address_gets_a_plain_card_and_no_fetch(account):
    fake = FakeTransport(answer(fixture("record_created")), dns={"intranet.example": ["10.1.2.3"]})
    with use_transport(fake):
        connector(account).publish(post(link="http://intranet.example/admin"))
    [create] = fake.requests
    assert create.url.endswith("createRecord")
    external = create.json()["record"]["embed"]["external"]
    assert external == {
        "uri": "http://intranet.example/admin",
        "title": "intranet.example",
        "description": "",
    }


def test_an_unreadable_page_still_gets_a_card(account):
    fake = FakeTransport(TransportError("timed out"), answer(fixture("record_created")))
    with use_transport(fake):
        connector(account).publish(post(link="https://boulangerie.example/menu"))
    external = fake.last.json()["record"]["embed"]["external"]
    assert external["title"] == "boulangerie.example"
    assert "thumb" not in external


def test_images_are_uploaded_as_blobs_and_no_card_is_made(account, settings):
    images = (
        image_file(settings),
        image_file(settings, name="pain.jpg", data=b"\xff\xd8\xff-pain"),
    )
    fake = FakeTransport(
        answer(fixture("blob")), answer(fixture("blob")), answer(fixture("record_created"))
    )
    with use_transport(fake):
        connector(account).publish(post(images=images, link="https://boulangerie.example/menu"))
    first, second, create = fake.requests
    assert [first.body, second.body] == [b"\xff\xd8\xff-jpeg-bytes", b"\xff\xd8\xff-pain"]
    assert first.headers["Content-Type"] == "image/jpeg"
    embed = create.json()["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [image["alt"] for image in embed["images"]] == ["Des croissants", "Des croissants"]
    assert not any("boulangerie.example" in request.url for request in fake.requests)
    if LEXICONS.is_dir():
        assert problems_of_record("app.bsky.feed.post", create.json()["record"]) == []


def test_an_image_over_the_lexicon_size_is_refused_before_any_upload(account, settings):
    big = image_file(settings, name="big.jpg", data=b"\xff" * 2_000_001)
    fake = FakeTransport(answer(fixture("blob")))
    with use_transport(fake), pytest.raises(Rejected) as caught:
        connector(account).publish(post(images=(big,)))
    assert caught.value.code == "image_too_large"
    assert fake.requests == []


# --- limits (CONTRACTS §4 case 9) --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("é" * 301, "too_long"),  # 301 graphemes
        ("👨‍👩‍👧‍👦" * 121, "too_many_bytes"),  # 121 graphemes but 3025 bytes
    ],
)
def test_text_over_the_limits_is_refused_before_anything(account, text, code):
    fake = FakeTransport(answer(fixture("record_created")))
    with use_transport(fake), pytest.raises(Rejected) as caught:
        connector(account).publish(post(text=text))
    assert caught.value.code == code
    assert fake.requests == []


def test_exactly_300_graphemes_goes_out(account):
    fake = FakeTransport(answer(fixture("record_created")))
    with use_transport(fake):
        connector(account).publish(post(text="🥐" * 300))
    assert len(fake.requests) == 1


def test_five_images_are_refused(account, settings):
    images = tuple(image_file(settings, name=f"p{i}.jpg") for i in range(5))
    fake = FakeTransport()
    with use_transport(fake), pytest.raises(Rejected) as caught:
        connector(account).publish(post(images=images))
    assert caught.value.code == "too_many_images"
    assert fake.requests == []


# --- unknown outcomes and reconciliation (CONTRACTS §4 case 4) ---------------------------


def test_a_500_for_an_existing_record_key_is_settled_by_get_record(account):
    fake = FakeTransport(failed(500, "error_internal"), answer(fixture("record")))
    with use_transport(fake):
        published = connector(account).publish(post())
    _create, look = fake.requests
    assert look.method == "GET"
    assert look.url == (
        f"{XRPC}/com.atproto.repo.getRecord?repo=did%3Aplc%3Aewvi7nxzyoun6zhxrhs64oiz"
        f"&collection=app.bsky.feed.post&rkey={RKEY}"
    )
    assert published.remote_id == URI


def test_a_500_with_no_record_stays_unknown(account):
    fake = FakeTransport(failed(500, "error_internal"), failed(400, "error_record_not_found"))
    with use_transport(fake), pytest.raises(UnknownOutcome):
        connector(account).publish(post())


def test_a_lost_answer_whose_look_fails_too_stays_unknown(account):
    fake = FakeTransport(TransportError("reset"), TransportError("reset"))
    with use_transport(fake), pytest.raises(UnknownOutcome):
        connector(account).publish(post())


def test_find_published_reads_the_record_key(account):
    fake = FakeTransport(answer(fixture("record")))
    with use_transport(fake):
        found = connector(account).find_published(post(), since=timezone.now())
    assert found == Published(remote_id=URI, url=f"https://bsky.app/profile/{DID}/post/{RKEY}")
    assert f"rkey={RKEY}" in fake.last.url
    with use_transport(FakeTransport(failed(400, "error_record_not_found"))):
        assert connector(account).find_published(post(), since=timezone.now()) is None


def test_find_published_cannot_tell_when_the_pds_fails(account):
    with use_transport(FakeTransport(failed(502, "error_internal"))), pytest.raises(Transient):
        connector(account).find_published(post(), since=timezone.now())


def test_permalink_check_reads_the_record(account):
    with use_transport(FakeTransport(answer(fixture("record")))):
        assert connector(account).permalink_check(Published(remote_id=URI))
    with use_transport(FakeTransport(failed(400, "error_record_not_found"))):
        assert not connector(account).permalink_check(Published(remote_id=URI))


# --- the session ladder (CONTRACTS §4 case 6) --------------------------------------------


def test_an_expired_access_token_is_refreshed_then_the_post_goes_out(account):
    """The PDS says 400 ExpiredToken (not 401): refresh, keep the new tokens, send once more."""
    fake = FakeTransport(
        failed(400, "error_expired_token"),
        answer(fixture("session_refreshed")),
        answer(fixture("record_created")),
    )
    with use_transport(fake):
        connector(account).publish(post())
    first, refresh, second = fake.requests
    assert refresh.url == f"{XRPC}/com.atproto.server.refreshSession"
    assert refresh.headers["Authorization"] == f"Bearer {fixture('session')['refreshJwt']}"
    assert refresh.body == b""
    assert second.headers["Authorization"] == f"Bearer {fixture('session_refreshed')['accessJwt']}"
    assert first.json()["rkey"] == second.json()["rkey"]
    stored = Connection.objects.get(pk=account.pk).credentials
    assert stored == {
        "app_password": APP_PASSWORD,
        "access_jwt": fixture("session_refreshed")["accessJwt"],
        "refresh_jwt": fixture("session_refreshed")["refreshJwt"],
    }


def test_an_access_token_about_to_expire_is_refreshed_first(account):
    account.credentials = {
        **account.credentials,
        "access_jwt": jwt(exp=int(timezone.now().timestamp()) + 30),
    }
    account.save()
    fake = FakeTransport(answer(fixture("session_refreshed")), answer(fixture("record_created")))
    with use_transport(fake):
        connector(account).publish(post())
    assert [r.url.rsplit("/", 1)[1] for r in fake.requests] == [
        "com.atproto.server.refreshSession",
        "com.atproto.repo.createRecord",
    ]


def test_a_refused_refresh_token_falls_back_to_the_app_password(account):
    fake = FakeTransport(
        failed(400, "error_invalid_token"),
        failed(400, "error_expired_token"),
        answer(fixture("session")),
        answer(fixture("record_created")),
    )
    with use_transport(fake):
        connector(account).publish(post())
    login = fake.requests[2]
    assert login.url == f"{XRPC}/com.atproto.server.createSession"
    assert login.json() == {"identifier": DID, "password": APP_PASSWORD}
    assert "Authorization" not in login.headers


def test_a_refresh_answered_401_falls_back_to_the_app_password_too(account):
    fake = FakeTransport(
        failed(401, "error_authentication_required"),
        failed(401, "error_authentication_required"),
        answer(fixture("session")),
        answer(fixture("record_created")),
    )
    with use_transport(fake):
        connector(account).publish(post())
    assert [r.url.rsplit("/", 1)[1] for r in fake.requests] == [
        "com.atproto.repo.createRecord",
        "com.atproto.server.refreshSession",
        "com.atproto.server.createSession",
        "com.atproto.repo.createRecord",
    ]


def test_a_revoked_app_password_is_auth_expired(account):
    fake = FakeTransport(
        failed(400, "error_invalid_token"),
        failed(400, "error_invalid_token"),
        failed(401, "error_authentication_required"),
    )
    with use_transport(fake), pytest.raises(AuthExpired) as caught:
        connector(account).publish(post())
    assert caught.value.code == "AuthenticationRequired"
    assert len(fake.requests) == 3  # no loop: one refresh, one login, then stop


def test_a_suspended_account_is_auth_expired(account):
    with (
        use_transport(FakeTransport(failed(400, "error_takedown"))),
        pytest.raises(AuthExpired) as caught,
    ):
        connector(account).publish(post())
    assert caught.value.code == "AccountTakedown"


def test_a_disconnected_account_is_not_tried(account):
    account.credentials_encrypted = ""
    account.save()
    fake = FakeTransport()
    with use_transport(fake), pytest.raises(AuthExpired):
        connector(account).publish(post())
    assert fake.requests == []


def test_verify_reads_the_session(account):
    fake = FakeTransport(answer(fixture("session_get")))
    with use_transport(fake):
        found = connector(account).verify()
    assert fake.last.url == f"{XRPC}/com.atproto.server.getSession"
    assert (found.remote_id, found.name) == (DID, "@boulangerie.bsky.social")


# --- other errors (CONTRACTS §4 case 7) --------------------------------------------------


def test_a_rate_limit_waits_until_the_reset(account):
    reset = int(timezone.now().timestamp()) + 120
    headers = {
        "RateLimit-Limit": "3000",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(reset),
        "RateLimit-Policy": "3000;w=300",
    }
    fake = FakeTransport(failed(429, "error_rate_limited", headers))
    with use_transport(fake), pytest.raises(RateLimited) as caught:
        connector(account).publish(post())
    assert caught.value.retry_at == datetime.fromtimestamp(reset, tz=UTC)
    assert caught.value.code == "RateLimitExceeded"


def test_a_rate_limit_without_headers_still_waits(account):
    with (
        use_transport(FakeTransport(failed(429, "error_rate_limited"))),
        pytest.raises(RateLimited) as caught,
    ):
        connector(account).publish(post())
    assert caught.value.retry_at > timezone.now() + timedelta(minutes=4)


def test_an_invalid_record_is_rejected_with_the_pds_words(account):
    with (
        use_transport(FakeTransport(failed(400, "error_invalid_request"))),
        pytest.raises(Rejected) as caught,
    ):
        connector(account).publish(post())
    assert caught.value.code == "InvalidRequest"
    assert "300 graphemes" in str(caught.value)


def test_connection_refused_before_sending_is_transient(account):
    error = TransportError("refused")
    error.__cause__ = ConnectionRefusedError()
    with use_transport(FakeTransport(error)), pytest.raises(Transient) as caught:
        connector(account).publish(post())
    assert not isinstance(caught.value, UnknownOutcome)


# --- disconnecting: the session is closed with the refresh token --------------------------------


def test_revoke_deletes_the_session_with_the_refresh_token(account):
    fake = FakeTransport(Response(status=200))
    with use_transport(fake):
        connector(account).revoke()
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("POST", f"{XRPC}/com.atproto.server.deleteSession")
    assert sent.headers["Authorization"] == f"Bearer {fixture('session')['refreshJwt']}"
    assert sent.body == b""
    assert fixture("session")["refreshJwt"] not in sent.url
    assert APP_PASSWORD not in sent.url and APP_PASSWORD.encode() not in sent.body


def test_revoke_with_an_expired_refresh_token_is_auth_expired(account):
    with (
        use_transport(FakeTransport(failed(400, "error_expired_token"))),
        pytest.raises(AuthExpired) as caught,
    ):
        connector(account).revoke()
    assert caught.value.code == "ExpiredToken"


def test_revoke_without_a_session_asks_nothing(account):
    account.credentials = {"app_password": APP_PASSWORD}
    account.save()
    with use_transport(FakeTransport()) as fake:
        connector(account).revoke()
    assert fake.requests == []
