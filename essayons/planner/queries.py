"""Reads of the planner: the plan in force, what needs someone's attention, a post's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from essayons.accounts.models import Business, Membership, User
from essayons.accounts.roles import Perm
from essayons.diagnostic.channels import Channel
from essayons.planner.effort import effort_from_data
from essayons.planner.limits import POST_CHANNELS
from essayons.planner.models import ApprovalRule, EventAction, Plan, Post, PostEvent, PostStatus
from essayons.planner.plan import WeeklyPlan, plan_build, week_number

DEFAULT_HOURS = Decimal("2")
# A local business with no diagnostic yet: its Google listing and the most common network.
DEFAULT_CHANNELS = [Channel.GOOGLE, Channel.FACEBOOK]
RECENT_DECISIONS = timedelta(days=7)


def plan_settings(*, business: Business) -> Plan:
    """The saved plan, or an unsaved one drawn from the diagnostic (hours, networks)."""
    plan = Plan.objects.filter(business=business).first()
    if plan is not None:
        return plan
    from essayons.diagnostic.queries import diagnostic_summary

    summary = diagnostic_summary(business=business)
    hours = DEFAULT_HOURS
    channels: list[str] = []
    if summary is not None:
        hours = min(max(Decimal(summary.hours_per_week), Decimal(0)), Decimal(60))
        channels = [c for c in summary.channels if c in POST_CHANNELS]
    return Plan(
        business=business,
        hours_per_week=hours.quantize(Decimal("0.1")),
        channels=channels or list(DEFAULT_CHANNELS),
    )


def weekly_plan(plan: Plan, *, monday: date) -> WeeklyPlan:
    """The plan for the week starting `monday` (the content mix turns from week to week)."""
    return plan_build(
        hours=Decimal(plan.hours_per_week),
        channels=plan.channels,
        effort=effort_from_data(plan.effort),
        asked=plan.rhythm,
        week=week_number(monday),
    )


def rule_allows(*, business: Business, user: User, kind: str) -> bool:
    """Whether an approval rule lets `user` schedule this kind of content unapproved."""
    rule = ApprovalRule.objects.filter(business=business, helper=user).first()
    return rule is not None and kind in rule.kinds


def live_posts(business: Business) -> QuerySet[Post]:
    return Post.objects.filter(business=business, deleted_at__isnull=True)


@dataclass
class Attention:
    """What needs the person's attention now, derived from post states and history."""

    to_approve: list[Post] = field(default_factory=list)
    to_rework: list[Post] = field(default_factory=list)
    decisions: list[PostEvent] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.to_approve or self.to_rework or self.decisions)


def attention_for(*, membership: Membership) -> Attention:
    business, user = membership.business, membership.user
    attention = Attention()
    if membership.can(Perm.APPROVE_POSTS):
        attention.to_approve = list(
            live_posts(business)
            .filter(status=PostStatus.AWAITING_APPROVAL)
            .exclude(submitted_by=user)
            .select_related("submitted_by")
            .order_by("scheduled_at")[:20]
        )
    attention.to_rework = list(
        live_posts(business)
        .filter(status=PostStatus.CHANGES_REQUESTED, submitted_by=user)
        .order_by("scheduled_at")[:20]
    )
    attention.decisions = list(
        PostEvent.objects.filter(
            post__business=business,
            post__deleted_at__isnull=True,
            post__submitted_by=user,
            action__in=[EventAction.APPROVED, EventAction.CHANGES_REQUESTED],
            created_at__gte=timezone.now() - RECENT_DECISIONS,
        )
        .exclude(actor=user)
        .select_related("post", "actor")
        .order_by("-created_at")[:10]
    )
    return attention


def post_history(post: Post) -> list[PostEvent]:
    return list(post.events.select_related("actor").order_by("created_at", "id"))
