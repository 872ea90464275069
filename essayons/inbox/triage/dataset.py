"""The labelled messages (data/messages.jsonl) and their fixed split into train and held-out.

Each line is one message written for this project: text, label (complaint, question, praise,
other), lang (fr, en, gcf for Antillean Creole), source (comment, dm, google_review, counter),
trade (bakery, restaurant, shop, beauty, craftsman, services) and optional notes. See
data/README.md for how it was written and labelled.

The split depends on the text alone: a message is held out when the SHA-256 of its text (spaces
collapsed) read as a number is below 30 % of the range (first 8 hex digits, modulo 100 < 30).
Adding or fixing one message never moves another between the two parts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "messages.jsonl"
HELD_OUT_PERCENT = 30
LABELS = ("complaint", "question", "praise", "other")
LANGS = ("fr", "en", "gcf")
SOURCES = ("comment", "dm", "google_review", "counter")
TRADES = ("bakery", "restaurant", "shop", "beauty", "craftsman", "services")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message of the data set."""

    text: str
    label: str
    lang: str
    source: str
    trade: str
    notes: str = ""


@cache
def examples() -> tuple[Example, ...]:
    """Every labelled message, in file order."""
    with DATA_FILE.open(encoding="utf-8") as lines:
        return tuple(Example(**json.loads(line)) for line in lines if line.strip())


def is_held_out(text: str) -> bool:
    """Whether `text` belongs to the held-out part (a stable hash of the text decides)."""
    digest = hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < HELD_OUT_PERCENT


def train_examples() -> list[Example]:
    """The part the model learns from and is calibrated on."""
    return [example for example in examples() if not is_held_out(example.text)]


def held_out_examples() -> list[Example]:
    """The part kept for measuring; nothing is fitted or tuned on it."""
    return [example for example in examples() if is_held_out(example.text)]
