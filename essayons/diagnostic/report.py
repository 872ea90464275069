"""From answers to a report: pure functions, no database, so the rules are tested in isolation.

`report_build(answers)` applies one rule set (rules/v1.py by default) and returns a `Report`
whose every statement carries the id of the rule that produced it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django_stubs_ext import StrOrPromise

from essayons.diagnostic.channels import Channel
from essayons.diagnostic.questions import QUESTIONS, SCREENS, as_decimal, is_answered
from essayons.diagnostic.rules import ruleset_for
from essayons.diagnostic.rules.conditions import Dimension, Facts, Verdict, average
from essayons.diagnostic.rules.kinds import RuleSet


@dataclass(frozen=True)
class Reason:
    rule_id: str
    text: str
    points: int = 0


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    label: str
    score: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class VerdictResult:
    code: str
    label: str
    reason: Reason


@dataclass(frozen=True)
class ChecklistItem:
    rule_id: str
    title: str
    why: str
    duration: str
    how: str
    impact: int
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelAdvice:
    channel: str
    label: str
    weight: int
    choice: Reason  # why it is first, second, or the default
    reasons: tuple[Reason, ...]
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Advice:
    rule_id: str
    text: str
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoadmapStep:
    rule_id: str
    title: str
    detail: str
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoadmapQuarter:
    number: int  # 1 = the first quarter from today
    year: int
    quarter: int
    steps: tuple[RoadmapStep, ...]


@dataclass(frozen=True)
class Report:
    rules_version: str
    scores: tuple[DimensionScore, ...]
    overall: int
    verdict: VerdictResult
    checklist: tuple[ChecklistItem, ...]
    channels: tuple[ChannelAdvice, ...]
    not_yet: tuple[Advice, ...]
    pace: Advice
    roadmap: tuple[RoadmapQuarter, ...]
    later: tuple[RoadmapStep, ...]
    unanswered: tuple[str, ...]  # keys of required questions left without an answer

    def score_of(self, dimension: str) -> int:
        return next(s.score for s in self.scores if s.dimension == dimension)

    @property
    def channel_codes(self) -> list[str]:
        return [c.channel for c in self.channels]

    def rule_ids(self) -> set[str]:
        """Every rule that produced a statement of this report."""
        ids = {r.rule_id for s in self.scores for r in s.reasons}
        ids |= {self.verdict.reason.rule_id, self.pace.rule_id}
        ids |= {i.rule_id for i in self.checklist}
        ids |= {c.choice.rule_id for c in self.channels}
        ids |= {r.rule_id for c in self.channels for r in c.reasons}
        ids |= {a.rule_id for a in self.not_yet}
        ids |= {s.rule_id for q in self.roadmap for s in q.steps}
        return ids | {s.rule_id for s in self.later}


class _Params(dict[str, str]):
    """Answers quoted in rule texts; a missing answer reads as an ellipsis, never a crash."""

    def __missing__(self, key: str) -> str:
        return "…"


def _number(value: Any) -> str | None:
    number = as_decimal(value)
    if number is None:
        return None
    if number == number.to_integral_value():
        return formats.number_format(int(number))
    return formats.number_format(number)


def _params(answers: Mapping[str, Any], channels: tuple[str, ...] = ()) -> _Params:
    params = _Params()
    for key in ("hours_per_week", "local_share", "budget_per_month"):
        shown = _number(answers.get(key))
        if shown is not None:
            params[{"hours_per_week": "hours", "budget_per_month": "budget"}.get(key, key)] = shown
    for key in ("facebook_followers", "instagram_followers"):
        shown = _number(answers.get(key))
        if shown is not None:
            params[key] = shown
    for index, channel in enumerate(channels[:2], start=1):
        params[f"channel{index}"] = str(Channel(channel).label)
    return params


def _text(message: StrOrPromise, params: Mapping[str, str]) -> str:
    return str(message) % params


def _scores(rules: RuleSet, facts: Facts, params: _Params) -> tuple[DimensionScore, ...]:
    reasons: dict[str, list[Reason]] = defaultdict(list)
    for rule in rules.score_rules:
        if rule.when.test(facts):
            reasons[rule.dimension].append(Reason(rule.id, _text(rule.reason, params), rule.points))
    return tuple(
        DimensionScore(
            dimension=dimension.value,
            label=str(dimension.label),
            score=max(0, min(100, sum(r.points for r in reasons[dimension]))),
            reasons=tuple(reasons[dimension]),
        )
        for dimension in Dimension
    )


def _verdict(rules: RuleSet, facts: Facts, params: _Params) -> VerdictResult:
    rule = next(r for r in rules.verdict_rules if r.when.test(facts))
    verdict = Verdict(rule.verdict)
    return VerdictResult(
        verdict.value, str(verdict.label), Reason(rule.id, _text(rule.reason, params))
    )


def _checklist(rules: RuleSet, facts: Facts, params: _Params) -> tuple[ChecklistItem, ...]:
    matched = [r for r in rules.checklist_rules if r.when.test(facts)]
    matched.sort(key=lambda r: -r.impact)
    return tuple(
        ChecklistItem(
            rule_id=r.id,
            title=_text(r.title, params),
            why=_text(r.why, params),
            duration=_text(r.duration, params),
            how=_text(r.how, params),
            impact=r.impact,
            terms=r.terms,
        )
        for r in matched
    )


def _channels(rules: RuleSet, facts: Facts, params: _Params) -> tuple[ChannelAdvice, ...]:
    order = list(Channel.values)
    weights: dict[str, int] = defaultdict(int)
    reasons: dict[str, list[Reason]] = defaultdict(list)
    terms: dict[str, list[str]] = defaultdict(list)
    for rule in rules.channel_rules:
        if rule.when.test(facts):
            weights[rule.channel] += rule.weight
            reasons[rule.channel].append(Reason(rule.id, _text(rule.reason, params), rule.weight))
            terms[rule.channel] += [t for t in rule.terms if t not in terms[rule.channel]]
    ranked = sorted(
        (c for c in weights if weights[c] > 0), key=lambda c: (-weights[c], order.index(c))
    )
    policy = rules.channel_policy

    def advice(channel: str, choice: Reason) -> ChannelAdvice:
        return ChannelAdvice(
            channel=Channel(channel).value,
            label=str(Channel(channel).label),
            weight=weights[channel],
            choice=choice,
            reasons=tuple(reasons[channel]),
            terms=tuple(terms[channel]),
        )

    if not ranked:
        default = Reason(policy.default_id, _text(policy.default_reason, params))
        return (advice(policy.default_channel, default),)
    chosen = [advice(ranked[0], Reason(policy.first_id, _text(policy.first_reason, params)))]
    if (
        len(ranked) > 1
        and weights[ranked[1]] >= policy.second_min_weight
        and policy.second_when.test(facts)
    ):
        second = Reason(policy.second_id, _text(policy.second_reason, params))
        chosen.append(advice(ranked[1], second))
    return tuple(chosen)


def _roadmap(
    rules: RuleSet, facts: Facts, params: _Params
) -> tuple[Advice, tuple[RoadmapQuarter, ...], tuple[RoadmapStep, ...]]:
    pace = next(p for p in rules.pace_rules if p.when.test(facts))
    placed: dict[int, list[RoadmapStep]] = defaultdict(list)
    later: list[RoadmapStep] = []
    quarter, in_quarter = 1, 0
    for rule in rules.roadmap_rules:
        if not rule.when.test(facts):
            continue
        step = RoadmapStep(
            rule.id, _text(rule.title, params), _text(rule.detail, params), rule.terms
        )
        if rule.quarters:
            for fixed in rule.quarters:
                if fixed <= rules.horizon_quarters:
                    placed[fixed].append(step)
            continue
        if quarter > rules.horizon_quarters:
            later.append(step)
            continue
        placed[quarter].append(step)
        in_quarter += 1
        if in_quarter == pace.steps_per_quarter:
            quarter, in_quarter = quarter + pace.quarters_per_step, 0
    roadmap = tuple(
        RoadmapQuarter(n, (n - 1) // 4 + 1, (n - 1) % 4 + 1, tuple(placed[n]))
        for n in sorted(placed)
    )
    return Advice(pace.id, _text(pace.text, params)), roadmap, tuple(later)


def _unanswered(answers: Mapping[str, Any]) -> tuple[str, ...]:
    plain = dict(answers)
    return tuple(q.key for screen in SCREENS for q in screen.questions if not is_answered(q, plain))


def report_build(answers: Mapping[str, Any], *, rules_version: str | None = None) -> Report:
    """Score `answers` with the rules of `rules_version` (the current rules when None).

    Never fails on missing or unexpected answers: what is not answered simply matches no rule
    that needs it, and is listed in `unanswered`.
    """
    answers = answers if isinstance(answers, Mapping) else {}
    rules = ruleset_for(rules_version)
    params = _params(answers)
    facts = Facts(answers=answers)
    scores = _scores(rules, facts, params)
    facts = Facts(answers=answers, scores={s.dimension: s.score for s in scores})
    channels = _channels(rules, facts, params)
    codes = tuple(c.channel for c in channels)
    facts = Facts(answers=answers, scores=facts.scores, channels=codes)
    params = _params(answers, codes)
    pace, roadmap, later = _roadmap(rules, facts, params)
    return Report(
        rules_version=rules.version,
        scores=scores,
        overall=average(facts.scores),
        verdict=_verdict(rules, facts, params),
        checklist=_checklist(rules, facts, params),
        channels=channels,
        not_yet=tuple(
            Advice(r.id, _text(r.text, params), r.terms)
            for r in rules.not_yet_rules
            if r.when.test(facts)
        ),
        pace=pace,
        roadmap=roadmap,
        later=later,
        unanswered=_unanswered(answers),
    )


@dataclass(frozen=True)
class DimensionDelta:
    dimension: str
    label: str
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class Progress:
    deltas: tuple[DimensionDelta, ...]
    overall_before: int
    overall_after: int
    verdict_before: str
    done: tuple[ChecklistItem, ...]  # tasks listed last time and no longer needed

    @property
    def overall_delta(self) -> int:
        return self.overall_after - self.overall_before

    def delta_of(self, dimension: str) -> int:
        return next(d.delta for d in self.deltas if d.dimension == dimension)


def progress_build(current: Report, previous: Report) -> Progress:
    """What changed since the previous completed run, dimension by dimension."""
    still_needed = {i.rule_id for i in current.checklist}
    return Progress(
        deltas=tuple(
            DimensionDelta(s.dimension, s.label, previous.score_of(s.dimension), s.score)
            for s in current.scores
        ),
        overall_before=previous.overall,
        overall_after=current.overall,
        verdict_before=previous.verdict.label,
        done=tuple(i for i in previous.checklist if i.rule_id not in still_needed),
    )


def question_label(key: str) -> str:
    return str(QUESTIONS[key].label)
