"""The triage API: labels, reasons in French, corrections per business, ranking, bad input."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from essayons.inbox.triage import (
    MAX_CHARS,
    Correction,
    Label,
    Verdict,
    triage_classify,
    triage_rank_key,
)
from essayons.inbox.triage.dataset import examples


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def plain(verdict: Verdict) -> list[str]:
    """The reasons with French non-breaking spaces made plain, for readable assertions."""
    return [reason.replace("\u00a0", " ") for reason in verdict.reasons]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Le poulet était froid et sec, vraiment déçu.", Label.COMPLAINT),
        ("I waited an hour and the coffee was cold.", Label.COMPLAINT),
        ("A quelle heure vous ouvrez samedi ?", Label.QUESTION),
        ("Ki lè zot ka fèmé jodi a ?", Label.QUESTION),
        ("Do you deliver on Sundays?", Label.QUESTION),
        ("Merci pour le gâteau, un délice ❤️", Label.PRAISE),
        ("Bon bagay zot ka fè, mèsi anpil", Label.PRAISE),
        ("Gagnez 500 followers gratuits, lien en bio", Label.OTHER),
    ],
)
def test_messages_not_in_the_data_set_get_their_label(text, label):
    assert text not in {example.text for example in examples()}
    verdict = triage_classify(text)
    assert isinstance(verdict, Verdict)
    assert verdict.label == label
    assert 0 < verdict.confidence <= 1


def test_reasons_are_in_plain_french():
    complaint = triage_classify("Le poulet était froid et sec, vraiment déçu.")
    assert "mot de mécontentement : « froid »" in plain(complaint)
    assert "mot de mécontentement : « déçu »" in plain(complaint)
    assert plain(complaint)[-1].startswith("ressemble aux messages « Client mécontent » déjà vus (")
    assert plain(complaint)[-1].endswith(" %)")

    question = triage_classify("Ki lè zot ka fèmé jodi a ?")
    assert plain(question)[:2] == ["point d'interrogation", "mot interrogatif : « Ki lè »"]


def test_reasons_follow_the_active_language():
    with translation.override("en"):
        verdict = triage_classify("Ki lè zot ka fèmé jodi a ?")
    assert verdict.reasons[0] == "question mark"


def test_reasons_only_speak_for_the_label_chosen():
    verdict = triage_classify("Super, 45 minutes d'attente pour un croissant 👏")
    assert verdict.label == Label.COMPLAINT
    assert "mot de mécontentement : « attente »" in plain(verdict)
    assert "ironie probable : un compliment à côté d'un reproche" in plain(verdict)
    assert not any("satisfaction" in reason for reason in plain(verdict))


def test_a_star_rating_written_in_a_review_is_a_reason():
    verdict = triage_classify("★☆☆☆☆ Personne ne répond au téléphone depuis une semaine.")
    assert verdict.label == Label.COMPLAINT
    assert "note basse : 1/5" in plain(verdict)


def test_an_owners_corrections_change_the_verdict_for_their_business_only():
    # Off-topic chatter between followers reads like a question to the business.
    message = "Quelqu'un sait à quelle heure passe le bus 12 ?"
    assert triage_classify(message).label == Label.QUESTION

    business_a = [Correction("Quelqu'un sait quand passe le bus ?", Label.OTHER)]
    corrected = triage_classify(message, corrections=business_a)
    assert corrected.label == Label.OTHER
    assert plain(corrected)[0] == (
        "vous avez corrigé un message proche : « Quelqu'un sait quand passe le bus ? »"
    )

    business_b: list[Correction] = []
    assert triage_classify(message, corrections=business_b).label == Label.QUESTION
    # Business A's other messages keep the model's verdict.
    assert triage_classify("Vous êtes ouverts dimanche ?", corrections=business_a).label == (
        Label.QUESTION
    )


def test_the_closest_correction_wins():
    corrections = [
        Correction("Quelqu'un sait quand passe le bus ?", Label.OTHER),
        Correction("Quelqu'un sait à quelle heure passe le bus 12 ?", Label.PRAISE),
    ]
    verdict = triage_classify(
        "Quelqu'un sait à quelle heure passe le bus 12 ?", corrections=corrections
    )
    assert verdict.label == Label.PRAISE
    assert verdict.confidence == pytest.approx(1.0, abs=1e-3)


def test_a_correction_label_read_as_plain_text_is_a_label():
    verdict = triage_classify("😤😤", corrections=[Correction("😤", "praise")])  # type: ignore[arg-type]
    assert verdict.label is Label.PRAISE


def test_emoji_only_corrections_match_the_same_emoji_only():
    corrections = [Correction("🤡🤡", Label.COMPLAINT)]
    assert triage_classify("🤡", corrections=corrections).label == Label.COMPLAINT
    assert triage_classify("😍😍", corrections=corrections).label == Label.PRAISE


def test_the_inbox_order_is_complaints_then_questions_then_the_rest_oldest_first():
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    messages = [
        ("praise", start),
        ("question", start + timedelta(minutes=5)),
        ("complaint", start + timedelta(minutes=10)),
        ("other", start + timedelta(minutes=1)),
        ("question", start + timedelta(minutes=2)),
        ("complaint", start + timedelta(minutes=30)),
        (Label.PRAISE, start + timedelta(minutes=3)),
    ]
    ordered = sorted(messages, key=lambda message: triage_rank_key(*message))
    assert ordered == [
        ("complaint", start + timedelta(minutes=10)),
        ("complaint", start + timedelta(minutes=30)),
        ("question", start + timedelta(minutes=2)),
        ("question", start + timedelta(minutes=5)),
        ("praise", start),
        ("other", start + timedelta(minutes=1)),
        (Label.PRAISE, start + timedelta(minutes=3)),
    ]


def test_an_unknown_label_cannot_be_ranked():
    with pytest.raises(ValueError):
        triage_rank_key("urgent", datetime(2026, 3, 1, tzinfo=UTC))


def test_huge_input_is_cut_before_it_is_read():
    huge = "Merci pour tout ! " + "a" * (MAX_CHARS * 250) + " froid déçu"
    verdict = triage_classify(huge)
    assert verdict == triage_classify(huge[:MAX_CHARS])
    assert not any("froid" in reason or "déçu" in reason for reason in verdict.reasons)


def test_html_and_scripts_are_just_text():
    script = triage_classify("<script>alert('x')</script> Le pain était froid")
    assert script.label == Label.COMPLAINT
    assert "mot de mécontentement : « froid »" in plain(script)
    html = triage_classify('<b>Super</b> merci ❤️ <img src=x onerror="alert(1)">')
    assert html.label == Label.PRAISE


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00"])
def test_an_empty_message_is_other(text):
    verdict = triage_classify(text)
    assert verdict == Verdict(Label.OTHER, 1.0, ["message vide"])


def test_broken_and_control_characters_do_not_break_it():
    verdict = triage_classify("\udcff\u200b🏳️‍🌈 ̈ ̈ \x07 ?")
    assert verdict.label in set(Label)
    assert triage_classify("Le pain\x00 était froid\x07").label == Label.COMPLAINT


def test_every_cue_has_a_reason_for_the_owner():
    from essayons.inbox.triage.classify import _REASONS
    from essayons.inbox.triage.rules import Cue

    assert set(_REASONS) == set(Cue)
