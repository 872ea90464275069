"""Who may do what inside one business (DESIGN.md §2).

The table is the single source of truth: views ask for a permission, never for a role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    HELPER = "helper", _("Helper")
    CASHIER = "cashier", _("Cashier")
    ADVISOR = "advisor", _("Advisor")


class Perm(models.TextChoices):
    VIEW_DASHBOARD = "view_dashboard", _("See the business's home page")
    MANAGE_BUSINESS = "manage_business", _("Change the business's details")
    MANAGE_MEMBERS = "manage_members", _("Invite people and change their roles")
    VIEW_DIAGNOSTIC = "view_diagnostic", _("Read the readiness diagnostic")
    EDIT_DIAGNOSTIC = "edit_diagnostic", _("Answer the readiness diagnostic")
    EDIT_BRAND = "edit_brand", _("Write the brand charter")
    EDIT_PLAN = "edit_plan", _("Change the plan and the time available")
    DRAFT_POSTS = "draft_posts", _("Draft posts")
    APPROVE_POSTS = "approve_posts", _("Approve and schedule posts")
    USE_TILL = "use_till", _("Record codes at the till")
    VIEW_RESULTS = "view_results", _("Read the results")


ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(Perm.values),
    Role.ADVISOR: frozenset(Perm.values) - {Perm.MANAGE_MEMBERS},
    Role.HELPER: frozenset(
        {Perm.VIEW_DASHBOARD, Perm.VIEW_DIAGNOSTIC, Perm.DRAFT_POSTS, Perm.VIEW_RESULTS}
    ),
    Role.CASHIER: frozenset({Perm.USE_TILL}),
}


def role_can(role: str, perm: str) -> bool:
    return perm in ROLE_PERMS.get(role, frozenset())


# One plain line per role, shown wherever a role is chosen (DESIGN.md §2 in the users' words).
ROLE_HELP: dict[str, StrOrPromise] = {
    Role.OWNER: _(
        "Decides everything: the business's details, the team, the posts and the results."
    ),
    Role.HELPER: _(
        "Drafts posts and reads the results; nothing goes out without the owner's approval."
    ),
    Role.CASHIER: _("Only records promo codes and how customers heard of you, at the till."),
    Role.ADVISOR: _(
        "Accompanies the business: sees and does everything, except managing the team."
    ),
}
