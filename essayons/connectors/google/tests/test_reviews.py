"""Google Business Profile reviews in the inbox: the reply (a PUT upsert), its reconciliation,
and the resumable poll (CONTRACTS.md §1.6, §3.1, §3.2).

Fixture shapes follow the official reference:
- Review, ReviewReply: https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews
- reviews.list (ListReviewsResponse): https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list
- updateReply: https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/updateReply
- the guide: https://developers.google.com/my-business/content/review-data
"""

import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from freezegun import freeze_time

from essayons.connectors.base import Published, Reconciliation, ReplyTarget
from essayons.connectors.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from essayons.connectors.google.connector import GoogleConnector
from essayons.connectors.models import Connection
from essayons.connectors.tests.support import answer, connection_make, fixtures_of
from essayons.lib.http import (
    FakeTransport,
    Response,
    ResponseTooLarge,
    TransportError,
    use_transport,
)

pytestmark = pytest.mark.django_db
fixture = fixtures_of(__file__)
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LOC = "accounts/106230594722412345678/locations/4467382716183912345"
V4 = "https://mybusiness.googleapis.com/v4"
REVIEWS = f"{V4}/{LOC}/reviews"
FIRST_PAGE = f"{REVIEWS}?pageSize=50&orderBy=updateTime+desc"
REVIEW = f"{LOC}/reviews/AIe9_BGq1newest"
REPLY_TEXT = "Merci Camille, à très bientôt !"
TOKEN_URL = "https://oauth2.googleapis.com/token"


@pytest.fixture(autouse=True)
def google_app(settings):
    settings.GOOGLE_CLIENT_ID = "123-abc.apps.googleusercontent.com"
    settings.GOOGLE_CLIENT_SECRET = "GOCSPX-CLIENT-SECRET"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW) as clock:
        yield clock


@pytest.fixture
def location(business):
    credentials = {
        "access_token": "GOOGLE-ACCESS-TOKEN-1",
        "access_expires_at": (NOW + timedelta(minutes=50)).isoformat(),
        "refresh_token": "GOOGLE-REFRESH-TOKEN-SECRET",
    }
    return connection_make(business, "google", LOC, credentials)


def connector(location):
    return GoogleConnector(Connection.objects.get(pk=location.pk))


def target(name=REVIEW):
    return ReplyTarget(remote_id=name, thread_id=name, context={"rating": "5"})


def poll(location, cursor, *answers):
    fake = FakeTransport(*answers)
    with use_transport(fake):
        page = connector(location).inbox_poll(kind="reviews", cursor=cursor)
    return page, fake


def page_url(token):
    return f"{FIRST_PAGE}&pageToken={token}"


def names(page):
    return [item.remote_id.rsplit("/", 1)[-1] for item in page.items]


def test_google_answers_reviews_and_polls_them():
    assert GoogleConnector.supports_reply and GoogleConnector.supports_inbox
    assert GoogleConnector.inbox_kinds == ("reviews",)
    assert GoogleConnector.reply_reconciliation == Reconciliation.UPSERT


# Reply ------------------------------------------------------------------------------------------


def test_reply_puts_the_comment_on_the_review(location):
    fake = FakeTransport(answer(fixture("review_reply")))
    with use_transport(fake):
        published = connector(location).reply(
            target=target(), text=REPLY_TEXT, attempt_key="reply-7-key"
        )
    sent = fake.last
    assert (sent.method, sent.url) == ("PUT", f"{V4}/{REVIEW}/reply")
    assert sent.json() == {"comment": REPLY_TEXT}
    assert sent.headers["Authorization"] == "Bearer GOOGLE-ACCESS-TOKEN-1"
    assert sent.headers["Content-Type"] == "application/json"
    assert "Idempotency-Key" not in sent.headers  # the PUT replaces; Google has no such key
    assert published == Published(remote_id=f"{REVIEW}/reply")


@pytest.mark.parametrize(
    "name",
    [
        "accounts/106230594722412345678/locations/999/reviews/AIe9_BGq1",  # another location
        f"{LOC}/reviews/../../localPosts/123",
        f"{LOC}/reviews/AIe9?alt=media",
        f"{LOC}/reviews/AIe9%2F..",
        f"{LOC}/localPosts/123",
        "",
    ],
)
def test_reply_refuses_a_name_that_is_not_a_review_of_this_location(location, name):
    fake = FakeTransport(answer(fixture("review_reply")))
    with use_transport(fake), pytest.raises(Rejected) as raised:
        connector(location).reply(target=target(name), text=REPLY_TEXT, attempt_key="k")
    assert raised.value.code == "bad_target"
    assert fake.requests == []


def test_reply_refuses_empty_or_longer_than_4096_bytes_before_any_call(location):
    fake = FakeTransport(answer(fixture("review_reply")))
    with use_transport(fake):
        for text, code in ((" \n ", "empty"), ("é" * 2049, "too_long")):
            with pytest.raises(Rejected) as raised:
                connector(location).reply(target=target(), text=text, attempt_key="k")
            assert raised.value.code == code
        assert fake.requests == []
        connector(location).reply(target=target(), text="é" * 2048, attempt_key="k")  # 4096 bytes
    assert len(fake.requests) == 1


def test_reply_on_an_unverified_location_is_rejected(location):
    # "This operation is only valid if the specified location is verified" (updateReply page).
    with (
        use_transport(FakeTransport(answer(fixture("error_404"), status=404))),
        pytest.raises(Rejected) as raised,
    ):
        connector(location).reply(target=target(), text=REPLY_TEXT, attempt_key="k")
    assert raised.value.code == "NOT_FOUND"


def test_reply_with_a_revoked_grant_is_auth_expired(location):
    fake = FakeTransport(
        answer(fixture("error_401"), status=401),
        answer(fixture("token_refreshed")),
        answer(fixture("error_401"), status=401),
    )
    with use_transport(fake), pytest.raises(AuthExpired):
        connector(location).reply(target=target(), text=REPLY_TEXT, attempt_key="k")
    assert [(r.method, r.url) for r in fake.requests] == [
        ("PUT", f"{V4}/{REVIEW}/reply"),
        ("POST", TOKEN_URL),
        ("PUT", f"{V4}/{REVIEW}/reply"),
    ]


def test_reply_rate_limited_waits_what_google_says(location):
    fake = FakeTransport(answer(fixture("error_429"), status=429, headers={"Retry-After": "90"}))
    with use_transport(fake), pytest.raises(RateLimited) as raised:
        connector(location).reply(target=target(), text=REPLY_TEXT, attempt_key="k")
    assert raised.value.retry_at == NOW + timedelta(seconds=90)
    assert raised.value.code == "RESOURCE_EXHAUSTED"


@pytest.mark.parametrize(
    "failure",
    [
        answer(fixture("error_503"), status=503),
        TransportError("timed out"),
        Response(status=200, body=b"<html>proxy says hello</html>"),
    ],
    ids=["503", "timeout", "not-json"],
)
def test_reply_that_may_have_landed_is_an_unknown_outcome(location, failure):
    with use_transport(FakeTransport(failure)), pytest.raises(UnknownOutcome):
        connector(location).reply(target=target(), text=REPLY_TEXT, attempt_key="k")


# find_reply after an unknown outcome ------------------------------------------------------------


def unknown_then_find(location, lookup):
    """A 503 on the PUT, then find_reply with `lookup` as Google's answer to the GET."""
    since = NOW - timedelta(seconds=30)
    fake = FakeTransport(answer(fixture("error_503"), status=503), lookup)
    with use_transport(fake):
        with pytest.raises(UnknownOutcome):
            connector(location).reply(target=target(), text=REPLY_TEXT, attempt_key="k")
        found = connector(location).find_reply(
            target=target(), text=REPLY_TEXT, attempt_key="k", since=since
        )
    assert (fake.last.method, fake.last.url) == ("GET", f"{V4}/{REVIEW}")
    return found


def test_find_reply_finds_our_reply_on_the_review(location):
    found = unknown_then_find(location, answer(fixture("review_replied")))
    assert found == Published(remote_id=f"{REVIEW}/reply")


def test_find_reply_ignores_spacing_google_may_change(location):
    review = fixture("review_replied")
    review["reviewReply"]["comment"] = "Merci Camille,\r\nà très bientôt !  "
    assert unknown_then_find(location, answer(review)) == Published(remote_id=f"{REVIEW}/reply")


def test_find_reply_without_a_reply_says_not_there_and_the_same_put_may_go_again(location):
    assert unknown_then_find(location, answer(fixture("review_unanswered"))) is None
    fake = FakeTransport(answer(fixture("review_reply")))
    with use_transport(fake):
        connector(location).reply(target=target(), text=REPLY_TEXT, attempt_key="k")
    assert (fake.last.method, fake.last.url) == ("PUT", f"{V4}/{REVIEW}/reply")
    assert fake.last.json() == {"comment": REPLY_TEXT}


def test_find_reply_with_an_older_reply_says_ours_did_not_land(location):
    assert unknown_then_find(location, answer(fixture("review_old_reply"))) is None


def test_find_reply_with_another_reply_made_since_cannot_tell(location):
    # Someone answered in Google's own app meanwhile: sending again would overwrite them.
    with pytest.raises(UnknownOutcome) as raised:
        unknown_then_find(location, answer(fixture("review_other_reply")))
    assert raised.value.code == "other_reply"


def test_find_reply_on_a_review_that_is_gone_says_not_there(location):
    assert unknown_then_find(location, answer(fixture("error_404"), status=404)) is None


@pytest.mark.parametrize(
    "failure",
    [answer(fixture("error_503"), status=503), TransportError("reset")],
    ids=["503", "reset"],
)
def test_find_reply_when_google_does_not_answer_is_transient(location, failure):
    with use_transport(FakeTransport(failure)), pytest.raises(Transient):
        connector(location).find_reply(target=target(), text=REPLY_TEXT, attempt_key="k", since=NOW)


# Polling ----------------------------------------------------------------------------------------


def test_first_poll_maps_reviews_oldest_first(location):
    page, fake = poll(location, "", answer(fixture("reviews_page_1")))
    assert (fake.last.method, fake.last.url) == ("GET", FIRST_PAGE)
    assert fake.last.headers["Authorization"] == "Bearer GOOGLE-ACCESS-TOKEN-1"
    assert names(page) == ["AIe9_BGq3starsonly", "AIe9_BGq2answered", "AIe9_BGq1newest"]
    stars_only, answered, newest = page.items
    assert newest.channel == "google"
    assert newest.remote_id == newest.thread_id == REVIEW
    assert newest.author_name == "Camille Martin"
    assert newest.text == "Les meilleurs croissants du quartier, et l'accueil est adorable."
    assert newest.received_at == datetime(2026, 11, 26, 18, 42, 10, 512345, tzinfo=UTC)
    assert dict(newest.context) == {"rating": "5"}
    assert dict(answered.context) == {"rating": "4", "answered": "1"}
    assert (stars_only.text, stars_only.author_name) == ("", "")  # anonymous, stars only
    assert dict(stars_only.context) == {"rating": "3"}
    assert page.more is True
    # A walk under way: `until` stays put, `top` and the next page wait for the walk's end.
    assert json.loads(page.next_cursor) == {
        "until": "2026-10-28T12:00:00+00:00",
        "top": "2026-11-26T18:42:10.512345+00:00",
        "page": "CAESBgoEMjM0NQ-PAGE-2",
    }


def test_the_owners_own_replies_are_never_items(location):
    page, _fake = poll(location, "", answer(fixture("reviews_page_1")))
    owner_reply = fixture("reviews_page_1")["reviews"][1]["reviewReply"]["comment"]
    assert all(owner_reply not in item.text for item in page.items)
    assert len(page.items) == 3


def test_walk_of_three_pages_resumes_where_a_failed_poll_stopped(location):
    """The lead stores a page's items, then its cursor; a failed poll stores nothing."""
    stored: list[str] = []
    cursor = ""
    answers = [
        answer(fixture("reviews_page_1")),
        answer(fixture("error_500"), status=500),  # the 2nd call fails
        answer(fixture("reviews_page_2")),
        answer(fixture("reviews_page_3")),
    ]
    urls = []
    mores = []
    for reply in answers:
        fake = FakeTransport(reply)
        try:
            with use_transport(fake):
                page = connector(location).inbox_poll(kind="reviews", cursor=cursor)
        except Transient:
            urls.append(fake.last.url)
            continue
        urls.append(fake.last.url)
        stored.extend(names(page))
        cursor = page.next_cursor
        mores.append(page.more)
        assert len(cursor) <= 500
    token_2 = fixture("reviews_page_1")["nextPageToken"]
    token_3 = fixture("reviews_page_2")["nextPageToken"]
    assert urls == [FIRST_PAGE, page_url(token_2), page_url(token_2), page_url(token_3)]
    every_review = [
        review["reviewId"]
        for name in ("reviews_page_1", "reviews_page_2", "reviews_page_3")
        for review in fixture(name)["reviews"]
    ]
    assert sorted(stored) == sorted(every_review)  # nothing skipped, nothing twice
    assert mores == [True, True, False]
    # The walk is over: `until` moved to the newest review of the walk, nothing else is kept.
    assert json.loads(cursor) == {"until": "2026-11-26T18:42:10.512345+00:00"}

    # The next poll brings only what is newer, and stops there though Google offers more pages.
    page, fake = poll(location, cursor, answer(fixture("reviews_new")))
    assert fake.last.url == FIRST_PAGE
    assert names(page) == ["AIe9_BGq0brandnew"]
    assert page.more is False
    assert json.loads(page.next_cursor) == {"until": "2026-11-27T08:15:00+00:00"}


def test_first_poll_on_years_of_reviews_keeps_30_days_in_one_call(location):
    page, fake = poll(location, "", answer(fixture("reviews_years")))
    assert len(fake.requests) == 1
    assert names(page) == ["AIe9_BGy2", "AIe9_BGy1"]  # 30 Oct and 20 Nov; 20 Oct is too old
    assert page.more is False
    assert json.loads(page.next_cursor) == {"until": "2026-11-20T09:00:00+00:00"}


def test_first_poll_with_nothing_recent_remembers_the_30_day_line(location):
    page, _fake = poll(location, "", answer(fixture("reviews_old_only")))
    assert page.items == () and page.more is False
    cursor = json.loads(page.next_cursor)
    assert cursor == {"until": (NOW - timedelta(days=30)).isoformat()}
    again, _fake = poll(location, page.next_cursor, answer(fixture("reviews_old_only")))
    assert again.items == () and again.next_cursor == page.next_cursor


def test_a_location_without_reviews_answers_an_empty_object(location):
    page, _fake = poll(location, "", answer(fixture("reviews_none")))
    assert page.items == () and page.more is False


def test_an_expired_page_token_walks_again_from_the_top(location):
    first, _fake = poll(location, "", answer(fixture("reviews_page_1")))
    page, fake = poll(
        location,
        first.next_cursor,
        answer(fixture("error_400_page_token"), status=400),
        answer(fixture("reviews_page_1")),
    )
    token = fixture("reviews_page_1")["nextPageToken"]
    assert [r.url for r in fake.requests] == [page_url(token), FIRST_PAGE]
    assert len(page.items) == 3  # read again: the inbox skips what it has
    assert page.next_cursor == first.next_cursor  # same `until`, same `top`, same next page


def test_a_damaged_cursor_starts_again_30_days_back(location, caplog):
    for damaged in ('{"until": "2026-11-2', "[]", '{"until": 5}', '{"until": "x", "page": 3}'):
        page, fake = poll(location, damaged, answer(fixture("reviews_years")))
        assert fake.last.url == FIRST_PAGE
        assert names(page) == ["AIe9_BGy2", "AIe9_BGy1"]
    assert "unreadable cursor" in caplog.text


def test_a_page_token_too_long_to_store_is_refused_not_cut(location):
    endless = fixture("reviews_page_1")
    endless["nextPageToken"] = "T" * 600
    with pytest.raises(Rejected) as raised:
        poll(location, "", answer(endless))
    assert raised.value.code == "cursor_too_long"


def test_unknown_poll_kind_is_rejected_without_a_call(location):
    fake = FakeTransport(answer(fixture("reviews_page_1")))
    with use_transport(fake), pytest.raises(Rejected):
        connector(location).inbox_poll(kind="mentions", cursor="")
    assert fake.requests == []


def test_poll_refreshes_an_ended_access_token_and_keeps_it(location):
    location.credentials = {**location.credentials, "access_expires_at": NOW.isoformat()}
    location.save()
    page, fake = poll(
        location, "", answer(fixture("token_refreshed")), answer(fixture("reviews_years"))
    )
    assert [r.url for r in fake.requests] == [TOKEN_URL, FIRST_PAGE]
    assert fake.last.headers["Authorization"] == "Bearer GOOGLE-ACCESS-TOKEN-2"
    location.refresh_from_db()
    assert location.credentials["access_token"] == "GOOGLE-ACCESS-TOKEN-2"
    assert len(page.items) == 2


# Poll errors --------------------------------------------------------------------------------------


def test_poll_of_an_unverified_location_is_rejected(location):
    # reviews.list "is only valid if the specified location is verified".
    with pytest.raises(Rejected) as raised:
        poll(location, "", answer(fixture("error_404"), status=404))
    assert raised.value.code == "NOT_FOUND"


def test_poll_with_a_revoked_grant_is_auth_expired(location):
    with pytest.raises(AuthExpired) as raised:
        poll(
            location,
            "",
            answer(fixture("error_401"), status=401),
            answer(fixture("token_invalid_grant"), status=400),
        )
    assert raised.value.code == "invalid_grant"


def test_poll_rate_limited_says_when(location):
    with pytest.raises(RateLimited) as raised:
        poll(location, "", answer(fixture("error_429"), status=429))
    assert raised.value.retry_at == NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    "failure",
    [
        answer(fixture("error_503"), status=503),
        TransportError("reset"),
        ResponseTooLarge("6 MB"),
        Response(status=200, body=b"<!doctype html><title>Error</title>"),
        answer([1, 2, 3]),
        answer({"reviews": "none today"}),
        answer({"reviews": [], "nextPageToken": 12345}),
    ],
    ids=["503", "reset", "too-large", "html", "list", "reviews-not-a-list", "token-not-a-string"],
)
def test_poll_on_a_broken_answer_is_transient_and_the_page_is_asked_again(location, failure):
    with pytest.raises(Transient):
        poll(location, "", failure)


def test_an_oversized_answer_is_cut_off_by_the_transport(location):
    huge = Response(status=200, body=b'{"reviews": ["' + b"x" * 5_000_001 + b'"]}')
    with pytest.raises(Transient):
        poll(location, "", huge)


def test_malformed_reviews_are_skipped_with_a_log_line(location, caplog):
    caplog.set_level(logging.WARNING)
    page, _fake = poll(location, "", answer(fixture("reviews_malformed")))
    assert names(page) == ["AIe9_BGgood"]
    assert dict(page.items[0].context) == {}  # "SIX" is no star rating
    assert caplog.text.count("skipped") == 9
    assert "path trick" not in caplog.text  # the customer's text is not logged


def test_hostile_text_is_kept_as_text_and_huge_text_is_capped(location):
    hostile = fixture("reviews_page_2")
    hostile["reviews"][0]["comment"] = "Trop long. " * 20_000
    page, _fake = poll(location, "", answer(hostile))
    script, long = page.items
    assert script.text == "<script>alert('x')</script> <b>Top</b> &amp; rapide"
    assert script.author_name == "<img src=x onerror=alert(1)>"
    assert len(long.text) == 5_000
    assert dict(long.context) == {"rating": "1"}


def test_reviews_are_asked_with_the_documented_parameters(location):
    _page, fake = poll(location, "", answer(fixture("reviews_page_1")))
    query = parse_qs(urlsplit(fake.last.url).query)
    assert query == {"pageSize": ["50"], "orderBy": ["updateTime desc"]}
    assert fake.last.body == b""
