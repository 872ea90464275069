from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from essayons.connectors.bluesky import atproto

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class BlueskyConnectForm(forms.Form):
    identifier = forms.CharField(
        label=_("Your Bluesky handle"),
        max_length=253,
        help_text=_("For example boulangerie.bsky.social (your e-mail address works too)."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    # Never shown back: a page with an error comes back with this field empty.
    app_password = forms.CharField(
        label=_("App password"),
        max_length=200,
        strip=True,
        help_text=_(
            "Not your usual password: create one in Bluesky, Settings › Privacy and security "
            "› App passwords, and paste it here."
        ),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    pds_url = forms.CharField(
        label=_("Your server (only if you host your own account)"),
        max_length=300,
        required=False,
        help_text=_("Leave empty for an account on bsky.social."),
        widget=forms.TextInput(attrs={"inputmode": "url", "autocapitalize": "none"}),
    )

    def clean_identifier(self) -> str:
        value = self.cleaned_data["identifier"].strip().lstrip("@").lower()
        if atproto.handle_valid(value) or value.startswith("did:"):
            return value
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                _("Write your handle like boulangerie.bsky.social."), code="invalid"
            ) from None
        return value

    def clean_pds_url(self) -> str:
        value = self.cleaned_data["pds_url"].strip()
        return server_url_clean(value) if value else ""


def server_url_clean(value: str) -> str:
    """`https://host[:port]` from what was typed ("pds.example.org" works); http only on loopback."""
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValidationError(_("This is not a web address."), code="invalid") from None
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password or (parts.path not in {"", "/"}):
        raise ValidationError(
            _("Give only the server's address, like https://pds.example.org."), code="invalid"
        )
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK_HOSTS):
        raise ValidationError(_("The address must start with https://."), code="invalid")
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{f':{port}' if port else ''}"
