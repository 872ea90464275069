"""Tracked links: creating, checking and switching them. Other apps call `link_create`.

A planner post or a newsletter turns its link into a tracked one with:

    link = link_create(business=b, destination="https://…", channel=Channel.FACEBOOK,
                       campaign=campaign)
    link_short_url(link)  # "https://essayons.example/r/aB3xY9kQ2m"
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import string
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.diagnostic.channels import Channel
from essayons.tracking.models import Campaign, Medium, TrackedLink
from essayons.tracking.redirect_core import UTM_KEYS

CODE_ALPHABET = string.ascii_letters + string.digits  # base62
CODE_LENGTH = 10  # 62^10 ≈ 8·10^17: hopeless to guess
DESTINATION_MAX = TrackedLink._meta.get_field("destination").max_length or 2000
UTM_MAX = 100
# Never valid unencoded in a URL (RFC 3986 §2); a pasted HTML snippet contains them.
FORBIDDEN_CHARACTERS = set('<>"{}|\\^`')


def code_draw() -> str:
    """A random short code from the operating system's CSPRNG (never sequential)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def destination_check(raw: str) -> str:
    """The destination, normalised (ASCII, lower-case scheme and host), or ValidationError.

    http and https only, with a public host, no credentials, no spaces, at most 2,000
    characters; the redirect checks the scheme again when the link is followed.
    """
    url = raw.strip()
    if len(url) > DESTINATION_MAX:
        raise ValidationError(
            _("This address is too long (%(max)s characters at most)."),
            code="too_long",
            params={"max": DESTINATION_MAX},
        )
    if any(char.isspace() or not char.isprintable() for char in url):
        raise ValidationError(
            _("A web address has no spaces: check what was copied."), code="spaces"
        )
    if FORBIDDEN_CHARACTERS.intersection(url):
        raise ValidationError(
            _('This address contains characters that have no place in a web address (< > " …).'),
            code="characters",
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError(_("This web address is not valid."), code="invalid") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError(
            _("Give a full web address starting with https:// (or http://)."), code="scheme"
        )
    if not parts.hostname:
        raise ValidationError(
            _("Give the full address with the site's name, e.g. https://www.my-bakery.fr/."),
            code="host",
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("Remove the login and password from the address: a public link must not carry them."),
            code="credentials",
        )
    normalised = _normalise(parts.scheme, parts.hostname, port, url)
    if len(normalised) > DESTINATION_MAX:  # accents take three characters each once encoded
        raise ValidationError(
            _("This address is too long (%(max)s characters at most)."),
            code="too_long",
            params={"max": DESTINATION_MAX},
        )
    _check_host(parts.hostname)
    _check_not_a_loop(normalised)
    try:
        URLValidator(schemes=["http", "https"])(normalised)
    except ValidationError:
        raise ValidationError(_("This web address is not valid."), code="invalid") from None
    return normalised


def _normalise(scheme: str, hostname: str, port: int | None, url: str) -> str:
    try:
        host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(_("This web address is not valid."), code="invalid") from None
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    rest = urlsplit(url)
    return iri_to_uri(urlunsplit((scheme.lower(), netloc, rest.path, rest.query, rest.fragment)))


def _check_host(hostname: str) -> None:
    """Refuse this computer and private networks: customers could not open them anyway."""
    private = hostname == "localhost" or hostname.endswith(".localhost")
    with contextlib.suppress(ValueError):  # a name, not an address
        private = private or not ipaddress.ip_address(hostname).is_global
    if private:
        raise ValidationError(
            _(
                "This address points to a private network or to this computer: your customers could not open it."
            ),
            code="private",
        )


def _check_not_a_loop(url: str) -> None:
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    if parts.netloc == site.netloc and parts.path.startswith("/r/"):
        raise ValidationError(
            _("This is already a short link: give the final address instead."), code="loop"
        )


def utm_defaults(*, channel: str, campaign: Campaign | None, medium: str = "") -> dict[str, str]:
    """utm_source = the channel, utm_medium = the kind of place, utm_campaign = the campaign."""
    if not medium:
        medium = Medium.EMAIL if channel == Channel.EMAIL else Medium.SOCIAL
        medium = medium if channel else Medium.PRINT
    return {
        "utm_source": channel or str(medium),
        "utm_medium": str(medium),
        "utm_campaign": campaign.slug if campaign else "",
        "utm_content": "",
    }


def _utm_merge(defaults: Mapping[str, str], given: Mapping[str, str] | None) -> dict[str, str]:
    chosen = {key: (value or "").strip()[:UTM_MAX] for key, value in (given or {}).items()}
    return {key: chosen.get(key) or defaults[key] for key in UTM_KEYS}


def link_create(
    *,
    business: Business,
    destination: str,
    channel: str,
    campaign: Campaign | None = None,
    label: str = "",
    utm: Mapping[str, str] | None = None,
    medium: str = "",
) -> TrackedLink:
    """A new active link with a fresh random code; ValidationError for a bad destination.

    `utm` overrides the defaults key by key (utm_source, utm_medium, utm_campaign,
    utm_content); blank values keep the default.
    """
    if campaign is not None and campaign.business_id != business.pk:
        raise ValueError("campaign of another business")
    fields = {
        "destination": destination_check(destination),
        "label": label.strip()[:120],
        "channel": channel,
        "campaign": campaign,
        **_utm_merge(utm_defaults(channel=channel, campaign=campaign, medium=medium), utm),
    }
    for attempt in range(5):
        try:
            with transaction.atomic():
                return TrackedLink.objects.create(business=business, code=code_draw(), **fields)
        except IntegrityError:  # two codes collided (about never): draw again
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def link_update(
    *,
    link: TrackedLink,
    destination: str,
    channel: str,
    campaign: Campaign | None,
    label: str,
    utm: Mapping[str, str] | None = None,
    medium: str = "",
) -> TrackedLink:
    """Change where a link goes and how it is tagged; its code never changes (it is printed)."""
    if campaign is not None and campaign.business_id != link.business_id:
        raise ValueError("campaign of another business")
    link.destination = destination_check(destination)
    link.label = label.strip()[:120]
    link.channel = channel
    link.campaign = campaign
    for key, value in _utm_merge(
        utm_defaults(channel=channel, campaign=campaign, medium=medium), utm
    ).items():
        setattr(link, key, value)
    link.save()
    return link


def link_activate(*, link: TrackedLink, active: bool) -> None:
    """Switch a link on or off; the lean redirect server notices within its cache delay."""
    TrackedLink.objects.filter(pk=link.pk).update(is_active=active)
    link.is_active = active


def link_short_url(link: TrackedLink) -> str:
    """The absolute short address to print or post."""
    return settings.SITE_URL + reverse("tracking:redirect", args=[link.code])


def campaign_get_or_create(*, business: Business, name: str) -> Campaign:
    """The business's campaign with this name's slug, created if new."""
    name = name.strip()[:120]
    slug = slugify(name)[:80].strip("-") or "campagne"
    campaign = Campaign.objects.filter(business=business, slug=slug).first()
    if campaign is not None:
        return campaign
    try:
        with transaction.atomic():
            return Campaign.objects.create(business=business, name=name, slug=slug)
    except IntegrityError:  # created meanwhile by another request
        return Campaign.objects.get(business=business, slug=slug)


def campaign_choose(
    *, business: Business, campaign: Campaign | None, new_name: str
) -> Campaign | None:
    """The campaign picked in a form, or the new one named there (created if needed)."""
    if new_name.strip():
        return campaign_get_or_create(business=business, name=new_name)
    return campaign
