import pytest
from django.urls import reverse

from essayons.inbox.models import LabelCorrection, Message, Reply, ReplyStatus
from essayons.inbox.triage import Label

from .support import COMPLAINT_TEXT, PRAISE_TEXT, QUESTION_TEXT, force_label, receive


@pytest.fixture
def complaint(business):
    return force_label(receive(business, COMPLAINT_TEXT, remote_id="c"), "complaint")


@pytest.fixture
def question(business):
    return force_label(receive(business, QUESTION_TEXT, remote_id="q"), "question")


def url(name, business, *args):
    return reverse(f"inbox:{name}", args=[business.public_id, *args])


@pytest.mark.parametrize("name", ["list", "counter", "ambassadors"])
def test_pages_personas(name, business, owner, helper, cashier, outsider, client_as):
    assert client_as(owner).get(url(name, business)).status_code == 200
    assert client_as(helper).get(url(name, business)).status_code == 200
    assert client_as(cashier).get(url(name, business)).status_code == 403
    assert client_as(outsider).get(url(name, business)).status_code == 404


def test_targets_owner_only(business, owner, helper, client_as):
    assert client_as(owner).get(url("targets", business)).status_code == 200
    assert client_as(helper).get(url("targets", business)).status_code == 403
    response = client_as(owner).post(url("targets", business), {"complaint": "0"})
    assert response.status_code == 400


def test_list_shows_complaint_first_escaped(business, owner, client_as, question):
    hostile = receive(business, "<script>alert(1)</script> nul !", remote_id="h", hours_ago=40)
    force_label(hostile, "complaint")
    body = client_as(owner).get(url("list", business)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert body.index("&lt;script&gt;") < body.index("dimanche matin")
    assert "En retard" in body or "Attend depuis trop longtemps" in body


def test_filters(business, owner, client_as, question, complaint):
    body = client_as(owner).get(url("list", business), {"label": "question"}).content.decode()
    assert "dimanche matin" in body and "rassis" not in body
    assert client_as(owner).get(url("list", business), {"label": "zzz"}).status_code == 200


def test_conversation_personas(
    business, other_business, owner, helper, cashier, outsider, client_as, question
):
    page = url("conversation", business, question.pk)
    assert client_as(owner).get(page).status_code == 200
    assert client_as(helper).get(page).status_code == 200
    assert client_as(cashier).get(page).status_code == 403
    assert client_as(outsider).get(page).status_code == 404
    foreign = force_label(receive(other_business, QUESTION_TEXT, remote_id="f"), "question")
    assert client_as(owner).get(url("conversation", business, foreign.pk)).status_code == 404
    assert (
        client_as(owner).post(url("reply", business, foreign.pk), {"text": "x"}).status_code == 404
    )


def test_conversation_suggests_reply_with_name_and_context(business, owner, client_as):
    receive(business, "Premier message de Marie", remote_id="old", hours_ago=48)
    later = force_label(receive(business, QUESTION_TEXT, remote_id="q", hours_ago=1), "question")
    body = client_as(owner).get(url("conversation", business, later.pk)).content.decode()
    assert "Bonjour Marie" in body
    assert "Premier message de Marie" in body
    assert "[…]" in body  # the opening hours are left for the owner


def test_helper_answers_question_not_complaint(business, helper, client_as, question, complaint):
    ok = client_as(helper).post(url("reply", business, question.pk), {"text": "Oui, 6 h-12 h"})
    assert ok.status_code == 302
    assert Reply.objects.filter(message=question).count() == 1
    refused = client_as(helper).post(url("reply", business, complaint.pk), {"text": "Désolés"})
    assert refused.status_code == 403
    assert not Reply.objects.filter(message=complaint).exists()
    body = client_as(helper).get(url("conversation", business, complaint.pk)).content.decode()
    assert 'name="send"' not in body
    relabel = client_as(helper).post(url("label", business, complaint.pk), {"label": "question"})
    assert relabel.status_code == 403


def test_owner_saves_complaint_draft_without_sending(business, owner, client_as, complaint):
    client_as(owner).post(url("reply", business, complaint.pk), {"text": "Désolés", "save": "1"})
    reply = Reply.objects.get(message=complaint)
    assert reply.status == ReplyStatus.DRAFT and reply.pressed_send_by is None


def test_reply_bad_input(business, owner, client_as, question):
    page = url("reply", business, question.pk)
    huge = client_as(owner).post(page, {"text": "a" * 6000, "send": "1"})
    assert huge.status_code == 400
    assert "a" * 6000 in huge.content.decode()  # what was typed is kept
    binary = client_as(owner).post(page, {"text": "abc\x00def", "send": "1"})
    assert binary.status_code == 400
    assert not Reply.objects.exists()


def test_label_correction_htmx(business, owner, client_as, question):
    response = client_as(owner).post(
        url("label", business, question.pk), {"label": "praise"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Compliment" in response.content.decode() or "praise" in response.content.decode()
    question.refresh_from_db()
    assert question.label == Label.PRAISE and question.label_corrected_by is not None
    assert LabelCorrection.objects.get(message=question).label == "praise"
    bad = client_as(owner).post(url("label", business, question.pk), {"label": "nope"})
    assert bad.status_code == 400


def test_counter_form(business, helper, client_as, django_capture_on_commit_callbacks):
    page = url("counter", business)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(helper).post(
            page, {"channel": "phone", "who": "<b>Mme Joseph</b>", "text": COMPLAINT_TEXT}
        )
    message = Message.objects.get(business=business)
    assert response.status_code == 302
    assert message.channel == "phone" and message.label == Label.COMPLAINT
    body = client_as(helper).get(url("conversation", business, message.pk)).content.decode()
    assert "&lt;b&gt;Mme Joseph&lt;/b&gt;" in body
    assert 'name="send"' not in body  # said on the phone: answered by hand only
    for bad in (
        {"channel": "counter", "text": ""},
        {"channel": "fax", "text": "x"},
        {"channel": "counter", "text": "x" * 6000},
        {"channel": "counter", "text": "x", "kind": "spam"},
    ):
        refused = client_as(helper).post(page, bad)
        assert refused.status_code == 400
    assert Message.objects.count() == 1


def test_mark_answered_counter(business, owner, client_as):
    client_as(owner).post(url("counter", business), {"channel": "counter", "text": PRAISE_TEXT})
    message = Message.objects.get()
    client_as(owner).post(url("answered", business, message.pk))
    message.refresh_from_db()
    assert message.answered_at is not None and message.answered_by == owner


def test_htmx_filter_returns_the_partial(business, owner, client_as, question):
    response = client_as(owner).get(
        url("list", business), {"answered": "no"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "dimanche matin" in body


def test_counter_kind_chosen_by_the_helper(business, helper, client_as):
    response = client_as(helper).post(
        url("counter", business),
        {"channel": "counter", "who": "", "text": "Vous livrez à Schoelcher ?", "kind": "question"},
    )
    assert response.status_code == 302
    message = Message.objects.get(business=business)
    assert (message.label, message.triaged) == (Label.QUESTION, True)


def test_this_month_figures_read_well_before_any_answer(business, owner, client_as):
    from django.utils import timezone

    page = client_as(owner).get(url("list", business)).content.decode()
    assert "aucun message à répondre pour l" in page
    message = receive(business, QUESTION_TEXT, remote_id="q-month", hours_ago=0)
    page = client_as(owner).get(url("list", business)).content.decode()
    assert "1 message appelle une réponse ; aucun n" in page
    Message.objects.filter(pk=message.pk).update(answered_at=timezone.now())
    page = client_as(owner).get(url("list", business)).content.decode()
    assert "la moitié de vos clients ont eu une réponse en moins de 1 min ; 100 %" in page


def test_home_page_says_who_waits_for_an_answer(business, owner, helper, cashier, client_as):
    from essayons.inbox.models import Reply

    home = reverse("accounts:dashboard", args=[business.public_id])
    assert "Rien ne vous attend" in client_as(owner).get(home).content.decode()
    old = force_label(
        receive(business, COMPLAINT_TEXT, remote_id="c-old", hours_ago=5), "complaint"
    )
    force_label(receive(business, COMPLAINT_TEXT, remote_id="c-new", hours_ago=1), "complaint")
    force_label(receive(business, QUESTION_TEXT, remote_id="q-1", hours_ago=2), "question")
    body = client_as(owner).get(home).content.decode().replace("&#x27;", "'")
    assert "2 clients mécontents attendent une réponse (le premier depuis 5 h)" in body
    assert "1 question à laquelle répondre" in body
    assert body.index("clients mécontents") < body.index("question à laquelle")  # urgent first
    assert "?label=complaint&amp;answered=no" in body
    Reply.objects.create(
        business=business, message=old, text="…", attempt_key="k-u", status="unknown"
    )
    body = client_as(helper).get(home).content.decode().replace("&#x27;", "'")
    assert "Une réponse n'est peut-être pas arrivée" in body
    assert reverse("inbox:conversation", args=[business.public_id, old.pk]) in body
    assert client_as(cashier).get(home).status_code in (302, 403)  # the till is theirs
