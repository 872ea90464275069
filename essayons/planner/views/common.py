"""What every planner view shares: the business's time zone, htmx partials, the undo note."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from essayons.accounts.tenancy import BusinessRequest, business_view
from essayons.planner.queries import attention_for

UNDO_KEY = "planner_undo"


def planner_view(perm: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """`business_view(perm)`, with dates and times shown in the business's time zone."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @business_view(perm)
        @wraps(view)
        def wrapper(request: BusinessRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            with timezone.override(ZoneInfo(request.business.timezone)):
                return view(request, *args, **kwargs)

        return wrapper

    return decorate


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def page_or_partial(
    request: BusinessRequest,
    page: str,
    partial: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    attention: bool = True,
) -> HttpResponse:
    """The whole page, or only its `_partial` when htmx asks for it.

    htmx leaves the page untouched on a 4xx answer, so a partial showing form errors is
    sent with 200: the errors appear beside the fields. Full pages keep their 4xx.
    """
    if is_htmx(request):
        return render(request, partial, context, status=200 if status < 500 else status)
    if attention:
        context["attention"] = attention_for(membership=request.membership)
    return render(request, page, {**context, "partial": partial}, status=status)
