"""A fake social network over real HTTP on 127.0.0.1, and the connector that talks to it.

The server answers after `latency` seconds (100 ms by default, like a real network), enforces
a per-account rate limit (HTTP 429 with `X-RateLimit-Reset`, epoch seconds) and counts every
create per attempt key — it does NOT deduplicate, so a duplicate send shows as a key created
twice. `hold` keeps the answer to a create back for that many seconds after the post exists
(to kill a worker between the network's success and our commit).

Run alone (the benchmark does): `python -m essayons.publishing.tests.fakenet --port 0`
prints `READY <port>` once listening.

The connector goes through essayons/lib/http.py like every connector; reaching 127.0.0.1
needs `allow_loopback()` in the process (tests and the benchmark's worker processes).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from essayons.connectors.base import (
    Account,
    Connector,
    Limits,
    Outgoing,
    Published,
    Reconciliation,
)
from essayons.connectors.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from essayons.lib import http


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency = 0.1
        self.limit = 0  # creates per account per window; 0: no limit
        self.window = 30.0
        self.hold = 0.0
        self.expired: set[str] = set()  # accounts whose token is refused
        self.creates: dict[str, list[str]] = defaultdict(list)  # attempt key → ids
        self.by_id: dict[str, str] = {}
        self.recent: dict[str, deque[float]] = defaultdict(deque)
        self.counts: dict[str, int] = defaultdict(int)
        self.ids = itertools.count(1)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "creates": sum(len(v) for v in self.creates.values()),
                "keys": len(self.creates),
                "duplicates": sum(len(v) - 1 for v in self.creates.values() if len(v) > 1),
                "per_key": {k: len(v) for k, v in self.creates.items()},
                **dict(self.counts),
            }


class Handler(BaseHTTPRequestHandler):
    state: ClassVar[State]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _account(self) -> str:
        return self.headers.get("Authorization", "").removeprefix("Bearer ").strip()

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self) -> None:
        state, parts = self.state, urlsplit(self.path)
        if parts.path == "/_stats":
            return self._send(200, state.stats())
        time.sleep(state.latency)
        if parts.path == "/posts":
            key = parse_qs(parts.query).get("key", [""])[0]
            with state.lock:
                ids = list(state.creates.get(key, []))
            if not ids:
                return self._send(404, {"error": "not found"})
            return self._send(200, {"id": ids[0], "url": f"https://fakenet.example/p/{ids[0]}"})
        if parts.path.startswith("/posts/"):
            found = parts.path.removeprefix("/posts/") in state.by_id
            return self._send(200 if found else 404, {})
        return self._send(404, {})

    def do_POST(self) -> None:
        state, path = self.state, urlsplit(self.path).path
        if path == "/_config":
            for name, value in self._body().items():
                setattr(state, name, set(value) if name == "expired" else value)
            return self._send(200, {})
        if path != "/posts":
            return self._send(404, {})
        body, account = self._body(), self._account()
        key = self.headers.get("Idempotency-Key", "")
        with state.lock:
            state.counts["received"] += 1
        time.sleep(state.latency)
        if account in state.expired:
            return self._send(401, {"error": "The access token is invalid"})
        if not body.get("text"):
            return self._send(422, {"error": "Text can't be blank"})
        now = time.time()
        with state.lock:
            recent = state.recent[account]
            while recent and recent[0] <= now - state.window:
                recent.popleft()
            if state.limit and len(recent) >= state.limit:
                state.counts["rate_limited"] += 1
                reset = recent[0] + state.window
                return self._send(
                    429, {"error": "Too many requests"}, {"X-RateLimit-Reset": f"{reset:.3f}"}
                )
            recent.append(now)
            remote_id = str(next(state.ids))
            state.creates[key].append(remote_id)
            state.by_id[remote_id] = key
        if state.hold:
            time.sleep(state.hold)
        self._send(200, {"id": remote_id, "url": f"https://fakenet.example/p/{remote_id}"})


class FakeNet:
    """The server in a thread of this process (tests)."""

    def __init__(self, **config: Any) -> None:
        self.state = State()
        for name, value in config.items():
            setattr(self.state, name, value)
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeNet:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeNetConnector(Connector):
    """Talks to the fake network: `instance_url` is the server, the token names the account."""

    kind: ClassVar[str] = "mastodon"
    label: ClassVar[str] = "FakeNet"
    limits: ClassVar[Limits] = Limits(max_length=500, max_images=4)
    reconciliation: ClassVar[Reconciliation] = Reconciliation.IDEMPOTENCY_KEY
    timeout: ClassVar[float] = 10.0

    def _headers(self, **extra: str) -> dict[str, str]:
        token = self.connection.credentials.get("access_token", "")
        return {"Authorization": f"Bearer {token}", **extra}

    def _call(self, method: str, path: str, **kwargs: Any) -> http.Response:
        try:
            return http.request(
                method, self.connection.instance_url + path, timeout=self.timeout, **kwargs
            )
        except http.BlockedUrl as error:
            raise Rejected(str(error), code="blocked_address", network=self.kind) from error
        except http.HttpError as error:  # no answer: it may have arrived
            raise UnknownOutcome(str(error), code="no_answer", network=self.kind) from error

    def verify(self) -> Account:
        return Account(remote_id=self.connection.account_id, name=self.connection.account_name)

    def publish(self, post: Outgoing) -> Published:
        response = self._call(
            "POST",
            "/posts",
            json={"text": post.text},
            headers=self._headers(**{"Idempotency-Key": post.attempt_key}),
        )
        if response.status == 429:
            reset = response.headers.get("x-ratelimit-reset")
            # No header is not "0 % used": wait a minute rather than hammer.
            retry_at = (
                datetime.fromtimestamp(float(reset), tz=UTC)
                if reset
                else datetime.now(tz=UTC) + timedelta(minutes=1)
            )
            raise RateLimited("429", retry_at=retry_at, code="429", network=self.kind)
        if response.status == 401:
            raise AuthExpired(response.text, code="401", network=self.kind)
        if 400 <= response.status < 500:
            raise Rejected(response.text, code=str(response.status), network=self.kind)
        if not response.ok:
            raise UnknownOutcome(response.text, code=str(response.status), network=self.kind)
        found = response.json()
        return Published(remote_id=str(found["id"]), url=found["url"])

    def find_published(self, post: Outgoing, *, since: datetime) -> Published | None:
        response = self._call(
            "GET", "/posts", params={"key": post.attempt_key}, headers=self._headers()
        )
        if response.status == 404:
            return None
        if not response.ok:
            raise Transient(response.text, code=str(response.status), network=self.kind)
        found = response.json()
        return Published(remote_id=str(found["id"]), url=found["url"])

    def permalink_check(self, published: Published) -> bool:
        return self._call("GET", f"/posts/{published.remote_id}", headers=self._headers()).ok


def stats(url: str) -> dict[str, Any]:
    with http.allow_loopback():
        return http.get(url + "/_stats", timeout=30).json()


def configure(url: str, **config: Any) -> None:
    with http.allow_loopback():
        http.post(url + "/_config", json=config, timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--window", type=float, default=30.0)
    options = parser.parse_args()
    state = State()
    state.latency, state.limit, state.window = options.latency, options.limit, options.window
    handler = type("BoundHandler", (Handler,), {"state": state})
    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(("127.0.0.1", options.port), handler)
    server.daemon_threads = True
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
