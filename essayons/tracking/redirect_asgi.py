"""The lean redirect server: /r/<code> without Django's request machinery, for when clicks pour in.

    granian --interface rsgi --http 1 --no-ws --loop uvloop essayons.tracking.redirect_asgi:app
    uvicorn essayons.tracking.redirect_asgi:app --no-access-log   (the same app over ASGI)

One application, two interfaces: RSGI (granian's own interface, the lighter one, what
docs/redirect.md recommends) and ASGI (uvicorn or any ASGI server). It shares redirect_core with
the Django view (same lookup, same Location, same bytes for a 404, same click record):
- codes are resolved from an in-process cache, each entry re-read from the database after
  REDIRECT_CACHE_SECONDS (default 10): a link switched off stops redirecting within that delay;
  concurrent misses on one code share one query; if the database cannot be read, the entry
  already known keeps being served;
- the 302 is sent first, then the click is queued (redirect_writer): a background thread writes
  the queue in batches, every REDIRECT_FLUSH_MS (default 200) or as soon as REDIRECT_BATCH_SIZE
  (default 250) clicks wait; on a graceful stop (SIGTERM/SIGINT: granian's __rsgi_del__ hook,
  ASGI's lifespan shutdown) every pending click is written before the process ends.
docs/redirect.md tells how to run it behind a reverse proxy.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essayons.settings")
django.setup()

from django.conf import settings  # noqa: E402 (Django must be set up first)
from django.db import close_old_connections, connections  # noqa: E402

from essayons.tracking import redirect_core as core  # noqa: E402
from essayons.tracking.redirect_writer import ClickWriter, RawClick  # noqa: E402

__all__ = ["ClickWriter", "RawClick", "RedirectApp", "app"]

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class RSGIScope(Protocol):
    """What the application reads of granian's scope (RSGI spec, HTTP connection scope:
    https://github.com/emmett-framework/granian/blob/master/docs/spec/RSGI.md)."""

    proto: str
    method: str
    path: str
    client: str  # "{address}:{port}", IPv6 addresses in brackets

    @property
    def headers(self) -> Mapping[str, str]: ...


class RSGIProtocol(Protocol):
    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None: ...

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None: ...


CACHE_SECONDS = float(settings.REDIRECT_CACHE_SECONDS)
FLUSH_MS = int(settings.REDIRECT_FLUSH_MS)
BATCH_SIZE = int(settings.REDIRECT_BATCH_SIZE)
MAX_CACHED = 200_000
ASGI_BODY_END = {"type": "http.response.body", "body": b""}


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer, encoded once for both interfaces (the servers only read the messages)."""

    status: int
    headers: list[tuple[str, str]]  # RSGI; granian adds Content-Length itself
    body: bytes
    asgi_start: dict[str, Any]
    asgi_body: dict[str, Any]

    @classmethod
    def build(cls, status: int, headers: list[tuple[str, str]], body: bytes = b"") -> Reply:
        with_length = [*headers, ("content-length", str(len(body)))]
        encoded = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in with_length]
        return cls(
            status=status,
            headers=headers,
            body=body,
            asgi_start={"type": "http.response.start", "status": status, "headers": encoded},
            asgi_body={"type": "http.response.body", "body": body} if body else ASGI_BODY_END,
        )

    @classmethod
    def redirect(cls, location: str) -> Reply:
        return cls.build(302, [("location", location), *_lower(core.REDIRECT_HEADERS)])


def _lower(headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return [(name.lower(), value) for name, value in headers]


class Replies:
    """The fixed answers."""

    def __init__(self) -> None:
        page = _lower(core.PAGE_HEADERS)
        self.not_found = Reply.build(404, page, core.not_found_body())
        retry = ("retry-after", str(core.RETRY_AFTER_SECONDS))
        self.too_many = Reply.build(429, [*page, retry], core.too_many_body())
        self.not_allowed = Reply.build(405, [("allow", "GET, HEAD")])
        self.unavailable = Reply.build(503, [("retry-after", "5")])
        self.healthy = Reply.build(200, [("content-type", "text/plain")], b"ok")


Found = tuple[int, Reply]  # link id, its 302


class Unknown(enum.Enum):
    """Not in the cache (or too old): the database must be asked."""

    UNKNOWN = enum.auto()


class LinkCache:
    """code → (expiry, link id and 302, or None for a miss), re-read after `ttl` s."""

    def __init__(self, *, ttl: float, executor: ThreadPoolExecutor, max_entries: int) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._executor = executor
        self._entries: dict[str, tuple[float, Found | None]] = {}
        self._loading: dict[str, asyncio.Future[Found | None]] = {}

    def fresh(self, code: str) -> Found | Unknown | None:
        """The cached answer when it is still fresh, without leaving the event loop's step."""
        entry = self._entries.get(code)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return Unknown.UNKNOWN

    async def get(self, code: str) -> Found | None:
        """(link id, its 302), or None for a code that must answer 404."""
        found = self.fresh(code)
        if found is not Unknown.UNKNOWN:
            return found
        loading = self._loading.get(code)
        if loading is None:
            loading = asyncio.ensure_future(self._load(code, self._entries.get(code)))
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
        found = None if target is None else (target.link_id, Reply.redirect(target.location))
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


class RedirectApp:
    """GET/HEAD /r/<code> and GET /healthz, over RSGI (granian) and ASGI (uvicorn)."""

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
        self.replies = Replies()
        self.served = 0
        if proxy_count is None:
            proxy_count = int(settings.AXES_IPWARE_PROXY_COUNT)
        self.proxy_count = proxy_count

    async def answer(self, path: str, method: str, address: str) -> tuple[Reply, int]:
        """The reply to send, and the id of the link whose click to count after it (or 0)."""
        replies = self.replies
        if not path.startswith("/r/"):
            return (replies.healthy if path == "/healthz" else replies.not_found), 0
        if method != "GET" and method != "HEAD":
            return replies.not_allowed, 0
        if self.misses.blocked(address):
            return replies.too_many, 0
        code = path[3:]
        found = self.cache.fresh(code)
        if found is Unknown.UNKNOWN:
            try:
                found = await self.cache.get(code)
            except Exception:
                logger.warning("link lookup failed", exc_info=True)
                return replies.unavailable, 0
        if found is None:
            self.misses.miss(address)
            return replies.not_found, 0
        link_id, reply = found
        return reply, (link_id if method == "GET" else 0)  # HEAD: a link checker, not a visit

    def count(
        self, link_id: int, address: str, user_agent: bytes | str, referrer: bytes | str
    ) -> None:
        """Queue the click of a redirect already sent."""
        self.served += 1
        self.writer.add((link_id, time.time(), address, user_agent, referrer))

    def visitor(self, remote: str, forwarded_for: bytes | str) -> str:
        """The visitor's address; X-Forwarded-For is read only with TRUSTED_PROXY_COUNT set."""
        if not self.proxy_count:
            return remote
        if isinstance(forwarded_for, bytes):
            forwarded_for = forwarded_for.decode("latin-1")
        return core.client_address(remote, forwarded_for, self.proxy_count)

    # --- RSGI (granian) ---------------------------------------------------------------------

    async def __rsgi__(self, scope: RSGIScope, protocol: RSGIProtocol) -> None:
        if scope.proto != "http":  # served with --no-ws: nothing else reaches us
            return
        headers = scope.headers
        remote = scope.client.rpartition(":")[0].strip("[]")
        address = self.visitor(remote, headers.get("x-forwarded-for", ""))
        reply, link_id = await self.answer(scope.path, scope.method, address)
        if reply.body:
            protocol.response_bytes(reply.status, reply.headers, reply.body)
        else:
            protocol.response_empty(reply.status, reply.headers)
        if link_id:
            self.count(link_id, address, headers.get("user-agent", ""), headers.get("referer", ""))

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.startup()

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.shutdown()

    # --- ASGI (uvicorn) ---------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self.http(scope, send)
        elif kind == "lifespan":
            await self.lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})

    async def http(self, scope: Scope, send: Send) -> None:
        user_agent = referrer = forwarded = b""
        for name, value in scope["headers"]:
            if name == b"user-agent":
                user_agent = value
            elif name == b"referer":
                referrer = value
            elif name == b"x-forwarded-for":
                forwarded = value
        client = scope.get("client")
        address = self.visitor(client[0] if client else "", forwarded)
        reply, link_id = await self.answer(scope["path"], scope["method"], address)
        await send(reply.asgi_start)
        await send(reply.asgi_body)
        if link_id:
            self.count(link_id, address, user_agent, referrer)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, self.shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return

    # --- Both -------------------------------------------------------------------------------

    def startup(self) -> None:
        # The writer thread shares the interpreter lock with the event loop; handing it back
        # every millisecond (instead of 5) keeps its batches out of the p99.
        sys.setswitchinterval(0.001)
        self.writer.start()

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


app = RedirectApp()
