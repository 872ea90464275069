"""The planner on the home page: posts to approve, posts to rework."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import ngettext

from essayons.accounts.home import HomeItem
from essayons.accounts.models import Membership
from essayons.planner.queries import attention_for


def home_items(*, membership: Membership) -> list[HomeItem]:
    attention = attention_for(membership=membership)
    calendar = reverse("planner:calendar", args=[membership.business.public_id])
    items = []
    if attention.to_approve:
        count = len(attention.to_approve)
        text = ngettext(
            "%(n)d post is waiting for your approval.",
            "%(n)d posts are waiting for your approval.",
            count,
        ) % {"n": count}
        items.append(HomeItem(text, calendar))
    if attention.to_rework:
        count = len(attention.to_rework)
        text = ngettext(
            "%(n)d of your posts needs changes.", "%(n)d of your posts need changes.", count
        ) % {"n": count}
        items.append(HomeItem(text, calendar))
    return items
