"""Triage of one customer message: complaint, question, praise or other, with reasons.

How the rules and the model are combined:

1. The text is cut to MAX_CHARS and cleaned (text.prepare), then read as text only: HTML or
   a script is a string of characters like any other; nothing in it is followed or run.
2. The cues of rules.py are found; they are features of the model and become the reasons.
3. The model (model.py) gives a probability per label. A complaint is chosen as soon as its
   probability reaches COMPLAINT_THRESHOLD (0.30), even if another label is more likely: an
   unhappy customer left waiting costs more than a question read first. Otherwise the most
   likely label wins. The threshold was chosen by cross-validation on the train part.
4. The owner's corrections for this business come last: when a corrected message is close
   enough to this one (CORRECTION_SIMILARITY), its label wins (see `_closest_correction`).

Reasons are in the active language (French by default), worded for the owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from essayons.inbox.triage.dataset import LABELS
from essayons.inbox.triage.model import embed_one, feature_rows, head_load
from essayons.inbox.triage.rules import Cue, Hit, hits
from essayons.inbox.triage.text import normalize, prepare

COMPLAINT_THRESHOLD = 0.30
# Cosine similarity of the sentence embeddings from which a corrected message decides. No two
# training messages with letters and different labels reach it (out of 54,311 such pairs);
# reworded copies of one message do.
CORRECTION_SIMILARITY = 0.75
MAX_REASONS = 5


class Label(models.TextChoices):
    COMPLAINT = "complaint", _("Unhappy customer")
    QUESTION = "question", _("Question")
    PRAISE = "praise", _("Praise")
    OTHER = "other", _("Other")


@dataclass(frozen=True, slots=True)
class Correction:
    """The owner's label for one message of their business ("this one is a question").

    Pass a business's recent corrections (a few hundred at most): each is compared with the
    message; its embedding is remembered between calls.
    """

    text: str
    label: Label


@dataclass(frozen=True)
class Verdict:
    """The triage of one message: its label, how sure (0..1), and why, for the owner."""

    label: Label
    confidence: float
    reasons: list[str] = field(default_factory=list)


_CUE_LABEL = {
    Cue.QUESTION_MARK: Label.QUESTION,
    Cue.QUESTION_WORD: Label.QUESTION,
    Cue.REQUEST: Label.QUESTION,
    Cue.DISCONTENT_WORD: Label.COMPLAINT,
    Cue.DISCONTENT_EMOJI: Label.COMPLAINT,
    Cue.LOW_RATING: Label.COMPLAINT,
    Cue.IRONY: Label.COMPLAINT,
    Cue.PRAISE_WORD: Label.PRAISE,
    Cue.PRAISE_EMOJI: Label.PRAISE,
    Cue.HIGH_RATING: Label.PRAISE,
    Cue.SPAM: Label.OTHER,
    Cue.INSULT: Label.OTHER,
    Cue.MENTION: Label.OTHER,
}
_RANK = {Label.COMPLAINT: 0, Label.QUESTION: 1}
_RANK_OF_THE_REST = 2


def triage_classify(text: str, *, corrections: Sequence[Correction] = ()) -> Verdict:
    """Classify one message. `corrections` are the owner's corrections for THIS business only.

    Pure: no database, no network; the first call in a process loads the encoder (a few
    seconds), later calls take a few milliseconds.
    """
    text = prepare(text)
    if not normalize(text):
        return Verdict(Label.OTHER, 1.0, [gettext("empty message")])
    found = hits(text)
    embedding = embed_one(text)
    corrected = _closest_correction(text, embedding, corrections)
    if corrected is not None:
        correction, similarity = corrected
        reason = gettext("you corrected a similar message: “%(text)s”") % {
            "text": _excerpt(correction.text)
        }
        label = Label(correction.label)  # a plain "question" read from the database works too
        return Verdict(label, round(min(similarity, 1.0), 3), [reason, *_reasons(found, label)])
    probabilities = head_load().probabilities(feature_rows(embedding[None, :], [found]))[0]
    label, confidence = _decide(probabilities)
    model_reason = gettext("looks like the “%(label)s” messages seen before (%(percent)d %%)") % {
        "label": label.label,
        "percent": round(100 * confidence),
    }
    return Verdict(label, round(confidence, 3), [*_reasons(found, label), model_reason])


def triage_rank_key(label: str, received_at: datetime) -> tuple[int, datetime]:
    """Sort key for the inbox: complaints first, then questions, then the rest; oldest first
    within each group. Give `received_at` timezone-aware, as stored."""
    return (_RANK.get(Label(label), _RANK_OF_THE_REST), received_at)


def _decide(probabilities: np.ndarray) -> tuple[Label, float]:
    """The label from the model's probabilities (in LABELS order): see step 3 above."""
    complaint = probabilities[LABELS.index(Label.COMPLAINT)]
    if complaint >= COMPLAINT_THRESHOLD:
        return Label.COMPLAINT, float(complaint)
    best = int(np.argmax(probabilities))
    return Label(LABELS[best]), float(probabilities[best])


def _closest_correction(
    text: str, embedding: np.ndarray, corrections: Sequence[Correction]
) -> tuple[Correction, float] | None:
    """The correction most similar to `text`, if it is similar enough to decide.

    Similarity is the cosine of the sentence embeddings; when either message has no letter
    (emoji only), the encoder cannot tell them apart, so the share of symbols they have in
    common is used instead.
    """
    best: tuple[Correction, float] | None = None
    for correction in corrections:
        other = prepare(correction.text)
        if not normalize(other):
            continue
        if _has_letters(text) and _has_letters(other):
            similarity = float(embedding @ embed_one(other))
        else:
            similarity = _symbol_overlap(text, other)
        if similarity >= CORRECTION_SIMILARITY and (best is None or similarity > best[1]):
            best = (correction, similarity)
    return best


def _has_letters(text: str) -> bool:
    return any(char.isalpha() for char in text)


def _symbol_overlap(first: str, second: str) -> float:
    mine, theirs = set(normalize(first).replace(" ", "")), set(normalize(second).replace(" ", ""))
    return len(mine & theirs) / len(mine | theirs)


def _reasons(found: Sequence[Hit], label: Label) -> list[str]:
    """The cues that speak for `label`, in plain words, without repeats."""
    reasons: list[str] = []
    for hit in found:
        if _CUE_LABEL[hit.cue] != label:
            continue
        reason = _reason(hit)
        if reason not in reasons:
            reasons.append(reason)
    return reasons[:MAX_REASONS]


# What each cue tells the owner; "%(words)s" is what was found in the message.
_REASONS = {
    Cue.QUESTION_MARK: _("question mark"),
    Cue.QUESTION_WORD: _("question word: “%(words)s”"),
    Cue.REQUEST: _("request: “%(words)s”"),
    Cue.DISCONTENT_WORD: _("word of discontent: “%(words)s”"),
    Cue.DISCONTENT_EMOJI: _("unhappy emoji: %(words)s"),
    Cue.LOW_RATING: _("low rating: %(words)s"),
    Cue.IRONY: _("probably ironic: a compliment next to a reproach"),
    Cue.PRAISE_WORD: _("word of praise: “%(words)s”"),
    Cue.PRAISE_EMOJI: _("happy emoji: %(words)s"),
    Cue.HIGH_RATING: _("good rating: %(words)s"),
    Cue.SPAM: _("looks like advertising or a scam: “%(words)s”"),
    Cue.INSULT: _("insult: “%(words)s”"),
    Cue.MENTION: _("mentions someone else: %(words)s"),
}


def _reason(hit: Hit) -> str:
    return str(_REASONS[hit.cue]) % {"words": hit.words}


def _excerpt(text: str, length: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"
