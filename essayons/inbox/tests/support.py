"""Helpers for the inbox tests: messages without a network, a fake replying connector."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from essayons.connectors.base import InboxPage, Incoming, Published, Reconciliation
from essayons.connectors.models import Connection
from essayons.inbox.models import InboxChannel, Message
from essayons.inbox.services import message_receive, message_triage

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
    message = message_receive(business=business, incoming=incoming, connection=connection)
    # The worker sorts it after commit; a test's transaction never commits, so sort it here.
    return message_triage(message_id=message.pk) or message


def force_label(message: Message, label: str) -> Message:
    """Tests of the inbox rules must not depend on the classifier's judgement."""
    Message.objects.filter(pk=message.pk).update(label=label)
    message.refresh_from_db()
    return message


class FakeReplier:
    """A connector that can reply and be polled; records every call so a test can count.

    `found` is what find_reply answers (a Published, None, or an exception to raise);
    `pages` maps a cursor to the InboxPage (or exception) inbox_poll returns for it.
    """

    kind = "facebook"
    supports_reply = True
    reply_reconciliation = Reconciliation.HUMAN
    inbox_kinds: tuple[str, ...] = ()
    calls: list[dict] = []
    targets: list = []
    raises: Exception | None = None
    found: object = None
    finds: list[dict] = []
    pages: dict[str, object] = {}
    polls: list[str] = []

    def __init__(self, connection):
        self.connection = connection

    def reply(self, *, target, text, attempt_key):
        FakeReplier.calls.append(
            {"to_remote_id": target.remote_id, "text": text, "attempt_key": attempt_key}
        )
        FakeReplier.targets.append(target)
        if FakeReplier.raises is not None:
            raise FakeReplier.raises
        return Published(remote_id=f"r-{len(FakeReplier.calls)}")

    def find_reply(self, *, target, text, attempt_key, since):
        FakeReplier.finds.append({"to": target.remote_id, "key": attempt_key, "since": since})
        if isinstance(FakeReplier.found, Exception):
            raise FakeReplier.found
        return FakeReplier.found

    def inbox_poll(self, *, kind, cursor):
        FakeReplier.polls.append(cursor)
        page = FakeReplier.pages.get(cursor, InboxPage(items=(), next_cursor=cursor))
        if isinstance(page, Exception):
            raise page
        return page

    @classmethod
    def reset(cls):
        cls.calls, cls.targets, cls.finds, cls.polls = [], [], [], []
        cls.raises, cls.found, cls.pages, cls.inbox_kinds = None, None, {}, ()
        cls.reply_reconciliation = Reconciliation.HUMAN
