"""Precision, recall and the confusion matrix of a triage, for the benchmark and the tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from essayons.inbox.triage.dataset import LABELS


@dataclass(frozen=True)
class Scores:
    """How predictions compare with the true labels."""

    confusion: dict[str, dict[str, int]]  # confusion[true][predicted]

    def precision(self, label: str) -> float:
        predicted = sum(row[label] for row in self.confusion.values())
        return self.confusion[label][label] / predicted if predicted else 0.0

    def recall(self, label: str) -> float:
        actual = sum(self.confusion[label].values())
        return self.confusion[label][label] / actual if actual else 0.0

    def support(self, label: str) -> int:
        return sum(self.confusion[label].values())

    def accuracy(self) -> float:
        total = sum(sum(row.values()) for row in self.confusion.values())
        return sum(self.confusion[label][label] for label in LABELS) / total if total else 0.0

    def macro_f1(self) -> float:
        f1 = []
        for label in LABELS:
            p, r = self.precision(label), self.recall(label)
            f1.append(2 * p * r / (p + r) if p + r else 0.0)
        return sum(f1) / len(f1)

    def per_class(self) -> dict[str, dict[str, float]]:
        return {
            label: {
                "precision": round(self.precision(label), 3),
                "recall": round(self.recall(label), 3),
                "support": self.support(label),
            }
            for label in LABELS
        }

    def confusion_lines(self) -> list[str]:
        """The matrix as text: one row per true label, one column per predicted label."""
        width = max(len(label) for label in LABELS) + 2
        lines = ["true \\ predicted".ljust(18) + "".join(label.rjust(width) for label in LABELS)]
        for truth in LABELS:
            cells = "".join(str(self.confusion[truth][label]).rjust(width) for label in LABELS)
            lines.append(truth.ljust(18) + cells)
        return lines


def scores(truths: Sequence[str], predictions: Sequence[str]) -> Scores:
    """Compare predictions with the true labels (both in LABELS)."""
    confusion = {truth: dict.fromkeys(LABELS, 0) for truth in LABELS}
    for truth, predicted in zip(truths, predictions, strict=True):
        confusion[truth][predicted] += 1
    return Scores(confusion)
