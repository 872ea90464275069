"""The lean redirect server over RSGI (granian), its click writer, and granian itself.

The ASGI side and the Django view are tested in test_redirect.py; here the RSGI side must give
the same answers, and the writer must store exactly what the Django view stores.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connection

from essayons.tracking import redirect_core as core
from essayons.tracking import redirect_writer
from essayons.tracking.links_services import link_create
from essayons.tracking.models import Campaign, Click, TrackedLink
from essayons.tracking.redirect_asgi import RedirectApp
from essayons.tracking.redirect_writer import ClickWriter, Visitors, at_adapter, clicks_insert

ROOT = Path(__file__).resolve().parents[3]
BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
)
EXPECTED = (
    "https://example.org/galettes?ref=site"
    "&utm_source=facebook&utm_medium=social&utm_campaign=galette#haut"
)
# 2025-11-26 16:00:00 UTC and fractions a float holds exactly.
NOON = 1764172800.0


@pytest.fixture
def link(business):
    campaign = Campaign.objects.create(business=business, name="Galette", slug="galette")
    return link_create(
        business=business,
        destination="https://example.org/galettes?ref=site#haut",
        channel="facebook",
        campaign=campaign,
    )


class Scope:
    """What granian hands the application (RSGI spec, HTTP connection scope)."""

    def __init__(self, method, path, headers, client):
        self.proto = "http"
        self.method = method
        self.path = path
        self.headers = headers
        self.client = client


class Protocol:
    """Records what the application sent through granian's response methods."""

    def __init__(self):
        self.sent = []

    def response_empty(self, status, headers):
        self.sent.append((status, headers, b""))

    def response_bytes(self, status, headers, body):
        self.sent.append((status, headers, body))


async def _rsgi(app, method, path, headers=None, client="203.0.113.77:50000"):
    protocol = Protocol()
    await app.__rsgi__(Scope(method, path, headers or {}, client), protocol)
    [(status, sent_headers, body)] = protocol.sent
    return status, dict(sent_headers), body


async def _asgi(app, method, path):
    scope = {"type": "http", "method": method, "path": path, "headers": [], "client": None}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start, body = sent
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body["body"]


# --- RSGI, called as granian calls it --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_rsgi_redirects_first_and_writes_every_click_on_shutdown(link):
    app = RedirectApp(flush_ms=60_000, batch_size=10_000)
    app.__rsgi_init__(asyncio.new_event_loop())
    headers = {"user-agent": BROWSER, "referer": "https://www.facebook.com/groups/12?fbclid=x"}

    async def scenario():
        for _ in range(25):
            status, sent, body = await _rsgi(app, "GET", f"/r/{link.code}", headers)
            assert (status, sent["location"], body) == (302, EXPECTED, b"")
            assert sent["cache-control"] == "private, no-store"
        assert (await _rsgi(app, "HEAD", f"/r/{link.code}", headers))[0] == 302

    asyncio.run(scenario())
    assert Click.objects.count() == 0  # queued, not written one by one
    app.__rsgi_del__(asyncio.new_event_loop())
    clicks = Click.objects.filter(link=link)
    assert clicks.count() == 25  # HEAD is not a visit, and nothing is lost
    assert set(clicks.values_list("ip_prefix", "user_agent", "referrer", "is_bot")) == {
        ("203.0.113.0", BROWSER, "https://www.facebook.com/groups/12", False)
    }
    assert (app.served, app.writer.written, app.writer.pending) == (25, 25, 0)


@pytest.mark.django_db(transaction=True)
def test_rsgi_and_asgi_answer_the_same_bytes(client, link, business):
    disabled = link_create(business=business, destination="https://example.org/", channel="")
    TrackedLink.objects.filter(pk=disabled.pk).update(is_active=False)
    app = RedirectApp()
    requests = [
        ("GET", f"/r/{link.code}"),
        ("GET", "/r/Zz9Zz9Zz9Z"),
        ("GET", f"/r/{disabled.code}"),
        ("GET", "/r/%3Cscript%3E"),
        ("GET", "/elsewhere"),
        ("POST", f"/r/{link.code}"),
        ("GET", "/healthz"),
    ]

    async def scenario():
        rsgi = [await _rsgi(app, method, path) for method, path in requests]
        asgi = [await _asgi(app, method, path) for method, path in requests]
        return rsgi, asgi

    rsgi, asgi = asyncio.run(scenario())
    app.shutdown()
    assert [status for status, _, _ in rsgi] == [302, 404, 404, 404, 404, 405, 200]
    for (status, headers, body), (asgi_status, asgi_headers, asgi_body) in zip(
        rsgi, asgi, strict=True
    ):
        # granian writes Content-Length from the body itself
        assert (status, headers, body) == (
            asgi_status,
            {k: v for k, v in asgi_headers.items() if k != "content-length"},
            asgi_body,
        )
    assert rsgi[1][2] == client.get("/r/Zz9Zz9Zz9Z").content
    assert rsgi[1] == rsgi[2] == rsgi[3]  # unknown, switched off, malformed: one answer


@pytest.mark.django_db(transaction=True)
def test_rsgi_ipv6_client_is_cut_to_its_48(link):
    app = RedirectApp()

    async def scenario():
        headers = {"user-agent": "facebookexternalhit/1.1"}
        client = "[2001:db8:85a3:1:2:8a2e:370:7334]:443"
        assert (await _rsgi(app, "GET", f"/r/{link.code}", headers, client))[0] == 302

    asyncio.run(scenario())
    app.shutdown()
    click = Click.objects.get()
    assert (click.ip_prefix, click.is_bot) == ("2001:db8:85a3::", True)  # flagged, not dropped


@pytest.mark.django_db(transaction=True)
def test_x_forwarded_for_is_read_only_behind_trusted_proxies(link):
    forwarded = {"x-forwarded-for": "10.9.9.9, 198.51.100.7"}  # the client wrote the first
    behind_proxy = RedirectApp(proxy_count=1)
    direct = RedirectApp(proxy_count=0)

    async def scenario():
        await _rsgi(behind_proxy, "GET", f"/r/{link.code}", forwarded, "127.0.0.1:40000")
        await _rsgi(direct, "GET", f"/r/{link.code}", forwarded, "192.0.2.33:40000")

    asyncio.run(scenario())
    behind_proxy.shutdown()
    direct.shutdown()
    assert sorted(Click.objects.values_list("ip_prefix", flat=True)) == [
        "192.0.2.0",
        "198.51.100.0",
    ]


@pytest.mark.django_db(transaction=True)
def test_rsgi_too_many_unknown_codes_from_one_address_answer_429(link):
    app = RedirectApp()
    guesser, visitor = "198.51.100.20:1000", "198.51.100.21:1000"

    async def scenario():
        statuses = [
            (await _rsgi(app, "GET", f"/r/Guess{n:05d}", client=guesser))[0] for n in range(31)
        ]
        assert statuses == [404] * 30 + [429]
        status, headers, body = await _rsgi(app, "GET", f"/r/{link.code}", client=guesser)
        assert (status, headers["retry-after"]) == (429, "60")
        assert body == core.too_many_body()
        assert (await _rsgi(app, "GET", f"/r/{link.code}", client=visitor))[0] == 302

    asyncio.run(scenario())
    app.shutdown()
    assert Click.objects.count() == 1


def _switch_off(link_id):
    try:
        TrackedLink.objects.filter(pk=link_id).update(is_active=False)
    finally:
        connection.close()  # this thread's own connection, before the test database goes


@pytest.mark.django_db(transaction=True)
def test_rsgi_stops_redirecting_a_switched_off_link_within_the_cache_delay(link):
    app = RedirectApp(cache_seconds=0.2)

    async def scenario():
        assert (await _rsgi(app, "GET", f"/r/{link.code}"))[0] == 302
        await asyncio.get_running_loop().run_in_executor(None, _switch_off, link.pk)
        assert (await _rsgi(app, "GET", f"/r/{link.code}"))[0] == 302  # still cached
        await asyncio.sleep(0.25)
        assert (await _rsgi(app, "GET", f"/r/{link.code}"))[0] == 404

    asyncio.run(scenario())
    app.shutdown()
    assert Click.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_rsgi_keeps_redirecting_known_links_when_the_database_fails(link):
    app = RedirectApp(cache_seconds=0.01)

    async def scenario():
        assert (await _rsgi(app, "GET", f"/r/{link.code}"))[0] == 302
        await asyncio.sleep(0.02)
        with mock.patch.object(core, "link_lookup", side_effect=OperationalError("down")):
            status, headers, _ = await _rsgi(app, "GET", f"/r/{link.code}")
            assert (status, headers["location"]) == (302, EXPECTED)
            status, headers, _ = await _rsgi(app, "GET", "/r/Zz9Zz9Zz9Z")
            assert (status, headers["retry-after"]) == (503, "5")

    asyncio.run(scenario())
    app.shutdown()
    assert Click.objects.count() == 2


# --- The click writer -------------------------------------------------------------------------


def _stored(link_id):
    """Every column of the link's clicks but the id, `at` as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT link_id, at, is_bot, ip_prefix, user_agent, referrer FROM tracking_click "
            "WHERE link_id = %s ORDER BY id",
            [link_id],
        )
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("at", [NOON, NOON + 0.5, NOON + 0.015625])
@pytest.mark.parametrize(
    ("address", "agent", "referrer"),
    [
        ("203.0.113.77", BROWSER, "https://l.facebook.com/l.php?u=x&h=y"),
        ("2001:db8::1", "Googlebot/2.1 (+http://www.google.com/bot.html)", ""),
        ("not an address", "", "javascript:alert(1)"),
        ("198.51.100.1", "A\x00\x1b" + "b" * 400, "https://user:pw@example.org/p" + "q" * 600),
    ],
)
def test_writer_stores_the_same_row_as_the_django_view(
    link, business, at, address, agent, referrer
):
    other = link_create(business=business, destination="https://example.org/", channel="")
    core.clicks_record(
        [
            core.click_build(
                link_id=other.pk,
                remote_addr=address,
                user_agent=agent,
                referrer=referrer,
                at=datetime.fromtimestamp(at, UTC),
            )
        ]
    )
    writer = ClickWriter(flush_seconds=60, batch_size=1000)
    writer.start()
    writer.add((link.pk, at, address, agent.encode("latin-1"), referrer.encode("latin-1")))
    writer.add((link.pk, at, address, agent, referrer))  # RSGI hands over str
    writer.stop()
    [(_, *django_row)] = _stored(other.pk)
    assert [row[1:] for row in _stored(link.pk)] == [tuple(django_row)] * 2


@pytest.mark.django_db(transaction=True)
def test_at_adapter_keeps_the_microseconds_and_the_instant(link):
    adapt = at_adapter(connection)
    rows = [
        redirect_writer.ClickRow(link.pk, adapt(at), False, "", "", "")
        for at in (NOON, NOON + 0.25, NOON + 86_399.5)
    ]
    assert clicks_insert(rows) == 3
    assert list(Click.objects.order_by("id").values_list("at", flat=True)) == [
        datetime(2025, 11, 26, 16, 0, tzinfo=UTC),
        datetime(2025, 11, 26, 16, 0, 0, 250_000, tzinfo=UTC),
        datetime(2025, 11, 27, 15, 59, 59, 500_000, tzinfo=UTC),
    ]
    if connection.vendor == "sqlite":  # the text Django itself would store
        assert [adapt(NOON), adapt(NOON + 0.25)] == [
            "2025-11-26 16:00:00",
            "2025-11-26 16:00:00.250000",
        ]


@pytest.mark.django_db(transaction=True)
def test_clicks_insert_writes_more_rows_than_one_statement_holds(link):
    adapt = at_adapter(connection)
    rows = [
        redirect_writer.ClickRow(link.pk, adapt(NOON + n), n % 2 == 0, "203.0.113.0", "UA", "")
        for n in range(250)  # two full statements of 100 and one of 50
    ]
    assert clicks_insert(rows) == 250
    assert Click.objects.filter(link=link).count() == 250
    assert Click.objects.filter(link=link, is_bot=True).count() == 125
    assert clicks_insert([]) == 0


@pytest.mark.django_db(transaction=True)
def test_writer_loses_nothing_when_the_database_refuses_a_batch(link):
    refusals = [OperationalError("database is locked")]

    def record(rows):
        if refusals:
            raise refusals.pop()
        return clicks_insert(rows)

    writer = ClickWriter(flush_seconds=0.01, batch_size=7, record=record)
    writer.start()
    for n in range(40):
        writer.add((link.pk, NOON + n, "203.0.113.9", BROWSER.encode(), b""))
    writer.stop()
    assert Click.objects.filter(link=link).count() == 40
    assert (writer.written, writer.pending, writer.dropped) == (40, 0, 0)


def test_writer_drops_only_past_its_limit_and_counts_them():
    writer = ClickWriter(flush_seconds=60, batch_size=1000, max_pending=3, record=len)
    writer.start()
    for n in range(5):
        writer.add((n, NOON, "203.0.113.9", b"", b""))
    assert (writer.pending, writer.dropped) == (3, 2)
    writer.stop()
    assert (writer.written, writer.pending) == (3, 0)


@pytest.mark.django_db
def test_visitors_forgets_when_full_and_still_decides_right():
    visitors = Visitors(max_entries=2)
    raw = [
        (1, NOON, "203.0.113.5", b"curl/8.0", b""),
        (1, NOON, "198.51.100.5", BROWSER.encode(), b"https://example.org/a?b=c"),
        (1, NOON, "192.0.2.5", b"Mozilla/5.0 (Linux; Android 14; CUBOT X70)", b""),
        (1, NOON, "203.0.113.5", b"curl/8.0", b""),
    ]
    rows = visitors.rows(raw, anonymise=True, adapt_at=str)
    assert [(row.is_bot, row.ip_prefix, row.referrer) for row in rows] == [
        (True, "203.0.113.0", ""),
        (False, "198.51.100.0", "https://example.org/a"),
        (False, "192.0.2.0", ""),  # Cubot is a phone, not a bot
        (True, "203.0.113.0", ""),
    ]
    kept = visitors.rows(raw[:1], anonymise=False, adapt_at=str)
    assert kept[0].ip_prefix == "203.0.113.5"  # the setting is part of what is remembered


# --- granian itself, as docs/redirect.md runs it ----------------------------------------------

PREPARE = textwrap.dedent(
    """
    import django
    django.setup()
    from essayons.accounts.models import Business
    from essayons.tracking.links_services import link_create
    business = Business.objects.create(name="Test", trade="bakery", town="Fort-de-France")
    link = link_create(business=business, destination="https://example.org/a", channel="facebook")
    print(link.code)
    """
)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port, server):
    for _ in range(300):
        assert server.poll() is None, "granian stopped at start"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("granian did not listen")


def _follow(port, code, count, agent):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    statuses = []
    for _ in range(count):  # keep-alive: one connection, many requests
        connection.request("GET", f"/r/{code}", headers={"User-Agent": agent})
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
    connection.close()
    return statuses


def test_under_granian_every_click_is_written_once_sigterm_stops_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"ESSAYONS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "essayons.settings"}
    env |= {"LOG_LEVEL": "INFO", "REDIRECT_BATCH_SIZE": "50"}
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], **run)
    code = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "-c", PREPARE], **run
    ).stdout.split()[-1]
    port = _free_port()
    command = [sys.executable, "-m", "granian", "--interface", "rsgi", "--http", "1", "--no-ws"]
    command += ["--loop", "uvloop", "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path / "granian.log"
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 (granian serving our own app)
            [*command, "essayons.tracking.redirect_asgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port, server)
        check = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        check.request("HEAD", f"/r/{code}")
        head = check.getresponse()
        location = "https://example.org/a?utm_source=facebook&utm_medium=social"
        assert (head.status, head.getheader("Location")) == (302, location)
        head.read()
        check.request("GET", "/r/Zz9Zz9Zz9Z")
        missing = check.getresponse()
        assert (missing.status, missing.getheader("Content-Type")) == (
            404,
            "text/html; charset=utf-8",
        )
        assert "Ce lien n’existe pas" in missing.read().decode()
        check.request("GET", "/healthz")
        assert check.getresponse().read() == b"ok"
        check.close()
        statuses = []
        threads = [
            threading.Thread(target=lambda: statuses.extend(_follow(port, code, 60, BROWSER)))
            for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [302] * 360
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    with sqlite3.connect(tmp_path / "essayons.sqlite3") as db:
        count, bots = db.execute("SELECT COUNT(*), SUM(is_bot) FROM tracking_click").fetchone()
    assert (count, bots) == (360, 0)
    assert "360 clicks served, 360 written, 0 dropped, 0 unwritten" in log.read_text()
