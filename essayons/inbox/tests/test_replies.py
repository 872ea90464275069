"""Replies whose outcome is unknown: asked about, confirmed by the owner, sent again once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from essayons.connectors.base import Published, Reconciliation
from essayons.connectors.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from essayons.connectors.models import ConnectionStatus
from essayons.connectors.registry import CONNECTORS
from essayons.inbox import services
from essayons.inbox.explain import reply_problem
from essayons.inbox.models import Reply, ReplyStatus
from essayons.inbox.tasks import inbox_sweep

from .support import QUESTION_TEXT, FakeReplier, facebook_connection, receive


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(CONNECTORS, "facebook", FakeReplier)
    FakeReplier.reset()
    return FakeReplier


def _unknown(business, owner, fake, **receive_kw):
    connection = facebook_connection(business)
    message = receive(business, QUESTION_TEXT, remote_id="q1", connection=connection, **receive_kw)
    reply = services.reply_draft_save(message=message, text="Oui, de 6 h à 12 h.")
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    fake.raises = UnknownOutcome("timeout", code="timeout")
    sent = services.reply_send(reply_id=reply.pk)
    assert sent.status == ReplyStatus.UNKNOWN
    fake.raises = None
    return sent


def test_the_target_carries_the_thread_and_what_the_network_asked_to_keep(business, owner, fake):
    connection = facebook_connection(business)
    message = receive(
        business,
        QUESTION_TEXT,
        remote_id="at://did:plc:x/app.bsky.feed.post/3k",
        connection=connection,
        thread_id="root-1",
        post_remote_id="post-9",
        context={"cid": "bafy1", "root_uri": "at://r", "huge": "x" * 9000},
    )
    reply = services.reply_draft_save(message=message, text="Merci !")
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    services.reply_send(reply_id=reply.pk)
    (target,) = fake.targets
    assert target.remote_id == "at://did:plc:x/app.bsky.feed.post/3k"
    assert (target.thread_id, target.post_remote_id) == ("root-1", "post-9")
    assert target.author_remote_id == "a-Marie"
    assert target.context["cid"] == "bafy1"
    assert len(target.context["huge"]) == 500  # capped when stored: it came from the network


def test_unknown_then_found_is_sent_without_a_second_call(business, owner, fake):
    reply = _unknown(business, owner, fake)
    fake.found = Published(remote_id="reply-77")
    done = services.reply_reconcile(reply_id=reply.pk)
    assert (done.status, done.remote_id, done.checks) == (ReplyStatus.SENT, "reply-77", 1)
    assert len(fake.calls) == 1  # only the first try ever went out
    assert fake.finds[0]["key"] == reply.attempt_key
    assert fake.finds[0]["since"] == reply.sending_at
    done.message.refresh_from_db()
    assert done.message.answered_at is not None


def test_unknown_then_surely_absent_waits_for_a_person_to_send_again(business, owner, fake):
    reply = _unknown(business, owner, fake)
    fake.found = None
    done = services.reply_reconcile(reply_id=reply.pk)
    assert (done.status, done.error) == (ReplyStatus.FAILED, "not_delivered")
    assert len(fake.calls) == 1  # nothing resent on its own
    again = services.reply_draft_save(message=done.message, text=done.text)
    assert again.pk == reply.pk and again.attempt_key == reply.attempt_key
    assert services.reply_press_send(reply=again, by=owner)
    services.reply_send(reply_id=again.pk)
    assert [c["attempt_key"] for c in fake.calls] == [reply.attempt_key] * 2


def test_network_cannot_tell_stays_unknown_and_counts_checks(business, owner, fake):
    reply = _unknown(business, owner, fake)
    fake.found = UnknownOutcome("cannot tell")
    for expected in (1, 2):
        done = services.reply_reconcile(reply_id=reply.pk)
        assert (done.status, done.checks) == (ReplyStatus.UNKNOWN, expected)


def test_sweep_asks_about_unknown_replies_after_a_while_and_stops_after_five(business, owner, fake):
    reply = _unknown(business, owner, fake)
    fake.found = UnknownOutcome("cannot tell")
    assert services.replies_unknown_due() == []  # too early: the network may be slow
    Reply.objects.filter(pk=reply.pk).update(sending_at=timezone.now() - timedelta(minutes=5))
    assert services.replies_unknown_due() == [reply.pk]
    for _ in range(5):
        inbox_sweep.call()
    reply.refresh_from_db()
    assert reply.checks == 5
    assert services.replies_unknown_due() == []  # the owner decides from here
    assert len(fake.finds) == 5


def test_owner_confirms_it_is_there_or_not(business, owner, fake):
    reply = _unknown(business, owner, fake)
    assert services.reply_confirm(reply=reply, arrived=True, by=owner)
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT
    reply.message.refresh_from_db()
    assert reply.message.answered_by == owner
    assert not services.reply_confirm(reply=reply, arrived=False, by=owner)  # already settled
    assert len(fake.calls) == 1


def test_owner_says_not_there(business, owner, fake):
    reply = _unknown(business, owner, fake)
    assert services.reply_confirm(reply=reply, arrived=False, by=owner)
    reply.refresh_from_db()
    assert (reply.status, reply.error) == (ReplyStatus.FAILED, "not_there")
    reply.message.refresh_from_db()
    assert reply.message.answered_at is None


def test_a_listing_network_saying_not_there_at_once_is_not_believed(business, owner, fake):
    fake.reply_reconciliation = Reconciliation.FEED_LOOKUP
    reply = _unknown(business, owner, fake)
    fake.found = None
    assert services.reply_reconcile(reply_id=reply.pk).status == ReplyStatus.UNKNOWN
    Reply.objects.filter(pk=reply.pk).update(sending_at=timezone.now() - timedelta(minutes=3))
    assert services.reply_reconcile(reply_id=reply.pk).status == ReplyStatus.FAILED


def test_a_customer_answering_our_reply_continues_the_same_conversation(business, owner, fake):
    connection = facebook_connection(business)
    first = receive(
        business, QUESTION_TEXT, remote_id="m-1", connection=connection, thread_id="m-1"
    )
    reply = services.reply_draft_save(message=first, text="Oui, dès 6 h.")
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    sent = services.reply_send(reply_id=reply.pk)
    answer = receive(
        business,
        "Merci ! Et le lundi ?",
        remote_id="m-2",
        connection=connection,
        thread_id="m-2",  # the network gives the answer its own thread id
        post_remote_id=sent.remote_id,
    )
    assert answer.conversation_id == first.conversation_id
    elsewhere = receive(
        business, "Autre chose", remote_id="m-3", connection=connection, thread_id="m-3"
    )
    assert elsewhere.conversation_id != first.conversation_id


@pytest.mark.parametrize(
    ("error", "recorded"),
    [
        (AuthExpired("revoked", code="190"), "auth_expired"),
        (RateLimited("slow", retry_at=timezone.now() + timedelta(hours=1)), "rate_limited"),
        (Transient("503", code="503"), "transient"),
        (Rejected("window", code="outside_window"), "outside_window"),
        (Rejected("no code"), "rejected"),
    ],
)
def test_a_refusal_records_what_the_owner_can_do(business, owner, fake, error, recorded):
    connection = facebook_connection(business)
    message = receive(business, QUESTION_TEXT, remote_id="q9", connection=connection)
    reply = services.reply_draft_save(message=message, text="Oui")
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    fake.raises = error
    done = services.reply_send(reply_id=reply.pk)
    assert (done.status, done.error) == (ReplyStatus.FAILED, recorded)
    what, todo = reply_problem(done)
    assert what and todo
    connection.refresh_from_db()
    expired = isinstance(error, AuthExpired)
    assert (connection.status == ConnectionStatus.NEEDS_RECONNECT) == expired
    assert (connection.rate_limited_until is not None) == isinstance(error, RateLimited)


def test_the_conversation_says_why_a_reply_did_not_go_out(business, owner, fake, client_as):
    connection = facebook_connection(business)
    message = receive(business, QUESTION_TEXT, remote_id="q10", connection=connection)
    reply = services.reply_draft_save(message=message, text="Oui")
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    fake.raises = Rejected("window", code="outside_window")
    services.reply_send(reply_id=reply.pk)
    page = client_as(owner).get(
        reverse("inbox:conversation", args=[business.public_id, message.pk])
    )
    body = page.content.decode().replace("&#x27;", "'")
    assert "dans les 24 heures" in body
    assert "Non envoyée" in body
    assert reply_problem(Reply.objects.get(pk=reply.pk)) is not None
    assert reply_problem(services.reply_draft_save(message=message, text="Oui !")) is None
