"""Does a post fit each network it is meant for, and what exactly does each network receive?

`content_check` is what the composer calls to refuse a post before it is scheduled (CONTRACTS.md
§4 case 9); the worker calls it again, for every network of the post at once, at the first
claim, so that a post is never half-published. It applies the planner's table of documented
limits (planner/limits.py) and, for a connected account, the limits the account itself reports
(`Connection.limits`, e.g. a Mastodon instance's max_characters) and the connector's lead time.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essayons.accounts.models import Business
from essayons.connectors.base import Limits, Outgoing, OutgoingImage
from essayons.connectors.models import Connection
from essayons.connectors.registry import CONNECTORS
from essayons.diagnostic.channels import Channel
from essayons.planner.images import CONTENT_TYPES
from essayons.planner.limits import CHANNEL_LIMITS, LimitProblem, limit_problems, text_length
from essayons.planner.models import ImageRendition, Post, PostImage
from essayons.publishing import clock
from essayons.publishing.models import Delivery
from essayons.publishing.queries import accounts_of

# Every channel a post can be published on (the newsletter is written elsewhere).
PUBLISHABLE_CHANNELS = frozenset(c for c in Channel.values if c in CHANNEL_LIMITS)
LIMIT_FIELDS = {f.name for f in dataclasses.fields(Limits)}


def connection_limits(connection: Connection) -> Limits | None:
    """What the connected account accepts: its connector's limits, updated by what the account
    reported (`Connection.limits` holds the fields of `Limits`); None without a connector."""
    connector = CONNECTORS.get(connection.kind)
    if connector is None:
        return None
    reported: dict[str, Any] = {
        key: value
        for key, value in (connection.limits or {}).items()
        if key in LIMIT_FIELDS and value is not None
    }
    try:
        return dataclasses.replace(connector.limits, **reported)
    except (TypeError, ValueError):
        return connector.limits


def _account_problems(
    channel: str, limits: Limits, text: str, image_count: int
) -> list[LimitProblem]:
    problems = []
    length = text_length(text, channel)
    if limits.max_length is not None and length > limits.max_length:
        problems.append(
            LimitProblem(
                channel,
                "text_too_long",
                _("%(length)s characters for at most %(max)s on your account: shorten by %(over)s.")
                % {"length": length, "max": limits.max_length, "over": length - limits.max_length},
            )
        )
    if limits.max_bytes is not None and len(text.encode()) > limits.max_bytes:
        problems.append(
            LimitProblem(
                channel,
                "text_too_heavy",
                _("Too many emojis or special signs for this network: shorten the text."),
            )
        )
    if image_count > limits.max_images:
        problems.append(
            LimitProblem(
                channel,
                "too_many_images",
                ngettext(
                    "At most %(max)s photo on your account.",
                    "At most %(max)s photos on your account.",
                    limits.max_images,
                )
                % {"max": limits.max_images},
            )
        )
    if limits.requires_image and image_count == 0:
        problems.append(
            LimitProblem(channel, "image_needed", _("This network needs at least one photo."))
        )
    return problems


def _lead_problem(
    channel: str, limits: Limits, scheduled_at: datetime, now: datetime
) -> LimitProblem | None:
    if limits.min_lead_minutes and scheduled_at < now + timedelta(minutes=limits.min_lead_minutes):
        return LimitProblem(
            channel,
            "too_soon",
            ngettext(
                "This network needs at least %(minutes)s minute between now and the post: "
                "choose a later time.",
                "This network needs at least %(minutes)s minutes between now and the post: "
                "choose a later time.",
                limits.min_lead_minutes,
            )
            % {"minutes": limits.min_lead_minutes},
        )
    return None


def content_check(
    *,
    business: Business,
    text: str,
    image_count: int,
    channels: list[str],
    scheduled_at: datetime | None = None,
) -> list[LimitProblem]:
    """Every rule the post breaks, per network, in French; empty when it can be scheduled.

    With `scheduled_at`, the networks' minimum lead time is checked too (the composer's case;
    the worker, at the due time, leaves it out).
    """
    problems: list[LimitProblem] = []
    now = clock.now()
    accounts = accounts_of(business_id=business.pk, channels=channels)
    for channel in channels:
        if channel not in PUBLISHABLE_CHANNELS:
            continue
        found = limit_problems(text, image_count, channel)
        connection = accounts.get(channel)
        limits = connection_limits(connection) if connection is not None else None
        if limits is not None:
            seen = {p.code for p in found}
            found += [
                p
                for p in _account_problems(channel, limits, text, image_count)
                if p.code not in seen
            ]
            lead = _lead_problem(channel, limits, scheduled_at, now) if scheduled_at else None
            if lead is not None:
                found.append(lead)
        problems += found
    return problems


def post_check(*, post: Post) -> list[LimitProblem]:
    """`content_check` for a saved post, lead time included."""
    return content_check(
        business=post.business,
        text=post.text,
        image_count=post.images.count(),
        channels=list(post.channels),
        scheduled_at=post.scheduled_at,
    )


def outgoings_for(deliveries: list[Delivery]) -> dict[int, Outgoing]:
    """What each network receives: the post's text untouched, its photos as resized for that
    network, the delivery's attempt key; the photos of all of them read in two queries."""
    post_ids = {d.post_id for d in deliveries}
    originals: dict[int, list[PostImage]] = {}
    for image in PostImage.objects.filter(post_id__in=post_ids).order_by("position", "pk"):
        originals.setdefault(image.post_id, []).append(image)
    renditions: dict[tuple[int, str], ImageRendition] = {}
    if originals:
        for rendition in ImageRendition.objects.filter(image__post_id__in=post_ids):
            renditions[(rendition.image_id, rendition.channel)] = rendition
    found = {}
    for delivery in deliveries:
        images = []
        for image in originals.get(delivery.post_id, []):
            resized = renditions.get((image.pk, delivery.channel))
            file = resized.file if resized is not None else image.original
            images.append(
                OutgoingImage(
                    path=file.path,
                    mime_type=CONTENT_TYPES.get(image.image_format, "application/octet-stream"),
                )
            )
        found[delivery.pk] = Outgoing(
            text=delivery.post.text, attempt_key=delivery.attempt_key, images=tuple(images)
        )
    return found
