"""The lean redirect server: /r/<code> as a bare ASGI application, for when clicks pour in.

    uvicorn essayons.tracking.redirect_asgi:app --no-access-log

It shares redirect_core with the Django view (same lookup, same Location, same bytes for a 404)
but skips Django's request machinery:
- codes are resolved from an in-process cache, each entry re-read from the database after
  REDIRECT_CACHE_SECONDS (default 10): a link switched off stops redirecting within that delay;
  concurrent misses on one code share one query; if the database cannot be read, the entry
  already known keeps being served;
- the 302 is sent first, then the click is queued; a background thread writes the queue in
  batches, every REDIRECT_FLUSH_MS (default 200) or as soon as REDIRECT_BATCH_SIZE (default 1000)
  clicks wait; on a graceful stop (ASGI lifespan shutdown, i.e. SIGTERM/SIGINT to uvicorn) every
  pending click is written before the process ends.
docs/redirect.md tells how to run it behind a reverse proxy.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essayons.settings")
django.setup()

from django.conf import settings  # noqa: E402 (Django must be set up first)
from django.db import close_old_connections, connections  # noqa: E402

from essayons.tracking import redirect_core as core  # noqa: E402

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]
# What the request path hands to the writer: link id, time, address, user agent, referrer.
RawClick = tuple[int, float, str, bytes, bytes]

CACHE_SECONDS = float(settings.REDIRECT_CACHE_SECONDS)
FLUSH_MS = int(settings.REDIRECT_FLUSH_MS)
BATCH_SIZE = int(settings.REDIRECT_BATCH_SIZE)
MAX_PENDING = 500_000  # ~ a few minutes of a flood while the database is away
MAX_CACHED = 200_000


def _page_headers(body: bytes) -> Headers:
    return [(name.lower().encode(), value.encode()) for name, value in core.PAGE_HEADERS] + [
        (b"content-length", str(len(body)).encode())
    ]


class Answers:
    """The fixed answers, encoded once."""

    def __init__(self) -> None:
        self.not_found = core.not_found_body()
        self.not_found_headers = _page_headers(self.not_found)
        self.too_many = core.too_many_body()
        self.too_many_headers = [
            *_page_headers(self.too_many),
            (b"retry-after", str(core.RETRY_AFTER_SECONDS).encode()),
        ]

    @staticmethod
    def redirect_headers(location: str) -> Headers:
        return [
            (b"location", location.encode("ascii")),
            *((name.lower().encode(), value.encode()) for name, value in core.REDIRECT_HEADERS),
            (b"content-length", b"0"),
        ]


Found = tuple[int, Headers]  # link id, headers of its 302


class LinkCache:
    """code → (expiry, link id and 302 headers, or None for a miss), re-read after `ttl` s."""

    def __init__(self, *, ttl: float, executor: ThreadPoolExecutor, max_entries: int) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._executor = executor
        self._entries: dict[str, tuple[float, Found | None]] = {}
        self._loading: dict[str, asyncio.Future[Found | None]] = {}

    async def get(self, code: str) -> Found | None:
        """(link id, headers of its 302), or None for a code that must answer 404."""
        entry = self._entries.get(code)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        loading = self._loading.get(code)
        if loading is None:
            loading = asyncio.ensure_future(self._load(code, entry))
            self._loading[code] = loading
        return await asyncio.shield(loading)

    async def _load(self, code: str, stale: tuple[float, Found | None] | None) -> Found | None:
        loop = asyncio.get_running_loop()
        try:
            target = await loop.run_in_executor(self._executor, _lookup, code)
        except Exception:
            if stale is None:
                raise
            # The database cannot be read: keep answering what we knew, and retry soon.
            logger.warning("link lookup failed; serving the cached answer", exc_info=True)
            self._entries[code] = (time.monotonic() + min(self.ttl, 5.0), stale[1])
            return stale[1]
        finally:
            self._loading.pop(code, None)
        found = (
            None if target is None else (target.link_id, Answers.redirect_headers(target.location))
        )
        self._make_room()
        self._entries[code] = (time.monotonic() + self.ttl, found)
        return found

    def _make_room(self) -> None:
        if len(self._entries) < self.max_entries:
            return
        now = time.monotonic()
        for code in [code for code, entry in self._entries.items() if entry[0] <= now]:
            del self._entries[code]
        while len(self._entries) >= self.max_entries:  # oldest first (dicts keep order)
            del self._entries[next(iter(self._entries))]


def _lookup(code: str) -> core.LinkTarget | None:
    close_old_connections()  # a connection the database dropped is replaced, not reused
    return core.link_lookup(code)


class ClickWriter:
    """Writes queued clicks from a thread, in batches; `stop()` writes everything still queued."""

    def __init__(
        self,
        *,
        flush_seconds: float,
        batch_size: int,
        record: Callable[[Sequence[core.ClickData]], int] = core.clicks_record,
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
        if self._thread is None:  # served without lifespan events: start on first use
            self.start()
            atexit.register(self.stop)
        if len(self._pending) >= self.max_pending:
            self.dropped += 1
            return
        self._pending.append(click)
        if len(self._pending) >= self.batch_size:
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
        """Write what is queued, batch by batch; False when the database refused a batch."""
        anonymise = bool(settings.TRACKING_ANONYMISE_IP)
        while self._pending:
            count = min(len(self._pending), self.batch_size)
            raw = [self._pending.popleft() for _ in range(count)]
            try:
                close_old_connections()
                self.written += self._record([_click(item, anonymise) for item in raw])
            except Exception:
                logger.warning("writing %d clicks failed; will retry", count, exc_info=True)
                self._pending.extendleft(reversed(raw))
                return False
        return True


def _click(raw: RawClick, anonymise: bool) -> core.ClickData:
    link_id, at, address, user_agent, referrer = raw
    return core.click_build(
        link_id=link_id,
        remote_addr=address,
        user_agent=user_agent.decode("latin-1"),
        referrer=referrer.decode("latin-1"),
        at=datetime.fromtimestamp(at, UTC),
        anonymise=anonymise,
    )


class RedirectApp:
    """The ASGI application: GET/HEAD /r/<code>, GET /healthz, and the lifespan events."""

    def __init__(
        self,
        *,
        cache_seconds: float = CACHE_SECONDS,
        flush_ms: int = FLUSH_MS,
        batch_size: int = BATCH_SIZE,
        proxy_count: int | None = None,
    ) -> None:
        # One lookup thread: misses are rare once the cache is warm, a flood of unknown codes
        # then costs at most one database connection, and it can be closed on shutdown.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="link-lookup")
        self.cache = LinkCache(ttl=cache_seconds, executor=self.executor, max_entries=MAX_CACHED)
        self.writer = ClickWriter(flush_seconds=flush_ms / 1000, batch_size=batch_size)
        self.misses = core.MissLimiter()
        self.answers = Answers()
        self.served = 0
        if proxy_count is None:
            proxy_count = int(settings.AXES_IPWARE_PROXY_COUNT)
        self.proxy_count = proxy_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self.http(scope, send)
        elif kind == "lifespan":
            await self.lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})

    async def http(self, scope: Scope, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        if path == "/healthz":
            return await _send(send, 200, [(b"content-type", b"text/plain")], b"ok")
        if not path.startswith("/r/"):
            return await _send(send, 404, self.answers.not_found_headers, self.answers.not_found)
        if method != "GET" and method != "HEAD":
            return await _send(
                send, 405, [(b"allow", b"GET, HEAD"), (b"content-length", b"0")], b""
            )
        user_agent = referrer = forwarded = b""
        for name, value in scope["headers"]:
            if name == b"user-agent":
                user_agent = value
            elif name == b"referer":
                referrer = value
            elif name == b"x-forwarded-for":
                forwarded = value
        client = scope.get("client")
        address = client[0] if client else ""
        if self.proxy_count:
            address = core.client_address(address, forwarded.decode("latin-1"), self.proxy_count)
        if self.misses.blocked(address):
            answers = self.answers
            return await _send(send, 429, answers.too_many_headers, answers.too_many)
        try:
            found = await self.cache.get(path[3:])
        except Exception:
            logger.warning("link lookup failed", exc_info=True)
            return await _send(send, 503, [(b"retry-after", b"5"), (b"content-length", b"0")], b"")
        if found is None:
            self.misses.miss(address)
            return await _send(send, 404, self.answers.not_found_headers, self.answers.not_found)
        link_id, headers = found
        await send({"type": "http.response.start", "status": 302, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        if method == "GET":  # HEAD is a link checker or a preview, not a visit
            self.served += 1
            self.writer.add((link_id, time.time(), address, user_agent, referrer))

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # The writer thread shares the interpreter lock with the event loop; handing it
                # back every millisecond (instead of 5) keeps its batches out of the p99.
                sys.setswitchinterval(0.001)
                self.writer.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, self.shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def shutdown(self) -> None:
        """Write every pending click, then report what this process did."""
        self.writer.stop()
        self.executor.submit(connections.close_all).result()
        self.executor.shutdown(wait=True)
        logger.info(
            "redirect server stopping: %d clicks served, %d written, %d dropped, %d unwritten",
            self.served,
            self.writer.written,
            self.writer.dropped,
            self.writer.pending,
        )


async def _send(send: Send, status: int, headers: Headers, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = RedirectApp()
