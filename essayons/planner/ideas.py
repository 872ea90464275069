"""The idea bank: concrete post ideas per trade, kept as readable data in `ideas/<trade>.toml`.

Ideas are written in French first, with English beside; the text follows the language
being used. A trade without its own file borrows the general ideas of `other`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

from essayons.accounts.models import Trade
from essayons.planner.kinds import ContentKind

IDEAS_DIR = Path(__file__).resolve().parent / "ideas"


@dataclass(frozen=True)
class Idea:
    trade: str
    kind: str
    key: str
    fr: str
    en: str

    @property
    def ref(self) -> str:
        """What a post remembers: `trade/key`, stable across languages and edits."""
        return f"{self.trade}/{self.key}"

    def text(self, language: str | None = None) -> str:
        language = (language or get_language() or "fr")[:2]
        return self.en if language == "en" else self.fr


@cache
def ideas_for(trade: str) -> tuple[Idea, ...]:
    """All the ideas of a trade, in file order (kinds in ContentKind order)."""
    path = IDEAS_DIR / f"{trade}.toml"
    if trade not in Trade.values or not path.exists():
        trade, path = Trade.OTHER, IDEAS_DIR / f"{Trade.OTHER}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Idea(trade=trade, kind=kind, key=row["key"], fr=row["fr"], en=row["en"])
        for kind in ContentKind.values
        for row in data.get(kind, [])
    )


def ideas_of_kind(trade: str, kind: str) -> list[Idea]:
    return [idea for idea in ideas_for(trade) if idea.kind == kind]


def idea_by_ref(ref: str) -> Idea | None:
    trade, _sep, key = ref.partition("/")
    return next((idea for idea in ideas_for(trade) if idea.key == key), None)
