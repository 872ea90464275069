from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest
from essayons.planner.forms import CalendarFilterForm
from essayons.planner.grid import month_grid, week_grid
from essayons.planner.localdates import dates_to_announce
from essayons.planner.models import Post
from essayons.planner.queries import plan_settings, weekly_plan
from essayons.planner.views.common import UNDO_KEY, page_or_partial, planner_view
from essayons.planner.when import week_start


def _filters(request: BusinessRequest) -> tuple[CalendarFilterForm, dict[str, Any]]:
    form = CalendarFilterForm(request.GET)
    form.is_valid()  # invalid parts are dropped from cleaned_data, the rest still applies
    values = {name: form.cleaned_data.get(name) for name in ("month", "week", "channel", "status")}
    return form, values


def _context(
    request: BusinessRequest, form: CalendarFilterForm, values: dict[str, Any]
) -> dict[str, Any]:
    today = timezone.localdate()
    undo = request.session.pop(UNDO_KEY, None)
    undo_post = None
    if isinstance(undo, int):
        undo_post = Post.objects.filter(
            business=request.business, pk=undo, deleted_at__isnull=False
        ).first()
    return {
        "filters": form,
        "channel": values["channel"] or "",
        "status": values["status"] or "",
        "today": today,
        "undo_post": undo_post,
        "coming": dates_to_announce(start=today, end=today, timezone=request.business.timezone),
        "can_approve": request.membership.can(Perm.APPROVE_POSTS),
    }


@planner_view(Perm.DRAFT_POSTS)
def month(request: BusinessRequest) -> HttpResponse:
    form, values = _filters(request)
    context = _context(request, form, values)
    first = values["month"] or context["today"].replace(day=1)
    context["grid"] = month_grid(
        business=request.business,
        first=first,
        today=context["today"],
        channel=context["channel"],
        status=context["status"],
    )
    context["view"] = "month"
    context["weekday_names"] = [WEEKDAYS_ABBR[day] for day in range(7)]
    return page_or_partial(request, "planner/calendar.html", "planner/_month.html", context)


@planner_view(Perm.DRAFT_POSTS)
def week(request: BusinessRequest) -> HttpResponse:
    form, values = _filters(request)
    context = _context(request, form, values)
    monday = week_start(values["week"] or context["today"])
    context["grid"] = week_grid(
        business=request.business,
        monday=monday,
        today=context["today"],
        plan=weekly_plan(plan_settings(business=request.business), monday=monday),
        channel=context["channel"],
        status=context["status"],
    )
    context["view"] = "week"
    context["can_prepare"] = monday >= week_start(context["today"])
    return page_or_partial(request, "planner/calendar.html", "planner/_week.html", context)
