import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.urls import reverse

from essayons.inbox.models import Message
from essayons.inbox.triage import Label

from .support import facebook_connection

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "app-secret-for-tests"
URL = "/webhooks/facebook/page/"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.FACEBOOK_APP_SECRET = SECRET
    settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN = "verify-me-123"


def raw(name):
    # Meta signs the escaped-unicode bytes it sends; re-encode like Meta does.
    return json.dumps(json.loads((FIXTURES / name).read_text()), ensure_ascii=True).encode()


def sign(body, secret=SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, body, signature):
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature else {}
    return client.post(URL, body, content_type="application/json", **headers)


def test_url_name():
    assert reverse("inbox:facebook_webhook") == URL


def test_handshake(client):
    ok = client.get(
        URL,
        {
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me-123",
            "hub.challenge": "1158201444",
        },
    )
    assert (ok.status_code, ok.content) == (200, b"1158201444")
    wrong = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403
    assert (
        client.get(
            URL, {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me-123"}
        ).status_code
        == 403
    )


def test_handshake_refused_without_configured_token(client, settings):
    settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN = ""
    assert client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": ""}).status_code == 403


def test_comment_lands_in_the_page_business_once(
    client, business, other_business, django_capture_on_commit_callbacks
):
    facebook_connection(business)
    facebook_connection(other_business, page_id="999")
    body = raw("facebook_feed_comment.json")
    with django_capture_on_commit_callbacks(execute=True) as sorting:
        assert post(client, body, sign(body)).status_code == 200
        assert post(client, body, sign(body)).status_code == 200  # Meta retries
    assert len(sorting) == 1  # sorted by the worker, once
    message = Message.objects.get()
    assert message.business == business
    assert message.author_name == "Josée Célestin"
    assert message.text.startswith("Très déçue")
    assert message.label == Label.COMPLAINT
    assert message.conversation.post_url == "https://www.facebook.com/1029384756/posts/555"
    assert message.conversation.connection.business_id == business.pk  # type: ignore[union-attr]
    # The parent is the post itself here (a top comment): the connector answers the comment.
    assert message.reply_context == {"parent_id": "1029384756_555"}


def test_page_message(client, business):
    facebook_connection(business)
    body = raw("facebook_page_message.json")
    assert post(client, body, sign(body)).status_code == 200
    message = Message.objects.get()
    assert message.remote_id == "m_AbCdEf123" and message.text.endswith("dimanche matin ?")
    assert message.reply_context == {"kind": "messenger"}  # answered by the Send API


@pytest.mark.parametrize(
    "signature",
    ["", "sha1=" + "0" * 40, "sha256=" + "0" * 64, "sha256=", sign(b"{}"), sign(b"x", "other")],
)
def test_bad_signature_stores_nothing(client, business, signature):
    facebook_connection(business)
    body = raw("facebook_feed_comment.json")
    assert post(client, body, signature).status_code == 403
    assert not Message.objects.exists()


def test_altered_body_refused(client, business):
    facebook_connection(business)
    body = raw("facebook_feed_comment.json")
    signature = sign(body)
    assert post(client, body.replace(b"555_9001", b"555_9002"), signature).status_code == 403
    assert not Message.objects.exists()


def test_unconfigured_secret_refuses(client, business, settings):
    settings.FACEBOOK_APP_SECRET = ""
    facebook_connection(business)
    body = raw("facebook_feed_comment.json")
    assert post(client, body, sign(body, "")).status_code == 403


def test_other_page_never_lands_here(client, business, other_business):
    facebook_connection(other_business, page_id="999")
    body = raw("facebook_feed_comment.json")
    assert post(client, body, sign(body)).status_code == 200
    assert not Message.objects.exists()


def test_unknown_object_ignored_with_log(client, business, caplog):
    body = raw("facebook_unknown_object.json")
    with caplog.at_level("INFO"):
        assert post(client, body, sign(body)).status_code == 200
    assert "ignored" in caplog.text
    assert not Message.objects.exists()


def test_oversized_and_malformed(client, business):
    facebook_connection(business)
    huge = b'{"object":"page","x":"' + b"a" * (1024 * 1024) + b'"}'
    assert post(client, huge, sign(huge)).status_code == 413
    for bad in (
        b"\xff\xfe\x00binary",
        b"[1,2",
        b"[]",
        b'{"object":"page","entry":[1,{"id":5,"changes":[3]}]}',
    ):
        assert post(client, bad, sign(bad)).status_code in (200, 400)
    assert not Message.objects.exists()


def test_page_echo_is_skipped(client, business):
    facebook_connection(business)
    payload = json.loads((FIXTURES / "facebook_feed_comment.json").read_text())
    payload["entry"][0]["changes"][0]["value"]["from"] = {"id": "1029384756", "name": "Page"}
    body = json.dumps(payload).encode()
    assert post(client, body, sign(body)).status_code == 200
    assert not Message.objects.exists()


def test_instagram_comments_arrive_in_the_account_s_business_only(
    client, business, other_business, caplog
):
    from essayons.connectors.models import Connection

    Connection.objects.create(
        business=business,
        kind="instagram",
        account_id="17841405822304914",
        account_name="boulangerie.tipain",
    )
    Connection.objects.create(
        business=other_business, kind="instagram", account_id="555", account_name="ailleurs"
    )
    body = raw("instagram_comments.json")
    assert post(client, body, sign(body)).status_code == 200
    assert post(client, body, sign(body)).status_code == 200  # Meta retries: stored once
    message = Message.objects.get()  # our own answer and the unknown account are left out
    assert (message.business, message.channel) == (business, "instagram")
    assert message.remote_id == "17919697626119712"
    assert message.author_name == "lina.972"
    assert message.text.endswith("<script>alert(1)</script>")  # kept as text, shown escaped
    assert message.conversation.post_remote_id == "18172143295349192"
    assert message.reply_context == {"media_id": "18172143295349192"}
    assert "change 'mentions' ignored" in caplog.text
    assert "account 99999999999 is connected to no business" in caplog.text
    assert not Message.objects.filter(business=other_business).exists()


def test_instagram_comment_polled_after_the_webhook_is_the_same_message(client, business):
    from essayons.connectors.base import Incoming
    from essayons.connectors.models import Connection
    from essayons.inbox.services import poll_batch_store

    connection = Connection.objects.create(
        business=business, kind="instagram", account_id="17841405822304914", account_name="x"
    )
    body = raw("instagram_comments.json")
    assert post(client, body, sign(body)).status_code == 200
    pushed = Message.objects.get(remote_id="17919697626119712")
    polled = Incoming(
        channel="instagram",
        remote_id="17919697626119712",
        text=pushed.text,
        received_at=pushed.received_at,
        author_name="lina.972",
    )
    poll_batch_store(connection=connection, kind="comments", items=[polled], next_cursor="c")
    assert Message.objects.filter(remote_id="17919697626119712").count() == 1
