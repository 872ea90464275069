"""Opening an invitation link: read it, then join (logged in) or sign up / log in first."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from essayons.accounts.models import Invitation, InvitationState, Membership, User
from essayons.accounts.queries import invitation_by_token
from essayons.accounts.roles import ROLE_HELP
from essayons.accounts.services import (
    AlreadyMemberError,
    InvitationUnusableError,
    invitation_accept,
)
from essayons.accounts.views.businesses import landing_url


def _gone(request: HttpRequest, state: str) -> HttpResponse:
    """Unknown link: 404. Used, withdrawn or expired: 410, with what to do next."""
    status = 404 if state == "unknown" else 410
    return render(request, "accounts/invitation_gone.html", {"state": state}, status=status)


def _page(request: HttpRequest, invitation: Invitation, already: Membership | None) -> HttpResponse:
    context = {
        "invitation": invitation,
        "role_help": ROLE_HELP[invitation.role],
        "already": already,
        "already_url": landing_url(already) if already else "",
    }
    return render(request, "accounts/invitation.html", context)


@require_http_methods(["GET", "POST"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """Show the invitation; a logged-in person joins by POST, once, then lands in the business."""
    invitation = invitation_by_token(token)
    if invitation is None:
        return _gone(request, "unknown")
    if invitation.state != InvitationState.PENDING:
        return _gone(request, invitation.state)
    user = request.user
    if not isinstance(user, User):  # anonymous: offered to sign up or log in, then come back
        return _page(request, invitation, None)
    already = Membership.objects.filter(user=user, business=invitation.business).first()
    if request.method != "POST" or already is not None:
        return _page(request, invitation, already)
    try:
        membership = invitation_accept(invitation=invitation, user=user)
    except AlreadyMemberError:
        return redirect(request.path)
    except InvitationUnusableError:
        invitation.refresh_from_db()
        return _gone(request, invitation.state)
    messages.success(
        request,
        gettext("Welcome to %(business)s!") % {"business": invitation.business.name},
    )
    return redirect(landing_url(membership))
