"""Fit the triage head on the train part of the data set and write data/head.json.

Run after changing the data set, the cues or the head's settings:

    .venv/bin/python -m essayons.inbox.triage.train

Needs the development dependencies (scikit-learn). Deterministic: the same data, cues and
encoder give the same head. The held-out part is never read.
"""

from __future__ import annotations

from essayons.inbox.triage.dataset import train_examples
from essayons.inbox.triage.model import HEAD_FILE, Head, embed, feature_rows, head_fit, head_save
from essayons.inbox.triage.rules import hits
from essayons.inbox.triage.text import prepare


def head_train() -> Head:
    """Fit the head on the train part (texts truncated as at run time)."""
    examples = train_examples()
    texts = [prepare(example.text) for example in examples]
    rows = feature_rows(embed(texts), [hits(text) for text in texts])
    return head_fit(rows, [example.label for example in examples])


def main() -> None:
    examples = train_examples()
    head_save(head_train(), examples)
    print(f"{HEAD_FILE}: fitted on {len(examples)} messages")


if __name__ == "__main__":
    main()
