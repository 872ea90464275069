from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _


class PostedLinkForm(forms.Form):
    """The address of a post put online by hand: a web address, nothing else."""

    url = forms.URLField(
        label=_("Link to the post"),
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "Open the post on the network, copy the address from the browser, paste it here."
        ),
        error_messages={
            "invalid": _("Paste the full address of the post, starting with https://"),
            "required": _("Paste the address of the post, so that everyone can find it."),
        },
    )
