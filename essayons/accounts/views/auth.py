"""Signing up, logging in and out, passwords, and the person's own account page."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from essayons.accounts.forms import (
    EMAIL_TAKEN,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
)
from essayons.accounts.queries import memberships_of
from essayons.accounts.services import user_signup
from essayons.accounts.tenancy import AuthedRequest

# Logging someone in without a password check (after sign-up or a reset) names the backend;
# the rate-limiting backend only guards password guessing.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it is a path on this site, else "" (never an open redirect)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, log in, then create a business (or go back to an invitation)."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = SignupForm(request.POST) if request.method == "POST" else SignupForm()
    if form.is_bound and form.is_valid():
        try:
            user = user_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
            )
        except IntegrityError:
            form.add_error("email", EMAIL_TAKEN)
        else:
            login(request, user, backend=MODEL_BACKEND)
            return redirect(next_url or "accounts:business_create")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset_body.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    # Logged in straight away: this also lifts a lock-out caused by too many wrong passwords.
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, gettext("Your password is changed."))
        return response


@login_required
def account(request: AuthedRequest) -> HttpResponse:
    """My account: the name the team sees, a way to change the password."""
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, instance=copy.copy(request.user))
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, gettext("Your name is saved."))
        return redirect("accounts:account")
    context = {"form": form, "memberships": memberships_of(request.user)}
    return render(request, "accounts/account.html", context)
