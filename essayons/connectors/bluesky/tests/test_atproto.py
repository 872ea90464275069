"""Our identifiers, datetimes, text counting and link facets against the AT Protocol's own examples.

The interop files (../shared/specs/atproto/interop-test-files/syntax/) are the table: every
valid line must pass our checks and every invalid one must fail; what we generate must be valid.
"""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.conf import settings

from essayons.connectors.bluesky import atproto

SYNTAX = (
    Path(settings.BASE_DIR).parent
    / "shared"
    / "specs"
    / "atproto"
    / "interop-test-files"
    / "syntax"
)
needs_files = pytest.mark.skipif(
    not SYNTAX.is_dir(), reason=f"the interop files are not at {SYNTAX}"
)


def lines(name):
    text = (SYNTAX / name).read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line and not line.startswith("#")]


@needs_files
@pytest.mark.parametrize(
    ("check", "stem"),
    [
        (atproto.tid_valid, "tid"),
        (atproto.record_key_valid, "recordkey"),
        (atproto.datetime_valid, "datetime"),
        (atproto.handle_valid, "handle"),
    ],
)
def test_syntax_checks_agree_with_the_interop_files(check, stem):
    valid = lines(f"{stem}_syntax_valid.txt")
    invalid = lines(f"{stem}_syntax_invalid.txt")
    if stem == "datetime":
        invalid += lines("datetime_parse_invalid.txt")
    assert valid and invalid
    assert [v for v in valid if not check(v)] == []
    assert [v for v in invalid if check(v)] == []


def test_a_new_tid_is_valid_and_a_valid_record_key():
    tid = atproto.tid_new()
    assert atproto.tid_valid(tid)
    assert atproto.record_key_valid(tid)


def test_tids_sort_in_time_order():
    earlier = atproto.tid_new(now_us=1_700_000_000_000_000, clock_id=1023)
    later = atproto.tid_new(now_us=1_700_000_000_000_001, clock_id=0)
    assert earlier < later


def test_the_tid_encodes_time_and_clock_like_the_spec_example():
    # 2222222222222 is zero; the clock id takes the 10 low bits.
    assert atproto.tid_new(now_us=0, clock_id=0) == "2222222222222"
    assert atproto.tid_new(now_us=0, clock_id=1) == "2222222222223"
    assert atproto.tid_new(now_us=1, clock_id=0) == "2222222222322"  # 1 << 10 = 32²


def test_an_attempt_key_that_is_a_tid_is_the_record_key_itself():
    tid = atproto.tid_new()
    assert atproto.tid_from_key(tid) == tid


@pytest.mark.parametrize(
    "key", ["delivery-42-attempt", "a3f1c2e4-5b6d-4e8f-9a0b-1c2d3e4f5a6b", "x"]
)
def test_any_other_attempt_key_gives_a_stable_valid_tid(key):
    first, second = atproto.tid_from_key(key), atproto.tid_from_key(key)
    assert first == second
    assert atproto.tid_valid(first)
    assert atproto.tid_from_key(key + "!") != first


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 26, 8, 5, 3, 123456, tzinfo=UTC),
        datetime(2026, 11, 26, 4, 5, 3, tzinfo=timezone(timedelta(hours=-4))),  # Martinique
    ],
)
def test_created_at_is_in_the_preferred_lexicon_form(moment):
    written = atproto.datetime_format(moment)
    assert atproto.datetime_valid(written)
    assert written.endswith("Z")
    assert len(written) == len("2026-11-26T08:05:03.123Z")
    assert datetime.fromisoformat(written) == moment.replace(
        microsecond=moment.microsecond // 1000 * 1000
    )


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Croissants", 10),
        ("café", 4),
        ("cafe\u0301", 4),  # e + combining acute: one grapheme, two code points
        ("👨‍👩‍👧‍👦", 1),  # a family: one grapheme, seven code points, 25 bytes
        ("🇲🇶", 1),  # the Martinique flag
    ],
)
def test_graphemes_are_counted_as_people_see_them(text, count):
    assert atproto.grapheme_count(text) == count


@pytest.mark.parametrize(
    "text",
    [
        "Voir https://boulangerie.example/menu",
        "Pâtisserie « maison » 🥐🇲🇶 — voir https://boulangerie.example/menu?jour=lundi",
        "👨‍👩‍👧‍👦 cafe\u0301 : https://boulangerie.example/é",
        "(https://boulangerie.example/menu).",
        "Deux liens : https://a.example/x, et https://b.example/y!",
    ],
)
def test_link_facets_index_the_utf8_bytes_of_the_url(text):
    facets = atproto.link_facets(text)
    assert facets
    encoded = text.encode("utf-8")
    for facet in facets:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        uri = facet["features"][0]["uri"]
        assert encoded[start:end].decode("utf-8") == uri
        assert facet["features"][0]["$type"] == "app.bsky.richtext.facet#link"
        assert not uri.endswith((".", ",", "!", ")"))


def test_the_byte_offsets_differ_from_character_offsets_before_the_url():
    text = "Éclairs 🥐 https://b.example"
    [facet] = atproto.link_facets(text)
    assert text.index("https") == 10  # É is 2 bytes, 🥐 is 4: 10 characters, 14 bytes
    assert facet["index"] == {"byteStart": 14, "byteEnd": 14 + len("https://b.example")}


def test_words_that_only_look_like_links_get_no_facet():
    assert atproto.link_facets("Ouvert de 7h à 13h, fermé le lundi. mailto:x@y.z ftp://a.b") == []
