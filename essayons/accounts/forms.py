"""Forms of the accounts app: every label, help and error in plain words, translated.

Labels carry no suffix (no trailing colon) so that they read exactly as written,
which the browser journeys rely on ("Adresse e-mail", "Mot de passe").
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth import forms as auth_forms
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import ROLE_HELP, Role
from essayons.accounts.tasks import email_send
from essayons.accounts.throttle import email_allowed

INVALID_EMAIL = _("Enter a valid e-mail address, for example name@example.fr.")
# Says no more than needed: neither "this person has an account" nor "it does not".
EMAIL_TAKEN = _(
    "This address cannot be used for a new account. If it is yours, log in "
    "or ask for a new password."
)
PASSWORDS_DIFFER = _("The two passwords are not the same. Type them again.")


log = logging.getLogger(__name__)
# E-mails one recipient may receive in an hour (accounts/throttle.py).
RESETS_PER_HOUR = 3
INVITES_PER_HOUR = 5


class PlainLabels:
    """Mixin: no colon after labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def email_field(**kwargs: Any) -> forms.EmailField:
    return forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={"invalid": INVALID_EMAIL},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        **kwargs,
    )


def password_field(label: Any, autocomplete: str, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class SignupForm(PlainLabels, forms.Form):
    email = email_field()
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        help_text=_("As the people of your team will see it."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = password_field(
        _("Password"), "new-password", password_validation.password_validators_help_text_html()
    )
    password2 = password_field(_("Password again"), "new-password")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", forms.ValidationError(PASSWORDS_DIFFER, code="mismatch"))
        elif first:
            candidate = User(
                email=cleaned.get("email", ""), display_name=cleaned.get("display_name", "")
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(PlainLabels, auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = password_field(_("Password"), "current-password")
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "This e-mail address and this password do not go together. Check them and try again."
        ),
    }

    def clean_username(self) -> str:
        # Addresses are stored in lower case; the rate limit then counts every spelling as one.
        return str(self.cleaned_data["username"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            # Passed as `email` (our USERNAME_FIELD): django-axes reads that key both when it
            # records a failure and when it checks for a lock-out, so both count the same person.
            self.user_cache = authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PasswordResetForm(PlainLabels, auth_forms.PasswordResetForm):
    email = email_field()

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The link starts with SITE_URL, never with the Host header the request came with
        (a forged Host would otherwise send the reset token to someone else's server)."""
        site = urlsplit(settings.SITE_URL)
        kwargs.update(domain_override=site.netloc, use_https=site.scheme == "https")
        request = kwargs.get("request")
        email = self.cleaned_data["email"]
        if request is not None and not email_allowed(
            kind="password_reset", to=email, request=request, per_address=RESETS_PER_HOUR
        ):
            # Said to nobody: the page reads the same whether an e-mail left or not.
            log.info("password reset e-mails: hourly limit reached, nothing sent")
            return
        super().save(*args, **kwargs)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Render now (in the visitor's language), send through the task worker."""
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        email_send.enqueue(to=[to_email], subject=subject, body=body)


class SetPasswordForm(PlainLabels, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(PlainLabels, auth_forms.PasswordChangeForm):
    pass


class ProfileForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name"]
        labels = {"display_name": _("Your name")}
        help_texts = {"display_name": _("As the people of your team will see it.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True


class BusinessForm(PlainLabels, forms.ModelForm):
    # A radio list, without the empty "---------" choice a select would get.
    trade = forms.ChoiceField(label=_("Trade"), choices=Trade.choices, widget=forms.RadioSelect)

    class Meta:
        model = Business
        fields = ["name", "trade", "town", "address", "timezone", "currency"]
        help_texts = {
            "town": _("Where your customers come to see you."),
            "address": _("Optional. Shown nowhere public for now."),
            "timezone": _("Your posts are planned in this local time."),
        }


def role_choices() -> list[tuple[str, Any]]:
    """Each role with its one-line explanation, as shown where a role is chosen."""
    return [
        (value, format_lazy("{} — {}", label, ROLE_HELP[value])) for value, label in Role.choices
    ]


class InvitationForm(PlainLabels, forms.Form):
    email = email_field(help_text=_("We send the invitation link to this address."))
    role = forms.ChoiceField(
        label=_("Role"), choices=role_choices, widget=forms.RadioSelect, initial=Role.HELPER
    )

    def __init__(
        self, *args: Any, business: Business, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.business = business
        self.request = request

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email = cleaned.get("email")
        if email and self.request is not None and not self.errors:
            allowed = email_allowed(
                kind="invitation", to=email, request=self.request, per_address=INVITES_PER_HOUR
            )
            if not allowed:
                raise forms.ValidationError(
                    _("Too many invitations sent for now. Try again in an hour."),
                    code="too_many",
                )
        return cleaned

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        members = Membership.objects.filter(business=self.business, user__email__iexact=email)
        if members.exists():
            raise forms.ValidationError(
                _("This person is already in your team."), code="already_member"
            )
        return email


class MemberRoleForm(PlainLabels, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
