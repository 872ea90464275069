"""What went wrong, in plain French, and what to do: the table the owner reads.

A failure is looked up by (network, code) first, then by a generic code any connector may
raise (`duplicate`, `policy`, `permission`, `quota`, `media`, `link`, `blocked_url`), then by
the error class. Codes come from each network's documentation (sources beside each line);
a code we do not know falls back to its class, never to silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Action(StrEnum):
    """The button shown beside the explanation."""

    NONE = ""
    RECONNECT = "reconnect"
    EDIT_POST = "edit_post"
    CHECK = "check"  # look on the network and tell us whether it is there
    MANUAL = "manual"  # post it by hand
    RETRY = "retry"


@dataclass(frozen=True)
class Explanation:
    key: str
    problem: StrOrPromise  # placeholders: %(network)s, %(time)s, %(rule)s
    fix: StrOrPromise
    action: Action = Action.NONE


EXPLANATIONS: dict[str, Explanation] = {
    e.key: e
    for e in [
        Explanation(
            "auth_expired",
            _("%(network)s no longer accepts Essayons's access to your account."),
            _("Reconnect your account: it takes a minute, and your posts will go out again."),
            Action.RECONNECT,
        ),
        Explanation(
            "missing_permission",
            _("Essayons is not allowed to post on this %(network)s account."),
            _(
                "Reconnect the account and accept every permission asked. For a page, you "
                "must be one of its administrators."
            ),
            Action.RECONNECT,
        ),
        Explanation(
            "duplicate",
            _("%(network)s refused this post because it is the same as a recent one."),
            _("Change the text a little (a word, a photo), then schedule it again."),
            Action.EDIT_POST,
        ),
        Explanation(
            "policy_block",
            _("%(network)s has blocked posting from your account for a while (its rules)."),
            _(
                "Read the message %(network)s sent you, wait a day, then try again. "
                "Essayons will not insist in the meantime."
            ),
            Action.RETRY,
        ),
        Explanation(
            "quota",
            _("%(network)s allows only so many posts a day, and the limit is reached."),
            _("Nothing to do: it will go out at %(time)s."),
        ),
        Explanation(
            "rate_limited",
            _("%(network)s asks us to slow down for a moment."),
            _("Nothing to do: it will go out at %(time)s."),
        ),
        Explanation(
            "link_refused",
            _("%(network)s could not read the link in the post."),
            _("Check that the link opens in a browser, then schedule the post again."),
            Action.EDIT_POST,
        ),
        Explanation(
            "media_refused",
            _("%(network)s refused a photo of the post (its size or its format)."),
            _("Use another photo (JPEG, not too small), then schedule the post again."),
            Action.EDIT_POST,
        ),
        Explanation(
            "media_not_public",
            _(
                "%(network)s fetches the photos from your Essayons server, which the internet cannot reach."
            ),
            _(
                "Ask the person who installed Essayons to make it reachable (its public "
                "address), or post this one by hand."
            ),
            Action.MANUAL,
        ),
        Explanation(
            "content_refused",
            _("%(network)s refused the post: it breaks one of its rules (length, photos)."),
            _("Change the post to fit the rule shown below, then schedule it again."),
            Action.EDIT_POST,
        ),
        Explanation(
            "blocked_url",
            _("The address of this %(network)s account is not a public address."),
            _("Reconnect the account with the address of your public server."),
            Action.RECONNECT,
        ),
        Explanation(
            "rejected",
            _("%(network)s refused this post."),
            _("Read the network's message below, change the post, then schedule it again."),
            Action.EDIT_POST,
        ),
        Explanation(
            "gave_up",
            _("%(network)s did not answer, even after several tries."),
            _("Send it again later with the button below, or post it by hand."),
            Action.RETRY,
        ),
        Explanation(
            "network_down",
            _("%(network)s did not answer."),
            _("Nothing to do: Essayons tries again at %(time)s."),
        ),
        Explanation(
            "unknown_outcome",
            _("%(network)s answered badly: we are checking whether the post went out."),
            _("Nothing to do: Essayons checks before sending anything again."),
        ),
        Explanation(
            "owner_check",
            _("We cannot tell whether %(network)s published the post."),
            _(
                "Look at your %(network)s account. If the post is there, give us its link; "
                "if it is not, send it again."
            ),
            Action.CHECK,
        ),
        Explanation(
            "content_limits",
            _("The post does not fit the rules of %(network)s: %(rule)s"),
            _(
                "Change the post, then schedule it again. Nothing went out on any network, "
                "so that they all go out together."
            ),
            Action.EDIT_POST,
        ),
        Explanation(
            "late",
            _("The post planned at %(time)s on %(network)s has not gone out yet."),
            _("Essayons keeps trying. If it is urgent, post it by hand."),
            Action.MANUAL,
        ),
        Explanation(
            "manual",
            _("Time to post on %(network)s: the text and the photos are ready to copy."),
            _("Post it, then press “I posted it” and give us the link."),
            Action.MANUAL,
        ),
        Explanation(
            "permalink_missing",
            _("We cannot find your post on %(network)s."),
            _("Look at your account: the network may have hidden or removed it."),
            Action.CHECK,
        ),
    ]
}

# Refusals where the network's own words help the owner fix the post.
NETWORK_MESSAGE_SHOWN = frozenset(
    {"rejected", "duplicate", "policy_block", "link_refused", "media_refused", "content_refused"}
)

# (network, code) → explanation key. Codes are strings as the connectors raise them.
NETWORK_CODES: dict[tuple[str, str], str] = {
    # Graph API error codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
    ("facebook", "190"): "auth_expired",
    ("facebook", "102"): "auth_expired",
    ("facebook", "10"): "missing_permission",
    ("facebook", "368"): "policy_block",
    ("facebook", "506"): "duplicate",
    ("facebook", "1609005"): "link_refused",
    ("instagram", "190"): "auth_expired",
    ("instagram", "10"): "missing_permission",
    ("instagram", "368"): "policy_block",
    # Content publishing limit reached (50 posts a day): ig-user/content_publishing_limit.
    ("instagram", "2207042"): "quota",
    # Aspect ratio / media type refused: instagram-api/reference/error-codes.
    ("instagram", "36003"): "media_refused",
    ("instagram", "2207026"): "media_refused",
    ("instagram", "2207004"): "media_refused",
    ("instagram", "2207009"): "media_refused",
    # Mastodon: https://docs.joinmastodon.org/methods/statuses/#create (401, 422).
    ("mastodon", "401"): "auth_expired",
    ("mastodon", "403"): "missing_permission",
    # Bluesky XRPC error names: ExpiredToken / InvalidToken come back as 400 (CONTRACTS.md §2.3).
    ("bluesky", "ExpiredToken"): "auth_expired",
    ("bluesky", "InvalidToken"): "auth_expired",
    ("bluesky", "AccountTakedown"): "policy_block",
    # Google APIs canonical errors: https://cloud.google.com/apis/design/errors
    ("google", "UNAUTHENTICATED"): "auth_expired",
    ("google", "PERMISSION_DENIED"): "missing_permission",
    ("google", "RESOURCE_EXHAUSTED"): "quota",
    # LinkedIn: https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
    ("linkedin", "401"): "auth_expired",
    ("linkedin", "403"): "missing_permission",
}

GENERIC_CODES: dict[str, str] = {
    "duplicate": "duplicate",
    "policy": "policy_block",
    "permission": "missing_permission",
    "quota": "quota",
    "media": "media_refused",
    "link": "link_refused",
    "blocked_url": "blocked_url",
    # Codes the connectors raise for several networks (connectors/*/client.py, content.py).
    "blocked_address": "blocked_url",
    "media_not_public": "media_not_public",
    "media_processing_failed": "media_refused",
    "image_unreadable": "media_refused",
    "image_too_large": "media_refused",
    "image_upload": "media_refused",
    "too_long": "content_refused",
    "too_many_bytes": "content_refused",
    "too_many_images": "content_refused",
    "image_required": "content_refused",
}

BY_CLASS: dict[str, str] = {
    "AuthExpired": "auth_expired",
    "Rejected": "rejected",
    "RateLimited": "rate_limited",
    "Transient": "network_down",
    "UnknownOutcome": "unknown_outcome",
}


def explanation_key(*, network: str, error_class: str, code: str = "") -> str:
    """The key of the explanation for an error raised by a connector."""
    # Graph API permission errors come as "200:pages_manage_posts": the number decides.
    number = code.split(":", 1)[0]
    found = NETWORK_CODES.get((network, number)) or GENERIC_CODES.get(code)
    graph = network in ("facebook", "instagram") and number.isdigit()
    if found is None and graph and 200 <= int(number) <= 299:
        found = "missing_permission"  # Graph API: "Permission errors" are the 200–299 range.
    return found or BY_CLASS.get(error_class, "rejected")


def explanation(key: str) -> Explanation:
    return EXPLANATIONS.get(key) or EXPLANATIONS["rejected"]


def explanation_text(key: str, *, network: str, time: str = "", rule: str = "") -> tuple[str, str]:
    """(what happened, what to do) in the active language, placeholders filled."""
    found = explanation(key)
    values = {"network": network, "time": time, "rule": rule}
    return str(found.problem) % values, str(found.fix) % values
