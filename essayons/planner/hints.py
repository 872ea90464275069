"""Gentle hints drawn from the charte while a post is written. They inform, never block.

Matching is forgiving: case and accents are ignored, and terms match whole words. The
promise, proof and call-to-action checks are simple word lists, not language analysis;
they are meant to make the writer look twice, and may be ignored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import regex
from django.utils.translation import gettext as _

from essayons.brand.models import AddressForm, Charte, EmojiUse
from essayons.diagnostic.channels import Channel
from essayons.planner.limits import CHANNEL_LIMITS, text_length

PROMISE_MARKERS = (
    "meilleur", "meilleure", "meilleurs", "meilleures", "garanti", "garantie", "garantis",
    "imbattable", "imbattables", "n°1", "n° 1", "numero 1", "numero un", "le moins cher",
    "les moins chers", "jamais egale", "best", "guaranteed", "unbeatable", "number one",
    "cheapest",
)  # fmt: skip
PROOF_MARKERS = (
    "depuis", "avis", "etoiles", "medaille", "concours", "label", "certifie", "certifiee",
    "recompense", "prime", "since", "review", "reviews", "stars", "award", "medal",
    "certified",
)  # fmt: skip
CALL_TO_ACTION_MARKERS = (
    "venez", "viens", "passez", "passe nous", "commandez", "commande", "reservez", "reserve",
    "appelez", "appelle", "ecrivez", "ecris", "contactez", "decouvrez", "goutez", "profitez",
    "rendez-vous", "on vous attend", "on t'attend", "lien", "cliquez", "inscrivez",
    "abonnez", "partagez", "dites-nous", "dis-nous", "racontez-nous", "votez", "come",
    "visit", "order", "book", "call", "click", "see you", "link", "join", "tell us", "share",
)  # fmt: skip
PROOF_PATTERN = regex.compile(r"\b(19|20)\d\d\b|\b\d[.,]\d\s*/\s*5\b|\b\d[.,]\d\b")
CTA_PATTERN = regex.compile(r"https?://|www\.|@\w|(\d{2}[ .]?){4}\d{2}|☎|📞|👉")
TU_PATTERN = regex.compile(r"\b(tu|toi|ton|ta|tes|t')(?=\W|$)")
VOUS_PATTERN = regex.compile(r"\b(vous|votre|vos)\b")
EMOJI_PATTERN = regex.compile(r"\p{Extended_Pictographic}")
MIN_WORDS_FOR_CTA = 6


@dataclass(frozen=True)
class Hint:
    code: str
    message: str
    term: str = ""


def normalize(text: str) -> str:
    """Lower case without accents, for forgiving comparisons."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def contains_term(normalized_text: str, term: str) -> bool:
    needle = normalize(term).strip()
    if not needle:
        return False
    return regex.search(rf"(?<!\w){regex.escape(needle)}(?!\w)", normalized_text) is not None


def _any_term(normalized_text: str, terms: Iterable[str]) -> str:
    return next((term for term in terms if contains_term(normalized_text, term)), "")


def charte_hints(*, charte: Charte | None, text: str, channel: str | None) -> list[Hint]:
    """What the writer may want to reconsider in `text`, for `channel` (None: any network)."""
    if not text.strip():
        return []
    flat = normalize(text)
    hints = []
    if charte is not None:
        hints += _charte_words(charte, flat)
        hints += _tone(charte, text, flat)
    hints += _promise_without_proof(charte, flat)
    if not _has_call_to_action(flat) and len(text.split()) >= MIN_WORDS_FOR_CTA:
        hints.append(
            Hint(
                "no_call_to_action",
                _("No call to action: say what to do next (come by, order, book, call…)."),
            )
        )
    if channel in CHANNEL_LIMITS:
        length = text_length(text, channel)
        maximum = CHANNEL_LIMITS[channel].max_text
        if length > maximum:
            hints.append(
                Hint(
                    "too_long",
                    _("Too long for %(network)s: %(length)s for at most %(max)s.")
                    % {"network": Channel(channel).label, "length": length, "max": maximum},
                    channel,
                )
            )
    return hints


def hints_for_channels(*, charte: Charte | None, text: str, channels: Iterable[str]) -> list[Hint]:
    """The hints for several networks at once, each said once."""
    seen: dict[tuple[str, str], Hint] = {}
    for channel in [None, *channels]:
        for hint in charte_hints(charte=charte, text=text, channel=channel):
            seen.setdefault((hint.code, hint.term), hint)
    return list(seen.values())


def _charte_words(charte: Charte, flat: str) -> list[Hint]:
    hints = [
        Hint(
            "avoid_word", _("“%(term)s” is on your list of words to avoid.") % {"term": term}, term
        )
        for term in charte.avoid_terms
        if contains_term(flat, term)
    ]
    hints += [
        Hint(
            "never_promise",
            _("Your charter says you never promise “%(term)s”.") % {"term": term},
            term,
        )
        for term in charte.never_promise_terms
        if contains_term(flat, term)
    ]
    return hints


def _tone(charte: Charte, text: str, flat: str) -> list[Hint]:
    hints = []
    if charte.address_form == AddressForm.VOUS and TU_PATTERN.search(flat):
        hints.append(Hint("address_form", _("Your charter says “vous”; this text says “tu”.")))
    if charte.address_form == AddressForm.TU and VOUS_PATTERN.search(flat):
        hints.append(Hint("address_form", _("Your charter says “tu”; this text says “vous”.")))
    if charte.emojis == EmojiUse.NONE and EMOJI_PATTERN.search(text):
        hints.append(Hint("emojis", _("Your charter says no emojis.")))
    return hints


def _promise_without_proof(charte: Charte | None, flat: str) -> list[Hint]:
    promise = _any_term(flat, PROMISE_MARKERS)
    if not promise:
        return []
    own_proof = [w for w in normalize(charte.proof).split() if len(w) >= 5] if charte else []
    if _any_term(flat, PROOF_MARKERS) or _any_term(flat, own_proof) or PROOF_PATTERN.search(flat):
        return []
    suggestion = charte.proof.strip() if charte else ""
    message = _(
        "“%(term)s” is a promise: add a proof (years, reviews, awards, where it comes from)."
    ) % {"term": promise}
    if suggestion:
        message += " " + _("Your proof: %(proof)s") % {"proof": suggestion}
    return [Hint("promise_without_proof", message, promise)]


def _has_call_to_action(flat: str) -> bool:
    return bool(_any_term(flat, CALL_TO_ACTION_MARKERS) or CTA_PATTERN.search(flat))
