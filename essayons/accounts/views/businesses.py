"""Businesses: the home redirect, the list to switch between, creating, editing, the dashboard."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from essayons.accounts.forms import BusinessForm
from essayons.accounts.home import home_items_collect
from essayons.accounts.models import Membership
from essayons.accounts.queries import memberships_of, team_summary
from essayons.accounts.roles import Perm, Role
from essayons.accounts.services import business_create
from essayons.accounts.tenancy import (
    LAST_BUSINESS_KEY,
    AuthedRequest,
    BusinessRequest,
    business_view,
)


def landing_url(membership: Membership) -> str:
    """Where a member starts in a business: the till for a cashier, the dashboard otherwise."""
    if membership.role == Role.CASHIER:
        return reverse("tracking:till", args=[membership.business.public_id])
    return reverse("accounts:dashboard", args=[membership.business.public_id])


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Send each person where their work is: their last business, the list, or creation."""
    memberships = list(memberships_of(request.user))
    if not memberships:
        return redirect("accounts:business_create")
    last = request.session.get(LAST_BUSINESS_KEY)
    chosen = next((m for m in memberships if str(m.business.public_id) == last), None)
    if chosen is None and len(memberships) == 1:
        chosen = memberships[0]
    if chosen is None:
        return redirect("accounts:businesses")
    return redirect(landing_url(chosen))


@login_required
def businesses(request: AuthedRequest) -> HttpResponse:
    """My businesses, with my role in each; opening one switches to it."""
    rows = [(m, landing_url(m)) for m in memberships_of(request.user)]
    current = request.session.get(LAST_BUSINESS_KEY)
    return render(request, "accounts/businesses.html", {"rows": rows, "current": current})


@login_required
def create(request: AuthedRequest) -> HttpResponse:
    form = BusinessForm(request.POST) if request.method == "POST" else BusinessForm()
    if form.is_bound and form.is_valid():
        created = business_create(owner=request.user, **form.cleaned_data)
        messages.success(request, gettext("Your business is created. Welcome!"))
        return redirect("accounts:dashboard", created.public_id)
    first = not Membership.objects.filter(user=request.user).exists()
    return render(request, "accounts/business_form.html", {"form": form, "first": first})


@business_view(Perm.MANAGE_BUSINESS)
def edit(request: BusinessRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    # A copy, so that a rejected change never shows up in the page header as if saved.
    form = BusinessForm(data, instance=copy.copy(request.business))
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, gettext("The details of the business are saved."))
        return redirect("accounts:dashboard", request.business.public_id)
    return render(request, "accounts/business_form.html", {"form": form, "editing": True})


@business_view(Perm.VIEW_DASHBOARD)
def dashboard(request: BusinessRequest) -> HttpResponse:
    context = {
        "team": team_summary(request.business),
        "now": home_items_collect(membership=request.membership),
    }
    return render(request, "accounts/dashboard.html", context)


@business_view(Perm.USE_TILL)
def till_home(request: BusinessRequest) -> HttpResponse:
    """The till's short address, kept for bookmarks: the till itself lives in tracking."""
    return redirect("tracking:till", request.business.public_id)
