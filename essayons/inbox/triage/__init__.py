"""Triage of customers' messages: complaint, question, praise or other, offline.

The public API; see classify.py for how rules and model are combined and
docs/adr/0010-triage.md for why this approach.
"""

from essayons.inbox.triage.classify import (
    COMPLAINT_THRESHOLD,
    CORRECTION_SIMILARITY,
    Correction,
    Label,
    Verdict,
    triage_classify,
    triage_rank_key,
)
from essayons.inbox.triage.text import MAX_CHARS

__all__ = [
    "COMPLAINT_THRESHOLD",
    "CORRECTION_SIMILARITY",
    "MAX_CHARS",
    "Correction",
    "Label",
    "Verdict",
    "triage_classify",
    "triage_rank_key",
]
