"""AT Protocol syntax Essayons writes: record keys (TIDs), datetimes, handles, text and link facets.

Rules from the specs, checked in tests against the interop files of bluesky-social/atproto:
- TID: https://atproto.com/specs/tid (64-bit integer, top bit 0, 53 bits of microseconds, 10 bits
  of clock id, base32-sortable, always 13 characters).
- Record key: https://atproto.com/specs/record-key ; datetime: https://atproto.com/specs/lexicon#datetime
- Handle: https://atproto.com/specs/handle
- Text and facets: https://docs.bsky.app/docs/advanced-guides/post-richtext — links are not
  detected by the network, the client annotates them with UTF-8 *byte* offsets (start inclusive,
  end exclusive); Python string indices are code points, so the text is encoded first.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import regex

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID_PATTERN = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
RECORD_KEY_PATTERN = re.compile(r"^[a-zA-Z0-9_~.:-]{1,512}$")
DATETIME_PATTERN = re.compile(
    r"^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9]"
    r"(\.[0-9]{1,20})?(Z|([+-][0-2][0-9]:[0-5][0-9]))$"
)
HANDLE_PATTERN = re.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
MAX_GRAPHEMES = 300
MAX_TEXT_BYTES = 3000
GRAPHEME = regex.compile(r"\X")
# Bluesky's own client detects links the same way: a URL starts after a space or an opening
# parenthesis, and trailing punctuation is not part of it (@atproto/api rich-text/detection.ts).
URL_PATTERN = regex.compile(r"(?:^|(?<=[\s(]))(https?://\S+)")
TRAILING_PUNCTUATION = ".,;:!?"


def tid_encode(value: int) -> str:
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def tid_new(*, now_us: int | None = None, clock_id: int | None = None) -> str:
    """A fresh TID for now: the record key of a post, chosen before the first try."""
    micros = time.time_ns() // 1000 if now_us is None else now_us
    clock = secrets.randbelow(1024) if clock_id is None else clock_id
    return tid_encode(((micros & ((1 << 53) - 1)) << 10) | (clock & 1023))


def tid_from_key(key: str) -> str:
    """The record key for an attempt key: the key itself when it is a TID, else a stable TID.

    The fallback hashes the key so that every retry of the same attempt uses the same record
    key; its timestamp part is then arbitrary (2020-2030), which the protocol allows.
    """
    if tid_valid(key):
        return key
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    start_2020_us = 1_577_836_800_000_000
    ten_years_us = 315_576_000_000_000
    return tid_new(now_us=start_2020_us + digest % ten_years_us, clock_id=digest >> 54)


def tid_valid(value: str) -> bool:
    return bool(TID_PATTERN.match(value))


def record_key_valid(value: str) -> bool:
    return bool(RECORD_KEY_PATTERN.match(value)) and value not in {".", ".."}


def datetime_format(moment: datetime) -> str:
    """The lexicon's preferred datetime form: UTC, milliseconds, a capital Z."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def datetime_valid(value: str) -> bool:
    """Lexicon datetime syntax: RFC 3339 and ISO 8601 at once, a timezone always, a real date."""
    if not DATETIME_PATTERN.match(value) or value.endswith("-00:00"):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def handle_valid(value: str) -> bool:
    return len(value) <= 253 and bool(HANDLE_PATTERN.match(value))


def grapheme_count(text: str) -> int:
    """Characters as a reader sees them (an emoji family is one), as the PDS counts them."""
    return len(GRAPHEME.findall(text))


def link_facets(text: str) -> list[dict[str, Any]]:
    """A link facet for every http(s) URL in `text`, indexed in UTF-8 bytes."""
    facets = []
    for match in URL_PATTERN.finditer(text):
        url = match.group(1)
        while url and url[-1] in TRAILING_PUNCTUATION:
            url = url[:-1]
        if url.endswith(")") and "(" not in url:
            url = url[:-1]
        start = len(text[: match.start(1)].encode("utf-8"))
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(url.encode("utf-8"))},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    return facets
