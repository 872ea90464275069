"""Mastodon: the exact requests sent, each error class, and the fault cases of CONTRACTS.md §4."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from essayons.connectors.base import Published
from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.connectors.mastodon import client as mastodon_client
from essayons.connectors.mastodon.tests.helpers import (
    ACCOUNT,
    INSTANCE,
    TOKEN,
    connector,
    fixture,
    multipart_fields,
)
from essayons.connectors.models import Connection, MastodonApp
from essayons.connectors.tests.support import answer, image_file, outgoing
from essayons.lib.http import FakeTransport, Response, TransportError, use_transport

pytestmark = pytest.mark.django_db


def refused(status, name, headers=None):
    return answer(fixture(name), status=status, headers=headers)


# --- publishing --------------------------------------------------------------------------


def test_a_status_goes_out_with_the_key_and_the_token_in_headers(account):
    fake = FakeTransport(answer(fixture("status")))
    with use_transport(fake):
        published = connector(account).publish(outgoing(link="https://boulangerie.example/menu"))
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("POST", f"{INSTANCE}/api/v1/statuses")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Idempotency-Key"] == "delivery-42-attempt"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {
        "status": "Croissants tout chauds ce matin !\nVenez vite.\n\nhttps://boulangerie.example/menu",
        "visibility": "public",
    }
    assert TOKEN not in sent.url
    assert published == Published(
        remote_id="113475838432117845",
        url="https://piaille.example/@boulangerie/113475838432117845",
    )


def test_a_link_already_in_the_text_is_not_added_twice(account):
    fake = FakeTransport(answer(fixture("status")))
    text = "Le menu : https://boulangerie.example/menu"
    with use_transport(fake):
        connector(account).publish(outgoing(text, link="https://boulangerie.example/menu"))
    assert fake.last.json()["status"] == text


def test_every_try_of_one_delivery_sends_the_same_key(account):
    """CONTRACTS §4 case 3: a first POST that times out, then a retry with the same key."""
    fake = FakeTransport(TransportError("timed out"), answer(fixture("status")))
    post = outgoing()
    with use_transport(fake):
        with pytest.raises(UnknownOutcome):
            connector(account).publish(post)
        published = connector(account).publish(post)
    keys = [request.headers["Idempotency-Key"] for request in fake.requests]
    assert keys == ["delivery-42-attempt", "delivery-42-attempt"]
    assert published.remote_id == "113475838432117845"


def test_images_are_uploaded_as_multipart_then_attached(account, settings):
    image = image_file(settings)
    fake = FakeTransport(answer(fixture("media_processed")), answer(fixture("status")))
    with use_transport(fake):
        connector(account).publish(outgoing(images=(image,)))
    upload, status = fake.requests
    assert (upload.method, upload.url) == ("POST", f"{INSTANCE}/api/v2/media")
    assert upload.headers["Authorization"] == f"Bearer {TOKEN}"
    assert upload.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert "Idempotency-Key" not in upload.headers
    fields = multipart_fields(upload)
    assert fields["description"] == (None, "", b"Des croissants")
    assert fields["file"] == ("croissant.jpg", "image/jpeg", b"\xff\xd8\xff-jpeg-bytes")
    assert status.json()["media_ids"] == ["22348641"]


def test_a_large_image_is_awaited_until_processed(account, settings, monkeypatch):
    """POST /api/v2/media may answer 202 with url null; GET /api/v1/media/:id is 206 until ready."""
    monkeypatch.setattr(mastodon_client, "MEDIA_POLL_SECONDS", 0)
    fake = FakeTransport(
        answer(fixture("media_processing"), status=202),
        answer(fixture("media_processing"), status=206),
        answer(fixture("media_processed")),
        answer(fixture("status")),
    )
    with use_transport(fake):
        connector(account).publish(outgoing(images=(image_file(settings),)))
    assert [(r.method, r.url) for r in fake.requests] == [
        ("POST", f"{INSTANCE}/api/v2/media"),
        ("GET", f"{INSTANCE}/api/v1/media/22348641"),
        ("GET", f"{INSTANCE}/api/v1/media/22348641"),
        ("POST", f"{INSTANCE}/api/v1/statuses"),
    ]


def test_an_image_the_instance_cannot_process_is_refused_before_the_status(
    account, settings, monkeypatch
):
    monkeypatch.setattr(mastodon_client, "MEDIA_POLL_SECONDS", 0)
    fake = FakeTransport(
        answer(fixture("media_processing"), status=202),
        refused(422, "error_media_processing"),
    )
    with use_transport(fake), pytest.raises(Rejected) as caught:
        connector(account).publish(outgoing(images=(image_file(settings),)))
    assert caught.value.code == "media_processing_failed"
    assert all(not r.url.endswith("/statuses") for r in fake.requests)


def test_an_image_still_processing_after_the_wait_is_transient(account, settings, monkeypatch):
    monkeypatch.setattr(mastodon_client, "MEDIA_POLL_SECONDS", 0)
    monkeypatch.setattr(mastodon_client, "MEDIA_POLL_TRIES", 2)
    fake = FakeTransport(
        answer(fixture("media_processing"), status=202),
        answer(fixture("media_processing"), status=206),
    )
    with use_transport(fake), pytest.raises(Transient) as caught:
        connector(account).publish(outgoing(images=(image_file(settings),)))
    assert caught.value.code == "media_processing"
    assert all(not r.url.endswith("/statuses") for r in fake.requests)


# --- limits (CONTRACTS §4 case 9) --------------------------------------------------------


def test_limits_are_read_from_the_instance_and_cached(account):
    fake = FakeTransport(answer(fixture("instance_v2")))
    with use_transport(fake):
        limits = connector(account).limits_fetch()
    assert fake.last.url == f"{INSTANCE}/api/v2/instance"
    assert "Authorization" not in fake.last.headers
    assert (limits.max_length, limits.max_images) == (1000, 4)
    cached = Connection.objects.get(pk=account.pk).limits
    assert cached["max_length"] == 1000
    assert cached["url_length"] == 23


def test_an_older_instance_answers_with_v1(account):
    v1 = {"uri": "old.example", "configuration": {"statuses": {"max_characters": 640}}}
    fake = FakeTransport(Response(status=404), answer(v1))
    with use_transport(fake):
        limits = connector(account).limits_fetch()
    assert fake.last.url == f"{INSTANCE}/api/v1/instance"
    assert (limits.max_length, limits.max_images) == (640, 4)


def test_text_over_the_instance_limit_is_refused_before_sending(account):
    fake = FakeTransport(answer(fixture("status")))
    with use_transport(fake), pytest.raises(Rejected) as caught:
        connector(account).publish(outgoing("é" * 501))
    assert caught.value.code == "too_long"
    assert fake.requests == []


def test_links_count_as_23_characters(account):
    text = "x" * 470 + " https://boulangerie.example/" + "a" * 100
    fake = FakeTransport(answer(fixture("status")))
    with use_transport(fake):
        connector(account).publish(outgoing(text))
    assert len(fake.requests) == 1


def test_five_images_are_refused_before_anything_is_uploaded(account, settings):
    images = tuple(image_file(settings, name=f"p{i}.jpg") for i in range(5))
    fake = FakeTransport(answer(fixture("media_processed")))
    with use_transport(fake), pytest.raises(Rejected) as caught:
        connector(account).publish(outgoing(images=images))
    assert caught.value.code == "too_many_images"
    assert fake.requests == []


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "error", "code"),
    [
        (401, "error_token", AuthExpired, "invalid_token"),
        (403, "error_forbidden", AuthExpired, "forbidden"),
        (422, "error_validation", Rejected, "unprocessable"),
        (500, "error_rate_limited", UnknownOutcome, "http_500"),
        (502, "error_rate_limited", UnknownOutcome, "http_502"),
        (503, "error_rate_limited", UnknownOutcome, "http_503"),
    ],
)
def test_each_answer_maps_to_one_error_class(account, status, name, error, code):
    fake = FakeTransport(refused(status, name))
    with use_transport(fake), pytest.raises(error) as caught:
        connector(account).publish(outgoing())
    assert caught.value.code == code
    assert caught.value.network == "mastodon"


def test_a_refusal_carries_the_instance_own_words(account):
    with (
        use_transport(FakeTransport(refused(422, "error_validation"))),
        pytest.raises(Rejected) as caught,
    ):
        connector(account).publish(outgoing())
    assert "Text character limit of 500 exceeded" in str(caught.value)


def test_rate_limit_waits_until_the_iso_reset_time(account):
    headers = {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "2099-01-01T10:05:00.123Z",
    }
    with (
        use_transport(FakeTransport(refused(429, "error_rate_limited", headers))),
        pytest.raises(RateLimited) as caught,
    ):
        connector(account).publish(outgoing())
    assert caught.value.retry_at == datetime(2099, 1, 1, 10, 5, 0, 123000, tzinfo=UTC)


def test_rate_limit_reset_in_epoch_seconds_is_read_too(account):
    reset = int(timezone.now().timestamp()) + 300
    headers = {"X-RateLimit-Reset": str(reset), "Retry-After": "300"}
    with (
        use_transport(FakeTransport(refused(429, "error_rate_limited", headers))),
        pytest.raises(RateLimited) as caught,
    ):
        connector(account).publish(outgoing())
    assert caught.value.retry_at == datetime.fromtimestamp(reset, tz=UTC)


def test_rate_limit_without_headers_still_waits(account):
    """A missing header is not "go ahead": the default window is waited."""
    with (
        use_transport(FakeTransport(refused(429, "error_rate_limited"))),
        pytest.raises(RateLimited) as caught,
    ):
        connector(account).publish(outgoing())
    assert caught.value.retry_at > timezone.now() + timedelta(minutes=4)


def test_connection_refused_before_sending_is_transient(account):
    error = TransportError("ConnectionRefusedError talking to piaille.example")
    error.__cause__ = ConnectionRefusedError()
    with use_transport(FakeTransport(error)), pytest.raises(Transient):
        connector(account).publish(outgoing())


@pytest.mark.parametrize("cause", [TimeoutError(), ConnectionResetError(), None])
def test_no_answer_after_sending_is_an_unknown_outcome(account, cause):
    error = TransportError("timed out")
    error.__cause__ = cause
    with use_transport(FakeTransport(error)), pytest.raises(UnknownOutcome):
        connector(account).publish(outgoing())


def test_a_success_with_a_broken_body_is_an_unknown_outcome(account):
    broken = Response(
        status=200, body=b'{"error": "truncated', headers={"content-type": "application/json"}
    )
    with use_transport(FakeTransport(broken)), pytest.raises(UnknownOutcome):
        connector(account).publish(outgoing())


def test_a_server_error_on_a_read_is_only_transient(account):
    with (
        use_transport(FakeTransport(refused(503, "error_rate_limited"))),
        pytest.raises(Transient) as caught,
    ):
        connector(account).permalink_check(Published(remote_id="1"))
    assert not isinstance(caught.value, UnknownOutcome)


def test_a_disconnected_account_is_not_tried(account):
    account.credentials_encrypted = ""
    account.save()
    fake = FakeTransport(answer(fixture("status")))
    with use_transport(fake), pytest.raises(AuthExpired):
        connector(account).publish(outgoing())
    assert fake.requests == []


# --- reconciliation ----------------------------------------------------------------------


def test_within_the_hour_reconciling_sends_again_with_the_same_key(account):
    fake = FakeTransport(answer(fixture("status")))
    since = timezone.now() - timedelta(minutes=10)
    with use_transport(fake):
        found = connector(account).find_published(outgoing(), since=since)
    [sent] = fake.requests
    assert sent.method == "POST"
    assert sent.headers["Idempotency-Key"] == "delivery-42-attempt"
    assert found.remote_id == "113475838432117845"


def test_after_the_hour_reconciling_looks_up_instead_of_posting(account):
    """CONTRACTS §4 case 3: a retry after more than an hour takes the lookup path."""
    status = fixture("status")
    status["created_at"] = (timezone.now() - timedelta(minutes=70)).isoformat()
    other = {**status, "id": "2", "content": "<p>Autre chose</p>"}
    fake = FakeTransport(answer([other, status]))
    since = timezone.now() - timedelta(minutes=75)
    with use_transport(fake):
        found = connector(account).find_published(outgoing(), since=since)
    assert [r.method for r in fake.requests] == ["GET"]
    assert fake.last.url == (
        f"{INSTANCE}/api/v1/accounts/{ACCOUNT}/statuses?limit=40&exclude_reblogs=true"
    )
    assert found == Published(remote_id=status["id"], url=status["url"])


def test_the_lookup_matches_links_mastodon_shortened_in_html(account):
    html = (
        '<p>Le menu : <a href="https://boulangerie.example/menu/du-jour" rel="nofollow noopener" '
        'target="_blank"><span class="invisible">https://</span><span class="ellipsis">'
        'boulangerie.example/menu/d</span><span class="invisible">u-jour</span></a> &amp; bon appétit</p>'
    )
    status = {**fixture("status"), "content": html, "created_at": timezone.now().isoformat()}
    post = outgoing("Le menu : https://boulangerie.example/menu/du-jour & bon appétit")
    with use_transport(FakeTransport(answer([status]))):
        found = connector(account).find_published(post, since=timezone.now() - timedelta(hours=2))
    assert found is not None


def test_the_lookup_says_none_once_past_the_first_try(account):
    old = {**fixture("status"), "content": "<p>Autre</p>", "created_at": "2020-01-01T00:00:00.000Z"}
    fake = FakeTransport(answer([old]))
    with use_transport(fake):
        found = connector(account).find_published(
            outgoing(), since=timezone.now() - timedelta(hours=2)
        )
    assert found is None
    assert len(fake.requests) == 1


def test_the_lookup_pages_back_with_max_id(account):
    recent = {
        **fixture("status"),
        "id": "900",
        "content": "<p>Autre</p>",
        "created_at": timezone.now().isoformat(),
    }
    mine = {**fixture("status"), "created_at": timezone.now().isoformat()}
    fake = FakeTransport(answer([recent] * 40), answer([mine]))
    with use_transport(fake):
        found = connector(account).find_published(
            outgoing(), since=timezone.now() - timedelta(hours=2)
        )
    assert found is not None
    assert fake.requests[1].url.endswith("&max_id=900")


# --- verify and permalink ----------------------------------------------------------------


def test_verify_names_the_account_with_its_instance(account):
    fake = FakeTransport(answer(fixture("account")))
    with use_transport(fake):
        found = connector(account).verify()
    assert fake.last.url == f"{INSTANCE}/api/v1/accounts/verify_credentials"
    assert found.remote_id == f"{ACCOUNT}@piaille.example"
    assert found.name == "@boulangerie@piaille.example"


def test_permalink_check_reads_the_status(account):
    fake = FakeTransport(answer(fixture("status")))
    with use_transport(fake):
        assert connector(account).permalink_check(Published(remote_id="113475838432117845"))
    assert fake.last.url == f"{INSTANCE}/api/v1/statuses/113475838432117845"
    with use_transport(FakeTransport(answer({"error": "Record not found"}, status=404))):
        assert not connector(account).permalink_check(Published(remote_id="113475838432117845"))


# --- disconnecting -----------------------------------------------------------------------


@pytest.fixture
def app():
    """Essayons's client on piaille.example, as POST /api/v1/apps answered it."""
    registered = fixture("app")
    app = MastodonApp(
        instance_url=INSTANCE,
        redirect_uri=registered["redirect_uri"],
        client_id=registered["client_id"],
    )
    app.client_secret = registered["client_secret"]
    app.save()
    return registered


def test_revoke_posts_our_client_and_the_token_in_the_form_body(account, app):
    fake = FakeTransport(answer({}))
    with use_transport(fake):
        connector(account).revoke()
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("POST", f"{INSTANCE}/oauth/revoke")
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.body.decode()) == {
        "client_id": [app["client_id"]],
        "client_secret": [app["client_secret"]],
        "token": [TOKEN],
    }
    assert "Authorization" not in sent.headers
    assert TOKEN not in sent.url and app["client_secret"] not in sent.url


def test_revoke_refused_by_the_instance_is_auth_expired(account, app):
    refusal = refused(403, "error_revoke_forbidden")
    with use_transport(FakeTransport(refusal)), pytest.raises(AuthExpired) as caught:
        connector(account).revoke()
    assert caught.value.code == "forbidden"
    assert TOKEN not in str(caught.value)


def test_revoke_without_our_client_on_the_instance_asks_nothing(account):
    with use_transport(FakeTransport()) as fake:
        connector(account).revoke()
    assert fake.requests == []
