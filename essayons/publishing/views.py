"""A post's deliveries, the engine's health, and the owner's decisions on a delivery."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped_get
from essayons.planner.models import Post
from essayons.publishing.display import rows_for
from essayons.publishing.models import Delivery
from essayons.publishing.queries import health_of
from essayons.publishing.services import delivery_cancel, delivery_retry
from essayons.publishing.services.owner import DeliveryRefused


def publishing_view(
    perm: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """`business_view(perm)`, times shown in the business's time zone."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @business_view(perm)
        @wraps(view)
        def wrapper(request: BusinessRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            with timezone.override(ZoneInfo(request.business.timezone)):
                return view(request, *args, **kwargs)

        return wrapper

    return decorate


@publishing_view(Perm.DRAFT_POSTS)
def post_deliveries(request: BusinessRequest, post_id: int) -> HttpResponse:
    """Where each network of a post stands, with every attempt."""
    post = scoped_get(Post.objects.select_related("business"), request, pk=post_id)
    context = {"post": post, "rows": rows_for(post), "full": True}
    if getattr(request, "htmx", False):
        return render(request, "publishing/_deliveries.html", context)
    return render(request, "publishing/post.html", context)


@publishing_view(Perm.VIEW_DASHBOARD)
def health(request: BusinessRequest) -> HttpResponse:
    context = {"health": health_of(request.business)}
    if getattr(request, "htmx", False):
        return render(request, "publishing/_health.html", context)
    return render(request, "publishing/health.html", context)


def _decide(
    request: BusinessRequest, delivery_id: int, decide: Callable[..., None], done: str
) -> HttpResponse:
    delivery = scoped_get(Delivery.objects.select_related("post"), request, pk=delivery_id)
    try:
        decide(delivery=delivery, user=request.user)
        messages.success(request, done)
    except DeliveryRefused as refused:
        messages.error(request, refused.message)
    return redirect("publishing:post", request.business.public_id, delivery.post_id)


@require_POST
@publishing_view(Perm.APPROVE_POSTS)
def retry(request: BusinessRequest, delivery_id: int) -> HttpResponse:
    return _decide(request, delivery_id, delivery_retry, _("It will be sent again in a moment."))


@require_POST
@publishing_view(Perm.APPROVE_POSTS)
def cancel(request: BusinessRequest, delivery_id: int) -> HttpResponse:
    return _decide(request, delivery_id, delivery_cancel, _("It will not be sent."))
