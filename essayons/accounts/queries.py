"""Reads of the accounts app that are more than one filter."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from essayons.accounts.models import (
    Business,
    Invitation,
    Membership,
    Notification,
    User,
    token_digest,
)
from essayons.accounts.roles import Role

ROLE_ORDER = [Role.OWNER, Role.ADVISOR, Role.HELPER, Role.CASHIER]
# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 100


def memberships_of(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("business")
        .order_by("business__name", "business__pk")
    )


def team_of(business: Business) -> list[Membership]:
    """Members of a business, owners first, then by name."""
    members = Membership.objects.filter(business=business).select_related("user")
    return sorted(
        members,
        key=lambda m: (ROLE_ORDER.index(Role(m.role)), str(m.user).lower(), m.pk),
    )


def pending_invitations(business: Business) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        business=business,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at")


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation whose link carries `token`, whatever its state; None if unknown."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        Invitation.objects.select_related("business", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )


@dataclass(frozen=True)
class RoleCount:
    role: Role
    count: int


@dataclass(frozen=True)
class TeamSummary:
    roles: list[RoleCount]
    total: int
    pending: int


def team_summary(business: Business) -> TeamSummary:
    members = team_of(business)
    roles = [RoleCount(role, sum(1 for m in members if m.role == role)) for role in ROLE_ORDER]
    return TeamSummary(
        roles=[r for r in roles if r.count],
        total=len(members),
        pending=pending_invitations(business).count(),
    )


NOTIFICATIONS_SHOWN = 100


def notifications_of(user: User) -> list[Notification]:
    """The person's latest notifications, newest first."""
    return list(
        Notification.objects.filter(user=user).select_related("business")[:NOTIFICATIONS_SHOWN]
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
