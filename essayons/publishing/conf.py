"""The engine's knobs, read from settings at call time (so tests and benchmarks can change them).

Each has an environment variable of the same name in essayons/settings.py, documented in
docs/configuration.md; the defaults below apply until it is set.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def _int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def tick_seconds() -> float:
    """How often the scheduler loop looks for due deliveries."""
    return float(getattr(settings, "PUBLISH_TICK_SECONDS", 5))


def threads() -> int:
    """Deliveries one worker process sends at the same time (each waits ~100 ms on a network)."""
    return max(1, _int("PUBLISH_THREADS", 16))


def lease() -> timedelta:
    """How long a worker may hold a delivery before it is presumed dead.

    Longer than the slowest network exchange (lib/http caps one request at 120 s, a connector
    may chain a few), so a slow but living worker is never overtaken.
    """
    return timedelta(seconds=_int("PUBLISH_LEASE_SECONDS", 900))


def queue_lease() -> timedelta:
    """A queued delivery no worker claimed for this long is handed to the queue again."""
    return timedelta(seconds=_int("PUBLISH_QUEUE_LEASE_SECONDS", 600))


def late_alert() -> timedelta:
    return timedelta(minutes=_int("PUBLISH_LATE_ALERT_MINUTES", 10))


def max_attempts() -> int:
    """Tries after transient failures before the delivery is given up and the owner told."""
    return max(1, _int("PUBLISH_MAX_ATTEMPTS", 5))


def tick_limit() -> int:
    """Deliveries handed to the queue in one round of a tick (the tick repeats while full)."""
    return max(1, _int("PUBLISH_TICK_LIMIT", 2000))


# Waits between transient retries; the last one repeats.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
# Let the network settle before asking it whether an uncertain post arrived.
RECONCILE_DELAY = timedelta(seconds=30)
# A rate-limit reset in the past or a few seconds away never makes a hot loop.
MIN_DEFER = timedelta(seconds=10)
PERMALINK_DELAY = timedelta(seconds=60)
WORKER_PING_EVERY = timedelta(seconds=60)


def backoff(tries: int) -> timedelta:
    return BACKOFF[min(max(tries, 1), len(BACKOFF)) - 1]
