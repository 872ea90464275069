"""Deliveries (one per post × network), their attempts, and the heartbeats of the engine.

The state machine (CONTRACTS.md §3.1), every transition a conditional update:

    scheduled ─┐                      ┌─> published (remote id written in the same transaction)
    deferred  ─┼─> pending ─> claimed ┼─> sending ─┼─> failed (permanent, owner told)
    unknown   ─┘   (queued)   (lease) │            ├─> deferred (rate limit, transient: later)
                                      │            └─> unknown (maybe sent: reconcile first)
                                      ├─> manual_pending (no connection: the owner posts by hand)
                                      └─> needs_reconnect (token refused: the owner reconnects)

A worker that dies while `claimed` made no network call: the lease puts the delivery back.
One that dies while `sending` may have sent: the lease turns it `unknown`, never `scheduled`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.connectors.models import Connection
from essayons.diagnostic.channels import Channel
from essayons.planner.models import Post


class DeliveryStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    PENDING = "pending", _("Waiting for its turn")
    CLAIMED = "claimed", _("Being prepared")
    SENDING = "sending", _("Being sent")
    PUBLISHED = "published", _("Published")
    UNKNOWN = "unknown", _("To be checked")
    DEFERRED = "deferred", _("Postponed")
    FAILED = "failed", _("Not published")
    NEEDS_RECONNECT = "needs_reconnect", _("Waiting for a reconnection")
    MANUAL_PENDING = "manual_pending", _("To post by hand")
    CANCELLED = "cancelled", _("Cancelled")


S = DeliveryStatus
# Handed to the queue by the scheduler once `next_try_at` has come.
DUE_STATUSES = frozenset({S.SCHEDULED, S.DEFERRED, S.UNKNOWN})
# Not settled yet: the post keeps "publishing" while one of these remains.
OPEN_STATUSES = frozenset(
    {
        S.SCHEDULED,
        S.PENDING,
        S.CLAIMED,
        S.SENDING,
        S.DEFERRED,
        S.UNKNOWN,
        S.NEEDS_RECONNECT,
        S.MANUAL_PENDING,
    }
)
# Nothing was sent (or surely nothing arrived): planning may reset these freely.
REPLANNABLE_STATUSES = frozenset(
    {S.SCHEDULED, S.PENDING, S.DEFERRED, S.NEEDS_RECONNECT, S.FAILED, S.CANCELLED}
)
# Still on the way without the owner's help: late ones raise an alert.
ON_THE_WAY_STATUSES = frozenset({S.SCHEDULED, S.PENDING, S.CLAIMED, S.SENDING, S.DEFERRED})
# No worker holds them: the owner may take them over by hand (never while in flight).
HANDS_OFF_STATUSES = frozenset({S.MANUAL_PENDING, S.UNKNOWN, S.FAILED, S.NEEDS_RECONNECT})
# The owner may say "do not send it" unless a worker is sending it right now.
CANCELLABLE_BY_OWNER = frozenset(
    {S.SCHEDULED, S.PENDING, S.DEFERRED, S.NEEDS_RECONNECT, S.MANUAL_PENDING, S.UNKNOWN, S.FAILED}
)
RETRYABLE_STATUSES = frozenset({S.FAILED, S.UNKNOWN})


class Delivery(models.Model):
    """One post on one network. `attempt_key` is chosen at creation, before any try, and is
    the same for every retry: Mastodon's Idempotency-Key, Bluesky's record key (a TID)."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("network"), max_length=20, choices=Channel.choices)
    # None: no connected account, the owner posts it by hand (the manual channel).
    connection = models.ForeignKey(
        Connection, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=S.SCHEDULED
    )
    due_at = models.DateTimeField(_("due at"))
    # When the scheduler may hand it to a worker; None while nobody should (owner decides).
    next_try_at = models.DateTimeField(null=True, blank=True)
    attempt_key = models.CharField(max_length=64, unique=True)
    post_version = models.PositiveIntegerField(default=1)
    version = models.PositiveIntegerField(default=1)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    # Tries that failed without reaching the network / checks that could not conclude.
    transient_failures = models.PositiveSmallIntegerField(default=0)
    reconcile_failures = models.PositiveSmallIntegerField(default=0)
    # An earlier try may have reached the network: ask it before any new try.
    needs_reconcile = models.BooleanField(default=False)
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    last_error_class = models.CharField(max_length=40, blank=True)
    last_error_code = models.CharField(max_length=80, blank=True)
    last_message_key = models.CharField(max_length=40, blank=True)
    last_error_detail = models.CharField(max_length=300, blank=True)
    # The owner was told this delivery is (or will be) late: once, never twice.
    alerted_at = models.DateTimeField(null=True, blank=True)
    permalink_check_at = models.DateTimeField(null=True, blank=True)
    permalink_checked_at = models.DateTimeField(null=True, blank=True)
    permalink_ok = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="one_delivery_per_network"),
        ]
        indexes = [
            models.Index(
                fields=["next_try_at"],
                name="delivery_due",
                condition=Q(status__in=["scheduled", "deferred", "unknown"]),
            ),
            models.Index(fields=["status", "claimed_at"], name="delivery_status_claimed"),
            models.Index(fields=["business", "status"], name="delivery_business_status"),
            models.Index(fields=["connection", "status"], name="delivery_connection_status"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} · {self.channel} · {self.status}"

    @property
    def is_manual(self) -> bool:
        return self.connection_id is None


class AttemptKind(models.TextChoices):
    PUBLISH = "publish", _("Sending")
    RECONCILE = "reconcile", _("Checking on the network")
    HAND_OVER = "hand_over", _("Handed over to post by hand")
    OWNER = "owner", _("Decision of a person")
    PERMALINK = "permalink", _("Checking the live post")


class AttemptOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    PUBLISHED = "published", _("Published")
    FOUND = "found", _("Found online")
    NOT_FOUND = "not_found", _("Not found online")
    UNKNOWN = "unknown", _("Outcome unknown")
    LOST = "lost", _("Interrupted (the worker stopped)")
    RATE_LIMITED = "rate_limited", _("Network limit reached")
    TRANSIENT = "transient", _("Network unavailable")
    AUTH_EXPIRED = "auth_expired", _("Access refused")
    REJECTED = "rejected", _("Refused by the network")
    HANDED_OVER = "handed_over", _("Handed over")
    RECORDED = "recorded", _("Marked as published")
    RETRIED = "retried", _("Sent again")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_OK = "checked_ok", _("Seen online")
    CHECKED_MISSING = "checked_missing", _("Not seen online")


class Attempt(models.Model):
    """One try (or check, or decision) on a delivery; written before the network call."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    kind = models.CharField(max_length=20, choices=AttemptKind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(
        max_length=20, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_PROGRESS
    )
    error_class = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=80, blank=True)
    message_key = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    remote_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(
                fields=["started_at"],
                name="attempt_in_progress",
                condition=Q(outcome="in_progress"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} · {self.kind} · {self.outcome}"


class Heartbeat(models.Model):
    """The last sign of life of the scheduler loop and of the task workers (health page)."""

    name = models.CharField(max_length=40, unique=True)
    last_seen_at = models.DateTimeField()
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} · {self.last_seen_at:%Y-%m-%d %H:%M:%S}"
