from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from essayons.accounts.models import Notification
from essayons.connectors.errors import Rejected, UnknownOutcome
from essayons.connectors.models import Connection
from essayons.connectors.registry import CONNECTORS
from essayons.inbox import services
from essayons.inbox.models import Message, Reply, ReplyStatus, TargetTime
from essayons.inbox.queries import (
    ambassadors,
    inbox_messages,
    inbox_month_figures,
    target_hours,
)
from essayons.inbox.services import polling
from essayons.inbox.tasks import inbox_overdue_alert
from essayons.inbox.triage import Label

from .support import (
    COMPLAINT_TEXT,
    PRAISE_TEXT,
    QUESTION_TEXT,
    FakeReplier,
    facebook_connection,
    force_label,
    receive,
)


@pytest.fixture
def fake_replier(monkeypatch):
    monkeypatch.setitem(CONNECTORS, "facebook", FakeReplier)
    FakeReplier.reset()
    return FakeReplier


def test_arrival_is_triaged_and_stored_once(business):
    first = receive(business, COMPLAINT_TEXT, remote_id="c1")
    again = receive(business, COMPLAINT_TEXT, remote_id="c1")
    assert first.pk == again.pk
    assert Message.objects.filter(business=business).count() == 1
    assert first.label == Label.COMPLAINT
    assert 0 < first.confidence <= 1
    assert first.reasons


def test_same_remote_id_in_two_businesses_is_two_messages(business, other_business):
    receive(business, QUESTION_TEXT, remote_id="same")
    receive(other_business, QUESTION_TEXT, remote_id="same")
    assert Message.objects.filter(remote_id="same").count() == 2


def test_correction_feeds_triage_of_this_business_only(business, other_business, owner):
    text = "Le pain au beurre de la semaine dernière, c'était quelque chose"
    first = receive(business, text, remote_id="x1")
    guessed = first.label
    chosen = Label.PRAISE if guessed != Label.PRAISE else Label.COMPLAINT
    services.label_correct(message=first, label=chosen, by=owner)
    assert receive(business, text + " !", remote_id="x2").label == chosen
    assert receive(other_business, text + " !", remote_id="x2").label == guessed


def test_inbox_order_complaints_then_questions_oldest_first(business):
    praise = force_label(receive(business, PRAISE_TEXT, remote_id="p", hours_ago=50), "praise")
    q_new = force_label(receive(business, QUESTION_TEXT, remote_id="q1", hours_ago=1), "question")
    q_old = force_label(receive(business, QUESTION_TEXT, remote_id="q2", hours_ago=5), "question")
    c_new = force_label(receive(business, COMPLAINT_TEXT, remote_id="c", hours_ago=2), "complaint")
    c_old = force_label(receive(business, COMPLAINT_TEXT, remote_id="d", hours_ago=30), "complaint")
    rows = inbox_messages(business=business)
    assert [r.message.pk for r in rows] == [c_old.pk, c_new.pk, q_old.pk, q_new.pk, praise.pk]
    assert [r.overdue for r in rows] == [True, False, False, False, False]


def test_target_times_default_and_edit(business):
    assert target_hours(business) == {"complaint": 24, "question": 24, "praise": 72}
    services.target_times_save(business=business, hours={"complaint": 4})
    assert target_hours(business)["complaint"] == 4
    assert TargetTime.objects.filter(business=business).count() == 1


def test_overdue_alert_sent_once(business, owner, advisor, helper):
    late = force_label(receive(business, COMPLAINT_TEXT, remote_id="c", hours_ago=30), "complaint")
    force_label(receive(business, COMPLAINT_TEXT, remote_id="d", hours_ago=2), "complaint")
    assert inbox_overdue_alert.call() == 1
    assert inbox_overdue_alert.call() == 0
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == [advisor.email, owner.email]
    notes = Notification.objects.filter(business=business)
    assert sorted(n.user_id for n in notes) == sorted([owner.pk, advisor.pk])
    assert f"/messages/{late.pk}/" in notes[0].url


def test_answered_complaint_is_not_alerted(business, owner):
    late = force_label(receive(business, COMPLAINT_TEXT, remote_id="c", hours_ago=30), "complaint")
    services.message_mark_answered(message=late, by=owner)
    assert inbox_overdue_alert.call() == 0
    assert mail.outbox == []


def _pressed(message, user, text="Merci, on arrive !"):
    reply = services.reply_draft_save(message=message, text=text)
    assert services.reply_press_send(reply=reply, by=user)
    return reply


def test_reply_sent_once_through_connector(business, owner, fake_replier):
    connection = facebook_connection(business)
    message = receive(business, QUESTION_TEXT, remote_id="q", connection=connection)
    reply = services.reply_draft_save(message=message, text="Oui, de 6 h à 12 h.")
    key = reply.attempt_key
    assert key
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    assert services.reply_send(reply_id=reply.pk).status == ReplyStatus.SENT
    assert services.reply_send(reply_id=reply.pk).status == ReplyStatus.SENT
    assert fake_replier.calls == [
        {"to_remote_id": "q", "text": "Oui, de 6 h à 12 h.", "attempt_key": key}
    ]
    message.refresh_from_db()
    assert message.answered_at is not None
    assert message.response_time > timedelta(minutes=59)
    assert message.reply_id == reply.pk


def test_reply_never_sent_without_a_person_pressing_send(business, fake_replier):
    connection = facebook_connection(business)
    message = force_label(
        receive(business, COMPLAINT_TEXT, remote_id="c", connection=connection), "complaint"
    )
    reply = services.reply_draft_save(message=message, text="Désolés")
    assert services.reply_send(reply_id=reply.pk).status == ReplyStatus.DRAFT
    assert fake_replier.calls == []
    message.refresh_from_db()
    assert message.answered_at is None


def test_unknown_outcome_is_not_retried(business, owner, fake_replier):
    connection = facebook_connection(business)
    message = receive(business, QUESTION_TEXT, remote_id="q", connection=connection)
    fake_replier.raises = UnknownOutcome("timeout")
    reply = services.reply_draft_save(message=message, text="Oui")
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    assert services.reply_send(reply_id=reply.pk).status == ReplyStatus.UNKNOWN
    assert services.reply_send(reply_id=reply.pk).status == ReplyStatus.UNKNOWN
    assert not services.reply_retry(reply=reply)
    assert len(fake_replier.calls) == 1


def test_rejected_reply_fails_and_may_be_retried_with_same_key(business, owner, fake_replier):
    connection = facebook_connection(business)
    message = receive(business, QUESTION_TEXT, remote_id="q", connection=connection)
    fake_replier.raises = Rejected("no", code="100")
    reply = services.reply_draft_save(message=message, text="Oui")
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    assert services.reply_send(reply_id=reply.pk).status == ReplyStatus.FAILED
    assert services.reply_retry(reply=reply)
    fake_replier.raises = None
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    assert services.reply_send(reply_id=reply.pk).status == ReplyStatus.SENT
    assert [c["attempt_key"] for c in fake_replier.calls] == [reply.attempt_key] * 2


def test_connector_without_reply_marks_failed_clearly(business, owner):
    connection = Connection.objects.create(
        business=business, kind="linkedin", account_id="urn:li:organization:1", account_name="P"
    )
    message = receive(business, QUESTION_TEXT, remote_id="q", connection=connection)
    reply = services.reply_draft_save(message=message, text="Oui")
    Reply.objects.filter(pk=reply.pk).update(pressed_send_by=owner)
    sent = services.reply_send(reply_id=reply.pk)
    assert (sent.status, sent.error) == (ReplyStatus.FAILED, "cannot_reply")


def test_press_send_enqueues_and_delivers(
    business, owner, fake_replier, django_capture_on_commit_callbacks
):
    connection = facebook_connection(business)
    message = receive(business, QUESTION_TEXT, remote_id="q", connection=connection)
    with django_capture_on_commit_callbacks(execute=True):
        reply = _pressed(message, owner)
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT
    assert not services.reply_press_send(reply=reply, by=owner)
    assert len(fake_replier.calls) == 1


def test_counter_message_is_sorted_by_the_worker_after_commit(
    business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.counter_message_create(
            business=business, channel="counter", who="Mme Joseph", text=COMPLAINT_TEXT
        )
        stored = Message.objects.get(pk=message.pk)
        assert (stored.triaged_at, stored.label) == (None, Label.OTHER)  # not sorted in the view
    assert len(callbacks) == 1  # the sorting task, handed over once the message is committed
    message.refresh_from_db()
    assert message.label == Label.COMPLAINT
    assert message.triaged_at is not None
    assert message.remote_id.startswith("local-")


def test_counter_kind_chosen_by_the_person_is_kept_and_not_sorted(
    business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.counter_message_create(
            business=business, channel="phone", who="", text=COMPLAINT_TEXT, kind=Label.QUESTION
        )
    assert callbacks == []
    message.refresh_from_db()
    assert (message.label, message.triaged) == (Label.QUESTION, True)


def test_triage_never_overwrites_a_person_s_label(business, owner):
    incoming = services.Incoming(
        channel="facebook", remote_id="m-7", text=COMPLAINT_TEXT, received_at=timezone.now()
    )
    message = services.message_receive(business=business, incoming=incoming)
    services.label_correct(message=message, label=Label.PRAISE, by=owner)
    services.message_triage(message_id=message.pk)
    message.refresh_from_db()
    assert message.label == Label.PRAISE


@pytest.mark.parametrize(
    ("stars", "text", "label"),
    [
        ("1", "Super pain, vendeuse adorable", Label.COMPLAINT),
        ("2", "", Label.COMPLAINT),
        ("5", "", Label.PRAISE),
        ("3", "", Label.OTHER),
        ("5", "Très déçue, inadmissible 😡", Label.COMPLAINT),
    ],
)
def test_review_stars_speak_first(business, stars, text, label):
    message = receive(
        business, text, remote_id=f"rev-{stars}-{len(text)}", context={"rating": stars}
    )
    assert message.label == label
    assert message.rating == int(stars)


def test_lost_sorting_is_requeued(business, django_capture_on_commit_callbacks):
    incoming = services.Incoming(
        channel="facebook",
        remote_id="lost-1",
        text=QUESTION_TEXT,
        received_at=timezone.now() - timedelta(minutes=10),
    )
    message = services.message_receive(business=business, incoming=incoming)  # task lost
    fresh = services.Incoming(
        channel="facebook", remote_id="fresh-1", text=QUESTION_TEXT, received_at=timezone.now()
    )
    services.message_receive(business=business, incoming=fresh)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.messages_untriaged_requeue() == 1  # the fresh one still has its task
    message.refresh_from_db()
    assert message.label == Label.QUESTION


def test_month_figures(business, owner):
    now = timezone.now()
    a = force_label(receive(business, QUESTION_TEXT, remote_id="a", hours_ago=10), "question")
    b = force_label(receive(business, QUESTION_TEXT, remote_id="b", hours_ago=6), "question")
    force_label(receive(business, QUESTION_TEXT, remote_id="c", hours_ago=3), "question")
    force_label(receive(business, "promo crypto", remote_id="s", hours_ago=3), "other")
    Message.objects.filter(pk=a.pk).update(answered_at=a.received_at + timedelta(hours=2))
    Message.objects.filter(pk=b.pk).update(answered_at=b.received_at + timedelta(hours=4))
    median, share = inbox_month_figures(business=business, month=(now - timedelta(hours=3)).date())
    assert median == timedelta(hours=3)
    assert share == pytest.approx(2 / 3)
    assert inbox_month_figures(business=business, month=date(2001, 1, 1)) == (None, 0.0)


def test_ambassadors(business):
    for i in range(2):
        force_label(receive(business, PRAISE_TEXT, remote_id=f"p{i}", author="Léa"), "praise")
    force_label(
        receive(business, "Je vous recommande à tous", remote_id="r", author="Max"), "praise"
    )
    force_label(receive(business, PRAISE_TEXT, remote_id="once", author="Zoé"), "praise")
    people = ambassadors(business=business)
    assert [(p.name, len(p.messages)) for p in people] == [("Léa", 2), ("Max", 1)]


def _polled(remote_id, text=QUESTION_TEXT):
    from essayons.inbox.services import Incoming

    return Incoming(channel="mastodon", remote_id=remote_id, text=text, received_at=timezone.now())


def test_polling_resumes_from_cursor_and_never_stores_twice(business, monkeypatch):
    connection = facebook_connection(business)
    assert services.poll_cursor_read(connection=connection, kind="mentions") == ""
    services.poll_batch_store(
        connection=connection, kind="mentions", items=[_polled("1"), _polled("2")], next_cursor="2"
    )
    assert services.poll_cursor_read(connection=connection, kind="mentions") == "2"

    def broken(**kwargs):
        raise RuntimeError("database went away")

    real = polling.message_receive
    calls = iter([real, broken])
    monkeypatch.setattr(polling, "message_receive", lambda **kw: next(calls)(**kw))
    with pytest.raises(RuntimeError):
        services.poll_batch_store(
            connection=connection,
            kind="mentions",
            items=[_polled("3"), _polled("4")],
            next_cursor="4",
        )
    assert services.poll_cursor_read(connection=connection, kind="mentions") == "2"
    assert Message.objects.count() == 2  # the half-stored page was rolled back
    monkeypatch.setattr(polling, "message_receive", real)
    services.poll_batch_store(
        connection=connection,
        kind="mentions",
        items=[_polled("2"), _polled("3"), _polled("4")],
        next_cursor="4",
    )
    assert sorted(Message.objects.values_list("remote_id", flat=True)) == ["1", "2", "3", "4"]
    assert services.poll_cursor_read(connection=connection, kind="mentions") == "4"


def test_helper_cannot_press_send_on_a_complaint(business, helper, owner, fake_replier):
    connection = facebook_connection(business)
    message = force_label(
        receive(business, COMPLAINT_TEXT, remote_id="c", connection=connection), "complaint"
    )
    reply = services.reply_draft_save(message=message, text="Désolés")
    assert not services.reply_press_send(reply=reply, by=helper)
    reply.refresh_from_db()
    assert reply.pressed_send_by is None
    assert services.reply_send(reply_id=reply.pk).status == ReplyStatus.DRAFT
    assert fake_replier.calls == []


def test_an_edited_review_is_updated_and_sorted_again(business):
    first = receive(business, PRAISE_TEXT, remote_id="rev-9", context={"rating": "5"})
    assert first.label == Label.PRAISE
    same = receive(business, PRAISE_TEXT, remote_id="rev-9", context={"rating": "5"})
    assert same.triaged_at == first.triaged_at  # nothing changed, nothing redone
    edited = receive(business, "Finalement non.", remote_id="rev-9", context={"rating": "1"})
    assert edited.pk == first.pk
    assert (edited.text, edited.rating, edited.label) == ("Finalement non.", 1, Label.COMPLAINT)
    assert Message.objects.filter(business=business).count() == 1


def test_a_comment_on_our_own_post_shows_that_post(business):
    from essayons.planner.models import Post, PostStatus
    from essayons.publishing.models import Delivery

    post = Post.objects.create(
        business=business,
        status=PostStatus.SCHEDULED,
        text="Galettes des rois tout le mois de janvier 👑",
        channels=["facebook"],
        scheduled_at=timezone.now(),
    )
    Delivery.objects.create(
        business=business,
        post=post,
        channel="facebook",
        due_at=timezone.now(),
        attempt_key="k-1",
        remote_id="1029384756_555",
        remote_url="https://www.facebook.com/1029384756/posts/555",
    )
    message = receive(business, QUESTION_TEXT, remote_id="c-1", post_remote_id="1029384756_555")
    assert message.conversation.post_excerpt.startswith("Galettes des rois")
    assert message.conversation.post_url == "https://www.facebook.com/1029384756/posts/555"
    elsewhere = receive(
        business, QUESTION_TEXT, remote_id="c-2", post_remote_id="999_1", author="Paul"
    )
    assert (elsewhere.conversation.post_excerpt, elsewhere.conversation.post_url) == ("", "")


def test_answered_messages_come_after_what_waits_latest_answer_first(business, owner):
    done_old = force_label(
        receive(business, COMPLAINT_TEXT, remote_id="a1", hours_ago=90), "complaint"
    )
    done_new = force_label(
        receive(business, QUESTION_TEXT, remote_id="a2", hours_ago=80), "question"
    )
    waiting = force_label(receive(business, PRAISE_TEXT, remote_id="w", hours_ago=1), "praise")
    services.message_mark_answered(message=done_old, by=owner)
    Message.objects.filter(pk=done_new.pk).update(answered_at=timezone.now() + timedelta(minutes=1))
    rows = inbox_messages(business=business)
    assert [r.message.pk for r in rows] == [waiting.pk, done_new.pk, done_old.pk]
    assert [r.message.pk for r in inbox_messages(business=business, answered="no")] == [waiting.pk]
    assert len(inbox_messages(business=business, answered="yes")) == 2


def test_an_old_unanswered_complaint_is_never_pushed_off_the_page(business, monkeypatch):
    from essayons.inbox import queries

    monkeypatch.setattr(queries, "INBOX_PAGE", 3)
    old = force_label(
        receive(business, COMPLAINT_TEXT, remote_id="old", hours_ago=500), "complaint"
    )
    for n in range(5):
        force_label(receive(business, PRAISE_TEXT, remote_id=f"new{n}", hours_ago=n), "praise")
    incoming = services.Incoming(
        channel="facebook", remote_id="unsorted", text="?", received_at=timezone.now()
    )
    unsorted = services.message_receive(business=business, incoming=incoming)
    rows = inbox_messages(business=business)
    assert [r.message.pk for r in rows][:2] == [unsorted.pk, old.pk]
    assert len(rows) == 3
