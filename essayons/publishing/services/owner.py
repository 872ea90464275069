"""What a person decides about a delivery: "I posted it" (with its link), "send it again",
"do not send it". Never while a worker holds it: each is a conditional update."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from essayons.accounts.models import User
from essayons.publishing import clock
from essayons.publishing.models import (
    CANCELLABLE_BY_OWNER,
    HANDS_OFF_STATUSES,
    RETRYABLE_STATUSES,
    Attempt,
    AttemptKind,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
)
from essayons.publishing.services.state import lock_post, post_sync

S = DeliveryStatus


class DeliveryRefused(Exception):
    """The decision does not apply to the delivery as it is now; `message` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _busy() -> DeliveryRefused:
    return DeliveryRefused(
        _("This delivery is being sent or is already settled: nothing was changed.")
    )


def _decided(delivery: Delivery, user: User, outcome: str, detail: str = "") -> None:
    now = clock.now()
    Attempt.objects.create(
        delivery=delivery,
        kind=AttemptKind.OWNER,
        started_at=now,
        finished_at=now,
        actor=user,
        outcome=outcome,
        detail=detail[:300],
    )


@transaction.atomic
def delivery_record_link(*, delivery: Delivery, url: str, user: User) -> None:
    """The post is online (posted by hand, or found after an uncertain try): record its link.

    `url` must already be a validated http(s) address (forms.PostedLinkForm).
    """
    post = lock_post(delivery.post_id)
    moved = Delivery.objects.filter(pk=delivery.pk, status__in=HANDS_OFF_STATUSES).update(
        status=S.PUBLISHED,
        remote_url=url[:500],
        published_at=clock.now(),
        next_try_at=None,
        needs_reconcile=False,
        last_message_key="",
        version=F("version") + 1,
    )
    if moved != 1:
        raise _busy()
    _decided(delivery, user, AttemptOutcome.RECORDED, url)
    post_sync(post)


@transaction.atomic
def delivery_retry(*, delivery: Delivery, user: User) -> None:
    """Send again: after a failure, or when the owner saw an uncertain post is not online."""
    if delivery.last_message_key == "content_limits":
        raise DeliveryRefused(_("Change the post first: as it is, the network refuses it."))
    post = lock_post(delivery.post_id)
    moved = Delivery.objects.filter(pk=delivery.pk, status__in=RETRYABLE_STATUSES).update(
        status=S.SCHEDULED,
        next_try_at=clock.now(),
        needs_reconcile=False,
        transient_failures=0,
        reconcile_failures=0,
        alerted_at=None,
        version=F("version") + 1,
    )
    if moved != 1:
        raise _busy()
    _decided(delivery, user, AttemptOutcome.RETRIED)
    post_sync(post)


@transaction.atomic
def delivery_cancel(*, delivery: Delivery, user: User) -> None:
    """Do not send it (any more); a delivery being sent cannot be stopped."""
    post = lock_post(delivery.post_id)
    moved = Delivery.objects.filter(pk=delivery.pk, status__in=CANCELLABLE_BY_OWNER).update(
        status=S.CANCELLED, next_try_at=None, version=F("version") + 1
    )
    if moved != 1:
        raise _busy()
    _decided(delivery, user, AttemptOutcome.CANCELLED)
    post_sync(post)
