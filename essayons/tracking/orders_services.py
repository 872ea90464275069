"""Writes for online orders: shop connections, signed deliveries, the order upsert."""

from __future__ import annotations

import enum
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from essayons.accounts.models import Business
from essayons.tracking.models import Order, OrderStatus, ShopConnection, WebhookDelivery
from essayons.tracking.orders_payloads import OrderData
from essayons.tracking.orders_rollup import order_state, orders_rollup_change


class Upsert(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"


def shop_connection_create(
    *, business: Business, platform: str, label: str, secret: str
) -> ShopConnection:
    connection = ShopConnection(business=business, platform=platform, label=label)
    connection.secret_set(secret)
    connection.save()
    return connection


def shop_connection_secret_change(*, connection: ShopConnection, secret: str) -> None:
    connection.secret_set(secret)
    connection.save(update_fields=["secret_encrypted"])


def shop_connection_disable(*, connection: ShopConnection) -> None:
    ShopConnection.objects.filter(pk=connection.pk).update(is_active=False)


def webhook_delivery_accept(
    *, connection: ShopConnection, dedupe_key: str, topic: str, data: OrderData
) -> WebhookDelivery | None:
    """Keep a verified delivery and queue its processing; None when it was already received.

    The order itself is written by the task (`order_delivery_apply`), so the shop gets its
    answer at once (Shopify allows 5 seconds, CONTRACTS.md §3.2).
    """
    from essayons.tracking.orders_tasks import order_delivery_apply_task

    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                connection=connection,
                dedupe_key=dedupe_key[:200],
                topic=topic[:60],
                order_data=data.to_json(),
            )
            ShopConnection.objects.filter(pk=connection.pk).update(last_delivery_at=timezone.now())
            transaction.on_commit(partial(order_delivery_apply_task.enqueue, delivery.pk))
    except IntegrityError:
        return None
    return delivery


def order_delivery_apply(*, delivery: WebhookDelivery) -> Upsert:
    """Write the order a delivery carries, unless what we hold is as new or newer."""
    connection = delivery.connection
    outcome = order_upsert(
        business=connection.business,
        source=connection.platform,
        data=OrderData.from_json(delivery.order_data),
        connection=connection,
    )
    state = (
        WebhookDelivery.Outcome.STALE
        if outcome == Upsert.STALE
        else WebhookDelivery.Outcome.APPLIED
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(outcome=state)
    return outcome


def order_cancel(*, business: Business, source: str, external_id: str) -> bool:
    """Stop counting an order deleted in the shop; False when we never had it (or did already)."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(business=business, source=source, external_id=external_id)
            .exclude(status=OrderStatus.CANCELLED)
            .first()
        )
        if order is None:
            return False
        before = order_state(order)
        order.status = OrderStatus.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        orders_rollup_change(business_id=business.pk, before=before, after=order_state(order))
    return True


def order_upsert(
    *,
    business: Business,
    source: str,
    data: OrderData,
    connection: ShopConnection | None = None,
) -> Upsert:
    """Create or update the order (business, source, external id).

    A delivery whose modification time is older than, or the same as, the one stored is stale
    and changes nothing: deliveries are at-least-once and unordered (CONTRACTS.md §3.2).
    """
    fields = order_fields(business=business, data=data)
    for attempt in range(2):
        try:
            with transaction.atomic():
                current = (
                    Order.objects.select_for_update()
                    .filter(business=business, source=source, external_id=data.external_id)
                    .first()
                )
                if current is None:
                    Order.objects.create(
                        business=business,
                        source=source,
                        external_id=data.external_id,
                        connection=connection,
                        **fields,
                    )
                    orders_rollup_change(business_id=business.pk, before=None, after=fields)
                    return Upsert.CREATED
                return _order_update(current, fields, data.updated_at)
        except IntegrityError:  # created by a concurrent delivery: update it instead
            if attempt:
                raise
    raise AssertionError("unreachable")


def _order_update(current: Order, fields: dict[str, object], updated_at: datetime | None) -> Upsert:
    stored = current.source_updated_at
    if stored is not None and (updated_at is None or updated_at <= stored):
        return Upsert.STALE
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if not changed:
        return Upsert.UNCHANGED
    before = order_state(current)
    for name in changed:
        setattr(current, name, fields[name])
    current.save(update_fields=[*changed, "updated_at"])
    orders_rollup_change(business_id=current.business_id, before=before, after=order_state(current))
    return Upsert.UPDATED


def order_fields(*, business: Business, data: OrderData) -> dict[str, object]:
    local = data.placed_at.astimezone(ZoneInfo(business.timezone)).date()
    return {
        "number": data.number,
        "placed_at": data.placed_at,
        "placed_on": local,
        "placed_month": local.replace(day=1),
        "total": data.total,
        "currency": data.currency,
        "status": data.status,
        "utm_source": data.utm_source,
        "utm_medium": data.utm_medium,
        "utm_campaign": data.utm_campaign,
        "utm_content": data.utm_content,
        "coupon_codes": ",".join(data.coupon_codes),
        "landing_url": data.landing_url,
        "referrer": data.referrer,
        "source_updated_at": data.updated_at,
    }
