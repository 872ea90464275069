"""Conditions that explain themselves, and the two vocabularies they score: dimensions, verdicts.

A condition both decides (`test`) and says in plain words what it checks (`explain`), so the
rules page shown to an advisor is generated from the very objects that score the answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy

from essayons.diagnostic.questions import QUESTIONS, as_decimal


class Dimension(models.TextChoices):
    INTEREST = "interest", pgettext_lazy("readiness dimension", "Interest")
    PREPARATION = "preparation", pgettext_lazy("readiness dimension", "Preparation")
    FIT = "fit", pgettext_lazy("readiness dimension", "Fit with your philosophy")
    RESOURCES = "resources", pgettext_lazy("readiness dimension", "Resources")
    BASICS = "basics", pgettext_lazy("readiness dimension", "Communication basics")
    CARE = "care", pgettext_lazy("readiness dimension", "Customer care")
    MEASUREMENT = "measurement", pgettext_lazy("readiness dimension", "Measurement")


class Verdict(models.TextChoices):
    READY = "ready", pgettext_lazy("readiness verdict", "Ready")
    SMALL_STEPS = "small_steps", pgettext_lazy("readiness verdict", "Ready, in small steps")
    PREPARE_FIRST = "prepare_first", pgettext_lazy("readiness verdict", "Prepare first")


@dataclass(frozen=True)
class Facts:
    """What a condition may look at: the answers, then the scores and channels once known."""

    answers: Mapping[str, Any]
    scores: Mapping[str, int] = field(default_factory=dict)
    channels: tuple[str, ...] = ()


class Condition:
    def test(self, facts: Facts) -> bool:
        raise NotImplementedError

    def explain(self) -> str:
        raise NotImplementedError


def _quoted(text: object) -> str:
    return gettext("“%(text)s”") % {"text": text}


def _question(key: str) -> str:
    return _quoted(QUESTIONS[key].label)


def _values(key: str, values: tuple[str, ...]) -> str:
    question = QUESTIONS[key]
    return (" " + pgettext("condition", "or") + " ").join(
        _quoted(question.choice_label(v)) for v in values
    )


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value == value.to_integral_value():
        return formats.number_format(int(value))
    return formats.number_format(value)


@dataclass(frozen=True)
class Is(Condition):
    """The answer to a one-choice question is one of `values`."""

    key: str
    values: tuple[str, ...]

    def __init__(self, key: str, *values: str) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "values", values)

    def test(self, facts: Facts) -> bool:
        return facts.answers.get(self.key) in self.values

    def explain(self) -> str:
        return gettext("the answer to %(question)s is %(values)s") % {
            "question": _question(self.key),
            "values": _values(self.key, self.values),
        }


@dataclass(frozen=True)
class Has(Condition):
    """A several-choice answer includes at least one of `values`."""

    key: str
    values: tuple[str, ...]

    def __init__(self, key: str, *values: str) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "values", values)

    def test(self, facts: Facts) -> bool:
        chosen = facts.answers.get(self.key)
        return isinstance(chosen, list) and any(v in chosen for v in self.values)

    def explain(self) -> str:
        return gettext("the answers to %(question)s include %(values)s") % {
            "question": _question(self.key),
            "values": _values(self.key, self.values),
        }


@dataclass(frozen=True)
class Between(Condition):
    """A number answer is at least `low` (if given) and below `high` (if given)."""

    key: str
    low: Decimal | None = None
    high: Decimal | None = None

    def test(self, facts: Facts) -> bool:
        number = as_decimal(facts.answers.get(self.key))
        if number is None:
            return False
        return (self.low is None or number >= self.low) and (
            self.high is None or number < self.high
        )

    def explain(self) -> str:
        question = _question(self.key)
        if self.low is not None and self.high is not None:
            return gettext("the answer to %(question)s is at least %(low)s and below %(high)s") % {
                "question": question,
                "low": _number(self.low),
                "high": _number(self.high),
            }
        if self.low is not None:
            return gettext("the answer to %(question)s is at least %(low)s") % {
                "question": question,
                "low": _number(self.low),
            }
        return gettext("the answer to %(question)s is below %(high)s") % {
            "question": question,
            "high": _number(self.high),
        }


@dataclass(frozen=True)
class NumberIs(Condition):
    key: str
    value: Decimal

    def test(self, facts: Facts) -> bool:
        return as_decimal(facts.answers.get(self.key)) == self.value

    def explain(self) -> str:
        return gettext("the answer to %(question)s is %(value)s") % {
            "question": _question(self.key),
            "value": _number(self.value),
        }


def equals(key: str, value: int | str) -> NumberIs:
    return NumberIs(key, Decimal(value))


def at_least(key: str, low: int | str) -> Between:
    return Between(key, low=Decimal(low))


def below(key: str, high: int | str) -> Between:
    return Between(key, high=Decimal(high))


def between(key: str, low: int | str, high: int | str) -> Between:
    return Between(key, low=Decimal(low), high=Decimal(high))


@dataclass(frozen=True)
class Unanswered(Condition):
    key: str

    def test(self, facts: Facts) -> bool:
        return facts.answers.get(self.key) in (None, "", [])

    def explain(self) -> str:
        return gettext("%(question)s has no answer") % {"question": _question(self.key)}


@dataclass(frozen=True)
class Not(Condition):
    inner: Condition

    def test(self, facts: Facts) -> bool:
        return not self.inner.test(facts)

    def explain(self) -> str:
        return pgettext("condition", "not (%(condition)s)") % {"condition": self.inner.explain()}


@dataclass(frozen=True)
class AllOf(Condition):
    parts: tuple[Condition, ...]

    def __init__(self, *parts: Condition) -> None:
        object.__setattr__(self, "parts", parts)

    def test(self, facts: Facts) -> bool:
        return all(p.test(facts) for p in self.parts)

    def explain(self) -> str:
        return (" " + pgettext("condition", "and") + " ").join(p.explain() for p in self.parts)


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def __init__(self, *parts: Condition) -> None:
        object.__setattr__(self, "parts", parts)

    def test(self, facts: Facts) -> bool:
        return any(p.test(facts) for p in self.parts)

    def explain(self) -> str:
        return (
            "("
            + (" " + pgettext("condition", "or") + " ").join(p.explain() for p in self.parts)
            + ")"
        )


@dataclass(frozen=True)
class Always(Condition):
    def test(self, facts: Facts) -> bool:
        return True

    def explain(self) -> str:
        return pgettext("condition", "always")


@dataclass(frozen=True)
class ScoreBelow(Condition):
    dimension: Dimension
    high: int

    def test(self, facts: Facts) -> bool:
        return facts.scores.get(self.dimension, 0) < self.high

    def explain(self) -> str:
        return gettext("the score “%(dimension)s” is below %(high)s") % {
            "dimension": self.dimension.label,
            "high": self.high,
        }


@dataclass(frozen=True)
class AllScoresAtLeast(Condition):
    low: int

    def test(self, facts: Facts) -> bool:
        return all(facts.scores.get(d, 0) >= self.low for d in Dimension.values)

    def explain(self) -> str:
        return gettext("every score is at least %(low)s") % {"low": self.low}


@dataclass(frozen=True)
class AverageBelow(Condition):
    high: int

    def test(self, facts: Facts) -> bool:
        return average(facts.scores) < self.high

    def explain(self) -> str:
        return gettext("the average of the scores is below %(high)s") % {"high": self.high}


@dataclass(frozen=True)
class ChannelCount(Condition):
    """Exactly `count` channels are recommended (known once channels are chosen)."""

    count: int

    def test(self, facts: Facts) -> bool:
        return len(facts.channels) == self.count

    def explain(self) -> str:
        return ngettext(
            "%(count)s channel recommended", "%(count)s channels recommended", self.count
        ) % {"count": self.count}


def average(scores: Mapping[str, int]) -> int:
    values = [scores.get(d, 0) for d in Dimension.values]
    return round(sum(values) / len(values))
