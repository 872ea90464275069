"""The team page: members and their roles, invitations sent and withdrawn.

Every action answers htmx with the team block (`_team.html`) and a plain form
post with a redirect back to the page, so the page works without JavaScript too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from essayons.accounts.forms import InvitationForm, MemberRoleForm
from essayons.accounts.models import Invitation, Membership
from essayons.accounts.queries import pending_invitations, team_of
from essayons.accounts.roles import ROLE_HELP, Perm, Role, role_can
from essayons.accounts.services import (
    LastOwnerError,
    invitation_create,
    invitation_revoke,
    membership_remove,
    membership_role_change,
)
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped_get
from essayons.accounts.views import is_htmx


def _context(request: BusinessRequest, invite_form: InvitationForm | None) -> dict[str, Any]:
    business = request.business
    members = team_of(business)
    return {
        "members": members,
        "owner_count": sum(1 for m in members if m.role == Role.OWNER),
        "invitations": pending_invitations(business),
        "invite_form": invite_form or InvitationForm(business=business),
        "roles": [(value, label, ROLE_HELP[value]) for value, label in Role.choices],
    }


def _answer(request: BusinessRequest, invite_form: InvitationForm | None = None) -> HttpResponse:
    """After an action: the team block for htmx; the page with the form's errors; or a redirect."""
    if is_htmx(request):
        context = {**_context(request, invite_form), "partial": True}
        return render(request, "accounts/_team.html", context)
    if invite_form is not None:
        return render(request, "accounts/members.html", _context(request, invite_form))
    return redirect("accounts:members", request.business.public_id)


def _leave(request: BusinessRequest) -> HttpResponse:
    """The person just gave up managing this team: back to their home page."""
    if is_htmx(request):
        return HttpResponseClientRedirect(reverse("accounts:home"))
    return redirect("accounts:home")


@business_view(Perm.MANAGE_MEMBERS)
def members(request: BusinessRequest) -> HttpResponse:
    return render(request, "accounts/members.html", _context(request, None))


@business_view(Perm.MANAGE_MEMBERS)
@require_POST
def invite(request: BusinessRequest) -> HttpResponse:
    form = InvitationForm(request.POST, business=request.business, request=request)
    if not form.is_valid():
        return _answer(request, form)
    invitation = invitation_create(
        business=request.business,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        invited_by=request.user,
        site_url=settings.SITE_URL,  # never the request's Host header
    )
    messages.success(
        request, gettext("Invitation sent to %(email)s.") % {"email": invitation.email}
    )
    return _answer(request)


@business_view(Perm.MANAGE_MEMBERS)
@require_POST
def invitation_withdraw(request: BusinessRequest, invitation_id: int) -> HttpResponse:
    invitation = scoped_get(Invitation.objects.all(), request, pk=invitation_id)
    if invitation_revoke(invitation=invitation):
        messages.success(request, gettext("The invitation is withdrawn: its link no longer works."))
    else:
        messages.warning(request, gettext("This invitation was already used or withdrawn."))
    return _answer(request)


@business_view(Perm.MANAGE_MEMBERS)
@require_POST
def member_role(request: BusinessRequest, member_id: int) -> HttpResponse:
    member = scoped_get(Membership.objects.select_related("user"), request, pk=member_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose one of the roles offered."))
        return _answer(request)
    role = form.cleaned_data["role"]
    try:
        membership_role_change(membership=member, role=role)
    except LastOwnerError as refusal:
        messages.error(request, refusal.message)
        return _answer(request)
    messages.success(
        request,
        gettext("%(name)s is now %(role)s.") % {"name": member.user, "role": Role(role).label},
    )
    if member.user_id == request.user.pk and not role_can(role, Perm.MANAGE_MEMBERS):
        return _leave(request)
    return _answer(request)


@business_view(Perm.MANAGE_MEMBERS)
@require_POST
def member_remove(request: BusinessRequest, member_id: int) -> HttpResponse:
    member = scoped_get(Membership.objects.select_related("user"), request, pk=member_id)
    try:
        membership_remove(membership=member)
    except LastOwnerError as refusal:
        messages.error(request, refusal.message)
        return _answer(request)
    messages.success(request, gettext("%(name)s is no longer in the team.") % {"name": member.user})
    if member.user_id == request.user.pk:
        return _leave(request)
    return _answer(request)
