"""Preparing a customer's message for the triage: a cap on its length and one spelling of it.

People write "déçue", "decue", "DÉÇUEEE" and "deçu" for the same thing; the rules and the model
see one form (lower case, no accents, typographic quotes made plain, letters repeated more than
twice cut to two), so that a missing accent or a shout changes nothing. Emoji are kept: 😡 and
😍 say a lot.
"""

from __future__ import annotations

import re
import unicodedata

# Longer texts are cut before anything else: a Google review holds at most about 4,000
# characters and a comment that long is rare; cutting keeps the time per message bounded
# (a 1 MB paste costs no more than a long review), and what decides the triage is nearly
# always said at the start.
MAX_CHARS = 4000

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": '"', "»": '"', "？": "?"})
_REPEATS = re.compile(r"([^\W\d])\1{2,}")
_SPACES = re.compile(r"\s+")


def prepare(text: str) -> str:
    """What the triage reads of `text`: its first MAX_CHARS characters, control characters
    (NUL, bell…) removed and halves of broken characters (lone surrogates) replaced by "?".
    """
    cut = text[:MAX_CHARS].encode("utf-8", "replace").decode("utf-8")
    return "".join(c for c in cut if c in "\t\n\r" or unicodedata.category(c) != "Cc")


def normalize(text: str) -> str:
    """Lower case, accents removed, quotes made plain, "trooop" → "troop", spaces collapsed.

    Accents go by Unicode decomposition, which leaves emoji and other symbols as they are.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES).lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", _REPEATS.sub(r"\1\1", plain)).strip()
