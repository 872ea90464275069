"""`{% notifications_link %}`: the menu entry with the number of unread notifications."""

from __future__ import annotations

from typing import Any

from django import template

from essayons.accounts.queries import unread_count

register = template.Library()


@register.inclusion_tag("accounts/_notifications_link.html", takes_context=True)
def notifications_link(context: dict[str, Any]) -> dict[str, Any]:
    user = context.get("user")
    count = unread_count(user) if user is not None and user.is_authenticated else 0
    return {"unread": count}
