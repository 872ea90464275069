"""Forms for ad spend: a boosted post entered by hand, and the Meta ad account."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.tracking.ads_import import MAX_SPEND
from essayons.tracking.imports_table import CellError, decimal_parse
from essayons.tracking.models import Campaign

ACCOUNT_RE = re.compile(r"(?:act_)?(\d{5,25})")


class ManualSpendForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        error_messages={
            "required": _("Choose the campaign."),
            "invalid_choice": _("Choose one of your campaigns."),
        },
    )
    label = forms.CharField(
        label=_("Which post or ad"),
        max_length=200,
        help_text=_("For example « Post galette boosté »."),
        error_messages={
            "required": _("Say which post or ad it was."),
            "max_length": _("200 characters at most."),
        },
    )
    period_start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the first day."),
            "invalid": _("Enter a date, e.g. 04/01/2027."),
        },
    )
    period_end = forms.DateField(
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the last day."),
            "invalid": _("Enter a date, e.g. 17/01/2027."),
        },
    )
    spend = forms.CharField(
        label=_("Amount spent (€)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={
            "required": _("Give the amount spent, e.g. 30,00."),
            "max_length": _("20 characters at most."),
        },
    )
    reach = forms.IntegerField(
        label=_("People reached"),
        required=False,
        min_value=0,
        max_value=10**12,
        help_text=_("As Facebook shows it under the post (« Personnes touchées »)."),
        error_messages={
            "invalid": _("A whole number, e.g. 1200."),
            "min_value": _("Cannot be negative."),
            "max_value": _("That is more people than there are."),
        },
    )
    page_likes = forms.IntegerField(
        label=_("New page likes"),
        required=False,
        min_value=0,
        max_value=10**12,
        error_messages={
            "invalid": _("A whole number, e.g. 35."),
            "min_value": _("Cannot be negative."),
            "max_value": _("Check this number."),
        },
    )
    link_clicks = forms.IntegerField(
        label=_("Link clicks according to Facebook"),
        required=False,
        min_value=0,
        max_value=10**12,
        error_messages={
            "invalid": _("A whole number, e.g. 80."),
            "min_value": _("Cannot be negative."),
            "max_value": _("Check this number."),
        },
    )

    def __init__(self, *args: Any, business: Business, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(business=business)  # type: ignore[attr-defined]

    def clean_spend(self) -> Decimal:
        try:
            amount = decimal_parse(self.cleaned_data["spend"], decimal_comma=True)
        except CellError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        if amount < 0:
            raise forms.ValidationError(_("The amount cannot be negative."), code="negative")
        if amount > MAX_SPEND:
            raise forms.ValidationError(_("Check the amount: over 10 000 000 €."), code="too_big")
        return amount.quantize(Decimal("0.01"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("period_end", _("The last day comes before the first."))
        return data


class MetaAccountForm(forms.Form):
    account_id = forms.CharField(
        label=_("Ad account number"),
        max_length=40,
        help_text=_("In Ads Manager, the number after « act= » in the address, e.g. 1234567890."),
        error_messages={
            "required": _("Give the ad account number."),
            "max_length": _("40 characters at most."),
        },
    )
    token = forms.CharField(
        label=_("Access token"),
        max_length=1000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "A token with the « ads_read » permission (Business settings → System users). Stored encrypted, never shown again."
        ),
        error_messages={
            "required": _("Paste the access token."),
            "max_length": _("This token is too long."),
        },
    )

    def clean_account_id(self) -> str:
        found = ACCOUNT_RE.fullmatch(self.cleaned_data["account_id"].strip())
        if found is None:
            raise forms.ValidationError(
                _("Digits only, e.g. 1234567890 (with or without « act_ »)."), code="invalid"
            )
        return found.group(1)

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if len(token) < 20 or any(char.isspace() for char in token):
            raise forms.ValidationError(
                _("This does not look like an access token."), code="invalid"
            )
        return token
