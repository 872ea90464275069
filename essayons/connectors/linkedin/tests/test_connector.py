"""LinkedIn organisation pages: the Posts API request with its headers, images, escaping, error
classes, refresh tokens, and an unknown outcome handed to the owner (CONTRACTS.md §1.7, §3.1)."""

import logging
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from essayons.connectors.base import Published, Reconciliation
from essayons.connectors.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from essayons.connectors.linkedin import client as li
from essayons.connectors.linkedin.connector import LinkedInConnector, LinkedInLogin
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
ORG = "urn:li:organization:2414183"
SHARE = "urn:li:share:6844785523593134080"
TOKEN = "LINKEDIN-ACCESS-TOKEN-1"


@pytest.fixture(autouse=True)
def linkedin_app(settings):
    settings.LINKEDIN_CLIENT_ID = "86abcdef123456"
    settings.LINKEDIN_CLIENT_SECRET = "WPL_AP1.LINKEDIN-CLIENT-SECRET"
    settings.LINKEDIN_API_VERSION = "202605"


def credentials(minutes=60 * 24 * 30, refresh=False):
    data = {
        "access_token": TOKEN,
        "access_expires_at": (timezone.now() + timedelta(minutes=minutes)).isoformat(),
    }
    if refresh:
        data["refresh_token"] = "LINKEDIN-REFRESH-TOKEN-SECRET"
    return data


@pytest.fixture
def page(business):
    return connection_make(
        business, "linkedin", ORG, credentials(), account_name="Boulangerie Test"
    )


def connector(page):
    return LinkedInConnector(Connection.objects.get(pk=page.pk))


def created():
    return Response(status=201, headers={"x-restli-id": SHARE})


def test_text_with_article_link_and_the_required_headers(page):
    fake = FakeTransport(created())
    post = outgoing(
        text="Croissants (tout chauds) ce matin ! #boulangerie",
        link="https://boulangerie.example/menu",
    )
    with use_transport(fake):
        published = connector(page).publish(post)
    sent = fake.last
    assert (sent.method, sent.url) == ("POST", "https://api.linkedin.com/rest/posts")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["LinkedIn-Version"] == "202605"
    assert sent.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert sent.json() == {
        "author": ORG,
        "commentary": "Croissants \\(tout chauds\\) ce matin ! #boulangerie",
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        "content": {
            "article": {
                "source": "https://boulangerie.example/menu",
                "title": "boulangerie.example",
            }
        },
    }
    assert published == Published(
        remote_id=SHARE, url=f"https://www.linkedin.com/feed/update/{SHARE}/"
    )


def test_commentary_escapes_little_format_but_keeps_links_and_hashtags():
    text = "Prix: 2€ <promo> [ce week-end] @tous *_~ | {x} \\ # seul https://ex.example/a_(b) #pain"
    assert li.commentary(text) == (
        "Prix: 2€ \\<promo\\> \\[ce week-end\\] \\@tous \\*\\_\\~ \\| \\{x\\} \\\\ \\# seul "
        "https://ex.example/a_(b) #pain"
    )


def test_images_are_uploaded_then_posted_with_the_link_in_the_text(page, settings):
    images = (image_file(settings, "a.jpg", b"AAA"), image_file(settings, "b.jpg", b"BBB"))
    fake = FakeTransport(
        answer(fixture("image_upload")),
        Response(status=201),
        answer(fixture("image_upload_2")),
        Response(status=201),
        created(),
    )
    with use_transport(fake):
        connector(page).publish(outgoing(images=images, link="https://boulangerie.example"))
    init_1, put_1, _init_2, put_2, post = fake.requests
    assert init_1.url == "https://api.linkedin.com/rest/images?action=initializeUpload"
    assert init_1.json() == {"initializeUploadRequest": {"owner": ORG}}
    assert (put_1.method, put_1.body, put_1.headers["Content-Type"]) == (
        "PUT",
        b"AAA",
        "image/jpeg",
    )
    assert put_1.url.startswith("https://www.linkedin.com/dms-uploads/")
    assert put_2.body == b"BBB"
    body = post.json()
    assert body["content"] == {
        "multiImage": {
            "images": [
                {"id": "urn:li:image:C4D10AQFttYJ1ZRcD9w", "altText": "Des croissants"},
                {"id": "urn:li:image:C4D10AQFttYJ1ZRcD9x", "altText": "Des croissants"},
            ]
        }
    }
    assert body["commentary"].endswith("\n\nhttps://boulangerie.example")


def test_one_image(page, settings):
    fake = FakeTransport(answer(fixture("image_upload")), Response(status=201), created())
    with use_transport(fake):
        connector(page).publish(outgoing(images=(image_file(settings),)))
    assert fake.last.json()["content"] == {
        "media": {"id": "urn:li:image:C4D10AQFttYJ1ZRcD9w", "altText": "Des croissants"}
    }


# Error classes ----------------------------------------------------------------------------------


def test_401_is_auth_expired(page):
    with (
        use_transport(FakeTransport(answer(fixture("error_401"), status=401))),
        pytest.raises(AuthExpired) as raised,
    ):
        connector(page).publish(outgoing())
    assert raised.value.code == "INVALID_ACCESS_TOKEN"


def test_429_waits_until_midnight_utc(page, monkeypatch):
    now = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    with (
        use_transport(FakeTransport(answer(fixture("error_429"), status=429))),
        pytest.raises(RateLimited) as raised,
    ):
        connector(page).publish(outgoing())
    assert raised.value.retry_at == datetime(2026, 11, 27, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "failure",
    [
        answer({"message": "Internal Server Error", "status": 500}, status=500),
        answer({}, status=504),
        TransportError("timed out"),
    ],
)
def test_server_errors_and_timeouts_on_a_post_are_unknown_outcomes(page, failure):
    with use_transport(FakeTransport(failure)), pytest.raises(UnknownOutcome):
        connector(page).publish(outgoing())


@pytest.mark.parametrize(
    "name, status, code",
    [
        ("error_403", 403, "ACCESS_DENIED"),
        ("error_duplicate", 422, "duplicate"),
        ("error_422", 422, "422"),
    ],
)
def test_refusals(page, name, status, code):
    with (
        use_transport(FakeTransport(answer(fixture(name), status=status))),
        pytest.raises(Rejected) as raised,
    ):
        connector(page).publish(outgoing())
    assert raised.value.code == code


def test_created_without_an_id_is_not_taken_for_a_failure_to_retry(page):
    with use_transport(FakeTransport(Response(status=201))), pytest.raises(UnknownOutcome):
        connector(page).publish(outgoing())


# Reconciliation: the owner decides -----------------------------------------------------------------


def test_unknown_outcome_is_handed_to_the_owner_without_any_call(page):
    fake = FakeTransport(created())
    with use_transport(fake), pytest.raises(UnknownOutcome) as raised:
        connector(page).find_published(outgoing(), since=timezone.now())
    assert raised.value.code == "human"
    assert fake.requests == []
    assert LinkedInConnector.reconciliation == Reconciliation.HUMAN


def test_permalink_check(page):
    fake = FakeTransport(answer(fixture("post")))
    with use_transport(fake):
        assert connector(page).permalink_check(Published(remote_id=SHARE)) is True
    assert (
        fake.last.url
        == "https://api.linkedin.com/rest/posts/urn%3Ali%3Ashare%3A6844785523593134080"
    )
    with use_transport(FakeTransport(answer(fixture("error_404"), status=404))):
        assert connector(page).permalink_check(Published(remote_id=SHARE)) is False
    with (
        use_transport(FakeTransport(answer(fixture("error_500"), status=500))),
        pytest.raises(Transient),
    ):
        connector(page).permalink_check(Published(remote_id=SHARE))


# Tokens ---------------------------------------------------------------------------------------------


def test_expiring_access_is_refreshed_with_the_refresh_token(page):
    page.credentials = credentials(minutes=1, refresh=True)
    page.save()
    fake = FakeTransport(answer(fixture("token_refreshed")), created())
    with use_transport(fake):
        connector(page).publish(outgoing())
    refresh, post = fake.requests
    assert refresh.url == "https://www.linkedin.com/oauth/v2/accessToken"
    assert parse_qs(refresh.body.decode())["grant_type"] == ["refresh_token"]
    assert post.headers["Authorization"] == "Bearer LINKEDIN-ACCESS-TOKEN-2"
    page.refresh_from_db()
    assert page.credentials["access_token"] == "LINKEDIN-ACCESS-TOKEN-2"
    # The owner must reconnect when the refresh token ends (it is not extended by refreshing).
    assert page.expires_at is not None
    assert timedelta(days=230) < page.expires_at - timezone.now() < timedelta(days=232)


def test_expired_access_without_refresh_token_is_auth_expired_without_a_call(page):
    page.credentials = credentials(minutes=-1)
    page.save()
    fake = FakeTransport(created())
    with use_transport(fake), pytest.raises(AuthExpired):
        connector(page).publish(outgoing())
    assert fake.requests == []


def test_revoked_refresh_token_is_auth_expired(page):
    page.credentials = credentials(minutes=-1, refresh=True)
    page.save()
    with (
        use_transport(FakeTransport(answer(fixture("token_revoked"), status=400))),
        pytest.raises(AuthExpired),
    ):
        connector(page).publish(outgoing())


def test_oauth_offers_the_pages_the_member_may_post_for():
    fake = FakeTransport(
        answer(fixture("token_with_refresh")),
        answer(fixture("organization_acls")),
        answer(fixture("organization_2414183")),
        answer(fixture("organization_7777777")),
    )
    with use_transport(fake):
        found = LinkedInLogin().candidates(
            code="AQT",
            verifier="unused",
            redirect_uri="https://essayons.example/connexions/linkedin/retour/",
        )
    assert [(c.account_id, c.name, c.url) for c in found] == [
        (ORG, "Boulangerie Test", "https://www.linkedin.com/company/boulangerie-test/"),
        (
            "urn:li:organization:7777777",
            "Boulangerie Test — traiteur",
            "https://www.linkedin.com/company/bt-traiteur/",
        ),
    ]
    assert found[0].expires_at is not None
    assert timedelta(days=364) < found[0].expires_at - timezone.now() <= timedelta(days=365)
    exchange, acls, _org, _org2 = fake.requests
    assert parse_qs(exchange.body.decode()) == {
        "grant_type": ["authorization_code"],
        "code": ["AQT"],
        "redirect_uri": ["https://essayons.example/connexions/linkedin/retour/"],
        "client_id": ["86abcdef123456"],
        "client_secret": ["WPL_AP1.LINKEDIN-CLIENT-SECRET"],
    }
    assert (
        acls.url
        == "https://api.linkedin.com/rest/organizationAcls?q=roleAssignee&state=APPROVED&count=100"
    )
    assert acls.headers["LinkedIn-Version"] == "202605"


def test_authorisation_url_carries_state_and_scopes():
    url = LinkedInLogin().authorize_url(
        state="S" * 43,
        code_challenge="ignored",
        redirect_uri="https://essayons.example/connexions/linkedin/retour/",
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == "https://www.linkedin.com/oauth/v2/authorization"
    )
    assert query["state"] == ["S" * 43] and query["client_id"] == ["86abcdef123456"]
    assert query["scope"] == ["w_organization_social r_organization_social rw_organization_admin"]
    assert "SECRET" not in url


# Case 9 and versions ---------------------------------------------------------------------------------


def test_3000_characters_at_most(page):
    fake = FakeTransport(created())
    with use_transport(fake), pytest.raises(Rejected) as raised:
        connector(page).publish(outgoing(text="x" * 3_001))
    assert raised.value.code == "too_long" and fake.requests == []


def test_version_staleness():
    assert li.version_is_stale("202605", date(2027, 5, 1)) is True
    assert li.version_is_stale("202605", date(2027, 4, 30)) is False
    assert li.version_is_stale("garbage", date(2026, 1, 1)) is True


def test_default_version_is_not_sunset_yet():
    """Fails once LinkedIn will have retired the default version: time to move it forward
    (https://learn.microsoft.com/en-us/linkedin/marketing/versioning)."""
    assert not li.version_is_stale(li.DEFAULT_VERSION, date.today())


def test_token_never_logged(page, caplog):
    caplog.set_level(logging.DEBUG)
    with (
        use_transport(FakeTransport(answer(fixture("error_403"), status=403))),
        pytest.raises(Rejected),
    ):
        connector(page).publish(outgoing())
    assert caplog.records and TOKEN not in caplog.text


# Disconnecting: LinkedIn documents no revocation, so nothing is asked ---------------------------


def test_revoke_asks_linkedin_nothing(page):
    with use_transport(FakeTransport()) as fake:
        connector(page).revoke()
    assert fake.requests == []
