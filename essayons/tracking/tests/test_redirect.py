"""/r/<code>: the shared core, the Django view and the lean ASGI server."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import time
from unittest import mock

import pytest
import uvicorn
from django.core.signals import request_finished
from django.db import OperationalError, close_old_connections
from django.test import RequestFactory

from essayons.tracking import redirect_core as core
from essayons.tracking import redirect_views
from essayons.tracking.links_services import link_create
from essayons.tracking.models import Campaign, Click, TrackedLink
from essayons.tracking.redirect_asgi import ClickWriter, RedirectApp

BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
)


@pytest.fixture
def link(business):
    campaign = Campaign.objects.create(business=business, name="Galette", slug="galette")
    return link_create(
        business=business,
        destination="https://example.org/galettes?ref=site#haut",
        channel="facebook",
        campaign=campaign,
    )


EXPECTED = (
    "https://example.org/galettes?ref=site"
    "&utm_source=facebook&utm_medium=social&utm_campaign=galette#haut"
)


# --- The core ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("destination", "utm", "location"),
    [
        (
            "https://example.org/",
            {"utm_source": "facebook"},
            "https://example.org/?utm_source=facebook",
        ),
        (
            "https://example.org/p?utm_source=old&a=1&utm_source=older&b=%2F",
            {"utm_source": "facebook", "utm_medium": "social"},
            "https://example.org/p?a=1&b=%2F&utm_source=facebook&utm_medium=social",
        ),
        (
            "https://example.org/p?utm_campaign=theirs",
            {"utm_source": "mail", "utm_campaign": ""},
            "https://example.org/p?utm_campaign=theirs&utm_source=mail",
        ),
        ("https://example.org/p?x=1#top", {}, "https://example.org/p?x=1#top"),
        (
            "https://example.org/p",
            {"utm_campaign": "fête & co"},
            "https://example.org/p?utm_campaign=f%C3%AAte%20%26%20co",
        ),
        ("https://example.org/crème", {}, "https://example.org/cr%C3%A8me"),
        ("javascript:alert(1)//https://x", {"utm_source": "a"}, None),
        ("data:text/html,<script>alert(1)</script>", {}, None),
        ("ftp://example.org/", {}, None),
        ("https://user:pw@example.org/", {}, None),
        ("https://example.org/\r\nSet-Cookie: a=1", {}, None),
        ("/relative", {}, None),
    ],
)
def test_location_build(destination, utm, location):
    assert core.location_build(destination, utm) == location


def test_location_never_duplicates_a_key():
    location = core.location_build(
        "https://example.org/?utm_medium=a&utm_medium=b", {"utm_medium": "social"}
    )
    assert location.count("utm_medium") == 1


@pytest.mark.parametrize(
    ("address", "prefix"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("not an ip", ""),
        ("", ""),
    ],
)
def test_ip_anonymise(address, prefix):
    assert core.ip_anonymise(address) == prefix


@pytest.mark.parametrize(
    ("agent", "bot"),
    [
        (BROWSER, False),
        ("Mozilla/5.0 (Linux; Android 10; CUBOT X30) Chrome/120 Mobile Safari/537.36", False),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", True),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("WhatsApp/2.23.20.0", True),
        ("curl/8.5.0", True),
        ("python-requests/2.32", True),
        ("", True),
    ],
)
def test_bots_are_flagged_by_user_agent(agent, bot):
    assert core.is_bot(agent) is bot


def test_referrer_is_trimmed_to_where_the_visitor_came_from():
    assert core.referrer_trim("https://l.facebook.com/l.php?u=x&h=secret#y") == (
        "https://l.facebook.com/l.php"
    )
    assert core.referrer_trim("android-app://com.google.android.gm/") == ""
    assert len(core.referrer_trim("https://example.org/" + "a" * 2000)) == core.REFERRER_MAX


def test_client_address_trusts_only_our_proxies():
    assert core.client_address("10.0.0.1", "1.1.1.1, 203.0.113.5", 0) == "10.0.0.1"
    assert core.client_address("10.0.0.1", "1.1.1.1, 203.0.113.5", 1) == "203.0.113.5"
    assert core.client_address("10.0.0.1", "", 1) == "10.0.0.1"


def test_miss_limiter_blocks_after_the_limit_for_a_window():
    limiter = core.MissLimiter(limit=3, window_seconds=60)
    for _ in range(3):
        assert not limiter.blocked("198.51.100.1", now=100)
        limiter.miss("198.51.100.1", now=100)
    assert limiter.blocked("198.51.100.1", now=110)
    assert not limiter.blocked("198.51.100.2", now=110)
    assert not limiter.blocked("198.51.100.1", now=161)


# --- The Django view --------------------------------------------------------------------------


@pytest.mark.django_db
def test_redirects_302_to_the_exact_location_and_records_the_click(client, link):
    response = client.get(
        f"/r/{link.code}",
        HTTP_USER_AGENT=BROWSER + " " + "x" * 500,
        HTTP_REFERER="https://l.facebook.com/l.php?u=secret",
        REMOTE_ADDR="203.0.113.77",
    )
    assert response.status_code == 302
    assert response["Location"] == EXPECTED
    assert response["Cache-Control"] == "private, no-store"
    click = Click.objects.get(link=link)
    assert (click.is_bot, click.ip_prefix, click.referrer) == (
        False,
        "203.0.113.0",
        "https://l.facebook.com/l.php",
    )
    assert click.user_agent.startswith("Mozilla/5.0 (iPhone") and len(click.user_agent) == 300
    assert "Set-Cookie" not in response.headers


@pytest.mark.django_db
def test_head_redirects_but_is_not_counted(client, link):
    response = client.head(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert response["Location"] == EXPECTED
    assert Click.objects.count() == 0


@pytest.mark.django_db
def test_bot_is_flagged_not_dropped_and_ipv6_anonymised(client, link):
    client.get(
        f"/r/{link.code}",
        HTTP_USER_AGENT="facebookexternalhit/1.1",
        REMOTE_ADDR="2001:db8:abcd:12::99",
    )
    click = Click.objects.get(link=link)
    assert click.is_bot
    assert click.ip_prefix == "2001:db8:abcd::"


@pytest.mark.django_db
def test_full_ip_kept_only_when_anonymising_is_switched_off(client, link, settings):
    settings.TRACKING_ANONYMISE_IP = False
    client.get(f"/r/{link.code}", REMOTE_ADDR="203.0.113.77")
    assert Click.objects.get(link=link).ip_prefix == "203.0.113.77"


def _shape(response):
    headers = {k: v for k, v in response.headers.items() if k.lower() != "date"}
    return response.status_code, headers, response.content


@pytest.mark.django_db
def test_unknown_disabled_and_malformed_codes_answer_the_same_404(client, link, business):
    disabled = link_create(business=business, destination="https://example.org/", channel="")
    TrackedLink.objects.filter(pk=disabled.pk).update(is_active=False)
    unknown = client.get("/r/Zz9Zz9Zz9Z")
    off = client.get(f"/r/{disabled.code}")
    malformed = client.get("/r/<script>")
    assert unknown.status_code == 404
    assert _shape(unknown) == _shape(off) == _shape(malformed)
    assert "Ce lien n’existe pas" in unknown.content.decode()
    assert Click.objects.count() == 0


@pytest.mark.django_db
def test_same_404_whatever_the_visitors_language(client, link):
    french = client.get("/r/Zz9Zz9Zz9Z", HTTP_ACCEPT_LANGUAGE="fr")
    english = client.get("/r/Zz9Zz9Zz9Z", HTTP_ACCEPT_LANGUAGE="en")
    assert french.content == english.content


@pytest.mark.django_db
def test_a_stored_bad_scheme_is_never_followed(client, link):
    for bad in ("javascript:alert(document.cookie)", "data:text/html,hi", "file:///etc/passwd"):
        TrackedLink.objects.filter(pk=link.pk).update(destination=bad)
        response = client.get(f"/r/{link.code}")
        assert response.status_code == 404
        assert "Location" not in response.headers
    assert Click.objects.count() == 0


@pytest.mark.django_db
def test_the_click_is_recorded_after_the_redirect_is_built(link):
    request = RequestFactory().get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER)
    response = redirect_views.follow(request, link.code)
    assert response.status_code == 302 and response["Location"] == EXPECTED
    assert Click.objects.count() == 0  # nothing written while the answer is being sent
    # What the server does once the answer is sent (without closing the test's connection,
    # as Django's test client does).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
        assert Click.objects.count() == 1
        response.close()
        assert Click.objects.count() == 1
    finally:
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_a_failing_click_write_still_redirects(client, link, caplog):
    with mock.patch.object(
        core, "clicks_record", side_effect=OperationalError("database is locked")
    ):
        response = client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert response["Location"] == EXPECTED
    assert Click.objects.count() == 0
    assert "not recorded" in caplog.text


@pytest.mark.django_db
def test_other_methods_are_refused(client, link):
    assert client.post(f"/r/{link.code}").status_code == 405
    assert Click.objects.count() == 0


@pytest.mark.django_db
def test_too_many_unknown_codes_from_one_address_answer_429(client, link, monkeypatch):
    monkeypatch.setattr(redirect_views, "misses", core.MissLimiter(limit=3))
    for n in range(3):
        assert client.get(f"/r/Unknown00{n}", REMOTE_ADDR="198.51.100.7").status_code == 404
    blocked = client.get(f"/r/{link.code}", REMOTE_ADDR="198.51.100.7")
    assert blocked.status_code == 429 and blocked["Retry-After"] == "60"
    assert client.get(f"/r/{link.code}", REMOTE_ADDR="198.51.100.8").status_code == 302


# --- The lean ASGI server, called directly -------------------------------------------------------


async def _call(app, method, path, headers=(), client=("203.0.113.77", 50000)):
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.encode(), v.encode()) for k, v in headers],
        "client": client,
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start, body = sent[0], sent[1]
    return (
        start["status"],
        dict((k.decode(), v.decode()) for k, v in start["headers"]),
        body["body"],
    )


async def _lifespan(app, *events):
    queue = asyncio.Queue()
    for event in events:
        queue.put_nowait({"type": f"lifespan.{event}"})
    answers = []

    async def send(message):
        answers.append(message["type"])

    task = asyncio.ensure_future(app({"type": "lifespan"}, queue.get, send))
    while len(answers) < len(events):
        await asyncio.sleep(0.01)
    if "shutdown" in events:
        await task
    return answers


@pytest.mark.django_db(transaction=True)
def test_asgi_redirects_and_writes_batches_on_shutdown(link):
    app = RedirectApp(flush_ms=60_000, batch_size=10_000)

    async def scenario():
        assert await _lifespan(app, "startup") == ["lifespan.startup.complete"]
        for _ in range(25):
            status, headers, body = await _call(
                app, "GET", f"/r/{link.code}", [("user-agent", BROWSER)]
            )
            assert (status, headers["location"], body) == (302, EXPECTED, b"")
            assert headers["cache-control"] == "private, no-store"
        head = await _call(app, "HEAD", f"/r/{link.code}")
        assert head[0] == 302
        count = await asyncio.get_running_loop().run_in_executor(None, Click.objects.count)
        assert count == 0  # still queued: batched, not written per request
        queue = asyncio.Queue()
        queue.put_nowait({"type": "lifespan.shutdown"})
        sent = []

        async def send(message):
            sent.append(message["type"])

        await app({"type": "lifespan"}, queue.get, send)
        assert sent == ["lifespan.shutdown.complete"]

    asyncio.run(scenario())
    clicks = Click.objects.filter(link=link)
    assert clicks.count() == 25  # HEAD not counted, nothing lost
    assert set(clicks.values_list("ip_prefix", flat=True)) == {"203.0.113.0"}
    assert app.served == 25 and app.writer.written == 25


@pytest.mark.django_db(transaction=True)
def test_asgi_writes_when_the_batch_is_full(link):
    app = RedirectApp(flush_ms=60_000, batch_size=5)

    async def scenario():
        await _lifespan(app, "startup")
        for _ in range(5):
            await _call(app, "GET", f"/r/{link.code}", [("user-agent", "Googlebot/2.1")])
        for _ in range(200):
            if app.writer.written == 5:
                break
            await asyncio.sleep(0.02)
        await asyncio.get_running_loop().run_in_executor(None, app.shutdown)

    asyncio.run(scenario())
    assert app.writer.written == 5
    assert Click.objects.filter(is_bot=True).count() == 5


@pytest.mark.django_db(transaction=True)
def test_asgi_answers_the_same_404_as_django(client, link, business):
    disabled = link_create(business=business, destination="https://example.org/", channel="")
    TrackedLink.objects.filter(pk=disabled.pk).update(is_active=False)
    app = RedirectApp()

    async def scenario():
        return [
            await _call(app, "GET", "/r/Zz9Zz9Zz9Z"),
            await _call(app, "GET", f"/r/{disabled.code}"),
            await _call(app, "GET", "/r/%3Cscript%3E"),
            await _call(app, "GET", "/elsewhere"),
        ]

    answers = asyncio.run(scenario())
    app.shutdown()
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 404
    assert answers[0][2] == client.get("/r/Zz9Zz9Zz9Z").content


@pytest.mark.django_db(transaction=True)
def test_asgi_respects_a_disabled_link_within_the_cache_delay(link):
    app = RedirectApp(cache_seconds=0.2)

    async def scenario():
        assert (await _call(app, "GET", f"/r/{link.code}"))[0] == 302
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: TrackedLink.objects.filter(pk=link.pk).update(is_active=False)
        )
        assert (await _call(app, "GET", f"/r/{link.code}"))[0] == 302  # cached
        await asyncio.sleep(0.25)
        assert (await _call(app, "GET", f"/r/{link.code}"))[0] == 404

    asyncio.run(scenario())
    app.shutdown()


@pytest.mark.django_db(transaction=True)
def test_asgi_stored_bad_scheme_head_and_methods(link):
    TrackedLink.objects.filter(pk=link.pk).update(destination="javascript:alert(1)")
    app = RedirectApp()

    async def scenario():
        assert (await _call(app, "GET", f"/r/{link.code}"))[0] == 404
        assert (await _call(app, "POST", f"/r/{link.code}"))[0] == 405
        assert (await _call(app, "GET", "/healthz"))[0] == 200

    asyncio.run(scenario())
    app.shutdown()
    assert Click.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_asgi_keeps_redirecting_known_links_when_the_database_fails(link):
    app = RedirectApp(cache_seconds=0.01)

    async def scenario():
        assert (await _call(app, "GET", f"/r/{link.code}"))[0] == 302
        await asyncio.sleep(0.02)
        with mock.patch.object(core, "link_lookup", side_effect=OperationalError("down")):
            status, headers, _ = await _call(app, "GET", f"/r/{link.code}")
            assert (status, headers["location"]) == (302, EXPECTED)
            assert (await _call(app, "GET", "/r/Zz9Zz9Zz9Z"))[0] == 503

    asyncio.run(scenario())
    app.shutdown()


def test_click_writer_retries_a_failed_batch_and_loses_nothing():
    written = []
    failures = [OperationalError("database is locked")] * 2

    def record(batch):
        if failures:
            raise failures.pop()
        written.extend(batch)
        return len(batch)

    writer = ClickWriter(flush_seconds=0.01, batch_size=3, record=record)
    writer.start()
    for n in range(10):
        writer.add((n, time.time(), "203.0.113.9", BROWSER.encode(), b""))
    writer.stop()
    assert sorted(click.link_id for click in written) == list(range(10))
    assert writer.pending == 0 and writer.written == 10


def test_click_writer_gives_up_after_retries_when_stopping(caplog):
    def record(batch):
        raise OperationalError("down")

    writer = ClickWriter(flush_seconds=0.01, batch_size=3, record=record, stop_retries=2)
    writer.start()
    writer.add((1, time.time(), "203.0.113.9", b"", b""))
    writer.stop()
    assert writer.pending == 1
    assert "could not be written" in caplog.text


# --- The lean ASGI server under uvicorn, through a real HTTP client ------------------------------


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_asgi_under_uvicorn_over_http(link):
    port = _free_port()
    app = RedirectApp(flush_ms=50)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(3):  # keep-alive: several requests on one connection
            connection.request("GET", f"/r/{link.code}", headers={"User-Agent": BROWSER})
            response = connection.getresponse()
            assert response.status == 302
            assert response.getheader("Location") == EXPECTED
            assert response.read() == b""
        connection.request("HEAD", f"/r/{link.code}")
        head = connection.getresponse()
        head.read()
        assert head.status == 302
        connection.request("GET", "/r/Zz9Zz9Zz9Z")
        missing = connection.getresponse()
        assert missing.status == 404
        assert "Ce lien n’existe pas" in missing.read().decode()
        connection.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert Click.objects.filter(link=link, is_bot=False).count() == 3
