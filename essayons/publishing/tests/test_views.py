"""The pages: a post's deliveries, the health page, the owner's decisions, who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template

from essayons.connectors.models import ConnectionStatus
from essayons.planner.models import PostStatus
from essayons.publishing.models import (
    Attempt,
    AttemptKind,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
)
from essayons.publishing.tests.conftest import START, connect, only, schedule

S = DeliveryStatus
pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def page(business, post):
    return f"/e/{business.public_id}/publications/{post.pk}/diffusion/"


def failed(business, **fields):
    post = schedule(business, text=f"Promo {SCRIPT}")
    Delivery.objects.filter(post=post).update(status=S.FAILED, **fields)
    post.status = PostStatus.FAILED
    post.save()
    return post


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("owner", 200),
        ("advisor", 200),
        ("helper", 200),
        ("cashier", 403),
        ("outsider", 404),
        (None, 302),
    ],
)
def test_who_sees_a_posts_deliveries(request, client_as, business, owner, persona, expected):
    post = schedule(business)
    user = request.getfixturevalue(persona) if persona else None
    assert client_as(user).get(page(business, post)).status_code == expected


def test_a_published_delivery_links_to_the_live_post_with_its_steps(client_as, business, owner):
    connect(business)
    post = schedule(business)
    delivery = only(post)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=S.PUBLISHED, remote_id="42", remote_url="https://social.example/@shop/42"
    )
    Attempt.objects.create(
        delivery=delivery,
        kind=AttemptKind.PUBLISH,
        started_at=START,
        outcome=AttemptOutcome.PUBLISHED,
        worker_id="host:1:2",
    )
    response = client_as(owner).get(page(business, post))
    html = response.content.decode()
    assert 'href="https://social.example/@shop/42"' in html
    assert "La voir en ligne" in html
    assert "1 étape" in html and "Publiée" in html


def test_a_link_that_is_not_a_web_address_is_never_shown_as_one(client_as, business, owner):
    post = schedule(business)
    Delivery.objects.filter(post=post).update(status=S.PUBLISHED, remote_url="javascript:alert(1)")
    html = client_as(owner).get(page(business, post)).content.decode()
    assert "javascript:" not in html


def test_a_failure_is_explained_in_french_with_what_to_do(client_as, business, owner):
    post = failed(
        business,
        last_error_class="Rejected",
        last_error_code="506",
        last_message_key="duplicate",
        last_error_detail=f"(#506) Duplicate {SCRIPT}",
    )
    html = client_as(owner).get(page(business, post)).content.decode()
    assert (
        "Mastodon a refusé cette publication car elle est identique à une publication récente."
        in html
    )
    assert "Modifier la publication" in html
    assert f"/e/{business.public_id}/publications/{post.pk}/modifier/" in html
    assert ESCAPED in html and SCRIPT not in html
    assert "Renvoyer" in html


def test_an_expired_token_shows_the_reconnect_button(client_as, business, owner):
    connect(business, status=ConnectionStatus.NEEDS_RECONNECT)
    post = schedule(business)
    Delivery.objects.filter(post=post).update(
        status=S.NEEDS_RECONNECT, last_message_key="auth_expired"
    )
    html = client_as(owner).get(page(business, post)).content.decode()
    assert "Reconnectez votre page ou votre compte" in html
    assert f'href="/e/{business.public_id}/connexions/"' in html
    assert "Reconnecter le compte" in html


def test_a_helper_sees_but_cannot_decide(client_as, business, helper):
    post = failed(business, last_message_key="gave_up")
    html = client_as(helper).get(page(business, post)).content.decode()
    assert "Renvoyer" not in html
    delivery = only(post)
    url = f"/e/{business.public_id}/diffusion/{delivery.pk}/renvoyer/"
    assert client_as(helper).post(url).status_code == 403
    assert only(post).status == S.FAILED


def test_the_owner_sends_a_failed_delivery_again(client_as, business, owner):
    post = failed(business, last_message_key="gave_up")
    delivery = only(post)
    response = client_as(owner).post(
        f"/e/{business.public_id}/diffusion/{delivery.pk}/renvoyer/", follow=True
    )
    assert response.redirect_chain[-1][0] == page(business, post)
    assert "Elle sera renvoyée dans un instant." in response.content.decode()
    assert only(post).status == S.SCHEDULED
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHING


def test_a_delivery_being_sent_cannot_be_cancelled(client_as, business, owner):
    post = schedule(business)
    Delivery.objects.filter(post=post).update(status=S.SENDING)
    response = client_as(owner).post(
        f"/e/{business.public_id}/diffusion/{only(post).pk}/annuler/", follow=True
    )
    assert "en cours d’envoi ou déjà réglée" in response.content.decode()
    assert only(post).status == S.SENDING


def test_decisions_are_posts_and_stay_in_their_business(
    client_as, business, owner, other_business, outsider
):
    post = failed(business, last_message_key="gave_up")
    url = f"/e/{business.public_id}/diffusion/{only(post).pk}/renvoyer/"
    assert client_as(owner).get(url).status_code == 405
    assert client_as(outsider).post(url).status_code == 404
    theirs = failed(other_business, last_message_key="gave_up")
    foreign = f"/e/{business.public_id}/diffusion/{only(theirs).pk}/annuler/"
    assert client_as(owner).post(foreign).status_code == 404
    assert only(theirs).status == S.FAILED


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("owner", 200), ("advisor", 200), ("helper", 200), ("cashier", 403), ("outsider", 404)],
)
def test_who_sees_the_health_page(request, client_as, business, owner, persona, expected):
    user = request.getfixturevalue(persona)
    assert client_as(user).get(f"/e/{business.public_id}/diffusion/etat/").status_code == expected


def test_the_health_page_says_when_nothing_runs(client_as, business, owner, clock):
    post = schedule(business, at=START - timedelta(hours=1))
    Delivery.objects.filter(post=post).update(
        status=S.PENDING, queued_at=START - timedelta(hours=1)
    )
    html = client_as(owner).get(f"/e/{business.public_id}/diffusion/etat/").content.decode()
    assert "Le planificateur n’a jamais tourné" in html
    assert "En retard" in html
    assert "1 publication attend son tour" in html
    partial = client_as(owner).get(
        f"/e/{business.public_id}/diffusion/etat/", HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode() and "En retard" in partial.content.decode()


def test_the_template_tags_for_the_planner_pages(business, owner, clock):
    post = schedule(business, channels=["mastodon", "bluesky"])
    Delivery.objects.filter(post=post, channel="bluesky").update(status=S.PUBLISHED)
    section = Template("{% load publishing_tags %}{% post_deliveries post %}").render(
        Context({"post": post, "perms_here": frozenset()})
    )
    assert "Sur les réseaux" in section and "Programmée" in section and "Publiée" in section
    line = Template("{% load publishing_tags %}{% deliveries_line post %}").render(
        Context({"post": post})
    )
    assert 'data-status="published"' in line and 'data-status="scheduled"' in line
