"""The demo bakery's inbox: what its customers said this week, sorted like the real thing.

Messages go through `message_receive` like any other; the labels are set as a person would
(the demo must show an unhappy customer on top even before the worker has started).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from essayons.accounts.models import Business, User
from essayons.connectors.base import Incoming
from essayons.inbox.models import InboxChannel
from essayons.inbox.services import message_receive
from essayons.inbox.triage import Label

# (hours ago, channel, who, label, text, context)
SAID: tuple[tuple[int, str, str, str, str, dict[str, str]], ...] = (
    (
        30,
        InboxChannel.GOOGLE,
        "Josée C.",
        Label.COMPLAINT,
        "Commande de gâteau pas prête à l'heure, personne ne m'a prévenue. Très déçue.",
        {"rating": "2"},
    ),
    (
        5,
        InboxChannel.FACEBOOK,
        "Paul M.",
        Label.QUESTION,
        "Bonjour, vous êtes ouverts le dimanche matin ? Et vous faites des galettes ?",
        {},
    ),
    (
        50,
        InboxChannel.INSTAGRAM,
        "lina.972",
        Label.PRAISE,
        "Le pain au beurre est une tuerie 😍 je l'ai recommandé à toute ma famille",
        {},
    ),
    (
        20,
        InboxChannel.INSTAGRAM,
        "lina.972",
        Label.PRAISE,
        "Encore merci pour les croissants de ce matin, toujours aussi bons !",
        {},
    ),
    (
        3,
        InboxChannel.COUNTER,
        "Mme Joseph",
        Label.QUESTION,
        "Demande si on peut livrer 40 sandwichs pour un baptême samedi.",
        {},
    ),
)


def demo_create(*, business: Business, owner: User) -> None:
    now = timezone.now()
    for number, (hours, channel, who, label, text, context) in enumerate(SAID, start=1):
        incoming = Incoming(
            channel=channel,
            remote_id=f"demo-{number}",
            text=text,
            received_at=now - timedelta(hours=hours),
            author_name=who,
            author_remote_id=f"demo-{who}",
            context=context,
        )
        message_receive(business=business, incoming=incoming, label=label)
