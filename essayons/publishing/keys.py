"""Attempt keys: chosen once per delivery, before the first try, and kept for every retry.

A key is an AT Protocol TID (https://atproto.com/specs/tid: 53 bits of microseconds since
1970 and a 10-bit clock id, in 13 "base32-sortable" characters). A TID is a valid Bluesky
record key, so the Bluesky connector can create the record under it and find it again with
getRecord; it is also a fine Mastodon Idempotency-Key. Uniqueness is enforced by the database.
"""

from __future__ import annotations

import secrets
import threading
import time

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
LENGTH = 13

_lock = threading.Lock()
_last_micros = 0
_clock_id = secrets.randbits(10)


def tid_encode(value: int) -> str:
    chars = []
    for _position in range(LENGTH):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def attempt_key_new() -> str:
    """A new TID; strictly increasing within this process."""
    global _last_micros
    with _lock:
        micros = max(time.time_ns() // 1000, _last_micros + 1)
        _last_micros = micros
    return tid_encode(((micros & ((1 << 53) - 1)) << 10) | _clock_id)
