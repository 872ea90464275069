"""The scoring rules, on plain dictionaries: no database, no request."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from django.utils import translation

from essayons.diagnostic.channels import Channel
from essayons.diagnostic.glossary import TERMS_BY_KEY
from essayons.diagnostic.questions import QUESTIONS, SCREENS
from essayons.diagnostic.report import progress_build, report_build
from essayons.diagnostic.rules import CURRENT_VERSION, RULESETS, ruleset_for
from essayons.diagnostic.rules.catalogue import catalogue
from essayons.diagnostic.rules.conditions import Condition, Dimension, Has, Is, Verdict
from essayons.diagnostic.tests.answers import BAKER, BAKER_NOW, READY

RULES = ruleset_for(CURRENT_VERSION)


def ids(items):
    return [item.rule_id for item in items]


def reasons(report, dimension):
    return {r.rule_id for s in report.scores if s.dimension == dimension for r in s.reasons}


def test_the_article_baker_is_ready_in_small_steps_and_starts_with_google():
    report = report_build(BAKER)
    assert report.verdict.code == Verdict.SMALL_STEPS
    assert report.verdict.reason.rule_id == "V-SMALL-STEPS"
    assert report.channel_codes == [Channel.GOOGLE, Channel.FACEBOOK]
    assert report.channels[0].choice.rule_id == "CH-FIRST"
    assert "CH-GOOGLE-LOCAL" in ids(report.channels[0].reasons)
    # “Your Google listing is not claimed: claim it first”.
    assert report.checklist[0].rule_id == "CL-GOOGLE-CLAIM"
    assert "70" in report.channels[0].reasons[0].text
    assert {"NY-EVERYWHERE", "NY-ADS", "NY-WEBSITE", "NY-FOLLOWERS"} <= set(ids(report.not_yet))
    assert report.pace.rule_id == "PACE-STEADY"
    assert report.unanswered == ()


def test_no_time_at_all_means_prepare_first_and_find_an_hour():
    report = report_build({**BAKER, "hours_per_week": 0})
    assert report.verdict.code == Verdict.PREPARE_FIRST
    assert report.verdict.reason.rule_id == "V-NO-TIME"
    assert report.checklist[0].rule_id == "CL-FIND-TIME"
    assert "RES-NO-TIME" in reasons(report, Dimension.RESOURCES)
    assert report.score_of(Dimension.RESOURCES) < report_build(BAKER).score_of(Dimension.RESOURCES)
    # One channel only, the one that asks least; the roadmap goes at the slow pace.
    assert report.channel_codes == [Channel.GOOGLE]
    assert report.pace.rule_id == "PACE-SLOW"
    assert "NY-ONE-CHANNEL" in ids(report.not_yet)
    placed = [q.number for q in report.roadmap if "RM-REVIEW" not in ids(q.steps)]
    assert placed == sorted(placed) and all(n % 2 == 1 for n in placed)
    assert report.later, "a slow pace cannot fit every step in three years"


def test_no_website_is_no_obstacle_and_not_the_first_thing_to_do():
    answers = {**BAKER, "website": "no", "website_age": None, "website_sells": None}
    report = report_build(answers)
    assert "BAS-NO-WEBSITE" in reasons(report, Dimension.BASICS)
    assert "CL-WEBSITE-CHECK" not in ids(report.checklist)
    assert "NY-WEBSITE" in ids(report.not_yet)
    steps = [s.rule_id for q in report.roadmap for s in q.steps]
    assert "RM-WEBSITE" in steps
    assert steps.index("RM-WEBSITE") > steps.index("RM-FIRST-CHANNEL")


def test_big_budget_but_nobody_to_do_the_work():
    answers = {**BAKER, "budget_per_month": 2000, "who": "nobody", "hours_per_week": 0}
    report = report_build(answers)
    assert report.verdict.code == Verdict.PREPARE_FIRST
    assert report.verdict.reason.rule_id in {"V-NO-TIME", "V-NOBODY"}
    assert "RES-MONEY-WITHOUT-HANDS" in reasons(report, Dimension.RESOURCES)
    assert {"CL-NAME-SOMEONE", "CL-CHARTER"} <= set(ids(report.checklist))
    assert {"NY-HIRE", "NY-ADS"} <= set(ids(report.not_yet))
    assert len(report.channels) == 1
    assert report.pace.rule_id == "PACE-SLOW"
    budget_now = report.score_of(Dimension.RESOURCES)
    assert budget_now <= report_build({**answers, "budget_per_month": 0}).score_of(
        Dimension.RESOURCES
    ), "money without hands must not raise the resources score"


def test_nobody_named_even_with_hours_means_prepare_first():
    report = report_build({**BAKER, "who": "nobody", "hours_per_week": 3})
    assert report.verdict.reason.rule_id == "V-NOBODY"
    assert report.checklist[0].rule_id == "CL-NAME-SOMEONE"


def test_everything_ready():
    report = report_build(READY)
    assert report.verdict.code == Verdict.READY
    assert report.verdict.reason.rule_id == "V-READY"
    assert all(s.score >= 60 for s in report.scores)
    assert len(report.channels) == 2
    assert report.channels[1].choice.rule_id == "CH-SECOND"
    assert report.pace.rule_id == "PACE-BRISK"
    assert "NY-ADS" not in ids(report.not_yet)
    assert "CL-GOOGLE-CLAIM" not in ids(report.checklist)
    assert report.later == ()


def test_empty_answers_give_a_cautious_report_without_failing():
    report = report_build({})
    assert report.verdict.code == Verdict.PREPARE_FIRST
    assert report.channels[0].channel == Channel.GOOGLE
    assert report.channels[0].choice.rule_id == "CH-DEFAULT"
    assert report.pace.rule_id == "PACE-SLOW"
    required = [q.key for s in SCREENS for q in s.questions if q.required and not q.applies_when]
    assert list(report.unanswered) == required
    assert all(s.score == 0 for s in report.scores)


@pytest.mark.parametrize(
    "answers",
    [
        {"hours_per_week": "abc", "goals": "walk_in", "age_groups": None},
        {"hours_per_week": float("nan"), "local_share": True, "facebook_followers": "lots"},
        {"hours_per_week": [], "who": ["owner"], "budget_per_month": {"x": 1}},
        {"unknown_question": "<script>alert(1)</script>"},
    ],
)
def test_malformed_answers_never_break_the_report(answers):
    report = report_build(answers)
    assert report.verdict.code in Verdict.values
    assert 0 <= report.overall <= 100


def test_not_a_mapping_reads_as_no_answers():
    assert report_build(None).unanswered == report_build({}).unanswered  # type: ignore[arg-type]


def test_scores_stay_between_0_and_100_for_extreme_answers():
    best = {k: v for k, v in READY.items()}
    for answers in (
        best,
        {**best, "who": "nobody", "budget_per_month": 100000, "hours_per_week": 0},
    ):
        for score in report_build(answers).scores:
            assert 0 <= score.score <= 100


def test_professional_customers_lead_to_linkedin():
    answers = {**BAKER, "customer_type": "professionals", "goals": ["recruitment"]}
    assert report_build(answers).channel_codes[0] == Channel.LINKEDIN


def test_visual_trade_with_young_customers_leads_to_instagram():
    answers = {
        **BAKER,
        "show_work": "yes",
        "photos": "yes",
        "age_groups": ["under_25", "25_44"],
        "instagram": "month",
        "local_share": 20,
        "facebook": "none",
        "found_by": ["social"],
    }
    assert report_build(answers).channel_codes[0] == Channel.INSTAGRAM


def test_an_email_list_for_regulars_is_recommended():
    answers = {**BAKER, "customer_file": "email_list"}
    assert Channel.EMAIL in report_build(answers).channel_codes


def test_progress_against_the_previous_run():
    before, after = report_build(BAKER), report_build(BAKER_NOW)
    progress = progress_build(after, before)
    assert progress.delta_of(Dimension.MEASUREMENT) > 0
    assert progress.delta_of(Dimension.CARE) > 0
    assert progress.overall_delta == after.overall - before.overall > 0
    assert "CL-COMPLAINTS" in ids(progress.done)
    assert "CL-GOOGLE-CLAIM" not in ids(progress.done)


def test_every_statement_carries_a_known_rule_id():
    known = set(RULES.all_ids())
    for answers in (BAKER, BAKER_NOW, READY, {}):
        report = report_build(answers)
        assert report.rule_ids() <= known


def test_rule_ids_are_unique_and_stable_looking():
    all_ids = RULES.all_ids()
    assert len(all_ids) == len(set(all_ids))
    assert all(i == i.upper() and " " not in i for i in all_ids)


def _conditions(node):
    if isinstance(node, Condition):
        yield node
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for field in dataclasses.fields(node):
            yield from _conditions(getattr(node, field.name))
    elif isinstance(node, tuple):
        for item in node:
            yield from _conditions(item)


def test_conditions_only_name_real_questions_and_choices():
    """A typo in a rule (“yess”, “hour_per_week”) would silently never match: refuse it."""
    for ruleset in RULESETS.values():
        for condition in _conditions(ruleset):
            key = getattr(condition, "key", None)
            if key is None:
                continue
            assert key in QUESTIONS, key
            if isinstance(condition, Is | Has):
                offered = {value for value, _label in QUESTIONS[key].choices}
                assert set(condition.values) <= offered, (key, condition.values)


def test_every_word_a_rule_links_to_is_in_the_glossary():
    for ruleset in RULESETS.values():
        groups = (ruleset.checklist_rules, ruleset.channel_rules, ruleset.not_yet_rules)
        for rule in (*[r for g in groups for r in g], *ruleset.roadmap_rules):
            assert set(rule.terms) <= set(TERMS_BY_KEY), rule.id


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_rule_reads_in_plain_words_in_each_language(language):
    with translation.override(language):
        groups = catalogue(RULES)
        entries = [e for g in groups for e in g.entries]
        assert {e.id for e in entries} == set(RULES.all_ids())
        assert all(e.condition and e.text for e in entries)
        for answers in (BAKER, READY, {}, {**BAKER, "hours_per_week": Decimal("1.5")}):
            report_build(answers)


def test_french_report_quotes_the_answers():
    with translation.override("fr"):
        report = report_build({**BAKER, "hours_per_week": 1.5})
    texts = [r.text for s in report.scores for r in s.reasons]
    assert any("1,5" in t and "semaine" in t for t in texts)
