"""A delivery as the owner reads it: where it stands, what went wrong, what to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from essayons.planner.models import Post
from essayons.publishing.explain import (
    NETWORK_MESSAGE_SHOWN,
    Action,
    explanation,
    explanation_text,
)
from essayons.publishing.models import (
    CANCELLABLE_BY_OWNER,
    HANDS_OFF_STATUSES,
    RETRYABLE_STATUSES,
    Attempt,
    Delivery,
    DeliveryStatus,
)
from essayons.publishing.queries import deliveries_of
from essayons.publishing.services.notify import action_url, local_time, network_name

S = DeliveryStatus
TONE = {
    S.PUBLISHED: "good",
    S.FAILED: "bad",
    S.UNKNOWN: "warn",
    S.DEFERRED: "warn",
    S.NEEDS_RECONNECT: "bad",
    S.MANUAL_PENDING: "warn",
}
# Keys whose text is worth showing while the delivery is still on its way.
SHOWN_WHILE_WAITING = {"rate_limited", "quota", "network_down", "unknown_outcome"}


def action_label(action: Action) -> str:
    return {
        Action.RECONNECT: _("Reconnect the account"),
        Action.EDIT_POST: _("Change the post"),
        Action.CHECK: _("Check and tell us"),
        Action.MANUAL: _("Post it by hand"),
    }.get(action, "")


def safe_href(url: str) -> str:
    """A link to show only if it is a web address (a network or a person gave it)."""
    return url if url.startswith(("https://", "http://")) else ""


@dataclass
class DeliveryRow:
    delivery: Delivery
    network: str
    tone: str
    href: str
    when: str = ""
    problem: str = ""
    fix: str = ""
    network_message: str = ""
    action_label: str = ""
    action_url: str = ""
    can_retry: bool = False
    can_cancel: bool = False
    can_record: bool = False
    attempts: list[Attempt] = field(default_factory=list)


def _explained(row: DeliveryRow, delivery: Delivery, now_key: str) -> None:
    business = delivery.business
    at: datetime | None = delivery.next_try_at if delivery.status == S.DEFERRED else None
    rule = delivery.last_error_detail if now_key == "content_limits" else ""
    row.problem, row.fix = explanation_text(
        now_key,
        network=row.network,
        time=local_time(at, business) if at else "",
        rule=rule,
    )
    if now_key in NETWORK_MESSAGE_SHOWN:
        row.network_message = delivery.last_error_detail
    action = explanation(now_key).action
    if action not in (Action.NONE, Action.RETRY):
        row.action_label = action_label(action)
        row.action_url = action_url(delivery, action)


def row_for(delivery: Delivery) -> DeliveryRow:
    status = delivery.status
    row = DeliveryRow(
        delivery=delivery,
        network=network_name(delivery.channel),
        tone=TONE.get(S(status), ""),
        href=safe_href(delivery.remote_url) if status == S.PUBLISHED else "",
        attempts=list(delivery.attempts.all()),
        can_retry=status in RETRYABLE_STATUSES and delivery.last_message_key != "content_limits",
        can_cancel=status in CANCELLABLE_BY_OWNER,
        can_record=status in HANDS_OFF_STATUSES,
    )
    if status in (S.SCHEDULED, S.DEFERRED) and delivery.next_try_at:
        row.when = local_time(delivery.next_try_at, delivery.business)
    key = delivery.last_message_key
    if status == S.MANUAL_PENDING:
        key = "manual"
    elif status == S.NEEDS_RECONNECT:
        key = "auth_expired" if key not in ("missing_permission", "blocked_url") else key
    elif status == S.UNKNOWN and delivery.next_try_at is None:
        key = "owner_check"
    elif status in (S.PUBLISHED, S.CANCELLED) or (
        status != S.FAILED and key not in SHOWN_WHILE_WAITING
    ):
        key = ""
    if key:
        _explained(row, delivery, key)
    return row


def rows_for(post: Post) -> list[DeliveryRow]:
    deliveries = list(deliveries_of(post).select_related("business", "post"))
    return [row_for(d) for d in deliveries]
