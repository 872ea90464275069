"""Our post records validated against the official lexicons (../shared/specs/atproto/lexicons)."""

from datetime import UTC, datetime

import pytest

from essayons.connectors.bluesky import atproto
from essayons.connectors.bluesky.connector import BlueskyConnector
from essayons.connectors.bluesky.tests.helpers import fixture
from essayons.connectors.bluesky.tests.lexicon import LEXICONS, problems_of_record

pytestmark = pytest.mark.skipif(not LEXICONS.is_dir(), reason=f"the lexicons are not at {LEXICONS}")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
POST = "app.bsky.feed.post"


ROOT = {
    "uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lbqxfu3ngc2k",
    "cid": "bafyreibjifzpqj6o6wcq3hejh7y4z4z2vmiklkvykc57tw3pcbx3kxifpm",
}
PARENT = {
    "uri": "at://did:plc:q6gjnaw2blty4crticxkmujt/app.bsky.feed.post/3lcdfmrgqk22k",
    "cid": "bafyreif7qcaj6xubr7m2gmqf3vfx2q4gmsgcmx7mbxp3twhfmhrtmy6oin",
}


def build(text, embed=None, reply=None):
    return BlueskyConnector.record_build(text, embed=embed, created_at=NOW, reply=reply)


def test_a_plain_post_is_valid():
    record = build("Croissants tout chauds ce matin !")
    assert problems_of_record(POST, record) == []
    assert "facets" not in record


def test_a_post_with_a_link_after_accents_and_emoji_is_valid():
    text = "Pâtisserie « maison » 🥐🇲🇶 — voir https://boulangerie.example/menu"
    record = build(text)
    assert problems_of_record(POST, record) == []
    [facet] = record["facets"]
    index = facet["index"]
    assert (
        text.encode()[index["byteStart"] : index["byteEnd"]] == b"https://boulangerie.example/menu"
    )


def test_a_post_with_images_is_valid():
    blob = fixture("blob")["blob"]
    embed = {
        "$type": "app.bsky.embed.images",
        "images": [
            {"image": blob, "alt": "Des croissants", "aspectRatio": {"width": 4, "height": 3}}
        ]
        * 4,
    }
    assert problems_of_record(POST, build("Nos viennoiseries", embed)) == []


def test_a_post_with_a_link_card_and_thumbnail_is_valid():
    embed = {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://boulangerie.example/menu",
            "title": "Le menu du jour",
            "description": "Pain au levain",
            "thumb": fixture("blob")["blob"],
        },
    }
    assert problems_of_record(POST, build("Le menu https://boulangerie.example/menu", embed)) == []


def test_a_reply_with_root_parent_and_a_link_is_valid():
    """https://docs.bsky.app/docs/advanced-guides/posts#replies"""
    record = build(
        "Merci ! Nos horaires : https://boulangerie.example/horaires",
        reply={"root": ROOT, "parent": PARENT},
    )
    assert problems_of_record(POST, record) == []
    assert record["reply"]["parent"] == PARENT
    assert len(record["facets"]) == 1


def test_the_longest_post_allowed_is_valid():
    text = "é" * atproto.MAX_GRAPHEMES  # 300 graphemes, 600 bytes
    assert problems_of_record(POST, build(text)) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r.update(text="a" * 301), "over 300 graphemes"),
        (lambda r: r.update(text="👨‍👩‍👧‍👦" * 150), "over 3000 UTF-8 bytes"),
        (lambda r: r.pop("createdAt"), "createdAt: required"),
        (lambda r: r.update(createdAt="2026-11-26 12:00"), "not a valid datetime"),
        (lambda r: r.update(text=3), "expected a string"),
        (lambda r: r.update(reply={"root": ROOT}), "parent: required"),
        (lambda r: r.update(reply={"root": ROOT, "parent": {"uri": ROOT["uri"]}}), "cid: required"),
        (
            lambda r: r.update(reply={"root": ROOT, "parent": {**PARENT, "uri": "https://x.y/"}}),
            "not a valid at-uri",
        ),
        (
            lambda r: r.update(reply={"root": ROOT, "parent": {**PARENT, "cid": "Qm not a cid"}}),
            "not a valid cid",
        ),
        (lambda r: r.update(createdat="2026-11-26T12:00:00Z"), "not in the schema"),
        (lambda r: r.update(embed={"images": []}), "needs a $type"),
        (
            lambda r: r.update(embed={"$type": "app.bsky.embed.images", "images": [{}] * 5}),
            "more than 4 items",
        ),
        (
            lambda r: r.update(facets=[{"index": {"byteStart": -1, "byteEnd": 3}, "features": []}]),
            "under 0",
        ),
        (
            lambda r: r.update(
                embed={
                    "$type": "app.bsky.embed.images",
                    "images": [
                        {"image": {**fixture("blob")["blob"], "size": 2_000_001}, "alt": ""}
                    ],
                }
            ),
            "over 2000000 bytes",
        ),
    ],
)
def test_the_checker_catches_broken_records(change, problem):
    """The checker must be able to fail, or the tests above prove nothing."""
    record = build("Croissants")
    change(record)
    assert any(problem in found for found in problems_of_record(POST, record))


def test_delete_session_still_takes_the_refresh_token():
    """What revoke sends (test_connector.py) is what the lexicon asks for."""
    text = (LEXICONS / "com" / "atproto" / "server" / "deleteSession.json").read_text()
    assert "'refreshJwt'" in text
