"""Who is asking: the visitor's address, behind our own reverse proxies or not."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(remote_addr: str, forwarded_for: str, proxy_count: int) -> str:
    """The visitor's address: REMOTE_ADDR, or the entry added by our own proxies when trusted.

    With `proxy_count` proxies in front of us (TRUSTED_PROXY_COUNT), the visitor is the
    proxy_count-th address from the right of X-Forwarded-For; entries further left were written
    by the client and are not trusted.
    """
    if proxy_count <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    return hops[-proxy_count] if len(hops) >= proxy_count else remote_addr


def request_address(request: HttpRequest) -> str:
    """The visitor's address for a Django request (TRUSTED_PROXY_COUNT proxies trusted)."""
    return client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.AXES_IPWARE_PROXY_COUNT,
    )
