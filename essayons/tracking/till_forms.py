"""Forms of the till (a code and an amount, a "heard from" tap) and of the promo codes pages."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.diagnostic.channels import Channel
from essayons.tracking.links_queries import campaigns_of
from essayons.tracking.models import Campaign, HeardFrom, PromoCode
from essayons.tracking.till_services import (
    CODE_RE,
    PREFIX_MAX,
    amount_parse,
    code_normalise,
)

MAX_EMAILS = 5000


class TapForm(forms.Form):
    """What every tap carries: its key (same key, same event) and when it was made."""

    client_key = forms.UUIDField(widget=forms.HiddenInput)
    tapped_at = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RedeemForm(TapForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "inputmode": "text",
                "autocapitalize": "characters",
                "autocomplete": "off",
                "autocorrect": "off",
                "spellcheck": "false",
                "enterkeyhint": "next",
                "placeholder": "GALETTE27",
            }
        ),
        error_messages={"required": _("Type or scan the code.")},
    )
    amount = forms.CharField(
        label=_("Basket amount (€)"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "inputmode": "decimal",
                "autocomplete": "off",
                "enterkeyhint": "done",
                "placeholder": "12,50",
            }
        ),
        error_messages={"required": _("Enter the basket amount, e.g. 12,50.")},
    )

    def clean_code(self) -> str:
        code = code_normalise(self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("Type or scan the code."), code="required")
        return code

    def clean_amount(self) -> Decimal:
        return amount_parse(self.cleaned_data["amount"])


class DeclareForm(TapForm):
    source = forms.ChoiceField(choices=HeardFrom.choices)


class PromoCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters and digits, easy to say and to type, e.g. GALETTE27."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    description = forms.CharField(
        label=_("What it gives"),
        max_length=200,
        required=False,
        help_text=_("Shown to the cashier, e.g. “a free coffee”."),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False
    )
    new_campaign = forms.CharField(label=_("… or a new campaign"), max_length=120, required=False)
    channel = forms.ChoiceField(
        label=_("Where it is shown"),
        choices=[("", _("Anywhere")), *Channel.choices],
        required=False,
    )
    single_use = forms.BooleanField(label=_("Single use (one customer, once)"), required=False)
    max_uses = forms.IntegerField(
        label=_("At most this many uses"),
        min_value=1,
        max_value=1_000_000,
        required=False,
        help_text=_("Leave empty for no limit."),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, business: Business, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.business = business
        self.fields["campaign"].queryset = campaigns_of(business)  # type: ignore[attr-defined]

    def clean_code(self) -> str:
        # Spaces and dashes are tolerated (as at the till); anything else is refused, not dropped.
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"].upper())
        if not CODE_RE.fullmatch(code):
            raise ValidationError(
                _("Between 3 and 32 letters and digits, e.g. GALETTE27."), code="invalid"
            )
        if PromoCode.objects.filter(business=self.business, code=code).exists():
            raise ValidationError(
                _("The code %(code)s already exists: choose another one."),
                code="exists",
                params={"code": code},
            )
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_dates(self, data)
        if data.get("single_use") and data.get("max_uses"):
            self.add_error(
                "max_uses",
                ValidationError(_("A single-use code is used once: leave this empty.")),
            )
        _check_campaign_choice(self, data)
        return data


class CodesForEmailsForm(forms.Form):
    emails = forms.CharField(
        label=_("Customers' e-mail addresses"),
        help_text=_("One per line (commas and semicolons work too)."),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        max_length=400_000,
    )
    code_start = forms.CharField(
        label=_("Start of the codes"),
        max_length=PREFIX_MAX,
        help_text=_(
            "Letters and digits, e.g. MERCI: each customer gets MERCI followed by 6 characters."
        ),
    )
    description = forms.CharField(label=_("What it gives"), max_length=200, required=False)
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False
    )
    new_campaign = forms.CharField(label=_("… or a new campaign"), max_length=120, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, business: Business, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns_of(business)  # type: ignore[attr-defined]

    def clean_emails(self) -> list[str]:
        found = [
            (number, piece.strip())
            for number, line in enumerate(self.cleaned_data["emails"].splitlines(), start=1)
            for piece in re.split(r"[,;]", line)
            if piece.strip()
        ]
        errors = []
        for number, email in found:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(
                    ValidationError(
                        _("Line %(line)s: “%(email)s” is not an e-mail address."),
                        params={"line": number, "email": email[:80]},
                    )
                )
        if errors:
            raise ValidationError(errors[:20])
        if len(found) > MAX_EMAILS:
            raise ValidationError(
                _("At most %(max)s addresses at a time."), params={"max": MAX_EMAILS}
            )
        if not found:
            raise ValidationError(_("Give at least one e-mail address."))
        return [email for line, email in found]

    def clean_code_start(self) -> str:
        prefix = code_normalise(self.cleaned_data["code_start"])
        if not prefix:
            raise ValidationError(_("Letters and digits, e.g. MERCI."))
        return prefix

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_dates(self, data)
        _check_campaign_choice(self, data)
        return data


def _check_dates(form: forms.Form, data: dict[str, Any]) -> None:
    start, end = data.get("valid_from"), data.get("valid_until")
    if start and end and end < start:
        form.add_error(
            "valid_until", ValidationError(_("The end comes before the start: check the dates."))
        )


def _check_campaign_choice(form: forms.Form, data: dict[str, Any]) -> None:
    if data.get("campaign") and (data.get("new_campaign") or "").strip():
        form.add_error(
            "new_campaign",
            ValidationError(_("Choose an existing campaign or name a new one, not both.")),
        )
