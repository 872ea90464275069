"""Saving the owner's plan choices, effort figures and approval rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from essayons.accounts.models import Business, User
from essayons.planner.effort import EffortModel
from essayons.planner.kinds import ContentKind
from essayons.planner.models import ApprovalRule, Plan
from essayons.planner.queries import plan_settings


def plan_save(
    *,
    business: Business,
    hours: Decimal,
    channels: Iterable[str],
    rhythm: Mapping[str, int],
    by: User,
) -> Plan:
    """Store hours, networks (in order of priority) and the posts a week asked per network.

    The weekly plan is recomputed from these on every read: changing the hours re-plans.
    """
    plan = plan_settings(business=business)
    plan.hours_per_week = hours
    plan.channels = list(dict.fromkeys(channels))
    plan.rhythm = {c: int(n) for c, n in rhythm.items() if c in plan.channels}
    plan.updated_by = by
    plan.save()
    return plan


def effort_save(*, business: Business, effort: EffortModel, by: User) -> Plan:
    plan = plan_settings(business=business)
    plan.effort = effort.as_data()
    plan.updated_by = by
    plan.save()
    return plan


def approval_rule_save(
    *, business: Business, helper: User, kinds: Iterable[str], by: User
) -> ApprovalRule:
    """The kinds of content `helper` may schedule without approval (empty: none)."""
    allowed = [kind for kind in ContentKind.values if kind in set(kinds)]
    rule, _created = ApprovalRule.objects.update_or_create(
        business=business, helper=helper, defaults={"kinds": allowed, "updated_by": by}
    )
    return rule
