"""The Meta Insights sync through essayons.lib.http's fake transport: the exact request, paging,
one purchase type, upsert per day with the look-back window, errors in French."""

import json
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from essayons.lib import http
from essayons.lib.http import FakeTransport, Response
from essayons.tracking.ads_meta import LOOKBACK_DAYS, MetaSyncError, ads_meta_sync
from essayons.tracking.ads_services import meta_account_save
from essayons.tracking.ads_tasks import ads_meta_sync_task
from essayons.tracking.models import AdSpend, MetaAdAccount

pytestmark = pytest.mark.django_db
TOKEN = "EAAGm0PX4ZCpsBAKZCZBn2g9token0123456789"


def _row(day, spend="35.71", reach="10480", purchases=("1", "1", "1")):
    return {
        "campaign_id": "120210000000001",
        "campaign_name": "Galette des rois",
        "account_currency": "EUR",
        "spend": spend,
        "reach": reach,
        "impressions": "29430",
        "inline_link_clicks": "136",
        "actions": [
            {"action_type": "link_click", "value": "136"},
            {"action_type": "like", "value": "57"},
            {"action_type": "purchase", "value": purchases[0]},
            {"action_type": "omni_purchase", "value": purchases[1]},
            {"action_type": "offsite_conversion.fb_pixel_purchase", "value": purchases[2]},
            {"action_type": "onsite_web_purchase", "value": purchases[0]},
        ],
        "date_start": day,
        "date_stop": day,
    }


@pytest.fixture
def account(business):
    return meta_account_save(business=business, account_id="1234567890", token=TOKEN)


def test_exact_request_paging_and_one_purchase_type(account):
    page_one = {
        "data": [_row("2027-01-04")],
        "paging": {
            "cursors": {"before": "MAZDZD", "after": "MjQZD"},
            "next": "https://graph.facebook.com/v25.0/act_1234567890/insights?after=MjQZD",
        },
    }
    page_two = {
        "data": [_row("2027-01-05", spend="40.00")],
        "paging": {"cursors": {"before": "MjQZD", "after": "MjUZD"}},
    }
    with http.use_transport(
        FakeTransport(Response.of_json(page_one), Response.of_json(page_two))
    ) as fake:
        summary = ads_meta_sync(account=account, today=date(2027, 1, 17))
    assert summary.created == 2
    first, second = fake.requests
    assert first.method == "GET"
    parts = urlsplit(first.url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "graph.facebook.com",
        "/v25.0/act_1234567890/insights",
    )
    query = parse_qs(parts.query)
    assert query["level"] == ["campaign"] and query["time_increment"] == ["1"]
    assert set(query["fields"][0].split(",")) >= {
        "spend",
        "reach",
        "impressions",
        "inline_link_clicks",
        "actions",
    }
    assert json.loads(query["time_range"][0]) == {"since": "2026-10-19", "until": "2027-01-17"}
    assert "access_token" not in query and TOKEN not in first.url
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.headers["User-Agent"].startswith("Essayons/")
    assert parse_qs(urlsplit(second.url).query)["after"] == ["MjQZD"]
    row = AdSpend.objects.get(period_start=date(2027, 1, 4))
    assert (row.spend, row.reach, row.link_clicks, row.page_likes, row.purchases) == (
        Decimal("35.71"),
        10480,
        136,
        57,
        1,
    )
    assert row.source == "api" and row.campaign.name == "Galette des rois"
    account.refresh_from_db()
    assert account.synced_until == date(2027, 1, 17) and account.last_error == ""


def test_next_sync_refetches_the_lookback_window_and_upserts(account):
    with http.use_transport(FakeTransport(Response.of_json({"data": [_row("2027-01-04")]}))):
        ads_meta_sync(account=account, today=date(2027, 1, 17))
    account.refresh_from_db()
    late = {"data": [_row("2027-01-04", purchases=("2", "2", "2")), _row("2027-01-18")]}
    with http.use_transport(FakeTransport(Response.of_json(late))) as fake:
        summary = ads_meta_sync(account=account, today=date(2027, 1, 18))
    window = json.loads(parse_qs(urlsplit(fake.last.url).query)["time_range"][0])
    assert window == {
        "since": str(date(2027, 1, 17) - timedelta(days=LOOKBACK_DAYS)),
        "until": "2027-01-18",
    }
    assert (summary.created, summary.updated) == (1, 1)
    assert AdSpend.objects.count() == 2
    assert AdSpend.objects.get(period_start=date(2027, 1, 4)).purchases == 2


@pytest.mark.parametrize(
    ("status", "error", "words", "transient"),
    [
        (
            400,
            {
                "message": "Error validating access token",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
            },
            "expiré",
            False,
        ),
        (
            400,
            {
                "message": "User request limit reached",
                "type": "OAuthException",
                "code": 17,
                "error_subcode": 2446079,
            },
            "limite",
            True,
        ),
        (
            403,
            {
                "message": "(#200) Requires ads_read permission",
                "type": "OAuthException",
                "code": 200,
            },
            "ads_read",
            False,
        ),
        (
            400,
            {
                "message": "(#100) Unsupported get request",
                "type": "GraphMethodException",
                "code": 100,
            },
            "numéro du compte",
            False,
        ),
        (
            500,
            {"message": "An unknown error occurred", "type": "OAuthException", "code": 1},
            "réessaierons",
            True,
        ),
    ],
)
def test_meta_errors_become_french_messages_on_the_account(
    account, status, error, words, transient, settings
):
    body = Response.of_json({"error": {**error, "fbtrace_id": "AbC123"}}, status=status)
    with http.use_transport(FakeTransport(body)), pytest.raises(MetaSyncError) as caught:
        ads_meta_sync(account=account, today=date(2027, 1, 17))
    assert caught.value.transient is transient
    account.refresh_from_db()
    assert words in account.last_error and account.last_error_at is not None
    assert AdSpend.objects.count() == 0


def test_network_failure_and_task_records_it(account):
    with http.use_transport(FakeTransport(http.TransportError("timed out"))):
        assert ads_meta_sync_task.call(account.pk) == "failed: transient"
    assert "ne répond pas" in MetaAdAccount.objects.get().last_error


def test_foreign_currency_account_is_refused(account):
    row = {**_row("2027-01-04"), "account_currency": "USD"}
    with (
        http.use_transport(FakeTransport(Response.of_json({"data": [row]}))),
        pytest.raises(MetaSyncError),
    ):
        ads_meta_sync(account=account, today=date(2027, 1, 17))
    assert AdSpend.objects.count() == 0


def test_token_is_stored_encrypted(account):
    assert TOKEN not in MetaAdAccount.objects.values_list("token_encrypted", flat=True).get()
    assert account.token() == TOKEN
