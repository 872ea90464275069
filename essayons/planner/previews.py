"""What the composer's live preview shows for each network: length as the network counts
it, photos, and what the network would refuse."""

from __future__ import annotations

from dataclasses import dataclass

from essayons.diagnostic.channels import Channel
from essayons.planner.limits import (
    CHANNEL_LIMITS,
    Counting,
    LimitProblem,
    limit_problems,
    text_length,
)


@dataclass(frozen=True)
class NetworkPreview:
    channel: str
    label: str
    text: str
    length: int
    max: int
    graphemes: bool
    images: int
    max_images: int
    problems: list[LimitProblem]


def network_previews(text: str, channels: list[str], image_count: int) -> list[NetworkPreview]:
    return [
        NetworkPreview(
            channel=channel,
            label=str(Channel(channel).label),
            text=text,
            length=text_length(text, channel),
            max=CHANNEL_LIMITS[channel].max_text,
            graphemes=CHANNEL_LIMITS[channel].counting == Counting.GRAPHEMES,
            images=image_count,
            max_images=CHANNEL_LIMITS[channel].max_images,
            problems=limit_problems(text, image_count, channel),
        )
        for channel in channels
        if channel in CHANNEL_LIMITS
    ]
