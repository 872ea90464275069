"""Versioned readiness rules. A run is always scored by the rules of its own version."""

from __future__ import annotations

from essayons.diagnostic.rules import v1
from essayons.diagnostic.rules.kinds import RuleSet

RULESETS: dict[str, RuleSet] = {v1.RULES_VERSION: v1.RULESET}
CURRENT_VERSION = v1.RULES_VERSION


def ruleset_for(version: str | None) -> RuleSet:
    """The rules a run was scored with; an unknown version falls back to the current rules."""
    return RULESETS.get(version or CURRENT_VERSION, RULESETS[CURRENT_VERSION])
