"""Ad spend from the Meta Ads Insights API, through essayons.lib.http.

`GET /act_<account>/insights` at campaign level, one row per day (`time_increment=1`), the
fields Ads Manager shows: spend, reach, impressions, inline_link_clicks and actions
(https://developers.facebook.com/documentation/ads-commerce/marketing-api/insights; field
names in facebook-business `adobjects/adsinsights.py`). Numbers come back as strings; pages
follow `paging.cursors.after`. Conversions keep arriving after the day, so each sync fetches
again the last LOOKBACK_DAYS and upserts per (campaign, day) (CONTRACTS.md §1.3).

The token travels in the Authorization header, never in the URL (ASVS 14.2.1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from essayons.lib import http
from essayons.tracking.ads_import import name_key
from essayons.tracking.ads_services import AdRow, ad_rows_save
from essayons.tracking.imports_core import Summary
from essayons.tracking.models import AdSource, MetaAdAccount

GRAPH = "https://graph.facebook.com/v25.0"
FIELDS = (
    "campaign_id,campaign_name,account_currency,spend,reach,impressions,inline_link_clicks,actions"
)
LOOKBACK_DAYS = 28
FIRST_SYNC_DAYS = 90
MAX_PAGES = 200
# One purchase shows up under several action types with the same value (omni_purchase,
# onsite_web_purchase, offsite_conversion.fb_pixel_purchase, …): counting more than one of
# them counts each sale several times (CONTRACTS.md §1.3; the list of duplicates is in
# pipeboard-co/meta-ads-mcp core/insights.py, third-party). We read only this one.
PURCHASE_ACTION = "purchase"
# "like" in `actions` is a like of the Page the ad promotes.
PAGE_LIKE_ACTION = "like"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613}) | frozenset(range(80000, 80015))
AUTH_CODES = frozenset({102, 190})


class MetaSyncError(Exception):
    """Why a sync failed, in French for the owner; `transient` says whether to try later."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


@dataclass(frozen=True)
class Window:
    since: date
    until: date


def sync_window(account: MetaAdAccount, today: date) -> Window:
    if account.synced_until is None:
        return Window(today - timedelta(days=FIRST_SYNC_DAYS), today)
    return Window(min(account.synced_until, today) - timedelta(days=LOOKBACK_DAYS), today)


def insights_fetch(*, account_id: str, token: str, window: Window) -> list[dict[str, Any]]:
    """Every row of the window, all pages followed; raises MetaSyncError."""
    params: dict[str, str] = {
        "level": "campaign",
        "fields": FIELDS,
        "time_increment": "1",
        "time_range": json.dumps(
            {"since": window.since.isoformat(), "until": window.until.isoformat()},
            separators=(",", ":"),
        ),
        "limit": "200",
    }
    rows: list[dict[str, Any]] = []
    for _page in range(MAX_PAGES):
        try:
            answer = http.get(
                f"{GRAPH}/act_{account_id}/insights",
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            payload = answer.json()
        except http.HttpError as error:
            raise MetaSyncError(
                _("Meta is not answering right now; we will try again later."),
                transient=error.transient,
            ) from None
        if not answer.ok or not isinstance(payload, dict) or "error" in payload:
            raise _error(payload, answer.status)
        rows.extend(item for item in payload.get("data", []) if isinstance(item, dict))
        paging = payload.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            return rows
        params["after"] = str(after)
    raise MetaSyncError(_("Meta sent too many pages; try a shorter period."))


def _error(payload: Any, status: int) -> MetaSyncError:
    """Meta's error body mapped to a French sentence and what to do (CONTRACTS.md §1.1)."""
    error = payload.get("error", {}) if isinstance(payload, dict) else {}
    code = error.get("code") if isinstance(error, dict) else None
    detail = str(error.get("message", ""))[:200] if isinstance(error, dict) else ""
    if code in AUTH_CODES:
        return MetaSyncError(
            _("The connection to Meta has expired or was withdrawn: save a new access token.")
        )
    if code in RATE_LIMIT_CODES:
        return MetaSyncError(
            _("Meta is limiting requests for now; we will try again later."), transient=True
        )
    if code == 10 or (isinstance(code, int) and 200 <= code <= 299):
        return MetaSyncError(
            _("The access token lacks the “ads_read” permission for this ad account.")
        )
    if code == 100:
        return MetaSyncError(
            _("Meta refused the request; check the ad account number (%(detail)s).")
            % {"detail": detail}
        )
    if status >= 500:
        return MetaSyncError(
            _("Meta had a problem on its side; we will try again later."), transient=True
        )
    return MetaSyncError(
        _("Meta answered with an error (code %(code)s): %(detail)s")
        % {"code": code, "detail": detail}
    )


def insight_row(item: dict[str, Any], currency: str) -> AdRow:
    """One daily insights row as an AdRow; raises MetaSyncError on a malformed row."""
    try:
        name = str(item.get("campaign_name") or item.get("campaign_id") or "").strip()
        start = date.fromisoformat(str(item["date_start"]))
        end = date.fromisoformat(str(item.get("date_stop") or item["date_start"]))
        spend = Decimal(str(item.get("spend") or "0")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        actions = {
            str(action.get("action_type")): action.get("value")
            for action in item.get("actions") or []
            if isinstance(action, dict)
        }
        return AdRow(
            ad_campaign_name=name[:200],
            ad_campaign_key=name_key(name),
            period_start=start,
            period_end=end,
            currency=str(item.get("account_currency") or currency),
            spend=spend,
            reach=_count(item.get("reach")),
            impressions=_count(item.get("impressions")),
            link_clicks=_count(item.get("inline_link_clicks")),
            page_likes=_count(actions.get(PAGE_LIKE_ACTION)),
            purchases=_count(actions.get(PURCHASE_ACTION)),
        )
    except (KeyError, ValueError, InvalidOperation):
        raise MetaSyncError(_("Meta sent a row we cannot read; nothing was saved.")) from None


def _count(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(Decimal(str(value)))


def ads_meta_sync(*, account: MetaAdAccount, today: date | None = None) -> Summary:
    """Fetch the window and upsert it; the outcome (or the French error) is kept on the account."""
    business = account.business
    today = today or timezone.now().astimezone(ZoneInfo(business.timezone)).date()
    window = sync_window(account, today)
    try:
        items = insights_fetch(account_id=account.account_id, token=account.token(), window=window)
        rows = [insight_row(item, business.currency) for item in items]
        foreign = {row.currency for row in rows} - {business.currency}
        if foreign:
            raise MetaSyncError(
                _("This ad account counts in %(currency)s, your business in %(ours)s.")
                % {"currency": ", ".join(sorted(foreign)), "ours": business.currency}
            )
        summary = ad_rows_save(business=business, rows=rows, source=AdSource.API)
    except MetaSyncError as error:
        MetaAdAccount.objects.filter(pk=account.pk).update(
            last_error=error.message, last_error_at=timezone.now()
        )
        raise
    MetaAdAccount.objects.filter(pk=account.pk).update(
        synced_at=timezone.now(), synced_until=window.until, last_error="", last_error_at=None
    )
    return summary
