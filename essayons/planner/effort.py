"""The effort model: how many minutes one post takes, per kind and network, and one reply.

Documented for owners in docs/effort-model.md; each business may change any figure.
The figures count the whole job: finding the idea, taking the photo, writing, checking
the preview. Answering comments and messages is counted apart, as a fixed share of the
week (`reply_share_percent`), so that posting never eats the time owed to customers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from essayons.diagnostic.channels import Channel
from essayons.planner.kinds import ContentKind
from essayons.planner.limits import POST_CHANNELS

POST_MINUTES_RANGE = (1, 240)
REPLY_MINUTES_RANGE = (1, 60)
REPLY_SHARE_RANGE = (0, 80)

_BASE: dict[str, int] = {  # minutes on Facebook; the other networks are adjusted below
    ContentKind.PRODUCTS: 20,
    ContentKind.BEHIND_THE_SCENES: 20,
    ContentKind.CUSTOMERS: 25,  # asking the customer's permission, quoting them right
    ContentKind.LOCAL: 20,
    ContentKind.OFFERS: 25,  # conditions, dates, a code to give at the till
}
_CHANNEL_EXTRA: dict[str, int] = {
    Channel.FACEBOOK: 0,
    Channel.INSTAGRAM: 5,  # the photo must be good and square-ish
    Channel.LINKEDIN: 5,  # a longer, more careful text
    Channel.GOOGLE: -5,  # short text, one photo
    Channel.MASTODON: -5,  # usually adapted from a post already written
    Channel.BLUESKY: -5,
}

DEFAULT_POST_MINUTES: dict[str, dict[str, int]] = {
    channel: {kind: _BASE[kind] + _CHANNEL_EXTRA[channel] for kind in ContentKind.values}
    for channel in POST_CHANNELS
}
DEFAULT_REPLY_MINUTES = 3
DEFAULT_REPLY_SHARE_PERCENT = 25


@dataclass(frozen=True)
class EffortModel:
    post_minutes: Mapping[str, Mapping[str, int]] = field(
        default_factory=lambda: DEFAULT_POST_MINUTES
    )
    reply_minutes: int = DEFAULT_REPLY_MINUTES
    reply_share_percent: int = DEFAULT_REPLY_SHARE_PERCENT

    def minutes(self, *, kind: str, channel: str) -> int:
        return self.post_minutes[channel][kind]

    def as_data(self) -> dict[str, Any]:
        """A JSON-ready copy, the shape `effort_from_data` reads back."""
        return {
            "post_minutes": {c: dict(kinds) for c, kinds in self.post_minutes.items()},
            "reply_minutes": self.reply_minutes,
            "reply_share_percent": self.reply_share_percent,
        }


DEFAULT_EFFORT = EffortModel()


def _bounded(value: Any, bounds: tuple[int, int]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    low, high = bounds
    return value if low <= value <= high else None


def effort_from_data(data: Mapping[str, Any] | None) -> EffortModel:
    """The business's figures over the defaults; unknown or out-of-range values are ignored.

    Stored data may predate a new network or kind: what it lacks keeps the default.
    """
    data = data or {}
    stored = data.get("post_minutes") or {}
    post_minutes = {}
    for channel, kinds in DEFAULT_POST_MINUTES.items():
        own = stored.get(channel) if isinstance(stored, Mapping) else None
        post_minutes[channel] = {
            kind: (
                _bounded(own.get(kind), POST_MINUTES_RANGE) if isinstance(own, Mapping) else None
            )
            or default
            for kind, default in kinds.items()
        }
    reply = _bounded(data.get("reply_minutes"), REPLY_MINUTES_RANGE)
    share = _bounded(data.get("reply_share_percent"), REPLY_SHARE_RANGE)
    return EffortModel(
        post_minutes=post_minutes,
        reply_minutes=reply if reply is not None else DEFAULT_REPLY_MINUTES,
        reply_share_percent=share if share is not None else DEFAULT_REPLY_SHARE_PERCENT,
    )
