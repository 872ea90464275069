"""The outbound HTTP helper: exact requests, the SSRF guard on every hop, caps and a real peer."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from essayons.lib import http
from essayons.lib.http import FakeTransport, Response


def test_request_is_sent_exactly_with_user_agent_json_and_params():
    with http.use_transport(FakeTransport(Response.of_json({"ok": True}))) as fake:
        answer = http.post(
            "https://api.example.org/v1/things",
            params={"fields": "a,b", "limit": 2},
            json={"name": "Galette des rois", "prix": "12,50 €"},
            headers={"Authorization": "Bearer t0k"},
            timeout=5,
        )
    sent = fake.last
    assert answer.ok and answer.json() == {"ok": True}
    assert sent.method == "POST"
    assert sent.url == "https://api.example.org/v1/things?fields=a%2Cb&limit=2"
    assert sent.headers["User-Agent"].startswith("Essayons/")
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Authorization"] == "Bearer t0k"
    assert sent.json() == {"name": "Galette des rois", "prix": "12,50 €"}
    assert 0 < sent.timeout <= 5
    assert fake.addresses == [FakeTransport.PUBLIC_ADDRESS]


def test_form_body_and_answer_url():
    with http.use_transport(FakeTransport()) as fake:
        answer = http.post("https://shop.example.org/hook", data={"webhook_id": 12})
    assert fake.last.body == b"webhook_id=12"
    assert fake.last.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert answer.url == "https://shop.example.org/hook"


def test_timeout_is_mandatory_and_bounded():
    with pytest.raises(ValueError), http.use_transport(FakeTransport()):
        http.get("https://example.org/", timeout=0)
    with pytest.raises(ValueError), http.use_transport(FakeTransport()):
        http.get("https://example.org/", timeout=3600)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin",
        "http://10.0.0.5/",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://localhost:8000/",
        "file:///etc/passwd",
        "gopher://example.org/",
        "ftp://example.org/",
        "http://user:pass@example.org/",
        "javascript:alert(1)",
    ],
)
def test_guard_refuses_before_anything_is_sent(url):
    fake = FakeTransport()
    with pytest.raises(http.BlockedUrl), http.use_transport(fake):
        http.get(url)
    assert fake.requests == []


def test_decimal_ip_is_resolved_then_refused():
    # The real resolver turns "2130706433" into 127.0.0.1 without any network.
    assert http.SocketTransport().resolve("2130706433", 80) == ["127.0.0.1"]
    with pytest.raises(http.BlockedUrl):
        http.url_check("http://2130706433/", http.SocketTransport())


def test_a_name_resolving_to_one_private_address_is_refused():
    fake = FakeTransport(dns={"mixed.example.org": ["93.184.215.14", "10.1.2.3"]})
    with pytest.raises(http.BlockedUrl), http.use_transport(fake):
        http.get("https://mixed.example.org/")
    assert fake.requests == []


def test_connection_goes_to_the_checked_address():
    fake = FakeTransport(dns={"rebind.example.org": ["93.184.215.14"]})
    with http.use_transport(fake):
        http.get("https://rebind.example.org/")
    assert fake.addresses == ["93.184.215.14"]


def test_public_url_redirecting_to_metadata_address_is_refused():
    redirect = Response(status=302, headers={"location": "http://169.254.169.254/latest/"})
    fake = FakeTransport(redirect, Response(status=200, body=b"secret"))
    with pytest.raises(http.BlockedUrl), http.use_transport(fake):
        http.get("https://example.org/start")
    assert [r.url for r in fake.requests] == ["https://example.org/start"]


def test_redirects_are_followed_and_credentials_stay_on_their_host():
    fake = FakeTransport(
        Response(status=303, headers={"location": "/next"}),
        Response(status=307, headers={"location": "https://other.example.net/final"}),
        Response(status=200, body=b"done"),
    )
    with http.use_transport(fake):
        answer = http.post(
            "https://example.org/form", data={"a": "1"}, headers={"Authorization": "Bearer x"}
        )
    assert answer.body == b"done" and answer.url == "https://other.example.net/final"
    methods = [(r.method, r.url) for r in fake.requests]
    assert methods == [
        ("POST", "https://example.org/form"),
        ("GET", "https://example.org/next"),
        ("GET", "https://other.example.net/final"),
    ]
    assert fake.requests[1].headers["Authorization"] == "Bearer x"
    assert "Authorization" not in fake.requests[2].headers


def test_redirect_loop_stops():
    loop = Response(status=302, headers={"location": "https://example.org/again"})
    with pytest.raises(http.TooManyRedirects), http.use_transport(FakeTransport(loop)):
        http.get("https://example.org/again", max_redirects=3)


def test_fake_enforces_size_cap_and_raises_transport_errors():
    with (
        pytest.raises(http.ResponseTooLarge),
        http.use_transport(FakeTransport(Response(status=200, body=b"x" * 101))),
    ):
        http.get("https://example.org/", max_bytes=100)
    with (
        pytest.raises(http.TransportError),
        http.use_transport(FakeTransport(http.TransportError("reset"))),
    ):
        http.get("https://example.org/")


def test_invalid_json_raises_our_error():
    with http.use_transport(FakeTransport(Response(status=200, body=b"<html>"))):
        answer = http.get("https://example.org/")
    with pytest.raises(http.InvalidJson):
        answer.json()


# --- A real peer on the loopback -----------------------------------------------------------


class _Peer(BaseHTTPRequestHandler):
    seen: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        _Peer.seen.append((self.command, self.path, dict(self.headers)))
        if self.path == "/big":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the cap must cut while reading
            self.wfile.write(b"y" * 50_000)
        elif self.path == "/announced":
            self.send_response(200)
            self.send_header("Content-Length", "999999")
            self.end_headers()
        elif self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.5/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            body = json.dumps({"path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        _Peer.seen.append((self.command, self.path, self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()


@pytest.fixture
def peer():
    _Peer.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_loopback_is_refused_without_the_test_flag(peer):
    with pytest.raises(http.BlockedUrl):
        http.get(f"{peer}/hello")
    assert _Peer.seen == []


def test_real_peer_round_trip_with_the_test_flag(peer):
    with http.allow_loopback():
        answer = http.get(f"{peer}/hello", params={"q": "é"}, timeout=5)
        posted = http.post(f"{peer}/in", json={"a": 1}, timeout=5)
    assert answer.status == 200 and answer.json() == {"path": "/hello?q=%C3%A9"}
    assert answer.headers["content-type"] == "application/json"
    assert _Peer.seen[0][2]["User-Agent"].startswith("Essayons/")
    assert posted.status == 204 and _Peer.seen[1][2] == b'{"a":1}'


def test_real_peer_size_cap_while_reading_and_announced(peer):
    with http.allow_loopback():
        with pytest.raises(http.ResponseTooLarge):
            http.get(f"{peer}/big", max_bytes=10_000, timeout=5)
        with pytest.raises(http.ResponseTooLarge):
            http.get(f"{peer}/announced", max_bytes=10_000, timeout=5)


def test_real_peer_redirect_to_private_range_is_refused_even_with_the_flag(peer):
    with http.allow_loopback(), pytest.raises(http.BlockedUrl):
        http.get(f"{peer}/to-private", timeout=5)


def test_refused_connection_is_a_transport_error():
    with http.allow_loopback(), pytest.raises(http.TransportError) as caught:
        http.get("http://127.0.0.1:9/", timeout=2)
    assert caught.value.transient


def test_redirect_returned_as_is_when_not_followed():
    fake = FakeTransport(Response(status=302, headers={"location": "http://10.0.0.5/"}))
    with http.use_transport(fake):
        answer = http.get("https://example.org/r/abc", follow_redirects=False)
    assert answer.status == 302 and len(fake.requests) == 1


def test_loopback_blocks_from_two_threads_may_end_in_any_order():
    import threading

    second_in, second_may_leave = threading.Event(), threading.Event()

    def second():
        with http.allow_loopback():
            second_in.set()
            second_may_leave.wait(5)

    thread = threading.Thread(target=second)
    with http.allow_loopback():  # entered first …
        thread.start()
        second_in.wait(5)
    # … left first, while the other thread's block is still open: still allowed there
    assert http.address_is_public("127.0.0.1") is True
    second_may_leave.set()
    thread.join(5)
    assert http._loopback_allowed == 0  # both ended: the guard is whole again
    assert http.address_is_public("127.0.0.1") is False


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"error": {"code": 401}}', {"error": {"code": 401}}),
        (b"", {}),
        (b"  ", {}),
        (b"<html>502</html>", {}),
        (b"[1, 2]", {}),
        (b'"text"', {}),
    ],
)
def test_json_object_reads_an_object_or_nothing(body, expected):
    assert http.Response(status=400, body=body).json_object() == expected
