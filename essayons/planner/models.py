"""The plan, the posts, their images and history, and the approval rules."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essayons.accounts.models import Business
from essayons.planner.kinds import ContentKind


class PostStatus(models.TextChoices):
    """The life of a post; publishing takes over from `scheduled`."""

    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# Once publishing has a post in hand, nobody edits it here any more.
LOCKED_STATUSES = frozenset({PostStatus.PUBLISHING, PostStatus.PUBLISHED})


class Plan(models.Model):
    """The owner's choices; the weekly plan itself is computed (plan.plan_build)."""

    business = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="plan")
    hours_per_week = models.DecimalField(
        _("hours a week"), max_digits=4, decimal_places=1, default=Decimal("2")
    )
    channels = models.JSONField(_("networks"), default=list)
    # Posts a week asked per network; a network missing here gets the rhythm that fits.
    rhythm = models.JSONField(default=dict, blank=True)
    # The business's own figures over the effort model's defaults (effort.effort_from_data).
    effort = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.business} · {self.hours_per_week} h"


class Post(models.Model):
    """One message for one or more networks at one local time.

    `version` grows by one on every change; writes are conditional on the version the
    writer read, so two people editing at once never overwrite each other silently.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who sent it for approval: that person may not approve it."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT
    )
    kind = models.CharField(
        _("kind of content"),
        max_length=20,
        choices=ContentKind.choices,
        default=ContentKind.PRODUCTS,
    )
    text = models.TextField(_("text"), blank=True)
    channels = models.JSONField(_("networks"), default=list)
    scheduled_at = models.DateTimeField(_("date and time"))
    idea = models.TextField(_("idea"), blank=True)
    idea_ref = models.CharField(max_length=80, blank=True)
    # Set by "prepare my week" ("2026-W48/instagram-0"): one draft per planned slot, ever.
    slot_key = models.CharField(max_length=60, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scheduled_at", "id"]
        indexes = [
            models.Index(fields=["business", "scheduled_at"]),
            models.Index(fields=["business", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "slot_key"],
                condition=~Q(slot_key=""),
                name="one_post_per_planned_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.business} · {self.scheduled_at:%Y-%m-%d %H:%M} · {self.status}"

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES


class EventAction(models.TextChoices):
    CREATED = "created", _("created")
    EDITED = "edited", _("edited")
    SUBMITTED = "submitted", _("sent for approval")
    APPROVED = "approved", _("approved")
    CHANGES_REQUESTED = "changes_requested", _("asked for changes")
    SCHEDULED = "scheduled", _("scheduled")
    UNSCHEDULED = "unscheduled", _("taken back to draft")
    MOVED = "moved", _("moved")
    DUPLICATED = "duplicated", _("duplicated")
    DELETED = "deleted", _("deleted")
    RESTORED = "restored", _("restored")


class PostEvent(models.Model):
    """One line of a post's history: who did what, when, and what they said."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=EventAction.choices)
    from_status = models.CharField(max_length=20, choices=PostStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PostStatus.choices, blank=True)
    comment = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.post_id} · {self.action}"


def image_path(instance: Any, filename: str) -> str:
    """Files live under the business's id, named by a random id (never the uploaded name)."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"planner/{instance.business.public_id}/{uuid.uuid4().hex}{suffix}"


class PostImage(models.Model):
    """An original image as uploaded (validated); renditions are made from it."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    original = models.FileField(upload_to=image_path, max_length=200)
    image_format = models.CharField(max_length=10)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.original.name or ""


class ImageRendition(models.Model):
    """The image resized (and cropped if the network demands it) for one network."""

    image = models.ForeignKey(PostImage, on_delete=models.CASCADE, related_name="renditions")
    channel = models.CharField(max_length=20)
    file = models.FileField(upload_to=image_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "channel"], name="one_rendition_per_network")
        ]

    def __str__(self) -> str:
        return f"{self.image_id} · {self.channel}"

    @property
    def business(self) -> Business:
        return self.image.business


class ApprovalRule(models.Model):
    """The kinds of content a helper may schedule without the owner's approval."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kinds = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "helper"], name="one_rule_per_helper")
        ]

    def __str__(self) -> str:
        return f"{self.business} · {self.helper_id} · {self.kinds}"
