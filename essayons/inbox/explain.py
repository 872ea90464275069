"""What a reply that did not go out means for the owner, in plain words, and what to do.

The key is what `replies.reply_send` recorded: our own words for the error classes
(auth_expired, rate_limited, transient), ours for what the inbox decided (cannot_reply,
not_delivered, not_there), or the connector's code for a refusal of this very reply.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from essayons.inbox.models import Reply, ReplyStatus

SEND_AGAIN = _("Your text is kept above: press send to send it again.")
ON_THE_NETWORK = _("Answer on the network itself, then mark the message as answered.")

PROBLEMS: dict[str, tuple[Promise, Promise]] = {
    "cannot_reply": (_("This network cannot take replies from Essayons."), ON_THE_NETWORK),
    "not_delivered": (_("It did not arrive."), SEND_AGAIN),
    "not_there": (_("It did not arrive."), SEND_AGAIN),
    "auth_expired": (
        _("The connection to this network has expired."),
        _("Reconnect it on the “Connected accounts” page, then press send again."),
    ),
    "rate_limited": (
        _("The network asks us to slow down for a while."),
        _("Press send again in an hour."),
    ),
    "transient": (
        _("The network did not answer (it may be down for a moment)."),
        _("Press send again in a few minutes."),
    ),
    "outside_window": (
        _("Messenger only lets a business answer within 24 hours of the customer's last message."),
        ON_THE_NETWORK,
    ),
    "too_long": (_("The reply is too long for this network."), _("Shorten it, then send it.")),
    "empty": (_("The reply is empty."), _("Write a few words, then send it.")),
    "other_reply": (
        _("Someone else answered this review on Google meanwhile; Essayons did not replace it."),
        _("Look at the review on Google and decide there."),
    ),
    "no_recipient": (
        _("We do not have what this network needs to answer this message."),
        ON_THE_NETWORK,
    ),
    "reply_target_incomplete": (
        _("We do not have what this network needs to answer this message."),
        ON_THE_NETWORK,
    ),
    "bad_target": (
        _("We do not have what this network needs to answer this message."),
        ON_THE_NETWORK,
    ),
}
REFUSED = (
    _("The network refused it."),
    _("Your text is kept above: check it and press send again."),
)


def reply_problem(reply: Reply) -> tuple[str, str] | None:
    """(what happened, what to do) for a reply that did not go out; None otherwise."""
    if reply.status != ReplyStatus.FAILED:
        return None
    what, todo = PROBLEMS.get(reply.error, REFUSED)
    return str(what), str(todo)
