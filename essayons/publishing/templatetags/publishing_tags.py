"""For the planner's pages: `{% post_deliveries post %}` (the section of a post page) and
`{% deliveries_line post %}` (one line for a calendar chip)."""

from __future__ import annotations

from typing import Any

from django import template

from essayons.planner.models import Post
from essayons.publishing.display import rows_for, safe_href
from essayons.publishing.models import DeliveryStatus

register = template.Library()


@register.inclusion_tag("publishing/_deliveries.html", takes_context=True)
def post_deliveries(context: dict[str, Any], post: Post) -> dict[str, Any]:
    return {
        "post": post,
        "rows": rows_for(post),
        "full": False,
        "perms_here": context.get("perms_here", frozenset()),
        "business": post.business,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("publishing/_deliveries_line.html")
def deliveries_line(post: Post) -> dict[str, Any]:
    """Uses `post.deliveries.all()`: prefetch it for a calendar of many posts."""
    return {"deliveries": list(post.deliveries.all()), "S": DeliveryStatus}


register.filter("safe_href", safe_href)
