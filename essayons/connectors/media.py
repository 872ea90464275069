"""The images of a post as networks take them: the bytes (uploads) or a public address (pulls).

Facebook and LinkedIn receive the bytes. Instagram and Google Business Profile fetch the
image themselves from a URL ("We cURL media used in publishing attempts, so the media must be
hosted on a publicly accessible server at the time of the attempt",
https://developers.facebook.com/docs/instagram-platform/content-publishing/), so the image
must be reachable under SITE_URL + MEDIA_URL from the internet. When SITE_URL is a loopback
or private address that can never work: the post is refused with `media_not_public` before
any call, instead of a confusing download error from the network.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage

from essayons.connectors.base import OutgoingImage
from essayons.connectors.errors import Rejected


def _storage_name(path: str) -> str:
    """The storage name of an image given either as a storage name or a path under MEDIA_ROOT."""
    candidate = Path(path)
    if not candidate.is_absolute():
        return path
    root = Path(settings.MEDIA_ROOT).resolve()
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root):
        raise Rejected("image outside the media folder", code="image_unreadable")
    return str(resolved.relative_to(root))


def image_bytes(image: OutgoingImage) -> bytes:
    try:
        with default_storage.open(_storage_name(image.path), "rb") as handle:
            data: bytes = handle.read()
    except OSError as error:
        raise Rejected("image file unreadable", code="image_unreadable") from error
    return data


def image_public_url(image: OutgoingImage, *, network: str) -> str:
    if image.path.startswith(("https://", "http://")):
        return image.path
    site = settings.SITE_URL
    if not site_is_public(site):
        raise Rejected(
            "SITE_URL is not reachable from the internet", code="media_not_public", network=network
        )
    return f"{site}{default_storage.url(_storage_name(image.path))}"


def site_is_public(site_url: str) -> bool:
    """False for addresses a network can never fetch from (localhost, loopback, private)."""
    host = urlsplit(site_url).hostname or ""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return bool(host)
    return address.is_global
