"""A floor under the triage's quality, measured on the held-out part of the data set.

The floor is the issue's target; bench/triage.py prints the full figures and the speed (tests
never assert a time). Nothing here is fitted on the held-out part.
"""

import numpy as np
import pytest
from django.utils import translation

from essayons.inbox.triage import triage_classify
from essayons.inbox.triage.dataset import held_out_examples, train_examples
from essayons.inbox.triage.evaluation import scores
from essayons.inbox.triage.model import embed, feature_rows, head_fit, head_load
from essayons.inbox.triage.rules import hits
from essayons.inbox.triage.text import prepare


@pytest.fixture(scope="module")
def held_out_scores():
    held_out = held_out_examples()
    with translation.override("fr"):
        predictions = [triage_classify(example.text).label.value for example in held_out]
    return scores([example.label for example in held_out], predictions)


def test_complaints_are_found_and_rarely_cried_wolf(held_out_scores):
    assert held_out_scores.recall("complaint") >= 0.90
    assert held_out_scores.precision("complaint") >= 0.80


def test_questions_are_found(held_out_scores):
    assert held_out_scores.recall("question") >= 0.85


def test_praise_and_other_are_not_neglected(held_out_scores):
    assert held_out_scores.macro_f1() >= 0.75
    assert held_out_scores.accuracy() >= 0.80


def test_fitting_again_on_the_train_part_gives_the_committed_head():
    def rows(examples):
        texts = [prepare(example.text) for example in examples]
        return feature_rows(embed(texts), [hits(text) for text in texts])

    train = train_examples()
    fresh = head_fit(rows(train), [example.label for example in train])
    check = rows(held_out_examples())
    gap = np.abs(fresh.probabilities(check) - head_load().probabilities(check)).max()
    assert gap < 1e-3
