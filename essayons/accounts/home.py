"""What needs the person now, on the business's home page, gathered from every app.

An app contributes with `<app>/home.py` defining `home_items(*, membership) -> list[HomeItem]`
(what waits for this person, given their role). Urgent items come first.
"""

from __future__ import annotations

from dataclasses import dataclass

from essayons.accounts.models import Membership
from essayons.lib.apps import app_modules


@dataclass(frozen=True)
class HomeItem:
    text: str
    url: str
    urgent: bool = False


def home_items_collect(*, membership: Membership) -> list[HomeItem]:
    found: list[HomeItem] = []
    for _label, module in app_modules("home"):
        contribute = getattr(module, "home_items", None)
        if callable(contribute):
            found.extend(contribute(membership=membership))
    return sorted(found, key=lambda item: not item.urgent)  # stable: each app's order kept
