"""Helpers for the sales tests: signed webhook deliveries exactly as WooCommerce and Shopify send them."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.urls import reverse

FIXTURES = Path(__file__).parent / "fixtures"
WOO_SECRET = "wc-secret-Ünïcødé-42"
SHOPIFY_SECRET = "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"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def woo_body(payload: dict) -> bytes:
    # WooCommerce encodes with wp_json_encode: non-ASCII escaped as \uXXXX, slashes escaped.
    return json.dumps(payload).replace("/", "\\/").encode()


def woo_order(**changes) -> dict:
    payload = copy.deepcopy(fixture("woocommerce_order_created.json"))
    payload.update(changes)
    return payload


def post_woo(
    client,
    connection,
    body: bytes,
    *,
    secret=WOO_SECRET,
    topic="order.created",
    signature=None,
    **extra,
):
    headers = {
        "HTTP_X_WC_WEBHOOK_SOURCE": "https://boulangerie-ti-pain.example/",
        "HTTP_X_WC_WEBHOOK_TOPIC": topic,
        "HTTP_X_WC_WEBHOOK_RESOURCE": topic.split(".")[0],
        "HTTP_X_WC_WEBHOOK_EVENT": topic.split(".")[-1],
        "HTTP_X_WC_WEBHOOK_ID": "12",
        "HTTP_X_WC_WEBHOOK_DELIVERY_ID": uuid.uuid4().hex,
        "HTTP_X_WC_WEBHOOK_SIGNATURE": signature if signature is not None else sign(secret, body),
        "HTTP_USER_AGENT": "WooCommerce/9.4.2 Hookshot (WordPress/6.7)",
    }
    headers.update(extra)
    url = reverse("tracking:webhook_woocommerce", args=[connection.hook_id])
    return client.post(url, data=body, content_type="application/json", **headers)


def shopify_order(**changes) -> dict:
    payload = copy.deepcopy(fixture("shopify_orders_create.json"))
    payload.update(changes)
    return payload


def post_shopify(
    client,
    connection,
    body: bytes,
    *,
    secret=SHOPIFY_SECRET,
    topic="orders/create",
    webhook_id=None,
    triggered_at=None,
    signature=None,
    **extra,
):
    headers = {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_HMAC_SHA256": signature if signature is not None else sign(secret, body),
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": "ti-pain.myshopify.com",
        "HTTP_X_SHOPIFY_API_VERSION": "2025-01",
        "HTTP_X_SHOPIFY_WEBHOOK_ID": webhook_id or str(uuid.uuid4()),
        "HTTP_X_SHOPIFY_TRIGGERED_AT": triggered_at or datetime.now(UTC).isoformat(),
    }
    headers.update(extra)
    url = reverse("tracking:webhook_shopify", args=[connection.hook_id])
    return client.post(url, data=body, content_type="application/json", **headers)
