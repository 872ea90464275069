"""Writing the charte."""

from __future__ import annotations

from typing import Any

from essayons.accounts.models import Business, User
from essayons.brand.models import Charte

CHARTE_FIELDS = (
    "what_we_sell",
    "customers",
    "promise",
    "proof",
    "address_form",
    "emojis",
    "tone_words",
    "words_to_use",
    "words_to_avoid",
    "never_promise",
)


def charte_save(*, business: Business, data: dict[str, Any], by: User) -> Charte:
    """Create or replace the business's charte with validated form data."""
    values = {
        field: data[field].replace("\r\n", "\n") if isinstance(data[field], str) else data[field]
        for field in CHARTE_FIELDS
        if field in data
    }
    charte, _created = Charte.objects.update_or_create(
        business=business, defaults={**values, "updated_by": by}
    )
    return charte
