"""Telling people about approvals by e-mail, after the change is committed."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from essayons.accounts.models import Membership, User
from essayons.accounts.roles import Role
from essayons.accounts.tasks import email_send
from essayons.planner.models import Post

EXCERPT_CHARS = 200


def _post_url(post: Post) -> str:
    return settings.SITE_URL + reverse("planner:post", args=[post.business.public_id, post.pk])


def _excerpt(post: Post) -> str:
    text = post.text or post.idea
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


def _send(recipients: list[str], subject: str, body: str) -> None:
    if recipients:
        transaction.on_commit(lambda: email_send.enqueue(to=recipients, subject=subject, body=body))


def notify_submitted(post: Post, *, by: User) -> None:
    """Tell the business's owners that a post waits for their approval."""
    recipients = list(
        Membership.objects.filter(business=post.business, role=Role.OWNER)
        .exclude(user=by)
        .values_list("user__email", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(business)s: a post waits for your approval") % {
            "business": post.business.name
        }
        body = _(
            "%(name)s sent a post for approval.\n\n%(excerpt)s\n\n"
            "Approve it or ask for a change here:\n%(url)s"
        ) % {"name": by, "excerpt": _excerpt(post), "url": _post_url(post)}
    _send(recipients, subject, body)


def notify_decision(post: Post, *, approved: bool, comment: str, by: User) -> None:
    """Tell whoever sent the post what the owner decided."""
    helper = post.submitted_by
    if helper is None or helper.pk == by.pk or not helper.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        if approved:
            subject = _("%(business)s: your post is approved") % {"business": post.business.name}
            body = _("%(name)s approved your post; it is scheduled.\n\n%(excerpt)s\n\n%(url)s") % {
                "name": by,
                "excerpt": _excerpt(post),
                "url": _post_url(post),
            }
        else:
            subject = _("%(business)s: a change is asked on your post") % {
                "business": post.business.name
            }
            body = _(
                "%(name)s asks for a change:\n\n“%(comment)s”\n\n%(excerpt)s\n\n"
                "Change the post here:\n%(url)s"
            ) % {"name": by, "comment": comment, "excerpt": _excerpt(post), "url": _post_url(post)}
    _send([helper.email], subject, body)
