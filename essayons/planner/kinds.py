"""The kinds of content in the plan's mix (shared by the plan, the idea bank and posts)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentKind(models.TextChoices):
    PRODUCTS = "products", _("Products")
    BEHIND_THE_SCENES = "behind_the_scenes", _("Behind the scenes")
    CUSTOMERS = "customers", _("Customers and testimonials")
    LOCAL = "local", _("Local life and events")
    OFFERS = "offers", _("Offers")


# The default mix, in parts out of 10: mostly showing what we make and who we are,
# offers kept rare so that followers do not feel sold to.
MIX_WEIGHTS: dict[str, int] = {
    ContentKind.PRODUCTS: 3,
    ContentKind.BEHIND_THE_SCENES: 2,
    ContentKind.CUSTOMERS: 2,
    ContentKind.LOCAL: 2,
    ContentKind.OFFERS: 1,
}


def mix_sequence(count: int, *, week: int = 0) -> list[str]:
    """`count` kinds following MIX_WEIGHTS, interleaved (smooth weighted round robin).

    Deterministic. The sequence repeats every sum(weights) posts; `week` shifts the window
    (by 7, prime with 10) so that a small plan still meets every kind over the weeks,
    offers included, in the proportions of the mix.
    """
    total = sum(MIX_WEIGHTS.values())
    offset = (week * 7) % total
    current = dict.fromkeys(MIX_WEIGHTS, 0)
    sequence = []
    for _step in range(offset + count):
        for kind, weight in MIX_WEIGHTS.items():
            current[kind] += weight
        chosen = max(current, key=lambda kind: current[kind])
        current[chosen] -= total
        sequence.append(chosen)
    return sequence[offset:]
