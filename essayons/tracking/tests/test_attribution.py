"""Attribution rules (pure): link, then utm_campaign, then promo code; one campaign per order."""

import pytest

from essayons.tracking.attribution import (
    CampaignInfo,
    Catalog,
    CodeInfo,
    LinkInfo,
    Method,
    attribute,
    channel_from_source,
)

GALETTE, FETE, NEWS = 1, 2, 3


@pytest.fixture
def catalog():
    return Catalog.build(
        links=[
            LinkInfo(
                10, "aB3xY9kQ2m", GALETTE, "facebook", "facebook", "galette-des-rois", "pub-video"
            ),
            LinkInfo(11, "Zz9Yy8Xx7w", FETE, "instagram", "instagram", "galette-des-rois", "story"),
            LinkInfo(12, "Nn0Mm1Ll2k", None, "email", "email", "", ""),
        ],
        campaigns=[
            CampaignInfo(GALETTE, "galette-des-rois", "facebook"),
            CampaignInfo(FETE, "fete-des-meres", "instagram"),
            CampaignInfo(NEWS, "newsletter-janvier", "email"),
        ],
        codes=[
            CodeInfo("GALETTE27", GALETTE, "facebook"),
            CodeInfo("MAMAN", FETE, ""),
            CodeInfo("BIENVENUE", None, ""),
        ],
    )


def test_link_code_in_utm_content_wins_over_everything(catalog):
    found = attribute(
        utm_source="google",
        utm_campaign="newsletter-janvier",
        utm_content="Zz9Yy8Xx7w",
        coupon_codes=["GALETTE27"],
        catalog=catalog,
    )
    assert (found.campaign_id, found.method, found.channel) == (FETE, Method.LINK, "instagram")
    assert found.link_id == 11


def test_exact_utm_set_of_a_link_names_the_link_even_if_its_campaign_slug_differs(catalog):
    found = attribute(
        utm_source="instagram",
        utm_campaign="galette-des-rois",
        utm_content="story",
        catalog=catalog,
    )
    assert (found.campaign_id, found.method, found.link_id) == (FETE, Method.LINK, 11)


def test_utm_campaign_matches_campaign_slug_in_any_case(catalog):
    found = attribute(utm_source="Facebook", utm_campaign="GALETTE-DES-ROIS", catalog=catalog)
    assert (found.campaign_id, found.method, found.channel) == (GALETTE, Method.UTM, "facebook")


def test_utm_comes_before_the_promo_code(catalog):
    found = attribute(utm_campaign="fete-des-meres", coupon_codes=["GALETTE27"], catalog=catalog)
    assert (found.campaign_id, found.method) == (FETE, Method.UTM)


def test_promo_code_when_nothing_else_is_known(catalog):
    found = attribute(coupon_codes=[" galette27 "], catalog=catalog)
    assert (found.campaign_id, found.method, found.channel) == (GALETTE, Method.CODE, "facebook")


def test_several_codes_pick_the_first_in_alphabetical_order_that_has_a_campaign(catalog):
    found = attribute(coupon_codes=["MAMAN", "BIENVENUE", "GALETTE27"], catalog=catalog)
    assert (found.campaign_id, found.method) == (GALETTE, Method.CODE)
    again = attribute(coupon_codes=["GALETTE27", "MAMAN"], catalog=catalog)
    assert again.campaign_id == GALETTE  # the order of the codes in the payload does not matter


def test_link_without_campaign_falls_through_to_the_next_rules(catalog):
    found = attribute(utm_content="Nn0Mm1Ll2k", coupon_codes=["MAMAN"], catalog=catalog)
    assert (found.campaign_id, found.method) == (FETE, Method.CODE)


def test_unknown_everything_is_no_campaign_but_keeps_the_channel(catalog):
    found = attribute(
        utm_source="ig",
        utm_campaign="soldes",
        coupon_codes=["BIENVENUE", "INCONNU"],
        catalog=catalog,
    )
    assert (found.campaign_id, found.method, found.channel) == (None, Method.NONE, "instagram")


def test_two_links_with_the_same_utm_are_ambiguous_and_not_used():
    catalog = Catalog.build(
        links=[
            LinkInfo(1, "c1c1c1c1c1", GALETTE, "", "facebook", "x", "y"),
            LinkInfo(2, "c2c2c2c2c2", FETE, "", "facebook", "x", "y"),
        ],
        campaigns=[],
        codes=[],
    )
    assert (
        attribute(
            utm_source="facebook", utm_campaign="x", utm_content="y", catalog=catalog
        ).campaign_id
        is None
    )


def test_each_order_gets_exactly_one_campaign(catalog):
    """An order matching three campaigns by three rules is counted once, for the first rule."""
    orders = [
        {"utm_content": "aB3xY9kQ2m", "utm_campaign": "fete-des-meres", "coupon_codes": ["MAMAN"]},
        {"utm_campaign": "fete-des-meres", "coupon_codes": ["GALETTE27"]},
        {"coupon_codes": ["GALETTE27", "MAMAN"]},
    ]
    found = [attribute(catalog=catalog, **order).campaign_id for order in orders]
    assert found == [GALETTE, FETE, GALETTE]
    assert len(found) == len(orders)


@pytest.mark.parametrize(
    ("source", "channel"),
    [
        ("facebook", "facebook"),
        ("FB", "facebook"),
        ("l.facebook.com", "facebook"),
        ("ig", "instagram"),
        ("newsletter", "email"),
        ("gbp", "google"),
        ("bsky", "bluesky"),
        ("tiktok", ""),
        ("", ""),
    ],
)
def test_channel_from_utm_source(source, channel):
    assert channel_from_source(source) == channel
