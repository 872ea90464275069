"""The manual channel: the page to copy a post and say "I posted it", with its link."""

from __future__ import annotations

import pytest
from django.conf import settings

from essayons.connectors.manual.connector import ManualConnector
from essayons.connectors.models import Connection
from essayons.lib.http import FakeTransport, use_transport
from essayons.planner.models import PostStatus
from essayons.publishing.models import AttemptOutcome, Delivery, DeliveryStatus
from essayons.publishing.tests.conftest import only, schedule

S = DeliveryStatus
pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


@pytest.fixture
def handed_over(business):
    post = schedule(business, channels=["linkedin"], text=f"Nouveau : la tarte {SCRIPT}")
    Delivery.objects.filter(post=post).update(status=S.MANUAL_PENDING)
    post.status = PostStatus.PUBLISHING
    post.save()
    return only(post, "linkedin")


def url(business, delivery):
    return f"/e/{business.public_id}/a-la-main/{delivery.pk}/"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("owner", 200), ("advisor", 200), ("helper", 200), ("cashier", 403), ("outsider", 404)],
)
def test_who_sees_the_page(request, client_as, business, handed_over, persona, expected):
    user = request.getfixturevalue(persona)
    assert client_as(user).get(url(business, handed_over)).status_code == expected


def test_the_text_is_ready_to_copy_and_shown_escaped(client_as, business, owner, handed_over):
    html = client_as(owner).get(url(business, handed_over)).content.decode()
    assert "À publier sur LinkedIn" in html
    assert f"Nouveau : la tarte {ESCAPED}" in html and SCRIPT not in html
    assert 'data-copy="text-to-copy"' in html
    assert "Je l’ai publiée" in html


def test_i_posted_it_records_the_link_and_publishes(client_as, business, owner, handed_over):
    response = client_as(owner).post(
        url(business, handed_over), {"url": "https://www.linkedin.com/feed/update/urn:li:share:7"}
    )
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"/e/{business.public_id}/publications/{handed_over.post_id}/diffusion/"
    )
    delivery = only(handed_over.post, "linkedin")
    assert delivery.status == S.PUBLISHED
    assert delivery.remote_url == "https://www.linkedin.com/feed/update/urn:li:share:7"
    [attempt] = delivery.attempts.all()
    assert (attempt.outcome, attempt.actor) == (AttemptOutcome.RECORDED, owner)
    delivery.post.refresh_from_db()
    assert delivery.post.status == PostStatus.PUBLISHED


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        SCRIPT,
        "",
        "https://" + "a" * 600 + ".fr",
    ],
)
def test_a_bad_link_is_refused_in_french_and_kept(client_as, business, owner, handed_over, link):
    response = client_as(owner).post(url(business, handed_over), {"url": link})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Collez l’adresse" in html or "au plus" in html or "Assurez-vous" in html
    if link:
        assert "value=" in html and SCRIPT not in html
    assert only(handed_over.post, "linkedin").status == S.MANUAL_PENDING


def test_an_oversized_post_is_refused_politely(client_as, business, owner, handed_over):
    response = client_as(owner).post(
        url(business, handed_over), {"url": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    )
    assert response.status_code == 400
    assert only(handed_over.post, "linkedin").status == S.MANUAL_PENDING


def test_a_delivery_being_sent_cannot_be_marked_by_hand(client_as, business, owner):
    post = schedule(business, channels=["linkedin"])
    Delivery.objects.filter(post=post).update(status=S.SENDING)
    response = client_as(owner).post(
        url(business, only(post, "linkedin")), {"url": "https://x.example/p"}
    )
    assert response.status_code == 400
    assert "en cours d’envoi" in response.content.decode()
    assert only(post, "linkedin").status == S.SENDING


def test_another_business_delivery_is_not_found(client_as, business, owner, other_business):
    theirs = schedule(other_business, channels=["linkedin"])
    delivery = only(theirs, "linkedin")
    assert client_as(owner).get(url(business, delivery)).status_code == 404
    assert (
        client_as(owner).post(url(business, delivery), {"url": "https://x.example"}).status_code
        == 404
    )


def test_the_manual_connector_never_publishes_by_itself():
    assert ManualConnector.supports_publish is False
    assert ManualConnector.kind == "manual"


def test_revoke_has_nothing_to_revoke(business):
    with use_transport(FakeTransport()) as fake:
        ManualConnector(Connection(business=business, kind="manual")).revoke()
    assert fake.requests == []
