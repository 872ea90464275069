"""A post's life: writing, sending for approval, approving, moving, duplicating, deleting.

Invariants kept here:
- nothing a helper writes becomes `scheduled` unless an approval rule allows its kind;
- nobody approves a post they sent for approval themselves;
- every write is conditional on the version the writer read (StaleEdit otherwise);
- every change leaves a PostEvent (who, what, when, comment).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from essayons.accounts.models import Membership, User
from essayons.accounts.roles import Perm
from essayons.planner.images import CheckedImage
from essayons.planner.models import LOCKED_STATUSES, EventAction, Post, PostEvent, PostStatus
from essayons.planner.queries import rule_allows
from essayons.planner.services.images import (
    images_add,
    images_copy,
    images_remove,
    renditions_ensure,
)
from essayons.planner.services.notify import notify_decision, notify_submitted

DUPLICATE_MARGIN = timedelta(minutes=30)


@dataclass(frozen=True)
class PostData:
    text: str
    kind: str
    channels: list[str]
    scheduled_at: datetime


class StaleEdit(Exception):
    """Someone saved the post after the writer opened it; `current` is their version."""

    def __init__(self, current: Post) -> None:
        super().__init__(f"post {current.pk} is at version {current.version}")
        self.current = current


class PostRefused(Exception):
    """The change is not allowed in the post's state or for this person (message in French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _log(
    post: Post,
    actor: User,
    action: str,
    before: str,
    after: str,
    *,
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    PostEvent.objects.create(
        post=post,
        actor=actor,
        action=action,
        from_status=before,
        to_status=after,
        comment=comment,
        details=details or {},
    )


def _status_on_submit(membership: Membership, kind: str) -> tuple[str, bool]:
    """(status, allowed by a rule) for a post its writer wants to go out."""
    if membership.can(Perm.APPROVE_POSTS):
        return PostStatus.SCHEDULED, False
    if rule_allows(business=membership.business, user=membership.user, kind=kind):
        return PostStatus.SCHEDULED, True
    return PostStatus.AWAITING_APPROVAL, False


def _after_submit(post: Post, membership: Membership, before: str, via_rule: bool) -> None:
    user = membership.user
    if post.status == before:
        return  # already there: the edit event says what changed
    if post.status == PostStatus.AWAITING_APPROVAL:
        _log(post, user, EventAction.SUBMITTED, before, post.status)
        notify_submitted(post, by=user)
    elif post.status == PostStatus.SCHEDULED:
        comment = _("Allowed without approval by the owner's rule.") if via_rule else ""
        _log(post, user, EventAction.SCHEDULED, before, post.status, comment=comment)


def _refuse_if_locked(post: Post) -> None:
    if post.status in LOCKED_STATUSES:
        raise PostRefused(
            _("This post is being published or already published: it cannot change any more.")
        )


def _conditional_update(post: Post, version: int, **fields: Any) -> Post:
    """Write only if nobody saved since `version` was read; the fresh post is returned."""
    updated = (
        Post.objects.filter(pk=post.pk, version=version, deleted_at__isnull=True)
        .exclude(status__in=LOCKED_STATUSES)
        .update(version=F("version") + 1, updated_at=timezone.now(), **fields)
    )
    current = Post.objects.select_related("business").get(pk=post.pk)
    if updated != 1:
        _refuse_if_locked(current)
        raise StaleEdit(current)
    return current


@transaction.atomic
def post_create(
    *, membership: Membership, data: PostData, images: Sequence[CheckedImage], submit: bool
) -> Post:
    user = membership.user
    status, via_rule = (
        _status_on_submit(membership, data.kind) if submit else (PostStatus.DRAFT, False)
    )
    post = Post.objects.create(
        business=membership.business,
        author=user,
        updated_by=user,
        submitted_by=user if submit else None,
        status=PostStatus.DRAFT,
        kind=data.kind,
        text=data.text,
        channels=data.channels,
        scheduled_at=data.scheduled_at,
    )
    images_add(post, images)
    renditions_ensure(post)
    _log(post, user, EventAction.CREATED, "", PostStatus.DRAFT)
    if status != PostStatus.DRAFT:
        post = _conditional_update(post, post.version, status=status)
        _after_submit(post, membership, PostStatus.DRAFT, via_rule)
    return post


@transaction.atomic
def post_update(
    *,
    post: Post,
    membership: Membership,
    data: PostData,
    version: int,
    images: Sequence[CheckedImage] = (),
    remove_images: Iterable[int] = (),
    submit: bool,
) -> Post:
    """Save the writer's version; `submit` sends it out (or for approval), else it is a draft."""
    user, before = membership.user, post.status
    status, via_rule = (
        _status_on_submit(membership, data.kind) if submit else (PostStatus.DRAFT, False)
    )
    changed = [
        name
        for name, value in (
            ("text", data.text),
            ("kind", data.kind),
            ("channels", data.channels),
            ("scheduled_at", data.scheduled_at),
        )
        if getattr(post, name) != value
    ]
    post = _conditional_update(
        post,
        version,
        text=data.text,
        kind=data.kind,
        channels=data.channels,
        scheduled_at=data.scheduled_at,
        status=status,
        updated_by=user,
        submitted_by=user if submit else post.submitted_by,
    )
    remove_images = list(remove_images)
    if remove_images:
        images_remove(post, remove_images)
        changed.append("images")
    if images:
        images_add(post, images)
        changed.append("images")
    renditions_ensure(post)
    after_edit = before if submit else status
    _log(post, user, EventAction.EDITED, before, after_edit, details={"changed": changed})
    if submit:
        _after_submit(post, membership, before, via_rule)
    return post


@transaction.atomic
def post_move(*, post: Post, membership: Membership, scheduled_at: datetime, version: int) -> Post:
    """Give the post a new time; a scheduled post moved by a helper goes back for approval."""
    user, before = membership.user, post.status
    status = before
    if before == PostStatus.SCHEDULED:
        status, _via_rule = _status_on_submit(membership, post.kind)
    old_time = post.scheduled_at
    post = _conditional_update(
        post,
        version,
        scheduled_at=scheduled_at,
        status=status,
        updated_by=user,
        submitted_by=user if status != before else post.submitted_by,
    )
    _log(
        post,
        user,
        EventAction.MOVED,
        before,
        status,
        details={"from": old_time.isoformat(), "to": scheduled_at.isoformat()},
    )
    if status == PostStatus.AWAITING_APPROVAL and before != status:
        notify_submitted(post, by=user)
    return post


@transaction.atomic
def post_duplicate(*, post: Post, membership: Membership) -> Post:
    """A draft copy, the same weekday and time a week later (or the first such time ahead)."""
    user = membership.user
    when = post.scheduled_at + timedelta(weeks=1)
    earliest = timezone.now() + DUPLICATE_MARGIN
    if when < earliest:
        when += timedelta(weeks=math.ceil((earliest - when) / timedelta(weeks=1)))
    copy = Post.objects.create(
        business=post.business,
        author=user,
        updated_by=user,
        status=PostStatus.DRAFT,
        kind=post.kind,
        text=post.text,
        channels=list(post.channels),
        scheduled_at=when,
        idea=post.idea,
        idea_ref=post.idea_ref,
    )
    images_copy(post, copy)
    renditions_ensure(copy)
    _log(copy, user, EventAction.DUPLICATED, "", PostStatus.DRAFT, details={"from": post.pk})
    return copy


@transaction.atomic
def post_delete(*, post: Post, membership: Membership) -> None:
    """Put the post aside (it can be restored); a helper cannot remove a scheduled post."""
    _refuse_if_locked(post)
    if post.status == PostStatus.SCHEDULED and not membership.can(Perm.APPROVE_POSTS):
        raise PostRefused(_("Only the owner can delete a scheduled post."))
    updated = Post.objects.filter(pk=post.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), version=F("version") + 1
    )
    if updated == 1:
        _log(post, membership.user, EventAction.DELETED, post.status, post.status)


@transaction.atomic
def post_restore(*, post: Post, membership: Membership) -> Post:
    """Undo a deletion. A scheduled post whose time has passed comes back as a draft; one
    brought back by a helper goes through approval again (unless a rule allows its kind)."""
    status, submitted_by = post.status, post.submitted_by
    if status == PostStatus.SCHEDULED and post.scheduled_at <= timezone.now():
        status = PostStatus.DRAFT
    elif status == PostStatus.SCHEDULED:
        status, _via_rule = _status_on_submit(membership, post.kind)
        if status != PostStatus.SCHEDULED:
            submitted_by = membership.user
    updated = Post.objects.filter(pk=post.pk, deleted_at__isnull=False).update(
        deleted_at=None, status=status, submitted_by=submitted_by, version=F("version") + 1
    )
    if updated == 1:
        _log(post, membership.user, EventAction.RESTORED, post.status, status)
    post.refresh_from_db()
    return post


@transaction.atomic
def post_review(
    *, post: Post, membership: Membership, approve: bool, comment: str, version: int
) -> Post:
    """The owner's decision on a post awaiting approval: scheduled, or back with a comment."""
    user = membership.user
    if not membership.can(Perm.APPROVE_POSTS):
        raise PostRefused(_("Only the owner can approve posts."))
    if post.submitted_by_id == user.pk:
        raise PostRefused(_("You sent this post for approval: someone else must approve it."))
    if post.status != PostStatus.AWAITING_APPROVAL:
        raise PostRefused(
            _("This post is no longer awaiting approval (now: %(status)s).")
            % {"status": post.get_status_display()}
        )
    if approve and post.scheduled_at <= timezone.now():
        raise PostRefused(_("Its time has passed: move it to a new time, then approve it."))
    after = PostStatus.SCHEDULED if approve else PostStatus.CHANGES_REQUESTED
    updated = Post.objects.filter(
        pk=post.pk, version=version, status=PostStatus.AWAITING_APPROVAL, deleted_at__isnull=True
    ).update(status=after, version=F("version") + 1, updated_at=timezone.now())
    if updated != 1:
        raise StaleEdit(Post.objects.select_related("business").get(pk=post.pk))
    post.refresh_from_db()
    action = EventAction.APPROVED if approve else EventAction.CHANGES_REQUESTED
    _log(post, user, action, PostStatus.AWAITING_APPROVAL, after, comment=comment)
    notify_decision(post, approved=approve, comment=comment, by=user)
    return post
