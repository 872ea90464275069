"""What customers say to a business, how it was triaged, and the replies sent back."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.connectors.models import Connection
from essayons.diagnostic.channels import Channel
from essayons.inbox.triage import Label

MAX_TEXT = 5000


class InboxChannel(models.TextChoices):
    """The networks (diagnostic Channel values) plus what is said face to face or by phone."""

    GOOGLE = Channel.GOOGLE.value, Channel.GOOGLE.label
    FACEBOOK = Channel.FACEBOOK.value, Channel.FACEBOOK.label
    INSTAGRAM = Channel.INSTAGRAM.value, Channel.INSTAGRAM.label
    LINKEDIN = Channel.LINKEDIN.value, Channel.LINKEDIN.label
    MASTODON = Channel.MASTODON.value, Channel.MASTODON.label
    BLUESKY = Channel.BLUESKY.value, Channel.BLUESKY.label
    EMAIL = Channel.EMAIL.value, Channel.EMAIL.label
    COUNTER = "counter", _("At the counter")
    PHONE = "phone", _("On the phone")


# Things said in person: answered by hand, never through a connector.
OFFLINE_CHANNELS = frozenset({InboxChannel.COUNTER, InboxChannel.PHONE})


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("From us")


class ReplyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")
    UNKNOWN = "unknown", _("Unknown, to check")


DEFAULT_TARGET_HOURS: dict[str, int] = {
    Label.COMPLAINT: 24,
    Label.QUESTION: 24,
    Label.PRAISE: 72,
}


class Conversation(models.Model):
    """One thread with one customer, on one channel, with what it is about."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=20, choices=InboxChannel.choices)
    connection = models.ForeignKey(
        Connection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    remote_thread_id = models.CharField(max_length=255, blank=True)
    post_remote_id = models.CharField(max_length=255, blank=True)
    post_url = models.URLField(max_length=500, blank=True)
    post_excerpt = models.CharField(max_length=500, blank=True)
    customer_name = models.CharField(_("who"), max_length=200, blank=True)
    customer_remote_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["business", "channel", "remote_thread_id"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.customer_name}"


class Message(models.Model):
    """One message. Its text is untrusted: always shown escaped, its links never fetched."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, choices=InboxChannel.choices)
    remote_id = models.CharField(max_length=255)
    author_name = models.CharField(_("who"), max_length=200, blank=True)
    author_remote_id = models.CharField(max_length=255, blank=True)
    text = models.TextField(_("what was said"), max_length=MAX_TEXT)
    received_at = models.DateTimeField()
    direction = models.CharField(max_length=5, choices=Direction.choices, default=Direction.IN)
    label = models.CharField(max_length=20, choices=Label.choices, default=Label.OTHER)
    confidence = models.FloatField(default=0.0)
    reasons = models.JSONField(default=list, blank=True)
    # Set when the worker has sorted it (or a person chose its kind); until then it is shown
    # at the top as "being sorted", since it may be a complaint.
    triaged_at = models.DateTimeField(null=True, blank=True)
    # What the network needs to answer it (connectors.base.Incoming.context), strings only.
    reply_context = models.JSONField(default=dict, blank=True)
    label_corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    label_corrected_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    reply = models.ForeignKey(
        "Reply", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "channel", "remote_id"], name="inbox_message_once"
            )
        ]
        indexes = [models.Index(fields=["business", "answered_at", "label"])]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def triaged(self) -> bool:
        return self.triaged_at is not None

    @property
    def rating(self) -> int | None:
        """The stars a review gave (1..5), when the network has stars."""
        value = str((self.reply_context or {}).get("rating", ""))
        return int(value) if value in {"1", "2", "3", "4", "5"} else None

    @property
    def stars(self) -> str:
        rating = self.rating
        return "" if rating is None else "★" * rating + "☆" * (5 - rating)

    @property
    def response_time(self) -> timedelta | None:
        if self.answered_at is None:
            return None
        return self.answered_at - self.received_at


class Reply(models.Model):
    """The answer to one message. `attempt_key` is fixed when the draft is made, before any try."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField(_("reply"), max_length=MAX_TEXT)
    status = models.CharField(max_length=10, choices=ReplyStatus.choices, default=ReplyStatus.DRAFT)
    attempt_key = models.CharField(max_length=100, unique=True)
    remote_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=300, blank=True)
    pressed_send_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was handed to the network (the first try): reconciliation looks from there.
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # How many times the worker asked the network whether an unknown reply arrived.
    checks = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.text[:40]}"


class LabelCorrection(models.Model):
    """The owner said "this one is a question": fed back to triage for this business only."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    label = models.CharField(max_length=20, choices=Label.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.label}: {self.text[:40]}"


class TargetTime(models.Model):
    """How fast a business means to answer one kind of message."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=20, choices=Label.choices)
    hours = models.PositiveIntegerField(_("answer within (hours)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "label"], name="inbox_target_once")
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.hours} h"


class PollCursor(models.Model):
    """Where polling of one connection and one kind of item stopped, so it resumes there."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    cursor = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind"], name="inbox_cursor_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.cursor}"
