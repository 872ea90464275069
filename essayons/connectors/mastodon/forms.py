from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class InstanceForm(forms.Form):
    instance = forms.CharField(
        label=_("Your Mastodon server"),
        max_length=300,
        help_text=_("The address of the server your account is on, for example mastodon.social."),
        widget=forms.TextInput(
            attrs={"inputmode": "url", "autocapitalize": "none", "placeholder": "mastodon.social"}
        ),
    )

    def clean_instance(self) -> str:
        return instance_url_clean(self.cleaned_data["instance"])


def instance_url_clean(value: str) -> str:
    """`https://host[:port]` from what was typed: "mastodon.social", "@me@piaille.fr", a profile
    URL (the path is dropped).

    Plain http is refused (the token would travel in clear) except on loopback, for local tests;
    whether the address is public is lib/http's guard's decision, when it is fetched.
    """
    value = value.strip()
    if value.startswith("@") and value.count("@") == 2:
        value = value.rsplit("@", 1)[1]  # someone typed their full address @name@server
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValidationError(_("This is not a server address."), code="invalid") from None
    host = (parts.hostname or "").lower()
    if not host or ("." not in host and host not in LOOPBACK_HOSTS):
        raise ValidationError(
            _("Write the server's address, for example mastodon.social."), code="invalid"
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(_("Give only the server's address."), code="invalid")
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK_HOSTS):
        raise ValidationError(_("The address must start with https://."), code="invalid")
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{f':{port}' if port else ''}"
