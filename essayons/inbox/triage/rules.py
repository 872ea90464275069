"""Cues a person would notice in a customer's message, found with plain patterns.

The cues are written from how people write in French, Antillean Creole and English (not
learnt from the data set): question marks and question words ("ki lè", "konbyen", "es ke",
"est-ce que", "how much"), requests (booking, quote), words and emoji of discontent, star
ratings, praise, and what spam and insults look like. They do two jobs:

- each kind of cue is a feature the model weighs (see `model.py`), so how much a cue counts
  is learnt, not guessed;
- they are the reasons shown to the owner ("point d'interrogation", "mot de mécontentement :
  « froid »").

The patterns are in `lexicon.py`. This module knows nothing of Django; the French wording of
reasons is in `classify.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from essayons.inbox.triage import lexicon
from essayons.inbox.triage.text import normalize

_ORIGINAL_WORD = re.compile(r"[\w'’-]+")


class Cue(StrEnum):
    """The kinds of cue; each is one feature of the model and one kind of reason."""

    QUESTION_MARK = "question_mark"
    QUESTION_WORD = "question_word"
    REQUEST = "request"
    DISCONTENT_WORD = "discontent_word"
    DISCONTENT_EMOJI = "discontent_emoji"
    LOW_RATING = "low_rating"
    IRONY = "irony"
    PRAISE_WORD = "praise_word"
    PRAISE_EMOJI = "praise_emoji"
    HIGH_RATING = "high_rating"
    SPAM = "spam"
    INSULT = "insult"
    MENTION = "mention"


@dataclass(frozen=True, slots=True)
class Hit:
    """One cue found: its kind and the words (or emoji) as the customer wrote them."""

    cue: Cue
    words: str = ""


def hits(text: str) -> list[Hit]:
    """Every cue found in `text` (as `text.prepare` leaves it), in a stable order."""
    plain = normalize(text)
    found = [*_question_hits(text, plain), *_tone_hits(text, plain), *_other_hits(text, plain)]
    rating = _rating(plain)
    if rating is not None and rating <= 2:
        found.append(Hit(Cue.LOW_RATING, f"{rating}/5"))
    if rating is not None and rating >= 4:
        found.append(Hit(Cue.HIGH_RATING, f"{rating}/5"))
    praised = any(hit.cue in (Cue.PRAISE_WORD, Cue.PRAISE_EMOJI) for hit in found)
    irony_mark = lexicon.IRONY_EMOJI.search(text) is not None
    discontent = any(hit.cue is Cue.DISCONTENT_WORD for hit in found)
    # Praise and reproach together ("Super, 45 min d'attente 👏"), or the clapping/eye-rolling
    # emoji next to a reproach, is how irony usually reads in a comment.
    if discontent and (praised or irony_mark):
        found.append(Hit(Cue.IRONY))
    return found


def _question_hits(text: str, plain: str) -> list[Hit]:
    found = []
    if "?" in plain:
        found.append(Hit(Cue.QUESTION_MARK))
    found += [
        Hit(Cue.QUESTION_WORD, _as_written(text, m)) for m in lexicon.QUESTION_WORDS.finditer(plain)
    ]
    start = lexicon.QUESTION_START.search(plain)
    if start:
        found.append(Hit(Cue.QUESTION_WORD, _as_written(text, start, "words")))
    found += [Hit(Cue.REQUEST, _as_written(text, m)) for m in lexicon.REQUEST.finditer(plain)]
    return found


def _tone_hits(text: str, plain: str) -> list[Hit]:
    found = [
        Hit(Cue.DISCONTENT_WORD, _as_written(text, m)) for m in lexicon.DISCONTENT.finditer(plain)
    ]
    found += [Hit(Cue.DISCONTENT_EMOJI, m.group()) for m in lexicon.DISCONTENT_EMOJI.finditer(text)]
    for match in lexicon.PRAISE.finditer(plain):
        # "pa kontan", "pas top": a negated compliment is no compliment.
        if not re.search(r"\b(?:pa|pas|not)\s*$", plain[: match.start()]):
            found.append(Hit(Cue.PRAISE_WORD, _as_written(text, match)))
    found += [Hit(Cue.PRAISE_EMOJI, m.group()) for m in lexicon.PRAISE_EMOJI.finditer(text)]
    return found


def _other_hits(text: str, plain: str) -> list[Hit]:
    found = [Hit(Cue.SPAM, _as_written(text, m)) for m in lexicon.SPAM.finditer(plain)]
    found += [Hit(Cue.INSULT, _as_written(text, m)) for m in lexicon.INSULT.finditer(plain)]
    found += [Hit(Cue.MENTION, m.group()) for m in lexicon.MENTION.finditer(text)]
    return found


def _rating(plain: str) -> int | None:
    """The star rating written in the text ("★★☆☆☆", "⭐⭐⭐⭐⭐", "2/5", "5 étoiles"), if any."""
    stars = lexicon.STARS.search(plain)
    if stars:
        return min(len(stars.group(1)), 5)
    rating = lexicon.RATING.search(plain)
    return int(rating.group(1)) if rating else None


def _as_written(text: str, match: re.Match[str], group: str | int = 0) -> str:
    """The words of `match` (found in the normalised text) as the customer wrote them.

    Normalising changes lengths (accents, "trooop"), so the words are found again by
    comparing the normalised form of each written word; failing that, the normalised words.
    """
    wanted = match.group(group).split()
    written = _ORIGINAL_WORD.findall(text)
    plain = [normalize(word) for word in written]
    for start in range(len(plain) - len(wanted) + 1):
        if plain[start : start + len(wanted)] == wanted:
            return " ".join(written[start : start + len(wanted)])
    return match.group(group)
