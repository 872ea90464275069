"""Clicks queued by the lean redirect server and written to the database by one thread.

The request path only appends a raw tuple to a deque (no parsing, no database); this thread
turns raw clicks into rows and writes them in batches, one transaction per batch. What a click
records (bot flag, address cut to its network, user agent and referrer trimmed) is decided by
redirect_core.click_build, as for the Django view; only the insert is a bulk one.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from essayons.tracking import redirect_core as core
from essayons.tracking.models import Click

logger = logging.getLogger(__name__)

# What the request path hands over: link id, time.time(), client address, user agent, referrer.
# The header values are bytes from an ASGI server and str from an RSGI one (granian).
RawClick = tuple[int, float, str, bytes | str, bytes | str]
# What click_build decides from who followed the link: is_bot, ip_prefix, user_agent, referrer.
VisitorFacts = tuple[bool, str, str, str]

MAX_PENDING = 500_000  # ~ a few minutes of a flood while the database is away
MAX_VISITORS = 50_000


class ClickRow(NamedTuple):
    """One Click row as the database takes it: what click_build decided, `at` already adapted."""

    link_id: int
    at: Any
    is_bot: bool
    ip_prefix: str
    user_agent: str
    referrer: str


class Visitors:
    """Turns raw clicks into rows, remembering what click_build said of each visitor.

    The same visitors follow links again and again (a busy link brings the same few user
    agents and referrers), so a click usually costs one dictionary lookup here instead of
    the bot test, the address anonymising and the trimming.
    """

    def __init__(self, *, max_entries: int = MAX_VISITORS) -> None:
        self.max_entries = max_entries
        self._facts: dict[tuple[str, bytes | str, bytes | str, bool], VisitorFacts] = {}

    def rows(
        self, raw: Sequence[RawClick], *, anonymise: bool, adapt_at: Callable[[float], Any]
    ) -> list[ClickRow]:
        facts = self._facts
        rows = []
        for link_id, at, address, user_agent, referrer in raw:
            key = (address, user_agent, referrer, anonymise)
            known = facts.get(key)
            if known is None:
                known = self._learn(key)
            rows.append(ClickRow(link_id, adapt_at(at), *known))
        return rows

    def _learn(self, key: tuple[str, bytes | str, bytes | str, bool]) -> VisitorFacts:
        address, user_agent, referrer, anonymise = key
        click = core.click_build(
            link_id=0,
            remote_addr=address,
            user_agent=_text(user_agent),
            referrer=_text(referrer),
            anonymise=anonymise,
        )
        if len(self._facts) >= self.max_entries:
            self._facts.clear()
        facts = (click.is_bot, click.ip_prefix, click.user_agent, click.referrer)
        self._facts[key] = facts
        return facts


def _text(value: bytes | str) -> str:
    # HTTP header values are octets; latin-1 maps each one to a character, as WSGI does.
    return value.decode("latin-1") if isinstance(value, bytes) else value


def at_adapter(database: BaseDatabaseWrapper) -> Callable[[float], Any]:
    """time.time() → the value Django would send for an aware UTC datetime, made faster.

    With the database in UTC, Django stores a datetime on SQLite as the text of the naive UTC
    datetime (`str()`: no fraction when it is 0) and sends PostgreSQL the aware datetime; the
    same text with "+00:00" means the same instant to PostgreSQL. The date and time up to the
    second are formatted once per second: `str(datetime)` costs more than the insert itself.
    Any other set-up goes through Django's own adapter.
    """
    if database.timezone_name != "UTC" or database.vendor not in ("sqlite", "postgresql"):
        adapt = database.ops.adapt_datetimefield_value
        return lambda at: adapt(datetime.fromtimestamp(at, UTC))
    suffix = "+00:00" if database.vendor == "postgresql" else ""
    seconds: dict[int, str] = {}

    def adapt_at(at: float) -> str:
        second = int(at)
        micro = int((at - second) * 1_000_000)
        text = seconds.get(second)
        if text is None:
            if len(seconds) > 3600:
                seconds.clear()
            text = seconds[second] = str(datetime.fromtimestamp(second, UTC).replace(tzinfo=None))
        return f"{text}.{micro:06d}{suffix}" if micro else f"{text}{suffix}"

    return adapt_at


ROWS_PER_STATEMENT = 100  # 600 parameters: under SQLite's oldest limit (999) and PostgreSQL's


def clicks_insert(rows: Sequence[ClickRow]) -> int:
    """Insert rows, 100 per INSERT … VALUES statement, in one transaction; returns the count.

    One statement per row (executemany) spends more on each call than SQLite spends on the
    row; a multi-row VALUES cuts the calls a hundredfold. Same table, columns and values as
    redirect_core.clicks_record.
    """
    if not rows:
        return 0
    quote_name = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 (names are ours, values bound)
        quote_name(Click._meta.db_table),
        ", ".join(quote_name(column) for column in ClickRow._fields),
    )
    one = "({})".format(", ".join(["%s"] * len(ClickRow._fields)))
    full = head + ", ".join([one] * ROWS_PER_STATEMENT)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            sql = full if len(chunk) == ROWS_PER_STATEMENT else head + ", ".join([one] * len(chunk))
            cursor.execute(sql, [value for row in chunk for value in row])
    return len(rows)


class ClickWriter:
    """Writes queued clicks from a thread, in batches; `stop()` writes everything still queued."""

    def __init__(
        self,
        *,
        flush_seconds: float,
        batch_size: int,
        record: Callable[[Sequence[ClickRow]], int] = clicks_insert,
        max_pending: int = MAX_PENDING,
        stop_retries: int = 5,
    ) -> None:
        self.flush_seconds = flush_seconds
        self.batch_size = batch_size
        self.max_pending = max_pending
        self.stop_retries = stop_retries
        self.written = 0
        self.dropped = 0
        self._record = record
        self._visitors = Visitors()
        self._adapt_at: Callable[[float], Any] | None = None
        self._pending: deque[RawClick] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="click-writer", daemon=True)
                self._thread.start()

    def add(self, click: RawClick) -> None:
        """Queue a click (called on the event loop; never blocks, never raises)."""
        if self._thread is None:  # served without startup hook: start on first use
            self.start()
            atexit.register(self.stop)
        pending = self._pending
        if len(pending) >= self.max_pending:
            self.dropped += 1
            return
        pending.append(click)
        if len(pending) == self.batch_size:
            self._wake.set()

    def stop(self) -> None:
        """Write every queued click, then end the thread (blocking: call it off the loop)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        self._wake.set()
        thread.join()
        self._thread = None
        if self._pending:
            logger.error("%d clicks could not be written before stopping", len(self._pending))

    def _run(self) -> None:
        failures = 0
        try:
            while True:
                self._wake.wait(self.flush_seconds)
                self._wake.clear()
                stopping = self._stopping
                if self._flush():
                    failures = 0
                else:
                    failures += 1
                    if stopping and failures >= self.stop_retries:
                        return
                    time.sleep(min(0.1 * 2**failures, 5.0))
                if stopping and not self._pending:
                    return
        finally:
            connections.close_all()

    def _flush(self) -> bool:
        """Write what is queued, batch by batch; False when the database refused a batch.

        The connection is kept from one batch to the next (opening one per batch cost more
        than the inserts); after a failure it is closed, so the retry opens a fresh one.
        """
        pending = self._pending
        anonymise = bool(settings.TRACKING_ANONYMISE_IP)
        if self._adapt_at is None:
            self._adapt_at = at_adapter(connection)
        while pending:
            count = min(len(pending), self.batch_size)
            raw = [pending.popleft() for _ in range(count)]
            try:
                rows = self._visitors.rows(raw, anonymise=anonymise, adapt_at=self._adapt_at)
                self.written += self._record(rows)
            except Exception:
                logger.warning("writing %d clicks failed; will retry", count, exc_info=True)
                pending.extendleft(reversed(raw))
                connections.close_all()
                return False
        return True
