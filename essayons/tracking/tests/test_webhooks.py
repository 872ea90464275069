"""Order webhooks: signatures over the raw body, ping, duplicates, stale and hostile deliveries."""

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection as db_connection
from django.test import Client

from essayons.tracking.models import Order, OrderStatus, ShopPlatform, WebhookDelivery
from essayons.tracking.orders_services import shop_connection_create
from essayons.tracking.tests.sales_helpers import (
    SHOPIFY_SECRET,
    WOO_SECRET,
    post_shopify,
    post_woo,
    shopify_order,
    sign,
    woo_body,
    woo_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def woo(business):
    return shop_connection_create(
        business=business,
        platform=ShopPlatform.WOOCOMMERCE,
        label="ti-pain.example",
        secret=WOO_SECRET,
    )


@pytest.fixture
def shop(business):
    return shop_connection_create(
        business=business,
        platform=ShopPlatform.SHOPIFY,
        label="ti-pain.myshopify.com",
        secret=SHOPIFY_SECRET,
    )


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def nothing_stored():
    return Order.objects.count() == 0 and WebhookDelivery.objects.count() == 0


# --- WooCommerce ---------------------------------------------------------------------------------


def test_woo_ping_at_creation_answers_200_and_stores_nothing(client, woo):
    url = f"/webhooks/woocommerce/{woo.hook_id}/"
    answer = client.post(
        url, data="webhook_id=12", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert nothing_stored()


def test_woo_signed_order_is_stored_with_its_utm_and_non_ascii_body(
    client, woo, business, on_commit
):
    body = woo_body(woo_order())
    assert b"\\u00eb" in body  # Maëlle, escaped like wp_json_encode does
    with on_commit():
        answer = post_woo(client, woo, body)
    assert answer.status_code == 200, answer.content
    order = Order.objects.get()
    assert (order.business, order.source, order.external_id, order.number) == (
        business,
        "woocommerce",
        "727",
        "727",
    )
    assert order.total == Decimal("31.20") and order.currency == "EUR"
    assert order.status == OrderStatus.PAID
    assert (order.utm_source, order.utm_medium, order.utm_campaign) == (
        "facebook",
        "ad",
        "galette-des-rois",
    )
    assert order.placed_at == datetime(2027, 1, 5, 14, 12, 41, tzinfo=UTC)
    assert str(order.placed_on) == "2027-01-05"  # 10:12 in Martinique
    assert order.referrer == "https://l.facebook.com/"
    assert WebhookDelivery.objects.get().outcome == WebhookDelivery.Outcome.APPLIED
    woo.refresh_from_db()
    assert woo.last_delivery_at is not None


def test_woo_coupon_lines_are_kept_in_upper_case(client, woo, on_commit):
    payload = woo_order(
        coupon_lines=[{"id": 1, "code": "galette27", "discount": "3.12", "discount_tax": "0"}]
    )
    with on_commit():
        assert post_woo(client, woo, woo_body(payload)).status_code == 200
    assert Order.objects.get().coupon_list == ["GALETTE27"]


def test_woo_redelivery_with_a_new_delivery_id_is_one_row(client, woo, on_commit):
    body = woo_body(woo_order())
    with on_commit():
        first = post_woo(client, woo, body)
        again = post_woo(client, woo, body)
    assert first.status_code == again.status_code == 200
    assert again.content == b"already received"
    assert Order.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_woo_update_applies_newer_and_ignores_stale(client, woo, on_commit):
    with on_commit():
        post_woo(client, woo, woo_body(woo_order()))
        newer = woo_order(status="refunded", date_modified_gmt="2027-01-07T10:00:00")
        assert post_woo(client, woo, woo_body(newer), topic="order.updated").status_code == 200
    assert Order.objects.get().status == OrderStatus.REFUNDED
    stale = woo_order(status="processing", date_modified_gmt="2027-01-06T10:00:00")
    with on_commit():
        assert post_woo(client, woo, woo_body(stale), topic="order.updated").status_code == 200
    assert Order.objects.get().status == OrderStatus.REFUNDED
    assert WebhookDelivery.objects.filter(outcome=WebhookDelivery.Outcome.STALE).count() == 1


@pytest.mark.parametrize(
    "signature",
    ["", "not base64", "sha256=" + sign(WOO_SECRET, b"{}"), sign("another-secret", b"x")],
)
def test_woo_missing_or_wrong_signature_is_401_and_nothing_stored(client, woo, signature):
    body = woo_body(woo_order())
    if signature.endswith("x") is False and signature.startswith("sha256="):
        signature = "sha256=" + sign(WOO_SECRET, body)  # extra prefix on a right digest
    answer = post_woo(client, woo, body, signature=signature)
    assert answer.status_code == 401
    assert nothing_stored()


def test_woo_body_changed_by_one_byte_or_reserialised_is_refused(client, woo):
    body = woo_body(woo_order())
    signature = sign(WOO_SECRET, body)
    tampered = body.replace(b'"31.20"', b'"31.21"')
    assert post_woo(client, woo, tampered, signature=signature).status_code == 401
    reserialised = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert post_woo(client, woo, reserialised, signature=signature).status_code == 401
    assert nothing_stored()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"text"',
        json.dumps({"id": 1}).encode(),
        woo_body(woo_order(total="-5.00")),
        woo_body(woo_order(total="abc")),
        woo_body(woo_order(currency="euro")),
        woo_body(woo_order(id=None)),
        woo_body(woo_order(status="galactic")),
    ],
)
def test_woo_malformed_but_signed_is_400_and_nothing_stored(client, woo, body):
    assert post_woo(client, woo, body).status_code == 400
    assert nothing_stored()


def test_woo_oversized_is_413_and_nothing_stored(client, woo):
    payload = woo_order(customer_note="é" * 600_000)
    answer = post_woo(client, woo, woo_body(payload))
    assert answer.status_code == 413
    assert nothing_stored()


def test_woo_other_topics_are_acknowledged_and_ignored(client, woo):
    body = json.dumps({"id": 93, "name": "Galette"}).encode()
    assert post_woo(client, woo, body, topic="product.updated").status_code == 200
    assert nothing_stored()


def test_unknown_inactive_or_wrong_platform_hook_is_404(client, woo, shop):
    body = woo_body(woo_order())
    assert (
        client.post(
            "/webhooks/woocommerce/nope/", data=body, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/webhooks/woocommerce/{shop.hook_id}/", data=body, content_type="application/json"
        ).status_code
        == 404
    )
    woo.is_active = False
    woo.save()
    assert post_woo(client, woo, body).status_code == 404
    assert nothing_stored()


def test_get_is_refused(client, woo):
    assert client.get(f"/webhooks/woocommerce/{woo.hook_id}/").status_code == 405


def test_orders_go_to_the_connections_business_only(
    client, woo, other_business, business, on_commit
):
    theirs = shop_connection_create(
        business=other_business,
        platform=ShopPlatform.WOOCOMMERCE,
        label="ailleurs.example",
        secret="their-secret-123",
    )
    body = woo_body(woo_order())
    assert post_woo(client, theirs, body).status_code == 401  # our secret does not open their hook
    with on_commit():
        assert post_woo(client, theirs, body, secret="their-secret-123").status_code == 200
    assert list(Order.objects.values_list("business", flat=True)) == [other_business.pk]


def test_secret_is_encrypted_at_rest_and_never_logged(client, woo, caplog, on_commit):
    caplog.set_level(logging.DEBUG)
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM tracking_shopconnection")
        (stored,) = cursor.fetchone()
    assert WOO_SECRET not in stored and "wc-secret" not in stored
    with on_commit():
        post_woo(client, woo, woo_body(woo_order()))
    post_woo(client, woo, woo_body(woo_order()), signature="wrong")
    assert WOO_SECRET not in caplog.text


# --- Shopify -------------------------------------------------------------------------------------


def test_shopify_signed_order_with_landing_site_utm_and_discount_code(client, shop, on_commit):
    with on_commit():
        answer = post_shopify(client, shop, json.dumps(shopify_order()).encode())
    assert answer.status_code == 200, answer.content
    order = Order.objects.get()
    assert (order.source, order.external_id, order.number) == ("shopify", "5868563136755", "#1042")
    assert order.total == Decimal("28.80") and order.status == OrderStatus.PAID
    assert (order.utm_source, order.utm_campaign) == ("instagram", "galette-des-rois")
    assert order.coupon_list == ["GALETTE27"]
    assert order.placed_at == datetime(2027, 1, 6, 13, 30, 10, tzinfo=UTC)


def test_shopify_note_attributes_carry_utm_when_present(client, shop, on_commit):
    payload = shopify_order(
        landing_site="/", note_attributes=[{"name": "utm_campaign", "value": "fete-des-meres"}]
    )
    with on_commit():
        post_shopify(client, shop, json.dumps(payload).encode())
    assert Order.objects.get().utm_campaign == "fete-des-meres"


def test_shopify_same_webhook_id_twice_is_one_row(client, shop, on_commit):
    body = json.dumps(shopify_order()).encode()
    with on_commit():
        post_shopify(client, shop, body, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        again = post_shopify(client, shop, body, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert again.status_code == 200 and again.content == b"already received"
    assert Order.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_shopify_retried_stale_payload_after_a_newer_one_is_ignored(client, shop, on_commit):
    newer = shopify_order(financial_status="refunded", updated_at="2027-01-08T10:00:00-04:00")
    older = shopify_order()
    with on_commit():
        post_shopify(client, shop, json.dumps(newer).encode())
        assert post_shopify(client, shop, json.dumps(older).encode()).status_code == 200
    assert Order.objects.get().status == OrderStatus.REFUNDED


def test_shopify_cancelled_order_does_not_count_as_paid(client, shop, on_commit):
    payload = shopify_order(
        cancelled_at="2027-01-06T12:00:00-04:00", updated_at="2027-01-06T12:00:01-04:00"
    )
    with on_commit():
        post_shopify(client, shop, json.dumps(payload).encode(), topic="orders/cancelled")
    assert Order.objects.get().status == OrderStatus.CANCELLED


@pytest.mark.parametrize("signature", ["", "%%%not-base64%%%", sign("wrong", b"{}")])
def test_shopify_bad_signature_is_401(client, shop, signature):
    answer = post_shopify(client, shop, json.dumps(shopify_order()).encode(), signature=signature)
    assert answer.status_code == 401
    assert nothing_stored()


def test_shopify_replay_of_an_old_delivery_is_400(client, shop):
    old = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    answer = post_shopify(client, shop, json.dumps(shopify_order()).encode(), triggered_at=old)
    assert answer.status_code == 400
    assert (
        post_shopify(
            client, shop, json.dumps(shopify_order()).encode(), triggered_at="yesterday"
        ).status_code
        == 400
    )
    assert nothing_stored()


def test_shopify_missing_webhook_id_is_400(client, shop):
    answer = post_shopify(
        client, shop, json.dumps(shopify_order()).encode(), HTTP_X_SHOPIFY_WEBHOOK_ID=""
    )
    assert answer.status_code == 400
    assert nothing_stored()


def test_shopify_unknown_financial_status_is_400(client, shop):
    answer = post_shopify(client, shop, json.dumps(shopify_order(financial_status="???")).encode())
    assert answer.status_code == 400
    assert nothing_stored()


def test_woo_deleted_order_stops_counting(client, woo, on_commit):
    with on_commit():
        post_woo(client, woo, woo_body(woo_order()))
    deleted = json.dumps({"id": 727}).encode()
    assert post_woo(client, woo, deleted, topic="order.deleted").status_code == 200
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert post_woo(client, woo, deleted, topic="order.deleted").status_code == 200
    assert post_woo(client, woo, b"{}", topic="order.deleted").status_code == 400
    assert post_woo(client, woo, deleted, topic="order.deleted", signature="bad").status_code == 401
