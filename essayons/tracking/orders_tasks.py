"""Background work for online orders: tasks take ids, load, call a service."""

from __future__ import annotations

from django_tasks import task

from essayons.tracking.models import WebhookDelivery
from essayons.tracking.orders_services import order_delivery_apply


@task()
def order_delivery_apply_task(delivery_id: int) -> str:
    delivery = WebhookDelivery.objects.select_related("connection__business").get(pk=delivery_id)
    return str(order_delivery_apply(delivery=delivery))
