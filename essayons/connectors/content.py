"""Checks a post against a network's limits before anything is sent (CONTRACTS.md §4 case 9).

The composer shows the same rules earlier; this is the last line of defence in the
connector, so that a post breaking a rule is refused with a code and never half-sent.
"""

from __future__ import annotations

import regex

from essayons.connectors.base import Counting, Limits, Outgoing
from essayons.connectors.errors import Rejected

GRAPHEME = regex.compile(r"\X")


def text_length(text: str, counting: Counting) -> int:
    if counting == Counting.GRAPHEMES:
        return len(GRAPHEME.findall(text))
    return len(text)


def content_check(limits: Limits, post: Outgoing, *, network: str, text: str = "") -> None:
    """Raise Rejected (code too_long, too_many_bytes, image_required, too_many_images).

    `text` is what will really be sent when it differs from `post.text` (a link appended).
    """
    sent = text or post.text
    if limits.max_length is not None and text_length(sent, limits.counting) > limits.max_length:
        raise Rejected(f"longer than {limits.max_length}", code="too_long", network=network)
    if limits.max_bytes is not None and len(sent.encode()) > limits.max_bytes:
        raise Rejected(f"over {limits.max_bytes} bytes", code="too_many_bytes", network=network)
    if limits.requires_image and not post.images:
        raise Rejected("an image is required", code="image_required", network=network)
    if len(post.images) > limits.max_images:
        raise Rejected(f"over {limits.max_images} images", code="too_many_images", network=network)


def text_with_link(post: Outgoing) -> str:
    """The text with the link added at the end, for posts whose link cannot ride alongside."""
    if not post.link or post.link in post.text:
        return post.text
    return f"{post.text.rstrip()}\n\n{post.link}" if post.text.strip() else post.link
