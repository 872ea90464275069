"""Every rule of a rule set in plain words, for the public rules page an advisor reads."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django_stubs_ext import StrOrPromise

from essayons.diagnostic.channels import Channel
from essayons.diagnostic.rules.conditions import Dimension, Verdict
from essayons.diagnostic.rules.kinds import RuleSet


@dataclass(frozen=True)
class RuleEntry:
    id: str
    effect: str
    condition: str
    text: str


@dataclass(frozen=True)
class RuleGroup:
    slug: str
    title: str
    how: str
    entries: tuple[RuleEntry, ...]


def _placeholders() -> dict[str, str]:
    """How the answers quoted in texts read on the rules page."""
    return {
        "hours": _("[hours a week]"),
        "local_share": _("[share of local customers]"),
        "budget": _("[budget a month]"),
        "facebook_followers": _("[Facebook followers]"),
        "instagram_followers": _("[Instagram followers]"),
        "channel1": _("[first channel]"),
        "channel2": _("[second channel]"),
    }


def _text(message: StrOrPromise) -> str:
    return str(message) % _placeholders()


def _points(points: int) -> str:
    if points == 0:
        return _("no points")
    return ngettext("%(points)+d point", "%(points)+d points", abs(points)) % {"points": points}


def catalogue(rules: RuleSet) -> tuple[RuleGroup, ...]:
    policy = rules.channel_policy
    return (
        RuleGroup(
            "scores",
            _("Scores"),
            _(
                "Each dimension starts at 0. Every rule whose condition holds adds its points; "
                "the score is then kept between 0 and 100."
            ),
            tuple(
                RuleEntry(
                    r.id,
                    f"{Dimension(r.dimension).label} · {_points(r.points)}",
                    r.when.explain(),
                    _text(r.reason),
                )
                for r in rules.score_rules
            ),
        ),
        RuleGroup(
            "verdict",
            _("Verdict"),
            _(
                "The rules are read in this order; the first whose condition holds gives the "
                "verdict."
            ),
            tuple(
                RuleEntry(r.id, str(Verdict(r.verdict).label), r.when.explain(), _text(r.reason))
                for r in rules.verdict_rules
            ),
        ),
        RuleGroup(
            "checklist",
            _("Checklist"),
            _("Every task whose condition holds is listed, the highest impact first."),
            tuple(
                RuleEntry(
                    r.id,
                    _("impact %(impact)s · %(duration)s")
                    % {"impact": r.impact, "duration": _text(r.duration)},
                    r.when.explain(),
                    f"{_text(r.title)} — {_text(r.why)}",
                )
                for r in rules.checklist_rules
            ),
        ),
        RuleGroup(
            "channels",
            _("Channels"),
            _(
                "Each rule whose condition holds adds its weight to a channel. The heaviest "
                "channel comes first; a second one is added only under the condition of "
                "%(second)s."
            )
            % {"second": policy.second_id},
            (
                *(
                    RuleEntry(
                        r.id,
                        f"{Channel(r.channel).label} · +{r.weight}",
                        r.when.explain(),
                        _text(r.reason),
                    )
                    for r in rules.channel_rules
                ),
                RuleEntry(
                    policy.first_id,
                    _("first channel"),
                    pgettext("condition", "always"),
                    _text(policy.first_reason),
                ),
                RuleEntry(
                    policy.second_id,
                    _("second channel, if it weighs at least %(weight)s")
                    % {"weight": policy.second_min_weight},
                    policy.second_when.explain(),
                    _text(policy.second_reason),
                ),
                RuleEntry(
                    policy.default_id,
                    str(Channel(policy.default_channel).label),
                    _("no channel rule holds"),
                    _text(policy.default_reason),
                ),
            ),
        ),
        RuleGroup(
            "not-yet",
            _("What not to do yet"),
            _("Every advice whose condition holds is shown."),
            tuple(
                RuleEntry(r.id, "", r.when.explain(), _text(r.text)) for r in rules.not_yet_rules
            ),
        ),
        RuleGroup(
            "pace",
            _("Pace of the roadmap"),
            _("The first rule whose condition holds sets the pace."),
            tuple(RuleEntry(r.id, "", r.when.explain(), _text(r.text)) for r in rules.pace_rules),
        ),
        RuleGroup(
            "roadmap",
            _("Roadmap"),
            _(
                "The steps whose condition holds are placed in this order, quarter after "
                "quarter, at the pace above, over %(quarters)s quarters; what does not fit is "
                "listed under “later”."
            )
            % {"quarters": rules.horizon_quarters},
            tuple(
                RuleEntry(
                    r.id,
                    _("quarters %(quarters)s") % {"quarters": ", ".join(map(str, r.quarters))}
                    if r.quarters
                    else "",
                    r.when.explain(),
                    f"{_text(r.title)} — {_text(r.detail)}",
                )
                for r in rules.roadmap_rules
            ),
        ),
    )
