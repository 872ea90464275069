"""The only way Essayons makes outbound HTTP requests (DESIGN.md §3).

Every call has a timeout (a deadline for the whole exchange, redirects included), the user agent
`Essayons/<version>`, a cap on the response size, and the SSRF guard: the host is resolved,
every address must be public (no loopback, private, link-local, CGNAT, multicast, reserved or
unspecified address, IPv4-mapped IPv6 included), and the connection goes to the address that
was checked, so a DNS name cannot rebind between the check and the connect. Each redirect hop
is checked again. Rules from CONTRACTS.md §3.4 and the OWASP SSRF Prevention Cheat Sheet
(https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html).

Tests fake one thing: the transport. `use_transport(FakeTransport(...))` records every request
exactly as it would be sent (method, URL, headers, body) and answers from fixtures, DNS
included. To talk to a real peer on 127.0.0.1 in a test, wrap the call in `allow_loopback()`;
nothing else ever opens the loopback or private ranges.
"""

from __future__ import annotations

import http.client
import ipaddress
import json as jsonlib
import logging
import socket
import ssl
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urljoin, urlsplit

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text())["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0"


USER_AGENT = f"Essayons/{_version()}"
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 120.0
DEFAULT_MAX_BYTES = 5_000_000
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ALLOWED_SCHEMES = frozenset({"http", "https"})
CHUNK = 64 * 1024


class HttpError(Exception):
    """Base of every error raised here; `transient` says whether trying later may help."""

    transient = False


class TransportError(HttpError):
    """No answer: the connection failed, broke or timed out. Worth retrying later."""

    transient = True


class BlockedUrl(HttpError):
    """Refused before any socket was opened: not http(s), or not a public address."""


class ResponseTooLarge(HttpError):
    """The answer was longer than the cap; it was cut off and thrown away."""


class TooManyRedirects(HttpError):
    pass


class InvalidJson(HttpError):
    pass


@dataclass(frozen=True)
class Request:
    """One request exactly as it goes on the wire (what a fake transport records)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES

    def json(self) -> Any:
        return jsonlib.loads(self.body)


@dataclass(frozen=True)
class Response:
    """An answer; header names are lower case."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    url: str = ""

    @classmethod
    def of_json(
        cls, payload: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        """A JSON answer, handy for fixtures."""
        merged = {"content-type": "application/json; charset=utf-8"}
        merged.update({key.lower(): value for key, value in (headers or {}).items()})
        return cls(status=status, body=jsonlib.dumps(payload).encode(), headers=merged)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return jsonlib.loads(self.body)
        except ValueError as error:
            raise InvalidJson(f"invalid JSON from {_safe_url(self.url)}") from error

    def json_object(self) -> dict[str, Any]:
        """The JSON object answered, or {} for anything else (an empty body, HTML, a list):
        for reading an error's details, where a missing detail is not itself an error."""
        try:
            payload = self.json() if self.body.strip() else {}
        except InvalidJson:
            return {}
        return payload if isinstance(payload, dict) else {}


class Transport(Protocol):
    """Sends one request to one already-checked address; the single seam tests replace."""

    def resolve(self, host: str, port: int) -> list[str]: ...

    def send(self, request: Request, *, address: str) -> Response: ...


# --- The guard ----------------------------------------------------------------------------

# How many `allow_loopback()` blocks are open, in any thread (0 in production). A count, not a
# saved-and-restored flag: blocks entered from two threads may end in any order.
_loopback_allowed = 0
_loopback_lock = threading.Lock()


@contextmanager
def allow_loopback() -> Iterator[None]:
    """For tests only: let requests reach 127.0.0.0/8 and ::1 (never private ranges)."""
    global _loopback_allowed
    with _loopback_lock:
        _loopback_allowed += 1
    try:
        yield
    finally:
        with _loopback_lock:
            _loopback_allowed = max(0, _loopback_allowed - 1)


def address_is_public(address: str) -> bool:
    """True for an address anyone on the internet could reach, and nothing else."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            ip = embedded
    if _loopback_allowed and ip.is_loopback:
        return True
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_link_local
    )


def url_check(url: str, transport: Transport) -> str:
    """The address to connect to for `url`, or BlockedUrl. Every resolved address must pass."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise BlockedUrl("malformed URL") from error
    if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise BlockedUrl(f"only http and https URLs with a host are allowed, not {parts.scheme!r}")
    if parts.username is not None or parts.password is not None:
        raise BlockedUrl("credentials in a URL are refused")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = transport.resolve(parts.hostname, port)
    except OSError as error:
        raise TransportError(f"could not resolve {parts.hostname}") from error
    if not addresses:
        raise TransportError(f"no address for {parts.hostname}")
    refused = [address for address in addresses if not address_is_public(address)]
    if refused:
        raise BlockedUrl(f"{parts.hostname} resolves to a non-public address")
    return addresses[0]


# --- Sending ------------------------------------------------------------------------------


def request(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    data: Mapping[str, Any] | bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    follow_redirects: bool = True,
) -> Response:
    """Send a request and return the answer, whatever its status (callers read `.ok`).

    `json` sends a JSON body, `data` a form (mapping) or raw bytes; `params` are added to the
    query string. `timeout` bounds the whole exchange, redirects included; with
    `follow_redirects=False` a 3xx answer is returned as it is. Raises BlockedUrl,
    TransportError, ResponseTooLarge or TooManyRedirects; never returns a partial body.
    """
    if not 0 < timeout <= MAX_TIMEOUT:
        raise ValueError(f"timeout must be between 0 and {MAX_TIMEOUT} seconds")
    body, content_type = _body(json, data)
    sent_headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "identity"}
    if content_type:
        sent_headers["Content-Type"] = content_type
    sent_headers.update(headers or {})
    current = Request(
        method=method.upper(),
        url=_with_params(url, params),
        headers=sent_headers,
        body=body,
        timeout=timeout,
        max_bytes=max_bytes,
    )
    transport = _transport
    deadline = time.monotonic() + timeout
    for _hop in range(max_redirects + 1):
        address = url_check(current.url, transport)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError("timed out")
        current = replace(current, timeout=remaining)
        log.debug("%s %s", current.method, _safe_url(current.url))
        response = replace(transport.send(current, address=address), url=current.url)
        location = response.headers.get("location")
        if not follow_redirects or response.status not in REDIRECT_STATUSES or not location:
            return response
        current = _redirected(current, response.status, urljoin(current.url, location))
    raise TooManyRedirects(f"more than {max_redirects} redirects")


def get(url: str, **kwargs: Any) -> Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> Response:
    return request("POST", url, **kwargs)


def _body(json: Any, data: Mapping[str, Any] | bytes | None) -> tuple[bytes, str]:
    if json is not None and data is not None:
        raise ValueError("send either json or data, not both")
    if json is not None:
        return jsonlib.dumps(json, separators=(",", ":")).encode(), "application/json"
    if isinstance(data, bytes):
        return data, ""
    if data is not None:
        return urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
    return b"", ""


def _with_params(url: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> str:
    if not params:
        return url
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}{urlencode(params, doseq=True)}"


def _redirected(previous: Request, status: int, url: str) -> Request:
    """The next hop: 303 (and 301/302 after a POST) become a GET; credentials stay home."""
    method, body, headers = previous.method, previous.body, dict(previous.headers)
    if status == 303 or (status in (301, 302) and method == "POST"):
        method, body = "GET", b""
        headers.pop("Content-Type", None)
    if urlsplit(url).netloc != urlsplit(previous.url).netloc:
        headers = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}
    return replace(previous, method=method, url=url, body=body, headers=headers)


def _safe_url(url: str) -> str:
    """A URL fit for a log line: no query string (tokens travel there on some APIs)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


# --- The real transport: http.client connected to the checked address --------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, with the certificate verified for the URL's host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address
        self.tls = ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


class SocketTransport:
    """Sends over a fresh connection per request; no proxy, no cookies, no decompression."""

    def resolve(self, host: str, port: int) -> list[str]:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    def send(self, request: Request, *, address: str) -> Response:
        parts = urlsplit(request.url)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        host = parts.hostname or ""
        factory = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        deadline = time.monotonic() + request.timeout
        connection = factory(host, port, address=address, timeout=request.timeout)
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        try:
            connection.request(
                request.method, path, body=request.body or None, headers=request.headers
            )
            answer = connection.getresponse()
            body = _read_capped(connection, answer, request.max_bytes, deadline)
            headers: dict[str, str] = {}
            for name, value in answer.getheaders():
                key = name.lower()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            return Response(status=answer.status, body=body, headers=headers, url=request.url)
        except (OSError, http.client.HTTPException) as error:
            raise TransportError(f"{type(error).__name__} talking to {host}") from error
        finally:
            connection.close()


def _read_capped(
    connection: http.client.HTTPConnection,
    answer: http.client.HTTPResponse,
    max_bytes: int,
    deadline: float,
) -> bytes:
    declared = answer.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"the answer announces {declared} bytes, over {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError("timed out while reading the answer")
        if connection.sock is not None:
            connection.sock.settimeout(remaining)
        chunk = answer.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"the answer is longer than {max_bytes} bytes")
        chunks.append(chunk)


# --- The seam for tests -------------------------------------------------------------------

FakeAnswer = Response | Exception | Callable[[Request], Response]


class FakeTransport:
    """Answers from fixtures and records every request that would have gone out.

    Answers are used in order (a callable receives the request; an exception is raised); the
    last one repeats. `dns` maps host names to addresses; other names resolve to a public
    address, and literal IPs resolve to themselves so the guard still applies to them.
    """

    PUBLIC_ADDRESS = "157.240.1.35"

    def __init__(self, *answers: FakeAnswer, dns: Mapping[str, list[str]] | None = None) -> None:
        self.answers = list(answers) or [Response(status=200)]
        self.dns = {"localhost": ["127.0.0.1"], **(dns or {})}
        self.requests: list[Request] = []
        self.addresses: list[str] = []

    def resolve(self, host: str, port: int) -> list[str]:
        if host in self.dns:
            return list(self.dns[host])
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            return [self.PUBLIC_ADDRESS]

    def send(self, request: Request, *, address: str) -> Response:
        self.requests.append(request)
        self.addresses.append(address)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            answer = answer(request)
        if len(answer.body) > request.max_bytes:
            raise ResponseTooLarge(f"the answer is longer than {request.max_bytes} bytes")
        return answer

    @property
    def last(self) -> Request:
        return self.requests[-1]


_transport: Transport = SocketTransport()


@contextmanager
def use_transport(transport: Transport) -> Iterator[Transport]:
    """Route every request through `transport` inside the block (tests)."""
    global _transport
    previous, _transport = _transport, transport
    try:
        yield transport
    finally:
        _transport = previous
