from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from essayons.accounts.models import Membership
from essayons.accounts.roles import Perm, Role
from essayons.accounts.tenancy import (
    LAST_BUSINESS_KEY,
    AuthedRequest,
    BusinessRequest,
    business_view,
)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Send each person where their work is: their last business, or the list."""
    memberships = Membership.objects.filter(user=request.user).select_related("business")
    last = request.session.get(LAST_BUSINESS_KEY)
    chosen = next((m for m in memberships if str(m.business.public_id) == last), None)
    if chosen is None and len(memberships) == 1:
        chosen = memberships[0]
    if chosen is None:
        return redirect("accounts:businesses")
    return redirect(landing_url(chosen))


def landing_url(membership: Membership) -> str:
    from django.urls import reverse

    if membership.role == Role.CASHIER:
        return reverse("accounts:till_home", args=[membership.business.public_id])
    return reverse("accounts:dashboard", args=[membership.business.public_id])


@login_required
def businesses(request: AuthedRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=request.user).select_related("business")
    return render(request, "accounts/businesses.html", {"memberships": memberships})


@business_view(Perm.VIEW_DASHBOARD)
def dashboard(request: BusinessRequest) -> HttpResponse:
    return render(request, "accounts/dashboard.html")


@business_view(Perm.MANAGE_MEMBERS)
def members(request: BusinessRequest) -> HttpResponse:
    members = Membership.objects.filter(business=request.business).select_related("user")
    return render(request, "accounts/members.html", {"members": members})


@business_view(Perm.USE_TILL)
def till_home(request: BusinessRequest) -> HttpResponse:
    """The cashier's landing page; the till itself arrives with the tracking app."""
    return render(request, "accounts/till_home.html")
