"""Background work of the connections: the daily look for tokens about to expire."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from essayons.connectors.services import connections_expiry_notify


@task()
def connections_expiry_warn() -> int:
    """Run once a day: e-mail owners whose connection expires within a week (once per expiry)."""
    return connections_expiry_notify(now=timezone.now())
