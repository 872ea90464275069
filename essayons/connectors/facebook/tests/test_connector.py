"""Facebook Page: the exact requests sent, and each fault case of CONTRACTS.md §4 it concerns."""

import json
import logging
from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone

from essayons.connectors.base import Published
from essayons.connectors.errors import AuthExpired, RateLimited, Rejected, UnknownOutcome
from essayons.connectors.facebook.connector import FacebookConnector
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import (
    answer,
    connection_make,
    fixtures_of,
    form_of,
    image_file,
    outgoing,
)
from essayons.lib.http import FakeTransport, TransportError, use_transport

pytestmark = pytest.mark.django_db
fixture = fixtures_of(__file__)
PAGE = "546349135390552"
TOKEN = "PAGE-TOKEN-SECRET-1"
GRAPH = "https://graph.facebook.com/v26.0"


@pytest.fixture
def page(business):
    return connection_make(business, "facebook", PAGE, {"page_token": TOKEN})


def connector(page):
    return FacebookConnector(Connection.objects.get(pk=page.pk))


def test_text_and_link_go_to_the_feed_with_the_token_in_the_header(page):
    fake = FakeTransport(answer(fixture("feed_created")), answer(fixture("permalink")))
    with use_transport(fake):
        published = connector(page).publish(outgoing(link="https://boulangerie.example/menu"))
    sent = fake.requests[0]
    assert sent.method == "POST"
    assert sent.url == f"{GRAPH}/{PAGE}/feed"
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(sent) == {
        "message": ["Croissants tout chauds ce matin !\nVenez vite."],
        "link": ["https://boulangerie.example/menu"],
    }
    assert all(TOKEN not in request.url for request in fake.requests)
    assert fake.requests[1].method == "GET"
    assert fake.requests[1].url == f"{GRAPH}/{PAGE}_1116692661682799?fields=permalink_url"
    assert published == Published(
        remote_id=f"{PAGE}_1116692661682799",
        url=f"https://www.facebook.com/{PAGE}/posts/1116692661682799",
    )


def test_one_photo_is_uploaded_with_the_link_at_the_end_of_the_text(page, settings):
    image = image_file(settings)
    fake = FakeTransport(answer(fixture("photo_created")), answer(fixture("permalink")))
    with use_transport(fake):
        published = connector(page).publish(
            outgoing(images=(image,), link="https://boulangerie.example")
        )
    sent = fake.requests[0]
    assert sent.url == f"{GRAPH}/{PAGE}/photos"
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert (
        b'name="message"\r\n\r\n'
        + b"Croissants tout chauds ce matin !\nVenez vite.\n\nhttps://boulangerie.example"
        in sent.body
    )
    assert b"\xff\xd8\xff-jpeg-bytes" in sent.body
    assert published.remote_id == f"{PAGE}_1116692661682800"


def test_several_photos_are_uploaded_unpublished_then_attached_to_one_post(page, settings):
    images = (image_file(settings, "a.jpg"), image_file(settings, "b.jpg"))
    fake = FakeTransport(
        answer(fixture("photo_unpublished_1")),
        answer(fixture("photo_unpublished_2")),
        answer(fixture("feed_created")),
        answer(fixture("permalink")),
    )
    with use_transport(fake):
        published = connector(page).publish(outgoing(images=images))
    uploads, feed = fake.requests[:2], fake.requests[2]
    assert all(b'name="published"\r\n\r\nfalse' in upload.body for upload in uploads)
    assert feed.url == f"{GRAPH}/{PAGE}/feed"
    assert form_of(feed)["attached_media[0]"] == [json.dumps({"media_fbid": "1116692661682811"})]
    assert form_of(feed)["attached_media[1]"] == [json.dumps({"media_fbid": "1116692661682812"})]
    assert published.remote_id == f"{PAGE}_1116692661682799"


def test_permalink_read_failing_after_success_still_publishes(page):
    fake = FakeTransport(answer(fixture("feed_created")), answer(fixture("error_2"), status=500))
    with use_transport(fake):
        published = connector(page).publish(outgoing())
    assert published == Published(remote_id=f"{PAGE}_1116692661682799", url="")


# Case 2: code 2 after the post was created -> no blind retry, the feed lookup finds it ----------


def test_code_2_is_an_unknown_outcome_then_the_feed_lookup_finds_the_post(page):
    post = outgoing()
    started = timezone.now()
    failing = FakeTransport(answer(fixture("error_2"), status=500))
    with use_transport(failing), pytest.raises(UnknownOutcome) as raised:
        connector(page).publish(post)
    assert raised.value.code == "2"
    assert len(failing.requests) == 1

    lookup = FakeTransport(
        answer(fixture("published_posts_1")), answer(fixture("published_posts_2"))
    )
    with use_transport(lookup):
        found = connector(page).find_published(post, since=started)
    assert found == Published(
        remote_id=f"{PAGE}_1116692661682799",
        url=f"https://www.facebook.com/{PAGE}/posts/1116692661682799",
    )
    assert all(request.method == "GET" for request in lookup.requests)
    first, second = lookup.requests
    assert first.url.startswith(f"{GRAPH}/{PAGE}/published_posts?fields=")
    assert f"since={int((started - timedelta(minutes=5)).timestamp())}" in first.url
    # The next page is asked with the cursor, never by following `paging.next` (token inside).
    assert "after=QVFIUjRtc2c" in second.url
    assert "access_token" not in second.url and TOKEN not in second.url


def test_timeout_is_an_unknown_outcome_and_an_absent_post_is_none(page):
    with use_transport(FakeTransport(TransportError("timed out"))), pytest.raises(UnknownOutcome):
        connector(page).publish(outgoing())
    with use_transport(FakeTransport(answer(fixture("published_posts_empty")))):
        assert connector(page).find_published(outgoing(), since=timezone.now()) is None


# Case 6: token revoked ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["error_190_463", "error_190_460"])
def test_revoked_token_stops_with_auth_expired(page, name):
    fake = FakeTransport(answer(fixture(name), status=400))
    with use_transport(fake), pytest.raises(AuthExpired):
        connector(page).publish(outgoing())
    assert len(fake.requests) == 1


# Case 7: rate limits ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["error_4", "error_17", "error_32", "error_613"])
def test_throttling_error_waits_until_meta_says(page, name):
    fake = FakeTransport(
        answer(fixture(name), status=400, headers=fixture("headers_buc_throttled"))
    )
    before = timezone.now()
    with use_transport(fake), pytest.raises(RateLimited) as raised:
        connector(page).publish(outgoing())
    waited = raised.value.retry_at - before
    assert timedelta(minutes=26) < waited <= timedelta(minutes=28)


def test_throttling_error_without_header_waits_instead_of_retrying_now(page):
    before = timezone.now()
    with (
        use_transport(FakeTransport(answer(fixture("error_4"), status=400))),
        pytest.raises(RateLimited) as raised,
    ):
        connector(page).publish(outgoing())
    assert raised.value.retry_at >= before + timedelta(minutes=59)


def test_high_usage_on_a_success_defers_the_next_post_without_calling(page):
    busy = FakeTransport(answer(fixture("page"), headers=fixture("headers_buc_95")))
    with use_transport(busy):
        connector(page).verify()
    page.refresh_from_db()
    assert page.rate_limited_until is not None
    assert page.rate_limited_until > timezone.now() + timedelta(minutes=11)

    silent = FakeTransport(answer(fixture("feed_created")))
    with use_transport(silent), pytest.raises(RateLimited) as raised:
        connector(page).publish(outgoing())
    assert raised.value.retry_at == page.rate_limited_until
    assert silent.requests == []


def test_an_answer_without_usage_header_does_not_clear_the_wait(page):
    until = timezone.now() + timedelta(minutes=20)
    Connection.objects.filter(pk=page.pk).update(rate_limited_until=until)
    with use_transport(FakeTransport(answer(fixture("page")))):
        connector(page).verify()
    page.refresh_from_db()
    assert page.rate_limited_until == until


# Refusals ------------------------------------------------------------------------------------


def test_duplicate_is_rejected(page):
    with (
        use_transport(FakeTransport(answer(fixture("error_506"), status=400))),
        pytest.raises(Rejected) as raised,
    ):
        connector(page).publish(outgoing())
    assert raised.value.code == "506"


def test_missing_permission_names_it(page):
    with (
        use_transport(FakeTransport(answer(fixture("error_200"), status=403))),
        pytest.raises(Rejected) as raised,
    ):
        connector(page).publish(outgoing())
    assert raised.value.code == "200:pages_read_engagement"


# Case 9: limits, checked before any call -------------------------------------------------------


def test_over_long_text_or_too_many_photos_is_refused_before_any_call(page, settings):
    fake = FakeTransport(answer(fixture("feed_created")))
    with use_transport(fake):
        with pytest.raises(Rejected) as long:
            connector(page).publish(outgoing(text="x" * 63_207))
        images = tuple(image_file(settings, f"{n}.jpg") for n in range(11))
        with pytest.raises(Rejected) as many:
            connector(page).publish(outgoing(images=images))
    assert (long.value.code, many.value.code) == ("too_long", "too_many_images")
    assert fake.requests == []
    assert FacebookConnector.limits.min_lead_minutes == 0  # we publish at due time ourselves


# Permalink and verification ---------------------------------------------------------------------


def test_permalink_check(page):
    published = Published(remote_id=f"{PAGE}_1116692661682799")
    fake = FakeTransport(answer(fixture("permalink")))
    with use_transport(fake):
        assert connector(page).permalink_check(published) is True
    assert fake.last.url == f"{GRAPH}/{PAGE}_1116692661682799?fields=id%2Cpermalink_url"
    with use_transport(FakeTransport(answer(fixture("error_100_missing"), status=400))):
        assert connector(page).permalink_check(published) is False


def test_verify_reads_the_page(page):
    fake = FakeTransport(answer(fixture("page")))
    with use_transport(fake):
        account = connector(page).verify()
    assert fake.last.url == f"{GRAPH}/{PAGE}?fields=id%2Cname%2Clink"
    assert (account.remote_id, account.name) == (PAGE, "Boulangerie Test")


# Case 20: secrets ------------------------------------------------------------------------------


def test_token_is_ciphertext_in_the_database_and_absent_from_logs(page, caplog):
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_encrypted FROM connectors_connection WHERE id = %s", [page.pk]
        )
        (stored,) = cursor.fetchone()
    assert TOKEN not in stored and stored.startswith("gAAAA")
    caplog.set_level(logging.DEBUG)
    with use_transport(
        FakeTransport(
            answer(fixture("error_190_463"), status=400), answer(fixture("error_4"), status=400)
        )
    ):
        with pytest.raises(AuthExpired):
            connector(page).publish(outgoing())
        with pytest.raises(RateLimited):
            connector(page).verify()
    assert caplog.records  # the HTTP layer did log
    assert TOKEN not in caplog.text


# Disconnecting: a Page token cannot take the app's permissions back -----------------------------


def test_revoke_asks_facebook_nothing(page):
    with use_transport(FakeTransport()) as fake:
        connector(page).revoke()
    assert fake.requests == []
