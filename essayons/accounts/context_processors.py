from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from essayons.accounts.models import Membership
from essayons.accounts.roles import ROLE_PERMS


def current_business(request: HttpRequest) -> dict[str, Any]:
    """The business being looked at, the person's role in it, and the others to switch to."""
    membership = getattr(request, "membership", None)
    context: dict[str, Any] = {
        "business": getattr(request, "business", None),
        "membership": membership,
        "perms_here": ROLE_PERMS.get(membership.role, frozenset()) if membership else frozenset(),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["my_memberships"] = Membership.objects.filter(user=user).select_related("business")
    return context
