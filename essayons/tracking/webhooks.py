"""Order webhooks from WooCommerce and Shopify: /webhooks/<platform>/<hook id>/.

The signature is checked over the raw body, in constant time, before anything is parsed
(CONTRACTS.md §1.8 and §3.2). A bad, missing or replayed signature, a malformed or oversized
body answers 4xx and stores nothing. A redelivery answers 200 and changes nothing, because a
shop that keeps getting errors disables the webhook (WooCommerce after 5 failures,
`failed_delivery` in class-wc-webhook.php; Shopify deletes the subscription).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from essayons.lib import crypto
from essayons.tracking.models import ShopConnection, ShopPlatform
from essayons.tracking.orders_payloads import (
    OrderData,
    PayloadError,
    shopify_order,
    woocommerce_dedupe_key,
    woocommerce_deleted_id,
    woocommerce_order,
)
from essayons.tracking.orders_services import order_cancel, webhook_delivery_accept

MAX_BODY_BYTES = 1_000_000
# Shopify retries a failed delivery 8 times over 4 hours with the original payload
# (https://shopify.dev/docs/apps/build/webhooks/delivery-structure); anything triggered longer
# ago than this is a replay, not a retry.
SHOPIFY_REPLAY_WINDOW = timedelta(hours=24)
WOO_ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
WOO_DELETED = "order.deleted"
SHOPIFY_ORDER_TOPICS = frozenset(
    {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled"}
)
# WooCommerce's ping when a webhook is saved: form body `webhook_id=<n>`, unsigned, and
# anything but 200 fails the setup (`deliver_ping` in class-wc-webhook.php).
WOO_PING = re.compile(rb"webhook_id=\d{1,20}")


def signature(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, raw body)): how both WooCommerce and Shopify sign.

    WooCommerce: `generate_signature` in plugins/woocommerce/includes/class-wc-webhook.php;
    Shopify: https://shopify.dev/docs/apps/build/webhooks/verify-deliveries
    """
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_valid(secret: str, body: bytes, received: str | None) -> bool:
    if not received:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), received.encode("latin-1"))


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _body_or_error(request: HttpRequest) -> bytes | HttpResponse:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        return _answer(413, "too large")
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _answer(413, "too large")
    return body


def _connection(hook_id: str, platform: str) -> ShopConnection | None:
    return (
        ShopConnection.objects.select_related("business")
        .filter(hook_id=hook_id, platform=platform, is_active=True)
        .first()
    )


def _verified(connection: ShopConnection, body: bytes, received: str | None) -> bool:
    try:
        secret = connection.secret()
    except crypto.SecretUnreadable:
        return False
    return signature_valid(secret, body, received)


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        raise PayloadError("the body is not JSON") from None


@csrf_exempt
@require_POST
def woocommerce(request: HttpRequest, hook_id: str) -> HttpResponse:
    connection = _connection(hook_id, ShopPlatform.WOOCOMMERCE)
    if connection is None:
        return _answer(404, "unknown webhook")
    body = _body_or_error(request)
    if isinstance(body, HttpResponse):
        return body
    received = request.headers.get("X-WC-Webhook-Signature")
    if not received and WOO_PING.fullmatch(body.strip()):
        return _answer(200, "pong")
    if not _verified(connection, body, received):
        return _answer(401, "bad signature")
    topic = request.headers.get("X-WC-Webhook-Topic", "")
    if topic == WOO_DELETED:
        return _woo_deleted(connection, body)
    if topic not in WOO_ORDER_TOPICS:
        return _answer(200, "ignored topic")
    try:
        data = woocommerce_order(_json(body))
    except PayloadError as error:
        return _answer(400, str(error))
    return _accept(connection, woocommerce_dedupe_key(data, topic), topic, data)


@csrf_exempt
@require_POST
def shopify(request: HttpRequest, hook_id: str) -> HttpResponse:
    connection = _connection(hook_id, ShopPlatform.SHOPIFY)
    if connection is None:
        return _answer(404, "unknown webhook")
    body = _body_or_error(request)
    if isinstance(body, HttpResponse):
        return body
    if not _verified(connection, body, request.headers.get("X-Shopify-Hmac-Sha256")):
        return _answer(401, "bad signature")
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "").strip()
    if not webhook_id:
        return _answer(400, "X-Shopify-Webhook-Id is missing")
    if _replayed(request.headers.get("X-Shopify-Triggered-At", "")):
        return _answer(400, "replayed delivery")
    topic = request.headers.get("X-Shopify-Topic", "")
    if topic not in SHOPIFY_ORDER_TOPICS:
        return _answer(200, "ignored topic")
    try:
        data = shopify_order(_json(body))
    except PayloadError as error:
        return _answer(400, str(error))
    return _accept(connection, webhook_id, topic, data)


def _woo_deleted(connection: ShopConnection, body: bytes) -> HttpResponse:
    """A deleted order (body `{"id": n}`) stops counting as a sale; deleting twice is harmless."""
    try:
        payload = _json(body)
        external_id = woocommerce_deleted_id(payload)
    except PayloadError as error:
        return _answer(400, str(error))
    order_cancel(business=connection.business, source=connection.platform, external_id=external_id)
    return _answer(200, "received")


def _replayed(triggered_at: str) -> bool:
    """True when the delivery says it was triggered long ago, or not parseable, or in the future."""
    try:
        moment = datetime.fromisoformat(triggered_at.strip().replace("Z", "+00:00"))
    except ValueError:
        return True
    if moment.tzinfo is None:
        return True
    age = timezone.now() - moment
    return age > SHOPIFY_REPLAY_WINDOW or age < -timedelta(minutes=5)


def _accept(connection: ShopConnection, key: str, topic: str, data: OrderData) -> HttpResponse:
    delivery = webhook_delivery_accept(
        connection=connection, dedupe_key=key, topic=topic, data=data
    )
    return _answer(200, "received" if delivery else "already received")
