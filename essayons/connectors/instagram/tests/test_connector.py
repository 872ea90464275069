"""Instagram: container then publish, the container kept before publishing, the publishing quota,
expired containers replaced (CONTRACTS.md §1.2, §4 cases 1, 6, 7, 8, 9, 20)."""

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from essayons.connectors.base import Published
from essayons.connectors.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from essayons.connectors.instagram import connector as ig_connector
from essayons.connectors.instagram.connector import InstagramConnector, InstagramLogin
from essayons.connectors.models import Connection, RemoteDraft
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
IG = "17841405822304914"
TOKEN = "PAGE-TOKEN-SECRET-1"
GRAPH = "https://graph.facebook.com/v26.0"
CONTAINER = "17889615691921648"
MEDIA = "17920238422030506"


@pytest.fixture(autouse=True)
def public_site(settings, monkeypatch):
    settings.SITE_URL = "https://essayons.example"
    monkeypatch.setattr(ig_connector, "sleep", lambda seconds: None)


@pytest.fixture
def account(business):
    return connection_make(
        business,
        "instagram",
        IG,
        {"page_token": TOKEN, "page_id": "546349135390552"},
        account_name="@boulangerietest",
        account_url="https://www.instagram.com/boulangerietest/",
    )


def connector(account):
    return InstagramConnector(Connection.objects.get(pk=account.pk))


def post_with_image(settings, **kwargs):
    return outgoing(images=(image_file(settings),), link="https://boulangerie.example", **kwargs)


def posts(fake):
    return [request for request in fake.requests if request.method == "POST"]


def test_publish_makes_a_container_waits_for_it_and_publishes_it(account, settings):
    seen_draft: list[str] = []

    def publish_answer(request):
        seen_draft.extend(RemoteDraft.objects.values_list("remote_id", flat=True))
        return answer(fixture("media_published"))

    fake = FakeTransport(
        answer(fixture("quota_ok")),
        answer(fixture("container_created")),
        answer(fixture("status_in_progress")),
        answer(fixture("status_finished")),
        publish_answer,
        answer(fixture("permalink")),
    )
    with use_transport(fake):
        published = connector(account).publish(post_with_image(settings))
    quota, create, _progress, _finished, publish, _permalink = fake.requests
    assert quota.url == f"{GRAPH}/{IG}/content_publishing_limit?fields=quota_usage%2Cconfig"
    assert create.url == f"{GRAPH}/{IG}/media"
    assert form_of(create) == {
        "image_url": ["https://essayons.example/media/planner/croissant.jpg"],
        "caption": [
            "Croissants tout chauds ce matin !\nVenez vite.\n\nhttps://boulangerie.example"
        ],
        "alt_text": ["Des croissants"],
    }
    assert fake.requests[2].url == f"{GRAPH}/{CONTAINER}?fields=status_code%2Cstatus"
    assert publish.url == f"{GRAPH}/{IG}/media_publish"
    assert form_of(publish) == {"creation_id": [CONTAINER]}
    assert seen_draft == [CONTAINER]  # kept before media_publish was sent
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in fake.requests)
    assert all(TOKEN not in r.url and TOKEN.encode() not in r.body for r in fake.requests)
    assert published == Published(remote_id=MEDIA, url="https://www.instagram.com/p/C1a2B3c4D5e/")


def test_several_images_make_a_carousel(account, settings):
    images = (image_file(settings, "a.jpg"), image_file(settings, "b.jpg"))
    fake = FakeTransport(
        answer(fixture("quota_ok")),
        answer(fixture("carousel_item_1")),
        answer(fixture("carousel_item_2")),
        answer(fixture("carousel_created")),
        answer(fixture("status_finished")),
        answer(fixture("media_published")),
        answer(fixture("permalink")),
    )
    with use_transport(fake):
        connector(account).publish(outgoing(images=images))
    item_1, item_2, carousel, publish = posts(fake)
    assert form_of(item_1)["is_carousel_item"] == ["true"]
    assert form_of(item_2)["image_url"] == ["https://essayons.example/media/planner/b.jpg"]
    assert form_of(carousel)["media_type"] == ["CAROUSEL"]
    assert form_of(carousel)["children"] == ["17899506308402767,17899506308402768"]
    assert form_of(publish) == {"creation_id": ["17956223912028811"]}


# Case 8: the quota and expired containers ----------------------------------------------------------


def test_quota_reached_defers_until_the_oldest_post_leaves_the_window(
    account, settings, monkeypatch
):
    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    fake = FakeTransport(answer(fixture("quota_full")), answer(fixture("media_list")))
    with use_transport(fake), pytest.raises(RateLimited) as raised:
        connector(account).publish(post_with_image(settings))
    assert raised.value.code == "quota"
    # Of the listed posts only the one of 26 Nov 14:00:05 is within the last 24 h (the other,
    # 25 Nov 09:12, has left the window): a slot frees 24 h after it.
    assert raised.value.retry_at == datetime(2026, 11, 27, 14, 0, 5, tzinfo=UTC)
    assert posts(fake) == []  # no container made, nothing published
    assert not RemoteDraft.objects.exists()


def test_quota_reached_without_dates_waits_an_hour_not_zero(account, settings):
    fake = FakeTransport(answer(fixture("quota_full")), answer({"data": []}))
    before = timezone.now()
    with use_transport(fake), pytest.raises(RateLimited) as raised:
        connector(account).publish(post_with_image(settings))
    assert raised.value.retry_at >= before + timedelta(minutes=59)


def test_container_older_than_a_day_is_replaced_and_never_published(account, settings):
    post = post_with_image(settings)
    old = RemoteDraft.objects.create(
        connection=account, attempt_key=post.attempt_key, remote_id=CONTAINER
    )
    RemoteDraft.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    fake = FakeTransport(
        answer(fixture("quota_ok")),
        answer(fixture("container_new")),
        answer(fixture("status_finished")),
        answer(fixture("media_published")),
        answer(fixture("permalink")),
    )
    with use_transport(fake):
        connector(account).publish(post)
    _create, publish = posts(fake)
    assert form_of(publish) == {"creation_id": ["17889615691921999"]}
    assert all(CONTAINER not in r.url and CONTAINER.encode() not in r.body for r in fake.requests)
    latest = RemoteDraft.objects.filter(attempt_key=post.attempt_key).first()
    assert latest is not None and latest.remote_id == "17889615691921999"


def test_container_reported_expired_is_replaced(account, settings):
    fake = FakeTransport(
        answer(fixture("quota_ok")),
        answer(fixture("container_created")),
        answer(fixture("status_expired")),
        answer(fixture("container_new")),
        answer(fixture("status_finished")),
        answer(fixture("media_published")),
        answer(fixture("permalink")),
    )
    with use_transport(fake):
        connector(account).publish(post_with_image(settings))
    publishes = [r for r in posts(fake) if r.url.endswith("/media_publish")]
    assert [form_of(r)["creation_id"] for r in publishes] == [["17889615691921999"]]


def test_publish_refused_as_expired_2207020_makes_a_new_container(account, settings):
    fake = FakeTransport(
        answer(fixture("quota_ok")),
        answer(fixture("container_created")),
        answer(fixture("status_finished")),
        answer(fixture("error_expired"), status=400),
        answer(fixture("container_new")),
        answer(fixture("status_finished")),
        answer(fixture("media_published")),
        answer(fixture("permalink")),
    )
    with use_transport(fake):
        published = connector(account).publish(post_with_image(settings))
    publishes = [
        form_of(r)["creation_id"][0] for r in posts(fake) if r.url.endswith("/media_publish")
    ]
    assert publishes == [CONTAINER, "17889615691921999"]
    assert published.remote_id == MEDIA


def test_container_error_is_rejected_with_its_subcode(account, settings):
    fake = FakeTransport(
        answer(fixture("quota_ok")),
        answer(fixture("container_created")),
        answer(fixture("status_error")),
    )
    with use_transport(fake), pytest.raises(Rejected) as raised:
        connector(account).publish(post_with_image(settings))
    assert raised.value.code == "2207004"
    assert not any(r.url.endswith("/media_publish") for r in fake.requests)


def test_still_processing_is_transient_and_the_next_try_reuses_the_container(account, settings):
    post = post_with_image(settings)
    with (
        use_transport(
            FakeTransport(
                answer(fixture("quota_ok")),
                answer(fixture("container_created")),
                answer(fixture("status_in_progress")),
            )
        ),
        pytest.raises(Transient) as raised,
    ):
        connector(account).publish(post)
    assert raised.value.code == "in_progress"
    again = FakeTransport(
        answer(fixture("status_finished")),
        answer(fixture("quota_ok")),
        answer(fixture("status_finished")),
        answer(fixture("media_published")),
        answer(fixture("permalink")),
    )
    with use_transport(again):
        connector(account).publish(post)
    assert [r.url.rsplit("/", 1)[-1] for r in posts(again)] == ["media_publish"]
    assert form_of(posts(again)[0]) == {"creation_id": [CONTAINER]}


# Cases 1 and 2: unknown outcome settled by the container's status --------------------------------


def test_unknown_outcome_then_container_published_finds_the_post(account, settings):
    post = post_with_image(settings)
    started = timezone.now()
    failing = FakeTransport(
        answer(fixture("quota_ok")),
        answer(fixture("container_created")),
        answer(fixture("status_finished")),
        TransportError("timed out"),
    )
    with use_transport(failing), pytest.raises(UnknownOutcome):
        connector(account).publish(post)
    lookup = FakeTransport(answer(fixture("status_published")), answer(fixture("media_list")))
    with use_transport(lookup):
        found = connector(account).find_published(post, since=started - timedelta(days=1))
    assert found == Published(remote_id=MEDIA, url="https://www.instagram.com/p/C1a2B3c4D5e/")
    assert lookup.requests[0].url == f"{GRAPH}/{CONTAINER}?fields=status_code%2Cstatus"
    assert all(r.method == "GET" for r in lookup.requests)


def test_server_error_on_publish_then_finished_container_is_published_once(account, settings):
    post = post_with_image(settings)
    failing = FakeTransport(
        answer(fixture("quota_ok")),
        answer(fixture("container_created")),
        answer(fixture("status_finished")),
        answer(fixture("error_server"), status=400),
    )
    with use_transport(failing), pytest.raises(UnknownOutcome):
        connector(account).publish(post)
    with use_transport(FakeTransport(answer(fixture("status_finished")))):
        assert connector(account).find_published(post, since=timezone.now()) is None
    retry = FakeTransport(
        answer(fixture("status_finished")),
        answer(fixture("quota_ok")),
        answer(fixture("status_finished")),
        answer(fixture("media_published")),
        answer(fixture("permalink")),
    )
    with use_transport(retry):
        connector(account).publish(post)
    assert [form_of(r) for r in posts(retry)] == [{"creation_id": [CONTAINER]}]
    assert RemoteDraft.objects.count() == 1


def test_retry_after_the_post_went_out_does_not_publish_again(account, settings):
    post = post_with_image(settings)
    draft = RemoteDraft.objects.create(
        connection=account, attempt_key=post.attempt_key, remote_id=CONTAINER
    )
    # The container was made just before the media in media_list.json went out.
    RemoteDraft.objects.filter(pk=draft.pk).update(
        created_at=datetime(2026, 11, 26, 13, 59, tzinfo=UTC)
    )
    fake = FakeTransport(answer(fixture("status_published")), answer(fixture("media_list")))
    with use_transport(fake):
        published = connector(account).publish(post)
    assert published.remote_id == MEDIA
    assert posts(fake) == []


def test_without_a_saved_container_nothing_was_published(account, settings):
    fake = FakeTransport(answer(fixture("status_published")))
    with use_transport(fake):
        assert (
            connector(account).find_published(post_with_image(settings), since=timezone.now())
            is None
        )
    assert fake.requests == []


# Cases 6, 7, 9 --------------------------------------------------------------------------------


def test_revoked_token(account, settings):
    with (
        use_transport(FakeTransport(answer(fixture("error_190_463"), status=400))),
        pytest.raises(AuthExpired),
    ):
        connector(account).publish(post_with_image(settings))


def test_quota_error_on_publish_is_rate_limited(account, settings):
    fake = FakeTransport(
        answer(fixture("quota_ok")),
        answer(fixture("container_created")),
        answer(fixture("status_finished")),
        answer(fixture("error_quota"), status=400),
    )
    with use_transport(fake), pytest.raises(RateLimited) as raised:
        connector(account).publish(post_with_image(settings))
    assert raised.value.code == "2207042"


def test_usage_headers_on_the_quota_read_stop_before_any_write(account, settings):
    fake = FakeTransport(answer(fixture("quota_ok"), headers=fixture("headers_buc_95")))
    with use_transport(fake), pytest.raises(RateLimited) as raised:
        connector(account).publish(post_with_image(settings))
    assert posts(fake) == []
    account.refresh_from_db()
    assert raised.value.retry_at == account.rate_limited_until


def test_limits_are_checked_before_any_call(account, settings):
    fake = FakeTransport(answer(fixture("quota_ok")))
    with use_transport(fake):
        with pytest.raises(Rejected) as no_image:
            connector(account).publish(outgoing())
        with pytest.raises(Rejected) as too_long:
            connector(account).publish(outgoing(text="é" * 2_201, images=(image_file(settings),)))
    assert (no_image.value.code, too_long.value.code) == ("image_required", "too_long")
    assert fake.requests == []


@pytest.mark.parametrize(
    "site", ["http://127.0.0.1:8000", "http://localhost:8000", "https://10.0.0.5"]
)
def test_private_site_url_is_refused_before_any_call(account, settings, site):
    settings.SITE_URL = site
    fake = FakeTransport(answer(fixture("quota_ok")))
    with use_transport(fake), pytest.raises(Rejected) as raised:
        connector(account).publish(post_with_image(settings))
    assert raised.value.code == "media_not_public"
    assert fake.requests == []


def test_permalink_check_and_verify(account):
    with use_transport(FakeTransport(answer(fixture("permalink")))):
        assert connector(account).permalink_check(Published(remote_id=MEDIA)) is True
    with use_transport(FakeTransport(answer(fixture("error_image_size"), status=400))):
        assert connector(account).permalink_check(Published(remote_id=MEDIA)) is False
    fake = FakeTransport(answer(fixture("user")))
    with use_transport(fake):
        assert connector(account).verify().name == "@boulangerietest"
    assert fake.last.url == f"{GRAPH}/{IG}?fields=id%2Cusername"


def test_oauth_finds_the_instagram_account_linked_to_each_page(settings):
    settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET = "1234567890", "APP-SECRET-VALUE"
    fake = FakeTransport(
        answer(fixture("token_short")),
        answer(fixture("token_long")),
        answer(fixture("me_accounts_ig")),
    )
    with use_transport(fake):
        (found,) = InstagramLogin().candidates(
            code="c", verifier="v" * 43, redirect_uri="https://e.x/cb"
        )
    assert found.account_id == IG and found.name == "@boulangerietest"
    assert found.credentials == {"page_token": TOKEN, "page_id": "546349135390552"}
    accounts = fake.requests[2]
    assert parse_qs(accounts.url.split("?", 1)[1])["fields"] == [
        "id,name,access_token,instagram_business_account{id,username}"
    ]
    scopes = parse_qs(
        InstagramLogin()
        .authorize_url(state="s", code_challenge="c", redirect_uri="r")
        .split("?", 1)[1]
    )["scope"]
    assert scopes == [
        "instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement,"
        "instagram_manage_comments"
    ]


def test_token_never_in_logs(account, settings, caplog):
    caplog.set_level(logging.DEBUG)
    with (
        use_transport(
            FakeTransport(answer(fixture("quota_ok")), answer(fixture("error_190_463"), status=400))
        ),
        pytest.raises(AuthExpired),
    ):
        connector(account).publish(post_with_image(settings))
    assert caplog.records and TOKEN not in caplog.text


# Disconnecting: the Page token cannot take the app's permissions back (facebook/connector.py) ----


def test_revoke_asks_instagram_nothing(account):
    with use_transport(FakeTransport()) as fake:
        connector(account).revoke()
    assert fake.requests == []
