"""The engine's clock: one function, so tests can move time forward (clock.now is patched)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
