"""Views of the accounts app, one module per area: sign-in, businesses, team, invitations."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True for a request sent by htmx, which gets a partial instead of a whole page."""
    return bool(getattr(request, "htmx", False))
