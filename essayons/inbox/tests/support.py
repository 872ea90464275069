"""Helpers for the inbox tests: messages without a network, a fake replying connector."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from essayons.connectors.base import Published
from essayons.connectors.models import Connection
from essayons.inbox.models import InboxChannel, Message
from essayons.inbox.services import Incoming, message_receive

COMPLAINT_TEXT = "Très déçue, le pain était rassis et la vendeuse désagréable, inadmissible 😡"
QUESTION_TEXT = "Bonjour, vous êtes ouverts le dimanche matin ?"
PRAISE_TEXT = "Merci pour ce délicieux gâteau, toute la famille a adoré ! 😍"


def facebook_connection(business, page_id="1029384756"):
    return Connection.objects.create(
        business=business, kind="facebook", account_id=page_id, account_name="Page"
    )


def receive(business, text, *, remote_id, hours_ago=1, connection=None, author="Marie", **kw):
    incoming = Incoming(
        channel=kw.pop("channel", InboxChannel.FACEBOOK),
        remote_id=remote_id,
        text=text,
        received_at=timezone.now() - timedelta(hours=hours_ago),
        author_name=author,
        author_remote_id=kw.pop("author_id", "a-" + author),
        **kw,
    )
    return message_receive(business=business, incoming=incoming, connection=connection)


def force_label(message: Message, label: str) -> Message:
    """Tests of the inbox rules must not depend on the classifier's judgement."""
    Message.objects.filter(pk=message.pk).update(label=label)
    message.refresh_from_db()
    return message


class FakeReplier:
    """A connector that can reply; records every call so a test can count deliveries."""

    kind = "facebook"
    supports_reply = True
    calls: list[dict] = []
    raises: Exception | None = None

    def __init__(self, connection):
        self.connection = connection

    def reply(self, *, to_remote_id, text, attempt_key):
        FakeReplier.calls.append(
            {"to_remote_id": to_remote_id, "text": text, "attempt_key": attempt_key}
        )
        if FakeReplier.raises is not None:
            raise FakeReplier.raises
        return Published(remote_id=f"r-{len(FakeReplier.calls)}")
