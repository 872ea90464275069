from essayons.inbox.procedures import BLANK, Facts, Tone, procedure_for, reply_suggest

FACTS = Facts(name="Boulangerie Test", town="Fort-de-France", address="12 rue Victor Hugo")


def test_complaint_procedure_follows_target_and_charter():
    tone = Tone(promise="Du pain chaud à 6 h", words_to_avoid=("pas cher",))
    steps = " ".join(procedure_for("complaint", target_hours=12, tone=tone).steps)
    assert "12 heures" in steps
    assert "privé" in steps
    assert "Du pain chaud à 6 h" in steps
    assert "pas cher" in steps


def test_suggestions_fill_name_and_facts_in_the_charter_voice():
    polite = reply_suggest("question", customer_name="Josée", facts=FACTS, tone=Tone())
    assert "Josée" in polite and "12 rue Victor Hugo" in polite and "Fort-de-France" in polite
    assert "votre question" in polite
    assert BLANK in polite  # the opening hours are not known: left for the owner
    familiar = reply_suggest(
        "complaint", customer_name="Josée", facts=FACTS, tone=Tone(familiar=True)
    )
    assert "tu peux" in familiar and "pouvez-vous" not in familiar
    assert "😊" in reply_suggest("praise", customer_name="Léa", facts=FACTS, tone=Tone(emojis=True))
    assert "😊" not in reply_suggest("praise", customer_name="Léa", facts=FACTS, tone=Tone())
    assert reply_suggest("other", customer_name="x", facts=FACTS, tone=Tone()) == ""
    assert BLANK in reply_suggest("praise", customer_name=" ", facts=FACTS, tone=Tone())
