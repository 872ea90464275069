"""Forms for online orders: connecting a shop, changing its secret."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from essayons.tracking.models import ShopPlatform

SECRET_HELP = _(
    "WooCommerce: the « Secret » field of the webhook. Shopify: the key shown under the list of "
    "webhooks (« Your webhooks will be signed with… »). It is stored encrypted and never shown again."
)


class SecretField(forms.CharField):
    def __init__(self) -> None:
        super().__init__(
            label=_("Signing secret"),
            min_length=8,
            max_length=200,
            strip=True,
            help_text=SECRET_HELP,
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            error_messages={
                "required": _("Paste the secret given by your shop."),
                "min_length": _("This secret is too short (8 characters at least)."),
                "max_length": _("This secret is too long (200 characters at most)."),
            },
        )


class ShopConnectForm(forms.Form):
    platform = forms.ChoiceField(
        label=_("Your shop runs on"),
        choices=ShopPlatform.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose WooCommerce or Shopify.")},
    )
    label = forms.CharField(
        label=_("Your shop's address"),
        max_length=200,
        help_text=_("For example boutique.ti-pain.fr: only to tell your shops apart."),
        error_messages={
            "required": _("Give the address of your shop."),
            "max_length": _("200 characters at most."),
        },
    )
    secret = SecretField()


class SecretForm(forms.Form):
    secret = SecretField()
