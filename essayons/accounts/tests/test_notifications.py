"""Notifications: who receives them, the e-mail, the page, the unread counter."""

from __future__ import annotations

import pytest
from django.core import mail
from django.template import Context, Template

from essayons.accounts.models import Notification
from essayons.accounts.roles import Perm
from essayons.accounts.services import notification_send

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def send(business, **kwargs):
    values = {"text": "Votre publication est partie.", "url": f"/e/{business.public_id}/"}
    return notification_send(business=business, **{**values, **kwargs})


def test_the_members_whose_role_allows_get_it_in_the_app_and_by_email(
    business, owner, advisor, helper, cashier, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notes = send(business, details="Le texte à copier : …")
    assert sorted(n.user.email for n in notes) == [advisor.email, owner.email]
    assert not Notification.objects.filter(user__in=[helper, cashier, outsider]).exists()
    [message] = mail.outbox
    assert sorted(message.to) == sorted([owner.email, advisor.email])
    assert message.subject == "Boulangerie Test : Votre publication est partie."
    assert "Le texte à copier" in message.body
    assert f"http://127.0.0.1:8000/e/{business.public_id}/" in message.body


def test_another_permission_reaches_other_roles(business, owner, helper, cashier):
    notes = send(business, perm=Perm.USE_TILL, email=False)
    assert sorted(n.user.email for n in notes) == sorted([owner.email, cashier.email])
    assert mail.outbox == []


def test_an_urgent_email_leaves_at_once_without_waiting_for_a_commit(business, owner):
    send(business, urgent=True)
    assert len(mail.outbox) == 1


def test_only_paths_of_this_site_are_kept(business, owner):
    for url in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)"):
        [note] = send(business, url=url, email=False)
        assert note.url == ""


def test_the_page_lists_mine_only_and_escapes(client_as, business, owner, other_business, outsider):
    send(business, text=f"Alerte {SCRIPT}", email=False)
    send(other_business, text="Pas pour vous", email=False)
    html = client_as(owner).get("/compte/notifications/").content.decode()
    assert f"Alerte {ESCAPED}" in html and SCRIPT not in html
    assert "Pas pour vous" not in html
    assert "Boulangerie Test" in html


def test_opening_one_marks_it_read_and_goes_where_it_says(client_as, business, owner, outsider):
    [note] = send(business, email=False)
    response = client_as(owner).get(f"/compte/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/e/{business.public_id}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert client_as(outsider).get(f"/compte/notifications/{note.pk}/").status_code == 404


def test_mark_all_read_is_a_post(client_as, business, owner):
    send(business, email=False)
    send(business, email=False)
    assert client_as(owner).get("/compte/notifications/lues/").status_code == 405
    client_as(owner).post("/compte/notifications/lues/")
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()


def test_the_menu_counter_shows_unread_only(client_as, business, owner, rf):
    render = Template("{% load notifications %}{% notifications_link %}")
    assert "badge" not in render.render(Context({"user": owner}))
    send(business, email=False)
    send(business, email=False)
    html = render.render(Context({"user": owner}))
    assert '<span class="badge counter">2</span>' in html
    assert "Notifications : 2 non lues" in html
    client_as(owner).post("/compte/notifications/lues/")
    assert "badge" not in render.render(Context({"user": owner}))


def test_anonymous_people_are_sent_to_log_in(client_as):
    assert client_as(None).get("/compte/notifications/").status_code == 302
