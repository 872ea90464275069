"""Writes of the publishing engine; views, tasks and other apps call these."""

from essayons.publishing.services.owner import (
    delivery_cancel,
    delivery_record_link,
    delivery_retry,
)
from essayons.publishing.services.plan import deliveries_plan, deliveries_sweep
from essayons.publishing.services.send import delivery_send
from essayons.publishing.services.tick import publishing_tick

__all__ = [
    "deliveries_plan",
    "deliveries_sweep",
    "delivery_cancel",
    "delivery_record_link",
    "delivery_retry",
    "delivery_send",
    "publishing_tick",
]
