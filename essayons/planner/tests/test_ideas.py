import pytest
from django.utils import translation

from essayons.accounts.models import Trade
from essayons.planner.ideas import idea_by_ref, ideas_for, ideas_of_kind
from essayons.planner.kinds import ContentKind


@pytest.mark.parametrize("trade", Trade.values)
def test_every_trade_has_a_few_dozen_ideas_in_french_and_english(trade):
    ideas = ideas_for(trade)
    assert len(ideas) >= 25
    assert len({idea.key for idea in ideas}) == len(ideas)
    for kind in ContentKind.values:
        assert len(ideas_of_kind(trade, kind)) >= 5
    for idea in ideas:
        assert idea.fr.strip() and idea.en.strip() and idea.fr != idea.en


def test_the_text_follows_the_language_and_refs_resolve():
    idea = ideas_for(Trade.BAKERY)[0]
    with translation.override("fr"):
        assert idea.text() == idea.fr
    with translation.override("en"):
        assert idea.text() == idea.en
    assert idea_by_ref(idea.ref) == idea
    assert idea_by_ref("bakery/nope") is None
    assert ideas_for("unknown-trade") == ideas_for(Trade.OTHER)
