"""From the calendar to deliveries: one per network of a scheduled post, kept in step with it.

`deliveries_plan(post=...)` is idempotent: call it after any change of a post (the planner may
call it inside its own transaction) and the periodic sweep calls it for every scheduled post
whose deliveries are missing or older than the post, so that nothing is forgotten even if a
call was missed. It never touches a delivery that is published, in flight or uncertain.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q

from essayons.planner.models import Post, PostStatus
from essayons.publishing.content import PUBLISHABLE_CHANNELS
from essayons.publishing.keys import attempt_key_new
from essayons.publishing.models import REPLANNABLE_STATUSES, Delivery, DeliveryStatus
from essayons.publishing.queries import connection_for

S = DeliveryStatus
# Cancelled when the post no longer wants them; nothing left for them yet.
WITHDRAWABLE = frozenset({S.SCHEDULED, S.PENDING, S.DEFERRED, S.NEEDS_RECONNECT})
SWEEP_LIMIT = 200


def _wanted_channels(post: Post) -> list[str]:
    if post.status != PostStatus.SCHEDULED or post.deleted_at is not None:
        return []
    return [c for c in dict.fromkeys(post.channels) if c in PUBLISHABLE_CHANNELS]


def _withdraw(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk, status__in=WITHDRAWABLE).update(
        status=S.CANCELLED, next_try_at=None, version=F("version") + 1
    )


def _create(post: Post, channel: str) -> None:
    connection = connection_for(business_id=post.business_id, channel=channel)
    for _try in range(3):  # a clash of attempt keys is astronomically rare; draw again
        try:
            with transaction.atomic():
                Delivery.objects.create(
                    business_id=post.business_id,
                    post=post,
                    channel=channel,
                    connection=connection,
                    status=S.SCHEDULED,
                    due_at=post.scheduled_at,
                    next_try_at=post.scheduled_at,
                    attempt_key=attempt_key_new(),
                    post_version=post.version,
                )
            return
        except IntegrityError:
            if Delivery.objects.filter(post=post, channel=channel).exists():
                return  # a concurrent plan created it


def _reset(post: Post, delivery: Delivery) -> None:
    """Back to scheduled at the post's time; a failed or cancelled one starts afresh."""
    fields = {
        "status": S.SCHEDULED,
        "due_at": post.scheduled_at,
        "next_try_at": post.scheduled_at,
        "post_version": post.version,
        "queued_at": None,
        "alerted_at": None,
        "version": F("version") + 1,
    }
    if delivery.connection_id is None or delivery.status in (S.FAILED, S.CANCELLED):
        fields["connection"] = connection_for(
            business_id=post.business_id, channel=delivery.channel
        )
    if delivery.status in (S.FAILED, S.CANCELLED):
        # It surely did not go out (refused, or never sent): a new key for the new content.
        fields.update(
            attempt_key=attempt_key_new(),
            transient_failures=0,
            reconcile_failures=0,
            needs_reconcile=False,
            last_error_class="",
            last_error_code="",
            last_message_key="",
            last_error_detail="",
        )
    Delivery.objects.filter(pk=delivery.pk, status=delivery.status).update(**fields)


@transaction.atomic
def deliveries_plan(*, post: Post) -> list[Delivery]:
    """Make the post's deliveries match it: created, moved, re-armed or cancelled.

    Locks the post row first (the same order as the planner's writes and the worker's claim,
    so no deadlock), then reads it afresh. Returns the post's deliveries.
    """
    post = Post.objects.select_for_update().get(pk=post.pk)
    wanted = _wanted_channels(post)
    existing = {d.channel: d for d in Delivery.objects.filter(post=post)}
    for channel, delivery in existing.items():
        if channel not in wanted and delivery.status in WITHDRAWABLE:
            _withdraw(delivery)
    for channel in wanted:
        current = existing.get(channel)
        if current is None:
            _create(post, channel)
        elif current.status in REPLANNABLE_STATUSES and (
            current.post_version != post.version or current.due_at != post.scheduled_at
        ):
            _reset(post, current)
    return list(Delivery.objects.filter(post=post))


def posts_to_plan() -> list[int]:
    """Scheduled posts whose deliveries are missing or older than the post."""
    current = Delivery.objects.filter(post=OuterRef("pk"), post_version=OuterRef("version"))
    return list(
        Post.objects.filter(status=PostStatus.SCHEDULED, deleted_at__isnull=True)
        .exclude(channels=[])
        .exclude(Exists(current))
        .order_by("scheduled_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )


def posts_withdrawn() -> list[int]:
    """Posts taken back (draft, deleted, cancelled…) whose deliveries still wait."""
    gone = Q(post__deleted_at__isnull=False) | ~Q(
        post__status__in=[PostStatus.SCHEDULED, PostStatus.PUBLISHING]
    )
    return list(
        Delivery.objects.filter(gone, status__in=WITHDRAWABLE)
        .order_by()
        .values_list("post_id", flat=True)
        .distinct()[:SWEEP_LIMIT]
    )


def deliveries_sweep() -> int:
    """Plan every post that needs it; returns how many posts were planned again."""
    ids = list(dict.fromkeys(posts_to_plan() + posts_withdrawn()))
    for post in Post.objects.filter(pk__in=ids):
        deliveries_plan(post=post)
    return len(ids)
