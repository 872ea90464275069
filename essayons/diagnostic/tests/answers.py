"""Answer sets shared by the tests: the article's baker, the edge cases, a ready business."""

from __future__ import annotations

from essayons.diagnostic.demo import SIX_MONTHS_AGO, THIS_WEEK

BAKER = dict(SIX_MONTHS_AGO)
BAKER_NOW = dict(THIS_WEEK)

READY = {
    "interest": "yes",
    "ready": "yes",
    "philosophy": "yes",
    "show_work": "yes",
    "hours_per_week": 6,
    "who": "employee",
    "budget_per_month": 150,
    "photos": "yes",
    "website": "yes",
    "website_age": "recent",
    "website_sells": "orders",
    "google_claimed": "yes",
    "google_up_to_date": "yes",
    "reviews_answered": "always",
    "facebook": "week",
    "facebook_followers": 2400,
    "instagram": "week",
    "instagram_followers": 1800,
    "local_share": 60,
    "age_groups": ["under_25", "25_44", "45_64"],
    "customer_type": "individuals",
    "found_by": ["google", "social", "word_of_mouth"],
    "goals": ["walk_in", "online_sales"],
    "customer_file": "email_list",
    "knows_source": "yes",
    "tried_ads": "measured",
    "complaint_who": "owner",
    "complaint_speed": "same_day",
    "promise_kept": "yes",
}

# Form posts for each screen, in order, as a browser would send them.
SCREEN_POSTS: list[dict[str, object]] = [
    {"interest": "maybe", "ready": "no", "philosophy": "authentic", "show_work": "products"},
    {"hours_per_week": "2", "who": "owner", "budget_per_month": "30", "photos": "sometimes"},
    {"website": "yes", "website_age": "old", "website_sells": "no"},
    {"google_claimed": "no", "google_up_to_date": "no", "reviews_answered": "never"},
    {"facebook": "dormant", "facebook_followers": "600", "instagram": "none"},
    {
        "local_share": "70",
        "age_groups": ["25_44", "45_64", "65_plus"],
        "customer_type": "individuals",
        "found_by": ["passing", "word_of_mouth"],
    },
    {
        "goals": ["walk_in", "reputation"],
        "customer_file": "none",
        "knows_source": "no",
        "tried_ads": "unmeasured",
    },
    {"complaint_who": "owner", "complaint_speed": "week", "promise_kept": "mostly"},
]
