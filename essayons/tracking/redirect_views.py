"""/r/<code> inside Django: the embedded default (`make run`). At scale, redirect_asgi serves it.

The 302 is built first; the click is written when the response is closed, that is after the
server has sent it, and a failure there is logged, never shown to the visitor.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect

from essayons.tracking import redirect_core as core

logger = logging.getLogger(__name__)

misses = core.MissLimiter()


class RedirectThenRecord(HttpResponseRedirect):
    """A 302 that records its click once it has been sent (Django calls close() then)."""

    allowed_schemes = ["http", "https"]
    click: core.ClickData | None = None

    def close(self) -> None:
        if self.click is not None:  # before super().close() sends request_finished
            click, self.click = self.click, None
            click_record_quietly(click)
        super().close()


def click_record_quietly(click: core.ClickData) -> None:
    """Write one click; any failure is logged and swallowed (the visitor already left)."""
    try:
        with transaction.atomic():
            core.clicks_record([click])
    except Exception:  # a tracking failure never breaks a redirect
        logger.warning("click on link %s not recorded", click.link_id, exc_info=True)


def follow(request: HttpRequest, code: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    address = core.client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.AXES_IPWARE_PROXY_COUNT,
    )
    if misses.blocked(address):
        return _answer(core.too_many_body(), status=429)
    target = core.link_lookup(code)
    if target is None:
        misses.miss(address)
        return _answer(core.not_found_body(), status=404)
    response = RedirectThenRecord(target.location)
    for name, value in core.REDIRECT_HEADERS:
        response[name] = value
    if request.method == "GET":  # HEAD is a link checker or a preview, not a visit
        response.click = core.click_build(
            link_id=target.link_id,
            remote_addr=address,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            referrer=request.META.get("HTTP_REFERER", ""),
        )
    return response


def _answer(body: bytes, *, status: int) -> HttpResponse:
    response = HttpResponse(body, status=status)
    for name, value in core.PAGE_HEADERS:
        response[name] = value
    if status == 429:
        response["Retry-After"] = str(core.RETRY_AFTER_SECONDS)
    return response
