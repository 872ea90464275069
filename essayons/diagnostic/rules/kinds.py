"""The kinds of rules a rule file (v1.py) is written with, and the rule set that gathers them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django_stubs_ext import StrOrPromise

from essayons.diagnostic.rules.conditions import Condition, Dimension, Verdict


@dataclass(frozen=True)
class ScoreRule:
    """Adds `points` (may be 0 or negative, to explain a weak spot) to one dimension."""

    id: str
    dimension: Dimension
    when: Condition
    points: int
    reason: StrOrPromise


@dataclass(frozen=True)
class VerdictRule:
    """Verdict rules are read in order; the first whose condition holds decides."""

    id: str
    verdict: Verdict
    when: Condition
    reason: StrOrPromise


@dataclass(frozen=True)
class ChecklistRule:
    """A preparation task; tasks are listed by decreasing `impact`."""

    id: str
    when: Condition
    impact: int
    title: StrOrPromise
    why: StrOrPromise
    duration: StrOrPromise
    how: StrOrPromise
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelRule:
    """Adds `weight` to a channel; the channels with the most weight are recommended."""

    id: str
    channel: str
    when: Condition
    weight: int
    reason: StrOrPromise
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelPolicy:
    """How many channels to recommend: the first always, the second only if `second_when` holds
    and the second channel gathered at least `second_min_weight`; `default` when nothing matched."""

    first_id: str
    first_reason: StrOrPromise
    second_id: str
    second_when: Condition
    second_min_weight: int
    second_reason: StrOrPromise
    default_id: str
    default_channel: str
    default_reason: StrOrPromise


@dataclass(frozen=True)
class AdviceRule:
    """A plain sentence shown when its condition holds (used for “what not to do yet”)."""

    id: str
    when: Condition
    text: StrOrPromise
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaceRule:
    """How fast the roadmap moves: a new step every `quarters_per_step` quarters, up to
    `steps_per_quarter` steps at once. Read in order; the first that holds decides."""

    id: str
    when: Condition
    quarters_per_step: int
    steps_per_quarter: int
    text: StrOrPromise


@dataclass(frozen=True)
class RoadmapRule:
    """A roadmap step; steps are placed in the order listed, at the pace chosen, unless
    `quarters` fixes them (e.g. retaking the diagnostic once a year)."""

    id: str
    when: Condition
    title: StrOrPromise
    detail: StrOrPromise
    quarters: tuple[int, ...] = ()
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    version: str
    score_rules: tuple[ScoreRule, ...]
    verdict_rules: tuple[VerdictRule, ...]
    checklist_rules: tuple[ChecklistRule, ...]
    channel_rules: tuple[ChannelRule, ...]
    channel_policy: ChannelPolicy
    not_yet_rules: tuple[AdviceRule, ...]
    pace_rules: tuple[PaceRule, ...]
    roadmap_rules: tuple[RoadmapRule, ...]
    horizon_quarters: int

    def all_ids(self) -> list[str]:
        groups: list[tuple[Any, ...]] = [
            self.score_rules,
            self.verdict_rules,
            self.checklist_rules,
            self.channel_rules,
            self.not_yet_rules,
            self.pace_rules,
            self.roadmap_rules,
        ]
        policy = self.channel_policy
        ids = [rule.id for group in groups for rule in group]
        return [*ids, policy.first_id, policy.second_id, policy.default_id]
