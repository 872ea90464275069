"""The one place where a request is tied to a business (DESIGN.md invariant 3).

Every business-scoped view is wrapped by `business_view(perm)`: a business the
person does not belong to answers 404, a role without the permission gets the
polite 403 page. Objects are then fetched with `scoped_get`, never by bare id.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from essayons.accounts.models import Business, Membership, User

LAST_BUSINESS_KEY = "last_business"

M = TypeVar("M", bound=Model)


class AuthedRequest(HttpRequest):
    """An HttpRequest behind `login_required`: the user is a real account."""

    user: User


class BusinessRequest(HttpRequest):
    """An HttpRequest once `business_view` has checked the membership."""

    user: User
    business: Business
    membership: Membership


def membership_for(user: User, business_id: UUID) -> Membership:
    try:
        return Membership.objects.select_related("business").get(
            user=user, business__public_id=business_id
        )
    except Membership.DoesNotExist:
        raise Http404("No such business") from None


def business_view(
    perm: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view taking `business_id`; it receives a BusinessRequest."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, business_id: UUID, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            membership = membership_for(request.user, business_id)  # type: ignore[arg-type]
            request.business = membership.business  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            if not membership.can(perm):
                raise PermissionDenied(perm)
            if request.session.get(LAST_BUSINESS_KEY) != str(business_id):
                request.session[LAST_BUSINESS_KEY] = str(business_id)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def scoped(queryset: QuerySet[M], request: BusinessRequest) -> QuerySet[M]:
    return queryset.filter(business=request.business)


def scoped_get(queryset: QuerySet[M], request: BusinessRequest, **lookup: Any) -> M:
    """Fetch one object of the current business; another business's id answers 404."""
    return get_object_or_404(scoped(queryset, request), **lookup)
