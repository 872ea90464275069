"""The scheduler: every few seconds, one `publishing_tick` (docs/adr/0005) and the periodic
jobs that are due (essayons/ops/periodic.py: inbox polls and alerts, results, expiring tokens).

Started by `manage.py launch` next to the task worker. Several may run (one per node): every
step of a tick is a conditional update. A failing tick (database restarting…) is logged and
the loop goes on; SIGTERM or Ctrl-C ends it after the current tick.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from essayons.ops.periodic import periodic_due_enqueue
from essayons.publishing import conf
from essayons.publishing.services.tick import publishing_tick

log = logging.getLogger("essayons.publishing.scheduler")


class Command(BaseCommand):
    help = (
        "Run the scheduler: hand due deliveries to the task workers, give back those of "
        "stopped workers, alert on late ones, and enqueue the periodic jobs that are due."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between ticks (default: PUBLISH_TICK_SECONDS, 5).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.tick()
            return
        interval = options["interval"] or conf.tick_seconds()
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, on_signal)
        log.info("publishing scheduler started, one tick every %s s", interval)
        while not stop.is_set():
            started = time.monotonic()
            close_old_connections()  # a long-lived loop: drop broken or expired connections
            self.tick()
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
        log.info("publishing scheduler stopped")

    def tick(self) -> None:
        try:
            report = publishing_tick()
            periodic = periodic_due_enqueue()
        except Exception:
            log.exception("publishing tick failed; trying again at the next one")
            close_old_connections()
            return
        if report:
            log.info("publishing tick: %s", report)
        if periodic:
            log.info("periodic jobs enqueued: %s", ", ".join(periodic))
