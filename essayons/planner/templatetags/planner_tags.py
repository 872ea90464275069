"""Small display helpers: durations in plain words, weekday names, network labels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html
from django.utils.translation import gettext as _

from essayons.diagnostic.channels import Channel
from essayons.planner.grid import SHORT_NAMES, CalendarPost
from essayons.planner.kinds import ContentKind

register = template.Library()


@register.filter
def duration(minutes: Any) -> str:
    """90 → “1 h 30”, 45 → “45 min”."""
    try:
        total = int(minutes)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(abs(total), 60)
    sign = "-" if total < 0 else ""
    if not hours:
        return _("%(sign)s%(minutes)s min") % {"sign": sign, "minutes": rest}
    if not rest:
        return _("%(sign)s%(hours)s h") % {"sign": sign, "hours": hours}
    return _("%(sign)s%(hours)s h %(minutes)02d") % {"sign": sign, "hours": hours, "minutes": rest}


@register.filter
def hours(value: Any) -> str:
    """Decimal("1.5") → “1 h 30”."""
    try:
        return duration(int(Decimal(value) * 60))
    except (TypeError, ValueError, ArithmeticError):
        return ""


@register.filter
def weekday_name(index: int) -> str:
    """0 → “Monday” (Django's own translated names)."""
    return str(WEEKDAYS[int(index)])


@register.filter
def network(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else code


@register.filter
def network_short(code: str) -> str:
    return SHORT_NAMES.get(code, code)


@register.filter
def kind_label(code: str) -> str:
    return str(ContentKind(code).label) if code in ContentKind.values else code


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.simple_tag
def chip(post: CalendarPost, idea_word: str) -> str:
    """One post in the calendar (a tag, not an include: a month may show a hundred of them)."""
    label = (
        format_html("{}", post.label)
        if post.text
        else format_html("<em>{} {}</em>", idea_word, post.label)
    )
    return format_html(
        '<a class="chip s-{}" href="{}" draggable="true" data-move-url="{}" data-version="{}" '
        'title="{} · {} · {}">{} <span class="status">{}</span> {} · {}</a>',
        post.status,
        post.url,
        post.move_url,
        post.version,
        post.status_label,
        post.hhmm,
        ", ".join(post.networks),
        post.hhmm,
        post.status_label,
        post.networks_short,
        label,
    )
