"""The redirect's core, shared by the Django view and the lean ASGI server.

Shlink's order (STYLE.md): the 302 is built first and the click recorded second; a tracking
failure never breaks a redirect; bots are flagged, not dropped; IPs are anonymised.

Nothing here knows about HTTP frameworks: the callers pass strings and get strings or bytes back,
so both servers answer the same bytes for the same code.
"""

from __future__ import annotations

import functools
import html
import ipaddress
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext_lazy

from essayons.lib.visitor import client_address  # noqa: F401 (used by both servers)
from essayons.tracking.models import Click, TrackedLink

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# Codes are drawn from base62 (links_services.code_draw); anything else cannot exist, so it
# answers the same 404 without touching the database.
CODE_RE = re.compile(r"[0-9A-Za-z]{8,16}")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
ALLOWED_SCHEMES = frozenset({"http", "https"})
USER_AGENT_MAX = Click._meta.get_field("user_agent").max_length or 300
REFERRER_MAX = Click._meta.get_field("referrer").max_length or 500

# Flagged as a potential bot when the user agent contains one of these words (lower case), or
# when it is empty. User-agent matching is the method Shlink uses ("potential bot":
# https://github.com/shlinkio/shlink/issues/900, https://github.com/shlinkio/shlink/pull/1092);
# the words are the common ones from https://github.com/JayBizzle/Crawler-Detect
# (src/Fixtures/Crawlers.php) and https://github.com/monperrus/crawler-user-agents
# (crawler-user-agents.json), kept short on purpose: link-preview fetchers of the networks our
# owners post to come first, then search engines, SEO crawlers, AI crawlers and HTTP libraries.
BOT_WORDS = (
    # link previews in social networks and messengers
    "facebookexternalhit",
    "facebookcatalog",
    "facebot",
    "meta-externalagent",
    "whatsapp",
    "telegrambot",
    "discordbot",
    "slackbot",
    "twitterbot",
    "linkedinbot",
    "pinterest",
    "redditbot",
    "skypeuripreview",
    "embedly",
    "quora link preview",
    "mastodon",
    "bluesky",
    "preview",
    # search engines, SEO and AI crawlers (most say "bot", "crawl" or "spider")
    "bot",
    "crawl",
    "spider",
    "slurp",
    "mediapartners-google",
    "google-inspectiontool",
    "googleother",
    "apis-google",
    "feedfetcher",
    "yandex",
    "baidu",
    "lighthouse",
    "headlesschrome",
    "phantomjs",
    "ia_archiver",
    "archive.org",
    # HTTP libraries and command-line tools
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "python-httpx",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "apache-httpclient",
    "libwww-perl",
    "scrapy",
    "node-fetch",
    "axios/",
)
# Real browsers whose user agent happens to contain a bot word (Crawler-Detect's Exclusions.php).
BOT_WORD_EXCEPTIONS = ("cubot",)
_BOT_RE = re.compile("|".join(re.escape(word) for word in BOT_WORDS))
_EXCEPTIONS_RE = re.compile("|".join(re.escape(word) for word in BOT_WORD_EXCEPTIONS))


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What a redirect needs to know about a link: its id and where to send people."""

    link_id: int
    location: str


@dataclass(frozen=True, slots=True)
class ClickData:
    """One follow, already anonymised and trimmed: what ends up in a Click row."""

    link_id: int
    at: datetime
    is_bot: bool
    ip_prefix: str
    user_agent: str
    referrer: str


# --- Looking a code up and building the Location -------------------------------------------


def link_lookup(code: str) -> LinkTarget | None:
    """The active link for `code` with its Location, or None (unknown, disabled, bad target).

    Unknown and disabled codes take the same single query and give the same None, so that the
    answer cannot tell them apart.
    """
    if not CODE_RE.fullmatch(code):
        return None
    row = (
        TrackedLink.objects.filter(code=code, is_active=True)
        .values_list("pk", "destination", *UTM_KEYS)
        .first()
    )
    if row is None:
        return None
    link_id, destination, *utm_values = row
    location = location_build(destination, dict(zip(UTM_KEYS, utm_values, strict=True)))
    return LinkTarget(link_id, location) if location is not None else None


def location_build(destination: str, utm: dict[str, str]) -> str | None:
    """The destination with the UTM parameters merged into its query, or None if unsafe.

    The scheme is checked again here (a row edited in the database must not turn the short
    link into a `javascript:` or `file:` redirect). Non-empty UTM values replace the same keys
    in the destination's own query (never a duplicate key); the rest of its query is kept byte
    for byte, in order, and so is the fragment.
    """
    destination = destination.strip()
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in destination):
        return None
    location = iri_to_uri(destination)
    if not _is_safe_target(location):
        return None
    parts = urlsplit(location)
    ours = {key: value for key, value in utm.items() if value}
    if not ours:
        return location
    kept = [piece for piece in parts.query.split("&") if piece and _query_key(piece) not in ours]
    added = [f"{key}={quote(value, safe='')}" for key, value in ours.items()]
    return urlunsplit(parts._replace(query="&".join(kept + added)))


def _query_key(piece: str) -> str:
    return unquote_plus(piece.split("=", 1)[0])


def _is_safe_target(url: str) -> bool:
    """http(s), a host, no credentials, nothing that could split or smuggle a header."""
    if not url.isascii() or any(ord(char) < 0x21 or ord(char) == 0x7F for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ALLOWED_SCHEMES
        and bool(parts.hostname)
        and parts.username is None
        and parts.password is None
    )


# --- What is recorded about a click ----------------------------------------------------------


def click_build(
    *,
    link_id: int,
    remote_addr: str,
    user_agent: str,
    referrer: str,
    at: datetime | None = None,
    anonymise: bool | None = None,
) -> ClickData:
    """A click ready to store: IP cut to its network, user agent and referrer trimmed."""
    if anonymise is None:
        anonymise = settings.TRACKING_ANONYMISE_IP
    return ClickData(
        link_id=link_id,
        at=at or datetime.now(UTC),
        is_bot=is_bot(user_agent),
        ip_prefix=ip_anonymise(remote_addr) if anonymise else _ip_clean(remote_addr),
        user_agent=agent_trim(user_agent),
        referrer=referrer_trim(referrer),
    )


# The helpers below are cached: the same few user agents, referrers and networks come back
# all the time, and the click writer calls them thousands of times a second.


@functools.lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    """A potential bot: an empty user agent or one containing a word of BOT_WORDS."""
    agent = user_agent.strip().lower()
    return not agent or _BOT_RE.search(_EXCEPTIONS_RE.sub("", agent)) is not None


@functools.lru_cache(maxsize=65536)
def ip_anonymise(address: str) -> str:
    """The network of an address: IPv4 cut to its /24, IPv6 to its /48; "" if not an address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def _ip_clean(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return ""


@functools.lru_cache(maxsize=4096)
def agent_trim(user_agent: str) -> str:
    return _printable(user_agent)[:USER_AGENT_MAX]


@functools.lru_cache(maxsize=4096)
def referrer_trim(referrer: str) -> str:
    """Only where the visitor came from (scheme, host, path): query strings carry personal ids."""
    referrer = _printable(referrer)
    try:
        parts = urlsplit(referrer)
    except ValueError:
        return ""
    if parts.scheme not in ALLOWED_SCHEMES:
        return ""
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))[
        :REFERRER_MAX
    ]


def _printable(text: str) -> str:
    return "".join(char for char in text if char.isprintable()).strip()


def clicks_record(clicks: Sequence[ClickData]) -> int:
    """Insert clicks in one statement per batch; returns how many were written.

    A plain executemany through Django's connection instead of bulk_create: at thousands of
    clicks a second the ORM's per-object work costs more than the insert itself.
    """
    if not clicks:
        return 0
    quote_name = connection.ops.quote_name
    adapt = _datetime_adapter()
    columns = ("link_id", "at", "is_bot", "ip_prefix", "user_agent", "referrer")
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names are ours, values bound)
        quote_name(Click._meta.db_table),
        ", ".join(quote_name(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    rows = [
        (c.link_id, adapt(c.at), c.is_bot, c.ip_prefix, c.user_agent, c.referrer) for c in clicks
    ]
    with transaction.atomic(), connection.cursor() as cursor:  # one commit per batch
        cursor.executemany(sql, rows)
    return len(rows)


def _datetime_adapter() -> Callable[[datetime], Any]:
    """Django's adapt_datetimefield_value, or the same result without its 13 µs per call.

    With the database in UTC, SQLite stores a naive UTC datetime as text and PostgreSQL takes
    the aware datetime as it is; anything else goes through Django.
    """
    if connection.timezone_name == "UTC" and connection.vendor == "sqlite":
        return lambda at: str(at.astimezone(UTC).replace(tzinfo=None))
    if connection.timezone_name == "UTC" and connection.vendor == "postgresql":
        return lambda at: at
    return connection.ops.adapt_datetimefield_value


# --- The same answers from both servers ------------------------------------------------------


# Around the Location of a 302: never cached (each follow must reach us to be counted).
REDIRECT_HEADERS = (
    ("Cache-Control", "private, no-store"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
# Around the small page of a 404 or a 429.
PAGE_HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "private, no-store"),
)
RETRY_AFTER_SECONDS = 60


NOT_FOUND_MESSAGE = gettext_lazy("This link does not exist or is no longer active.")
TOO_MANY_MESSAGE = gettext_lazy(
    "Too many unknown links from your connection. Try again in a minute."
)


def not_found_body() -> bytes:
    """The same small page for an unknown, disabled or unsafe code, in the site's language.

    Never in the visitor's language: the answer must not vary with anything but the code.
    """
    return _page(NOT_FOUND_MESSAGE)


def too_many_body() -> bytes:
    return _page(TOO_MANY_MESSAGE)


def _page(message: StrPromise) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        text = html.escape(str(message))
    return (
        f'<!doctype html><html lang="{settings.LANGUAGE_CODE}"><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Essayons</title><p>{text}</p></html>\n"
    ).encode()


class MissLimiter:
    """Counts 404s per client address over a sliding minute; over the limit, every code 429s.

    Random codes have 62^10 possibilities, so guessing is hopeless anyway; the limit keeps
    guessers from spending our database. Kept in memory per process, addresses never stored.
    """

    def __init__(self, *, limit: int = 30, window_seconds: float = 60.0, max_tracked: int = 50_000):
        self.limit = limit
        self.window = window_seconds
        self.max_tracked = max_tracked
        self._misses: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        entry = self._misses.get(address)
        return entry is not None and now - entry[0] < self.window and entry[1] >= self.limit

    def miss(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            started, count = self._misses.get(address, (now, 0))
            if now - started >= self.window:
                started, count = now, 0
            self._misses[address] = (started, count + 1)
            if len(self._misses) > self.max_tracked:
                self._forget_old(now)

    def _forget_old(self, now: float) -> None:
        old = [key for key, (started, _) in self._misses.items() if now - started >= self.window]
        for key in old:
            del self._misses[key]
        if len(self._misses) > self.max_tracked:  # a flood of fresh addresses: start over
            self._misses.clear()


def pairs_first(headers: Iterable[tuple[bytes, bytes]], names: frozenset[bytes]) -> dict[str, str]:
    """The first value of each wanted header from ASGI's raw (name, value) list, decoded."""
    found: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in names and key.decode() not in found:
            found[key.decode()] = value.decode("latin-1")
    return found
