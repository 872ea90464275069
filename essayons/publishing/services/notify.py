"""Telling the owner, in plain French, what happened to a delivery and what to do."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from essayons.accounts.models import Business
from essayons.accounts.roles import Perm
from essayons.accounts.services import notification_send
from essayons.diagnostic.channels import Channel
from essayons.planner.models import Post
from essayons.publishing.explain import Action, explanation, explanation_text
from essayons.publishing.models import Delivery


def local(moment: datetime, business: Business) -> datetime:
    return timezone.localtime(moment, ZoneInfo(business.timezone))


def local_time(moment: datetime, business: Business) -> str:
    """ "14:05" in the business's own time zone (DESIGN.md invariant 5)."""
    return formats.time_format(local(moment, business), "H:i")


def local_when(moment: datetime, business: Business) -> str:
    """ "mardi 3 décembre à 12:00" (in the active language), in the business's time zone."""
    at = local(moment, business)
    return _("%(day)s at %(time)s") % {
        "day": formats.date_format(at, "l j F"),
        "time": formats.time_format(at, "H:i"),
    }


def network_name(channel: str) -> str:
    return str(Channel(channel).label) if channel in Channel.values else channel


def reconnect_url(business: Business) -> str:
    """The connections page where the owner reconnects an account."""
    try:
        return reverse("connectors:list", args=[business.public_id])
    except NoReverseMatch:  # the connections page is not installed: the post page explains
        return ""


def post_url(post: Post) -> str:
    return reverse("publishing:post", args=[post.business.public_id, post.pk])


def manual_url(delivery: Delivery) -> str:
    return reverse("connectors:manual", args=[delivery.business.public_id, delivery.pk])


def action_url(delivery: Delivery, action: Action) -> str:
    """Where the button of an explanation leads, for this delivery."""
    if action == Action.RECONNECT:
        return reconnect_url(delivery.business) or post_url(delivery.post)
    if action == Action.EDIT_POST:
        return reverse("planner:post_edit", args=[delivery.business.public_id, delivery.post_id])
    if action in (Action.MANUAL, Action.CHECK):
        return manual_url(delivery)
    return post_url(delivery.post)


def message_for(
    delivery: Delivery, key: str, *, time: datetime | None = None, rule: str = ""
) -> str:
    """One paragraph: which post, what happened, what to do (in the active language)."""
    business = delivery.business
    problem, fix = explanation_text(
        key,
        network=network_name(delivery.channel),
        time=local_time(time, business) if time else "",
        rule=rule,
    )
    return _("Post of %(when)s on %(network)s: %(problem)s %(fix)s") % {
        "when": local_when(delivery.due_at, business),
        "network": network_name(delivery.channel),
        "problem": problem,
        "fix": fix,
    }


def owner_tell(
    delivery: Delivery,
    key: str,
    *,
    time: datetime | None = None,
    rule: str = "",
    network_message: str = "",
    details: str = "",
    urgent: bool = False,
) -> None:
    """Notify the people who approve posts (in the app and by e-mail) about `delivery`."""
    with translation.override(settings.LANGUAGE_CODE):
        text = message_for(delivery, key, time=time, rule=rule)
        if network_message:
            text += "\n" + _("Message from %(network)s: “%(message)s”") % {
                "network": network_name(delivery.channel),
                "message": network_message,
            }
    notification_send(
        business=delivery.business,
        text=text,
        url=action_url(delivery, explanation(key).action),
        perm=Perm.APPROVE_POSTS,
        details=details,
        urgent=urgent,
    )


def manual_details(delivery: Delivery) -> str:
    """The e-mail part of a hand-over: the text to copy and where the photos are."""
    post = delivery.post
    with translation.override(settings.LANGUAGE_CODE):
        lines = [_("The text to copy:"), "", post.text, ""]
        images = list(post.images.all())
        if images:
            lines.append(_("The photos (log in to download them):"))
            lines += [
                settings.SITE_URL + reverse("planner:image", args=[post.business.public_id, i.pk])
                for i in images
            ]
    return "\n".join(lines)
