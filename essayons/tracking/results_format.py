"""Numbers and money written the way the reader's language writes them.

French: 1 730 (narrow no-break space between thousands), 500,00 € (no-break space before the
sign), 2,51 €. English: 1,730 and €500.00. Money is Decimal rounded half up to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.utils.formats import get_format
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal, denominator: Decimal | int) -> Decimal | None:
    """numerator / denominator rounded half up to the cent; None when dividing by zero."""
    if not denominator:
        return None
    return cents(Decimal(numerator) / Decimal(denominator))


@lru_cache(maxsize=8)
def _separators(language: str) -> dict[int, str]:
    """str.translate table from Python's "1,234.5" to the language's way."""
    if language.startswith("fr"):
        return str.maketrans({",": NARROW_NBSP, ".": ","})
    return str.maketrans({",": ",", ".": str(get_format("DECIMAL_SEPARATOR", language))})


@lru_cache(maxsize=8)
def _money_pattern(language: str) -> str:
    with override(language):
        # Translators: an amount of money; French writes "500,00 €" (no-break space before €).
        return _("€%(amount)s")


def number(value: Decimal | int, places: int = 0) -> str:
    """A number grouped by thousands, rounded half up to `places` decimals (called thousands of
    times per results page, hence plain string formatting rather than Django's number_format)."""
    exact = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{exact:,.{places}f}".translate(_separators(get_language() or "fr"))


def count_text(value: int | None) -> str:
    return "—" if value is None else number(value)


def money(value: Decimal | None, *, short: bool = False) -> str:
    """500,00 € (or 500 € when `short` and whole); "—" when there is nothing to show."""
    if value is None:
        return "—"
    value = cents(Decimal(value))
    places = 0 if short and value == value.to_integral_value() else 2
    return _money_pattern(get_language() or "fr") % {"amount": number(value, places)}


def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return _("%(value)s %%") % {"value": number(cents(value), 1 if abs(value) < 10 else 0)}
