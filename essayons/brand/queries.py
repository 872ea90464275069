"""Reading the charte, or drafting one from what the business already told us."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from essayons.accounts.models import Business, Trade
from essayons.brand.models import AddressForm, Charte, EmojiUse

CUSTOMER_TYPES = {
    "individuals": lambda: _("Mostly private individuals"),
    "professionals": lambda: _("Mostly professionals"),
    "both": lambda: _("Private individuals and professionals"),
}
AGE_GROUPS = {
    "under_25": lambda: _("under 25"),
    "25_44": lambda: _("25 to 44"),
    "45_64": lambda: _("45 to 64"),
    "65_plus": lambda: _("65 and over"),
}
TONES = {
    "yes": lambda: _("warm, proud, close"),
    "authentic": lambda: _("simple, true, never overdone"),
    "not_really": lambda: _("sober, sincere, discreet"),
}
GOAL_WORDS = {
    "walk_in": lambda: _("come and see us"),
    "online_sales": lambda: _("order online"),
    "bookings": lambda: _("book"),
    "reputation": lambda: _("thank you for your review"),
    "recruitment": lambda: _("we are hiring"),
}


def charte_for(*, business: Business) -> Charte | None:
    return Charte.objects.filter(business=business).first()


def charte_draft(*, business: Business) -> Charte:
    """The saved charte, or an unsaved one prefilled from the trade and the diagnostic."""
    return charte_for(business=business) or Charte(
        business=business, **charte_prefill(business=business)
    )


def charte_prefill(*, business: Business) -> dict[str, Any]:
    """First answers for the worksheet; the owner changes any of them before saving."""
    from essayons.diagnostic.queries import diagnostic_summary

    summary = diagnostic_summary(business=business)
    answers: dict[str, Any] = dict(summary.answers) if summary is not None else {}
    trade = Trade(business.trade).label if business.trade in Trade.values else ""
    prefill: dict[str, Any] = {
        "what_we_sell": _("%(trade)s in %(town)s") % {"trade": trade, "town": business.town}
        if trade
        else "",
        "customers": _customers(answers, business),
        "tone_words": TONES.get(answers.get("philosophy", ""), TONES["yes"])(),
        "address_form": AddressForm.VOUS,
        "emojis": EmojiUse.FEW,
        "words_to_use": "\n".join(
            [GOAL_WORDS[g]() for g in _as_list(answers.get("goals")) if g in GOAL_WORDS]
            + [business.town]
        ),
    }
    if answers.get("show_work") == "products":
        prefill["words_to_avoid"] = _("photos showing the faces of customers or of the team")
    if answers.get("promise_kept") == "no":
        prefill["never_promise"] = _("a delay or an availability we are not sure to keep")
    return prefill


def _customers(answers: dict[str, Any], business: Business) -> str:
    parts = []
    kind = answers.get("customer_type")
    if kind in CUSTOMER_TYPES:
        parts.append(CUSTOMER_TYPES[kind]())
    share = answers.get("local_share")
    if isinstance(share, int) and not isinstance(share, bool):
        parts.append(
            _("%(share)s %% of them live or work near %(town)s")
            % {"share": share, "town": business.town}
        )
    ages = [AGE_GROUPS[a]() for a in _as_list(answers.get("age_groups")) if a in AGE_GROUPS]
    if ages:
        parts.append(_("aged %(ages)s") % {"ages": ", ".join(ages)})
    return ", ".join(parts)


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
