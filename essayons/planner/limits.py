"""What each network accepts in one post: the one table the composer and the checks read.

The figures are the documented defaults; the publishing work will replace `limits_for` by
the limits a connected account reports (e.g. a Mastodon instance's `max_characters`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import regex
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essayons.diagnostic.channels import Channel

URL_PATTERN = regex.compile(r"https?://\S+")
GRAPHEME = regex.compile(r"\X")


class Counting(StrEnum):
    CHARACTERS = "characters"
    GRAPHEMES = "graphemes"


@dataclass(frozen=True)
class NetworkLimits:
    channel: str
    max_text: int
    counting: Counting
    max_images: int
    min_images: int = 0
    max_text_bytes: int | None = None  # a second, byte-based ceiling (Bluesky)
    url_length: int | None = None  # each link counts as this many characters (Mastodon)
    image_max_side: int = 2048  # renditions are resized to fit in this square
    image_max_bytes: int = 5_000_000
    aspect_min: float | None = None  # width / height accepted by the network
    aspect_max: float | None = None
    source: str = ""


CHANNEL_LIMITS: dict[str, NetworkLimits] = {
    Channel.FACEBOOK: NetworkLimits(
        channel=Channel.FACEBOOK,
        max_text=63_206,
        counting=Counting.CHARACTERS,
        max_images=10,
        image_max_bytes=8_000_000,
        source="https://developers.facebook.com/docs/pages-api/posts",
    ),
    # Instagram refuses a post without an image and crops outside 4:5 … 1.91:1.
    Channel.INSTAGRAM: NetworkLimits(
        channel=Channel.INSTAGRAM,
        max_text=2_200,
        counting=Counting.CHARACTERS,
        max_images=10,
        min_images=1,
        image_max_side=1_440,
        image_max_bytes=8_000_000,
        aspect_min=4 / 5,
        aspect_max=1.91,
        source="https://developers.facebook.com/docs/instagram-platform/content-publishing/",
    ),
    Channel.LINKEDIN: NetworkLimits(
        channel=Channel.LINKEDIN,
        max_text=3_000,
        counting=Counting.CHARACTERS,
        max_images=20,
        source="https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api",
    ),
    # A Google Business Profile post ("local post") carries one photo and a 1500-character summary.
    Channel.GOOGLE: NetworkLimits(
        channel=Channel.GOOGLE,
        max_text=1_500,
        counting=Counting.CHARACTERS,
        max_images=1,
        source="https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts",
    ),
    # Instance defaults: 500 characters, 4 attachments, every link counted as 23 characters.
    Channel.MASTODON: NetworkLimits(
        channel=Channel.MASTODON,
        max_text=500,
        counting=Counting.CHARACTERS,
        max_images=4,
        url_length=23,
        image_max_bytes=8_000_000,
        source="https://docs.joinmastodon.org/entities/Instance/",
    ),
    # app.bsky.feed.post: maxGraphemes 300 and maxLength 3000 (UTF-8 bytes); images ≤ 4.
    # The image blob ceiling has been 1 MB and 2 MB in successive lexicons: the smaller is safe.
    Channel.BLUESKY: NetworkLimits(
        channel=Channel.BLUESKY,
        max_text=300,
        counting=Counting.GRAPHEMES,
        max_images=4,
        max_text_bytes=3_000,
        image_max_side=2_000,
        image_max_bytes=1_000_000,
        source="https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json",
    ),
}

# The channels a post can target; the newsletter is written in the mailing part, not here.
POST_CHANNELS: list[str] = [c for c in Channel.values if c in CHANNEL_LIMITS]
MAX_IMAGES_PER_POST = max(limits.max_images for limits in CHANNEL_LIMITS.values())


@dataclass(frozen=True)
class LimitProblem:
    channel: str
    code: str
    message: str


def limits_for(channel: str) -> NetworkLimits:
    return CHANNEL_LIMITS[channel]


def text_length(text: str, channel: str) -> int:
    """The length as the network counts it: characters, graphemes, links shortened."""
    limits = limits_for(channel)
    if limits.url_length is not None:
        text = URL_PATTERN.sub("x" * limits.url_length, text)
    if limits.counting == Counting.GRAPHEMES:
        return len(GRAPHEME.findall(text))
    return len(text)


def limit_problems(text: str, image_count: int, channel: str) -> list[LimitProblem]:
    """Every way the post breaks the network's rules; empty when it fits."""
    limits = limits_for(channel)
    problems = []
    length = text_length(text, channel)
    if length > limits.max_text:
        unit = (
            _("graphemes (characters as you see them)")
            if limits.counting == Counting.GRAPHEMES
            else _("characters")
        )
        problems.append(
            LimitProblem(
                channel,
                "text_too_long",
                _("%(length)s %(unit)s for at most %(max)s: shorten by %(over)s.")
                % {
                    "length": length,
                    "unit": unit,
                    "max": limits.max_text,
                    "over": length - limits.max_text,
                },
            )
        )
    if limits.max_text_bytes is not None and len(text.encode()) > limits.max_text_bytes:
        problems.append(
            LimitProblem(
                channel,
                "text_too_heavy",
                _("Too many emojis or special signs for this network: shorten the text."),
            )
        )
    if image_count < limits.min_images:
        problems.append(
            LimitProblem(channel, "image_needed", _("This network needs at least one photo."))
        )
    if image_count > limits.max_images:
        problems.append(
            LimitProblem(
                channel,
                "too_many_images",
                ngettext(
                    "At most %(max)s photo on this network.",
                    "At most %(max)s photos on this network.",
                    limits.max_images,
                )
                % {"max": limits.max_images},
            )
        )
    return problems
