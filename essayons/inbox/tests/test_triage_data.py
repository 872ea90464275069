"""The labelled data set: size, valid fields, no duplicates, a stable split, a current head."""

import hashlib
import re
from collections import Counter

from essayons.inbox.triage.dataset import (
    LABELS,
    LANGS,
    SOURCES,
    TRADES,
    examples,
    held_out_examples,
    is_held_out,
    train_examples,
)
from essayons.inbox.triage.model import data_fingerprint, head_load, head_metadata


def test_there_are_at_least_400_messages_and_100_complaints_and_questions():
    labels = Counter(example.label for example in examples())
    assert len(examples()) >= 400
    assert labels["complaint"] >= 100
    assert labels["question"] >= 100
    assert labels["praise"] >= 50
    assert labels["other"] >= 50


def test_every_field_holds_a_known_value():
    for example in examples():
        assert example.text.strip(), example
        assert example.label in LABELS, example
        assert example.lang in LANGS, example
        assert example.source in SOURCES, example
        assert example.trade in TRADES, example


def test_no_message_appears_twice():
    seen = Counter(" ".join(example.text.lower().split()) for example in examples())
    assert [text for text, count in seen.items() if count > 1] == []


def test_the_set_covers_the_ways_people_write():
    texts = [example.text for example in examples()]
    langs = Counter(example.lang for example in examples())
    assert langs["fr"] >= 200 and langs["en"] >= 60 and langs["gcf"] >= 30
    creole = re.compile(r"\b(mwen|zot|ka|pa ni|tibwen|manmay|doudou|bèl|an nou)\b", re.IGNORECASE)
    assert sum(bool(creole.search(text)) for text in texts) >= 50
    assert sum(not re.search(r"[^\W\d_]", text) for text in texts) >= 8  # emoji only
    assert sum("★" in text or "⭐" in text or "/5" in text for text in texts) >= 10
    assert {example.source for example in examples()} == set(SOURCES)
    assert {example.trade for example in examples()} == set(TRADES)


def test_the_split_depends_on_the_text_alone_and_holds_out_about_30_percent():
    held = held_out_examples()
    assert len(train_examples()) + len(held) == len(examples())
    assert 0.25 <= len(held) / len(examples()) <= 0.35
    for example in examples()[:50]:
        digest = hashlib.sha256(" ".join(example.text.split()).encode()).hexdigest()
        assert is_held_out(example.text) is (int(digest[:8], 16) % 100 < 30)
        assert is_held_out(f"  {example.text}\n") is is_held_out(example.text)
    assert {example.label for example in held} == set(LABELS)
    assert min(Counter(example.label for example in held).values()) >= 20


def test_the_split_of_known_messages_never_moves():
    assert is_held_out("Super, 45 min d'attente pour une baguette 👏") is True
    assert is_held_out("Vous êtes ouverts le dimanche matin ?") is False
    assert is_held_out("Mwen pa kontan ditou, pen an té brilé jòdi a") is False


def test_the_committed_head_was_fitted_on_the_current_train_part():
    about = head_metadata()
    assert about["data_sha256"] == data_fingerprint(train_examples()), (
        "the data set changed: run .venv/bin/python -m essayons.inbox.triage.train"
    )
    assert about["examples"] == len(train_examples())
    assert head_load().weights.shape[0] == len(LABELS)
