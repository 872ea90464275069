"""The tracked-link form: where it goes, where it is shown, and its UTM parameters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.diagnostic.channels import Channel
from essayons.tracking.links_queries import campaigns_of
from essayons.tracking.links_services import UTM_MAX, destination_check
from essayons.tracking.models import Campaign, Medium, TrackedLink
from essayons.tracking.redirect_core import UTM_KEYS

UTM_HELP = _("Leave empty: it is filled in from the channel, the kind and the campaign.")


class LinkForm(forms.Form):
    destination = forms.CharField(
        label=_("Where the link goes"),
        help_text=_("The page of your site or shop, starting with https://"),
        widget=forms.TextInput(
            attrs={"inputmode": "url", "autocomplete": "url", "placeholder": "https://"}
        ),
    )
    label = forms.CharField(
        label=_("Name (to find it again)"),
        required=False,
        max_length=120,
        help_text=_("For example: Galette poster, shop window"),
    )
    channel = forms.ChoiceField(
        label=_("Where it will be seen"),
        choices=[("", _("Nowhere online (poster, flyer, receipt)")), *Channel.choices],
        required=False,
    )
    medium = forms.ChoiceField(
        label=_("In what"),
        choices=[("", _("Guess from the channel")), *Medium.choices],
        required=False,
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False
    )
    new_campaign = forms.CharField(
        label=_("… or a new campaign"),
        required=False,
        max_length=120,
        help_text=_("For example: Galette des rois"),
    )
    utm_source = forms.CharField(label="utm_source", required=False, max_length=UTM_MAX)
    utm_medium = forms.CharField(label="utm_medium", required=False, max_length=UTM_MAX)
    utm_campaign = forms.CharField(label="utm_campaign", required=False, max_length=UTM_MAX)
    utm_content = forms.CharField(label="utm_content", required=False, max_length=UTM_MAX)

    def __init__(self, *args: Any, business: Business, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns_of(business)  # type: ignore[attr-defined]
        for key in UTM_KEYS:
            self.fields[key].help_text = UTM_HELP
            self.fields[key].widget.attrs.update(autocapitalize="none", spellcheck="false")

    @classmethod
    def for_link(cls, link: TrackedLink, *, business: Business) -> LinkForm:
        initial = {
            "destination": link.destination,
            "label": link.label,
            "channel": link.channel,
            "medium": link.utm_medium if link.utm_medium in Medium.values else "",
            "campaign": link.campaign_id,
            **{key: getattr(link, key) for key in UTM_KEYS},
        }
        return cls(initial=initial, business=business)

    def clean_destination(self) -> str:
        return destination_check(self.cleaned_data["destination"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("campaign") and data.get("new_campaign", "").strip():
            self.add_error(
                "new_campaign",
                ValidationError(
                    _("Choose an existing campaign or name a new one, not both."), code="both"
                ),
            )
        for key in UTM_KEYS:
            value = data.get(key, "")
            if value and not value.isprintable():
                self.add_error(
                    key, ValidationError(_("Remove the invisible characters (line breaks, tabs)."))
                )
        return data

    def utm(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key in UTM_KEYS}
