"""The inbox on the home page: customers waiting for an answer, replies to check."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essayons.accounts.home import HomeItem
from essayons.accounts.models import Membership
from essayons.accounts.roles import Perm
from essayons.inbox.models import Direction, Message, Reply, ReplyStatus
from essayons.inbox.queries import duration_words
from essayons.inbox.triage import Label


def home_items(*, membership: Membership) -> list[HomeItem]:
    if not membership.can(Perm.DRAFT_POSTS):
        return []
    business = membership.business
    base = reverse("inbox:list", args=[business.public_id])
    waiting = Message.objects.filter(
        business=business, direction=Direction.IN, answered_at__isnull=True
    ).aggregate(
        complaints=Count("pk", filter=Q(label=Label.COMPLAINT)),
        oldest=Min("received_at", filter=Q(label=Label.COMPLAINT)),
        questions=Count("pk", filter=Q(label=Label.QUESTION)),
    )
    items = []
    if waiting["complaints"]:
        since = duration_words(timezone.now() - waiting["oldest"])
        text = ngettext(
            "%(n)d unhappy customer is waiting for an answer (for %(since)s).",
            "%(n)d unhappy customers are waiting for an answer (the first for %(since)s).",
            waiting["complaints"],
        ) % {"n": waiting["complaints"], "since": since}
        items.append(HomeItem(text, f"{base}?label=complaint&answered=no", urgent=True))
    if waiting["questions"]:
        text = ngettext(
            "%(n)d question to answer.", "%(n)d questions to answer.", waiting["questions"]
        ) % {"n": waiting["questions"]}
        items.append(HomeItem(text, f"{base}?label=question&answered=no"))
    unknown = Reply.objects.filter(business=business, status=ReplyStatus.UNKNOWN).first()
    if unknown is not None:
        url = reverse("inbox:conversation", args=[business.public_id, unknown.message_id])
        items.append(HomeItem(_("A reply may not have arrived: have a look."), url, urgent=True))
    return items
