"""The results page and its CSV export (read-only: owner, advisor and helper)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view
from essayons.inbox.queries import inbox_month_summary
from essayons.tracking.models import HeardFrom
from essayons.tracking.results_charts import Chart, Series, grouped_chart
from essayons.tracking.results_figures import Figures, Results
from essayons.tracking.results_format import money, number
from essayons.tracking.results_periods import Period, period_choose
from essayons.tracking.results_queries import results_build, results_read
from essayons.tracking.results_rollups import rollups_refresh
from essayons.tracking.results_text import (
    channel_label,
    declared_label,
    sentence,
    steps,
    steps_html,
)


@dataclass(frozen=True)
class Comparison:
    label: str
    now: str
    before: str
    change: str
    trend: str


@business_view(Perm.VIEW_RESULTS)
def results(request: BusinessRequest) -> HttpResponse:
    snapshot = rollups_refresh()
    period, months, everything = period_choose(request.business, request.GET.get("periode"))
    found, previous = results_read(request.business, period, snapshot)
    context = {
        "period": period,
        "period_label": period_label(period),
        "months": [(m.key, period_label(m)) for m in reversed(months)],
        "everything": everything,
        "results": found,
        "total_steps": steps_html(steps(found.total)),
        "comparisons": _comparisons(found.total, previous.total) if previous else [],
        "previous_label": period_label(period.previous) if period.previous else "",
        "campaigns": [
            {
                "campaign": item.campaign,
                "sentence": sentence(item.figures),
                "steps": steps_html(steps(item.figures)),
                "declared": _declared(item.declared_during),
                "chart": _spend_chart(item.figures),
            }
            for item in found.campaigns
        ],
        "channels": [
            (channel_label(key), figures)
            for key, figures in found.channels.items()
            if not figures.is_empty
        ],
        "buckets": [(_bucket_label(period, when), figures) for when, figures in found.buckets],
        "timeline": _timeline(found, period),
        "declared": _declared(found.total.declared),
        # How fast customers were answered that month (the inbox's figures, measured).
        "care": None
        if period.by_month
        else inbox_month_summary(business=request.business, month=period.start),
    }
    return render(request, "tracking/results.html", context)


@business_view(Perm.VIEW_RESULTS)
def results_export(request: BusinessRequest) -> HttpResponse:
    period, _months, _everything = period_choose(request.business, request.GET.get("periode"))
    found = results_build(request.business, period)
    french = (get_language() or "fr").startswith("fr")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="resultats-{period.key}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 only with the BOM
    writer = csv.writer(response, delimiter=";" if french else ",")
    writer.writerow(_export_headers())
    for item in found.campaigns:
        writer.writerow(
            [_("Campaign"), _cell(item.campaign.name), *_export_values(item.figures, french)]
        )
    for key, figures in found.channels.items():
        writer.writerow([_("Channel"), channel_label(key), *_export_values(figures, french)])
    for when, figures in found.buckets:
        writer.writerow(
            [
                _("Month") if period.by_month else _("Day"),
                when.isoformat(),
                *_export_values(figures, french),
            ]
        )
    writer.writerow([_("Total"), period_label(period), *_export_values(found.total, french)])
    return response


def period_label(period: Period | None) -> str:
    if period is None:
        return ""
    if period.key == "tout":
        return _("All (%(start)s – %(end)s)") % {
            "start": date_format(period.start, "F Y"),
            "end": date_format(period.end, "F Y"),
        }
    return date_format(period.start, "F Y")


def _bucket_label(period: Period, when: date) -> str:
    return date_format(when, "M Y" if period.by_month else "j M")


def _declared(counter: Any) -> list[tuple[str, int, str]]:
    return [
        (declared_label(source), count, number(count))
        for source, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        if count and source in HeardFrom.values
    ]


def _comparisons(now: Figures, before: Figures) -> list[Comparison]:
    def amount(value: Decimal) -> str:
        return money(value)

    rows: list[tuple[str, Decimal, Decimal, Callable[[Decimal], str]]] = [
        (_("Ad spend"), now.spend, before.spend, amount),
        (_("Clicks measured"), Decimal(now.clicks), Decimal(before.clicks), number),
        (_("Online sales"), Decimal(now.online_sales), Decimal(before.online_sales), number),
        (
            _("Sales in the shop with a code"),
            Decimal(now.store_sales),
            Decimal(before.store_sales),
            number,
        ),
        (_("Customers measured"), Decimal(now.customers), Decimal(before.customers), number),
        (_("Revenue measured"), now.revenue, before.revenue, amount),
    ]
    found = []
    for label, value, old, show in rows:
        delta = value - old
        sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
        trend = "up" if delta > 0 else ("down" if delta < 0 else "same")
        found.append(Comparison(label, show(value), show(old), f"{sign}{show(abs(delta))}", trend))
    return found


def _timeline(found: Results, period: Period) -> Chart:
    series = [
        Series(
            _bucket_label(period, when),
            (figures.online_revenue, figures.store_revenue),
            side=figures.spend,
        )
        for when, figures in found.buckets
    ]
    return grouped_chart(
        title=_("Revenue measured and ad spend"),
        series=series,
        stack_names=(_("online"), _("in the shop with a code")),
        side_name=_("ad spend"),
        fmt=lambda value: money(value, short=True),
        label_every=1 if period.by_month or len(series) <= 12 else 7,
    )


def _spend_chart(figures: Figures) -> Chart | None:
    if not figures.spend:
        return None
    return grouped_chart(
        title=_("Spent and brought in"),
        series=[
            Series(
                _("brought in (measured) and spent"),
                (figures.online_revenue, figures.store_revenue),
                side=figures.spend,
            )
        ],
        stack_names=(_("online"), _("in the shop with a code")),
        side_name=_("ad spend"),
        fmt=lambda value: money(value, short=True),
        width=360,
    )


def _cell(text: str) -> str:
    """A name as a spreadsheet cell: one starting like a formula is quoted (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _export_headers() -> list[str]:
    return [
        _("Level"),
        _("Name"),
        _("Ad spend"),
        _("People reached"),
        _("New page likes"),
        _("Clicks measured"),
        _("Link clicks according to Meta"),
        _("Online sales"),
        _("Online revenue"),
        _("Sales in the shop with a code"),
        _("Revenue in the shop"),
        _("Customers measured"),
        _("Revenue measured"),
        _("Cost per customer"),
        _("Revenue for each €1 spent"),
        _("Declared at the till"),
    ]


def _export_values(figures: Figures, french: bool) -> list[str]:
    def plain(value: Decimal | int | None) -> str:
        if value is None:
            return ""
        text = str(value)
        return text.replace(".", ",") if french else text

    ads = figures.ads
    return [
        plain(figures.spend),
        plain(ads.reach),
        plain(ads.page_likes),
        plain(figures.clicks),
        plain(ads.link_clicks),
        plain(figures.online_sales),
        plain(figures.online_revenue),
        plain(figures.store_sales),
        plain(figures.store_revenue),
        plain(figures.customers),
        plain(figures.revenue),
        plain(figures.cost_per_customer),
        plain(figures.revenue_per_euro),
        plain(sum(figures.declared.values())),
    ]
