"""How many e-mails one person or one address may have us send in an hour.

A password-reset form anyone can post, or an invitation form, must not become a way to
flood someone's mailbox (OWASP ASVS 5.0, V2 anti-automation). The counts live in the
database so that every web process sees the same ones.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from essayons.accounts.models import EmailSent
from essayons.lib.visitor import request_address

WINDOW = timedelta(hours=1)
KEPT = timedelta(days=1)


def email_allowed(*, kind: str, to: str, request: HttpRequest, per_address: int) -> bool:
    """Record and allow one more e-mail of `kind` to `to` asked from this request's address,
    or refuse it when this hour's share is used: `per_address` per recipient, and
    EMAILS_PER_HOUR_PER_IP per visitor address."""
    now = timezone.now()
    keys = {
        "to": _digest(kind, to.strip().casefold()),
        "ip": _digest(kind, request_address(request)),
    }
    recent = EmailSent.objects.filter(sent_at__gte=now - WINDOW)
    if recent.filter(key=keys["to"]).count() >= per_address:
        return False
    if recent.filter(key=keys["ip"]).count() >= settings.EMAILS_PER_HOUR_PER_IP:
        return False
    EmailSent.objects.bulk_create([EmailSent(key=key) for key in keys.values()])
    EmailSent.objects.filter(sent_at__lt=now - KEPT).delete()
    return True


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
