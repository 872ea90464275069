"""Template filters for figures: French number and money formatting (results_format)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from essayons.tracking.results_format import count_text, money

register = template.Library()


@register.filter(name="money")
def money_filter(value: Decimal | int | None) -> str:
    return money(None if value is None else Decimal(value))


@register.filter(name="count")
def count_filter(value: int | None) -> str:
    return count_text(value)
