from essayons.brand.models import AddressForm, Charte, EmojiUse
from essayons.diagnostic.channels import Channel
from essayons.planner.hints import charte_hints, hints_for_channels
from essayons.planner.limits import limit_problems, text_length

CTA = " Passez nous voir au magasin !"


def charte(**fields):
    return Charte(
        words_to_avoid=fields.get("avoid", "pas cher\nindustriel"),
        never_promise=fields.get("never", "livraison en 1 heure"),
        proof=fields.get("proof", "Notre levain maison depuis 2009, 4,8 étoiles sur Google"),
        address_form=fields.get("address", AddressForm.VOUS),
        emojis=fields.get("emojis", EmojiUse.FEW),
    )


def codes(hints):
    return {hint.code for hint in hints}


def test_a_word_to_avoid_is_found_whatever_the_case_and_accents():
    hints = charte_hints(
        charte=charte(avoid="Pâtisserie industrielle"),
        text="Rien de PATISSERIE INDUSTRIELLE ici." + CTA,
        channel=None,
    )
    assert codes(hints) == {"avoid_word"}
    assert hints[0].term == "Pâtisserie industrielle"


def test_whole_words_only():
    assert (
        charte_hints(
            charte=charte(avoid="cher"), text="Nos chers clients, venez goûter.", channel=None
        )
        == []
    )


def test_what_we_never_promise_is_flagged():
    hints = charte_hints(
        charte=charte(), text="Livraison en 1 heure garantie partout, commandez !", channel=None
    )
    assert "never_promise" in codes(hints)


def test_a_promise_without_proof_and_with_proof():
    bare = charte_hints(charte=charte(), text="Le meilleur pain de la ville." + CTA, channel=None)
    assert "promise_without_proof" in codes(bare)
    assert "levain" in bare[0].message  # the charte's own proof is suggested
    proven = charte_hints(
        charte=charte(), text="Le meilleur pain de la ville, au levain maison." + CTA, channel=None
    )
    assert "promise_without_proof" not in codes(proven)
    dated = charte_hints(charte=None, text="Le meilleur pain depuis 1998." + CTA, channel=None)
    assert "promise_without_proof" not in codes(dated)


def test_no_call_to_action_is_a_hint_and_a_link_counts_as_one():
    assert "no_call_to_action" in codes(
        charte_hints(
            charte=None, text="Voici notre pain de la semaine au sésame doré.", channel=None
        )
    )
    assert "no_call_to_action" not in codes(
        charte_hints(
            charte=None,
            text="Voici notre pain de la semaine : https://ti-pain.example",
            channel=None,
        )
    )
    assert "no_call_to_action" not in codes(
        charte_hints(charte=None, text="Réservez votre bûche avant le 20 décembre.", channel=None)
    )
    assert charte_hints(charte=None, text="   ", channel=None) == []


def test_too_long_for_the_network():
    text = "Passez nous voir ! " + "a" * 600
    assert "too_long" in codes(charte_hints(charte=None, text=text, channel=Channel.MASTODON))
    assert "too_long" not in codes(charte_hints(charte=None, text=text, channel=Channel.FACEBOOK))
    merged = hints_for_channels(
        charte=None, text=text, channels=[Channel.MASTODON, Channel.BLUESKY, Channel.FACEBOOK]
    )
    assert [h.term for h in merged if h.code == "too_long"] == [Channel.MASTODON, Channel.BLUESKY]


def test_tone_hints_follow_the_charte():
    assert "address_form" in codes(
        charte_hints(charte=charte(), text="Tu vas adorer, passe nous voir.", channel=None)
    )
    assert "address_form" in codes(
        charte_hints(
            charte=charte(address=AddressForm.TU), text="Venez, vous allez adorer.", channel=None
        )
    )
    assert "emojis" in codes(
        charte_hints(charte=charte(emojis=EmojiUse.NONE), text="Venez goûter 🥐", channel=None)
    )
    assert "emojis" not in codes(
        charte_hints(charte=charte(), text="Venez goûter 🥐", channel=None)
    )


def test_bluesky_counts_graphemes_and_bytes():
    family = "👨‍👩‍👧‍👦"
    assert text_length(family * 300, Channel.BLUESKY) == 300
    assert len(family * 300) > 300
    problems = limit_problems(family * 300, 0, Channel.BLUESKY)
    assert [p.code for p in problems] == ["text_too_heavy"]
    assert [p.code for p in limit_problems("é" * 301, 0, Channel.BLUESKY)] == ["text_too_long"]
    assert (
        limit_problems("e\u0301" * 300, 0, Channel.BLUESKY) == []
    )  # 600 code points, 300 graphemes


def test_mastodon_counts_a_link_as_23_characters_and_limits_images():
    text = "x" * 470 + " https://example.com/" + "y" * 100
    assert text_length(text, Channel.MASTODON) == 470 + 1 + 23
    assert limit_problems(text, 4, Channel.MASTODON) == []
    assert [p.code for p in limit_problems(text, 5, Channel.MASTODON)] == ["too_many_images"]


def test_instagram_needs_an_image_and_other_limits():
    assert [p.code for p in limit_problems("Bonjour", 0, Channel.INSTAGRAM)] == ["image_needed"]
    assert limit_problems("a" * 2200, 1, Channel.INSTAGRAM) == []
    assert [p.code for p in limit_problems("a" * 2201, 1, Channel.INSTAGRAM)] == ["text_too_long"]
    assert [p.code for p in limit_problems("a" * 1501, 0, Channel.GOOGLE)] == ["text_too_long"]
    assert [p.code for p in limit_problems("a", 2, Channel.GOOGLE)] == ["too_many_images"]
    assert [p.code for p in limit_problems("a" * 3001, 0, Channel.LINKEDIN)] == ["text_too_long"]
