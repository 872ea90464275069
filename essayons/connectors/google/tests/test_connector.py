"""Google Business Profile: local posts (update and offer), refresh tokens, error classes,
reconciliation by listing the location's posts (CONTRACTS.md §1.6, §4 cases 6, 7, 9, 20)."""

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from essayons.connectors.base import Published
from essayons.connectors.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from essayons.connectors.google.connector import GoogleConnector, GoogleLogin
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import (
    answer,
    connection_make,
    fixtures_of,
    image_file,
    outgoing,
)
from essayons.lib.http import FakeTransport, Response, TransportError, use_transport

pytestmark = pytest.mark.django_db
fixture = fixtures_of(__file__)
LOC = "accounts/106230594722412345678/locations/4467382716183912345"
POSTS = f"https://mybusiness.googleapis.com/v4/{LOC}/localPosts"
REFRESH = "GOOGLE-REFRESH-TOKEN-SECRET"


@pytest.fixture(autouse=True)
def google_app(settings):
    settings.GOOGLE_CLIENT_ID = "123-abc.apps.googleusercontent.com"
    settings.GOOGLE_CLIENT_SECRET = "GOCSPX-CLIENT-SECRET"
    settings.SITE_URL = "https://essayons.example"


def fresh_credentials(minutes=50):
    ends = timezone.now() + timedelta(minutes=minutes)
    return {
        "access_token": "GOOGLE-ACCESS-TOKEN-1",
        "access_expires_at": ends.isoformat(),
        "refresh_token": REFRESH,
    }


@pytest.fixture
def location(business):
    return connection_make(
        business, "google", LOC, fresh_credentials(), account_name="Boulangerie Test"
    )


def connector(location):
    return GoogleConnector(Connection.objects.get(pk=location.pk))


def test_update_with_photo_and_learn_more_button(location, settings):
    fake = FakeTransport(answer(fixture("local_post_created")))
    with use_transport(fake):
        published = connector(location).publish(
            outgoing(link="https://boulangerie.example", images=(image_file(settings),))
        )
    sent = fake.last
    assert (sent.method, sent.url) == ("POST", POSTS)
    assert sent.headers["Authorization"] == "Bearer GOOGLE-ACCESS-TOKEN-1"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {
        "languageCode": "fr",
        "summary": "Croissants tout chauds ce matin !\nVenez vite.",
        "topicType": "STANDARD",
        "media": [
            {
                "mediaFormat": "PHOTO",
                "sourceUrl": "https://essayons.example/media/planner/croissant.jpg",
            }
        ],
        "callToAction": {"actionType": "LEARN_MORE", "url": "https://boulangerie.example"},
    }
    assert published == Published(
        remote_id=f"{LOC}/localPosts/1234567890123456789",
        url="https://local.google.com/place?id=1234567890&use=posts&lpsid=1234567890123456789",
    )


def test_offer_carries_the_coupon_code_and_its_period(location):
    post = outgoing(
        text="-20 % sur les galettes des rois\navec le code GALETTE20",
        kind="offer",
        coupon_code="GALETTE20",
        link="https://boulangerie.example/galettes",
        extra={
            "offer_start": "2027-01-02",
            "offer_end": "2027-01-10",
            "offer_terms": "Une par client.",
        },
    )
    fake = FakeTransport(answer(fixture("local_post_created")))
    with use_transport(fake):
        connector(location).publish(post)
    body = fake.last.json()
    assert body["topicType"] == "OFFER"
    assert body["offer"] == {
        "couponCode": "GALETTE20",
        "redeemOnlineUrl": "https://boulangerie.example/galettes",
        "termsConditions": "Une par client.",
    }
    assert body["event"] == {
        "title": "-20 % sur les galettes des rois",
        "schedule": {
            "startDate": {"year": 2027, "month": 1, "day": 2},
            "endDate": {"year": 2027, "month": 1, "day": 10},
        },
    }
    assert "callToAction" not in body  # ignored by Google for offers


def test_offer_without_dates_runs_a_week_with_a_short_title(location):
    post = outgoing(text="T" * 100, kind="offer", coupon_code="X")
    fake = FakeTransport(answer(fixture("local_post_created")))
    with use_transport(fake):
        connector(location).publish(post)
    event = fake.last.json()["event"]
    assert len(event["title"]) == 58
    start = event["schedule"]["startDate"]
    end = event["schedule"]["endDate"]
    start_day = datetime(start["year"], start["month"], start["day"])
    assert datetime(end["year"], end["month"], end["day"]) - start_day == timedelta(days=7)


def test_expired_access_token_is_refreshed_first_and_kept(location):
    location.credentials = fresh_credentials(minutes=-1)
    location.save()
    fake = FakeTransport(answer(fixture("token_refreshed")), answer(fixture("local_post_created")))
    with use_transport(fake):
        connector(location).publish(outgoing())
    refresh, create = fake.requests
    assert refresh.url == "https://oauth2.googleapis.com/token"
    assert parse_qs(refresh.body.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": [REFRESH],
        "client_id": ["123-abc.apps.googleusercontent.com"],
        "client_secret": ["GOCSPX-CLIENT-SECRET"],
    }
    assert create.headers["Authorization"] == "Bearer GOOGLE-ACCESS-TOKEN-2"
    location.refresh_from_db()
    assert location.credentials["access_token"] == "GOOGLE-ACCESS-TOKEN-2"
    assert location.credentials["refresh_token"] == REFRESH


def test_401_refreshes_once_and_retries(location):
    fake = FakeTransport(
        answer(fixture("error_401"), status=401),
        answer(fixture("token_refreshed")),
        answer(fixture("local_post_created")),
    )
    with use_transport(fake):
        connector(location).publish(outgoing())
    assert [r.url for r in fake.requests] == [POSTS, "https://oauth2.googleapis.com/token", POSTS]


# Case 6: revoked -----------------------------------------------------------------------------------


def test_revoked_grant_is_auth_expired(location):
    fake = FakeTransport(
        answer(fixture("error_401"), status=401), answer(fixture("token_invalid_grant"), status=400)
    )
    with use_transport(fake), pytest.raises(AuthExpired) as raised:
        connector(location).publish(outgoing())
    assert raised.value.code == "invalid_grant"
    assert len(fake.requests) == 2


def test_401_after_a_fresh_token_is_auth_expired(location):
    fake = FakeTransport(
        answer(fixture("error_401"), status=401),
        answer(fixture("token_refreshed")),
        answer(fixture("error_401"), status=401),
    )
    with use_transport(fake), pytest.raises(AuthExpired) as raised:
        connector(location).publish(outgoing())
    assert raised.value.code == "UNAUTHENTICATED"


# Case 7 and the other classes --------------------------------------------------------------------


def test_429_is_rate_limited_with_retry_after(location):
    fake = FakeTransport(answer(fixture("error_429"), status=429, headers={"Retry-After": "120"}))
    before = timezone.now()
    with use_transport(fake), pytest.raises(RateLimited) as raised:
        connector(location).publish(outgoing())
    assert (
        before + timedelta(seconds=119)
        <= raised.value.retry_at
        <= timezone.now() + timedelta(seconds=121)
    )


def test_429_without_retry_after_waits_minutes_not_zero(location):
    before = timezone.now()
    with (
        use_transport(FakeTransport(answer(fixture("error_429"), status=429))),
        pytest.raises(RateLimited) as raised,
    ):
        connector(location).publish(outgoing())
    assert raised.value.retry_at >= before + timedelta(minutes=5)


@pytest.mark.parametrize(
    "name, status, code",
    [
        ("error_403", 403, "PERMISSION_DENIED"),
        ("error_400", 400, "INVALID_ARGUMENT"),
        ("error_404", 404, "NOT_FOUND"),
    ],
)
def test_client_errors_are_rejected_with_googles_status(location, name, status, code):
    with (
        use_transport(FakeTransport(answer(fixture(name), status=status))),
        pytest.raises(Rejected) as raised,
    ):
        connector(location).publish(outgoing())
    assert raised.value.code == code


def test_server_error_or_timeout_on_a_post_is_an_unknown_outcome(location):
    for failure in (answer(fixture("error_500"), status=500), TransportError("reset")):
        with use_transport(FakeTransport(failure)), pytest.raises(UnknownOutcome):
            connector(location).publish(outgoing())


def test_a_success_that_is_not_json_on_a_post_is_an_unknown_outcome(location):
    # The post may exist though the answer is garbled: reconcile, never read it as "no id".
    garbled = Response(status=200, body=b"<html>Bad gateway page with a 200</html>")
    with use_transport(FakeTransport(garbled)), pytest.raises(UnknownOutcome) as raised:
        connector(location).publish(outgoing())
    assert raised.value.code == "bad_answer"


def test_server_error_on_a_read_is_transient(location):
    with (
        use_transport(FakeTransport(answer(fixture("error_500"), status=500))),
        pytest.raises(Transient),
    ):
        connector(location).find_published(outgoing(), since=timezone.now())


# Reconciliation --------------------------------------------------------------------------------------


def test_find_published_lists_the_location_posts_since_the_attempt(location):
    since = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    fake = FakeTransport(answer(fixture("local_posts")))
    with use_transport(fake):
        found = connector(location).find_published(outgoing(), since=since)
    assert found == Published(
        remote_id=f"{LOC}/localPosts/1234567890123456789",
        url="https://local.google.com/place?id=1&lpsid=1234567890123456789",
    )
    assert (fake.last.method, fake.last.url) == ("GET", f"{POSTS}?pageSize=100")
    with use_transport(FakeTransport(answer(fixture("local_posts")))):
        assert (
            connector(location).find_published(outgoing(), since=since + timedelta(hours=1)) is None
        )
    with use_transport(FakeTransport(answer(fixture("local_posts_empty")))):
        assert connector(location).find_published(outgoing(), since=since) is None


def test_permalink_check_reads_the_state(location):
    published = Published(remote_id=f"{LOC}/localPosts/1234567890123456789")
    fake = FakeTransport(answer(fixture("local_post_live")))
    with use_transport(fake):
        assert connector(location).permalink_check(published) is True
    assert fake.last.url == f"{POSTS}/1234567890123456789"
    with use_transport(FakeTransport(answer(fixture("local_post_rejected")))):
        assert connector(location).permalink_check(published) is False
    with use_transport(FakeTransport(answer(fixture("error_404"), status=404))):
        assert connector(location).permalink_check(published) is False


# Case 9 ---------------------------------------------------------------------------------------------


def test_limits_before_any_call(location, settings):
    fake = FakeTransport(answer(fixture("local_post_created")))
    with use_transport(fake):
        with pytest.raises(Rejected) as long:
            connector(location).publish(outgoing(text="x" * 1_501))
        two = (image_file(settings, "a.jpg"), image_file(settings, "b.jpg"))
        with pytest.raises(Rejected) as many:
            connector(location).publish(outgoing(images=two))
    assert (long.value.code, many.value.code) == ("too_long", "too_many_images")
    assert fake.requests == []


# OAuth ----------------------------------------------------------------------------------------------


def test_authorisation_asks_for_offline_access_with_pkce():
    url = GoogleLogin().authorize_url(
        state="S" * 43,
        code_challenge="C" * 43,
        redirect_uri="https://essayons.example/connexions/google/retour/",
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == "https://accounts.google.com/o/oauth2/v2/auth"
    )
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["scope"] == ["https://www.googleapis.com/auth/business.manage"]
    assert query["code_challenge_method"] == ["S256"] and query["state"] == ["S" * 43]
    assert "GOCSPX" not in url


def test_code_exchange_lists_every_location_of_every_account():
    fake = FakeTransport(
        answer(fixture("token_time_based")),
        answer(fixture("accounts")),
        answer(fixture("locations")),
        answer(fixture("locations_2")),
    )
    with use_transport(fake):
        found = GoogleLogin().candidates(
            code="4/0Ab",
            verifier="v" * 43,
            redirect_uri="https://essayons.example/connexions/google/retour/",
        )
    exchange = fake.requests[0]
    assert parse_qs(exchange.body.decode())["code_verifier"] == ["v" * 43]
    assert parse_qs(exchange.body.decode())["grant_type"] == ["authorization_code"]
    assert [c.account_id for c in found] == [
        "accounts/106230594722412345678/locations/4467382716183912345",
        "accounts/106230594722412345678/locations/4467382716183954321",
    ]
    assert found[0].url == "https://maps.google.com/maps?cid=1234567890"
    assert found[0].credentials["refresh_token"] == REFRESH
    # Time-based access: the refresh token ends, the owner will be warned a week before.
    assert found[0].expires_at is not None
    assert timedelta(days=6) < found[0].expires_at - timezone.now() <= timedelta(days=7)
    locations = fake.requests[2]
    assert locations.url.startswith(
        "https://mybusinessbusinessinformation.googleapis.com/v1/accounts/106230594722412345678/locations?"
    )
    assert "readMask=name%2Ctitle%2Cmetadata" in locations.url
    assert "pageToken=CAESBgoEMTIzNA" in fake.requests[3].url
    assert all(
        r.headers.get("Authorization") == "Bearer GOOGLE-ACCESS-TOKEN-1" for r in fake.requests[1:]
    )


def test_tokens_never_logged(location, caplog):
    caplog.set_level(logging.DEBUG)
    location.credentials = fresh_credentials(minutes=-1)
    location.save()
    with (
        use_transport(
            FakeTransport(
                answer(fixture("token_refreshed")), answer(fixture("error_403"), status=403)
            )
        ),
        pytest.raises(Rejected),
    ):
        connector(location).publish(outgoing())
    assert caplog.records
    for secret in (REFRESH, "GOOGLE-ACCESS-TOKEN", "GOCSPX"):
        assert secret not in caplog.text


# Disconnecting: the grant is revoked ----------------------------------------------------------------

REVOKE = "https://oauth2.googleapis.com/revoke"


def test_revoke_posts_the_refresh_token_in_the_body_without_refreshing_first(location):
    location.credentials = fresh_credentials(minutes=-10)  # an ended access token: no refresh
    location.save()
    fake = FakeTransport(Response(status=200, body=b"{}"))
    with use_transport(fake):
        connector(location).revoke()
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("POST", REVOKE)
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.body.decode()) == {"token": [REFRESH]}
    assert "Authorization" not in sent.headers
    assert REFRESH not in sent.url and "GOOGLE-ACCESS-TOKEN" not in sent.url


def test_revoke_without_a_refresh_token_revokes_the_access_token(location):
    location.credentials = {"access_token": "GOOGLE-ACCESS-TOKEN-1"}
    location.save()
    with use_transport(FakeTransport(Response(status=200))) as fake:
        connector(location).revoke()
    assert parse_qs(fake.last.body.decode()) == {"token": ["GOOGLE-ACCESS-TOKEN-1"]}


def test_revoke_with_nothing_stored_asks_nothing(location):
    location.credentials = {}
    location.save()
    with use_transport(FakeTransport()) as fake:
        connector(location).revoke()
    assert fake.requests == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (answer(fixture("revoke_invalid_token"), status=400), Rejected),
        (Response(status=503, body=b"<html>unavailable</html>"), Transient),
        (TransportError("timed out"), Transient),
    ],
    ids=["refused", "html-5xx", "no-answer"],
)
def test_a_failed_revoke_is_one_of_our_errors_without_the_token(location, reply, error):
    with use_transport(FakeTransport(reply)), pytest.raises(error) as caught:
        connector(location).revoke()
    assert REFRESH not in str(caught.value)


def test_revoke_is_skipped_while_another_location_of_the_account_still_works(
    location, other_business
):
    account = LOC.split("/locations/")[0]
    sibling = connection_make(
        other_business, "google", f"{account}/locations/999", fresh_credentials()
    )
    with use_transport(FakeTransport(Response(status=200))) as fake:
        connector(location).revoke()
    assert fake.requests == []  # the same grant may serve the other business: only forgotten
    Connection.objects.filter(pk=sibling.pk).update(status="disabled")
    with use_transport(FakeTransport(Response(status=200))) as fake:
        connector(location).revoke()
    assert [r.url for r in fake.requests] == [REVOKE]
