"""The demo bakery's tracking: the article's campaign, its link and code, and its figures."""

from __future__ import annotations

from essayons.accounts.models import Business, User
from essayons.tracking.demo_measure import demo_measure_create
from essayons.tracking.demo_sales import demo_sales_create


def demo_create(*, business: Business, owner: User) -> None:
    demo_measure_create(business=business, owner=owner)
    demo_sales_create(business=business, owner=owner)
