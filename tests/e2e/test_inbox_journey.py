"""Browser journey of the inbox: an unhappy customer comments on Facebook, the owner answers."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qs

from django.utils import timezone
from playwright.sync_api import expect

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import Role
from essayons.connectors.base import Incoming
from essayons.connectors.models import Connection
from essayons.inbox.models import Message, Reply, ReplyStatus
from essayons.inbox.services import message_receive
from essayons.lib.http import FakeTransport, Request, Response, use_transport
from tests.e2e.conftest import log_in, screenshot

SECRET = "e2e-app-secret"
PAGE_TOKEN = "e2e-page-token-1"
PAGE_ID = "1029384756"


class FacebookAtTheWire:
    """Stands in for graph.facebook.com behind the real Facebook connector: records requests."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if request.method == "POST" and request.url.endswith("/555_9001/comments"):
            return Response.of_json({"id": "555_9001_777"})
        if request.method == "GET" and "/555_9001_777" in request.url:
            permalink = "https://www.facebook.com/1029384756/posts/555?comment_id=777"
            return Response.of_json({"permalink_url": permalink, "id": "555_9001_777"})
        return Response.of_json({"error": {"message": "unexpected", "code": 100}}, status=400)

    @property
    def replies(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]


def comment_payload() -> bytes:
    payload = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": int(timezone.now().timestamp()),
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": "7001", "name": "Josée"},
                            "post_id": f"{PAGE_ID}_555",
                            "comment_id": "555_9001",
                            "created_time": int(timezone.now().timestamp()) - 600,
                            "item": "comment",
                            "verb": "add",
                            "message": "Très déçue, le gâteau commandé n’était pas prêt 😡 "
                            "et personne ne m’a prévenue, inadmissible",
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


def test_complaint_by_webhook_is_first_and_answered_once(page, transactional_db, settings):
    settings.FACEBOOK_APP_SECRET = SECRET
    graph = FacebookAtTheWire()
    business = Business.objects.create(
        name="Boulangerie Ti Pain",
        trade=Trade.BAKERY,
        town="Fort-de-France",
        timezone="America/Martinique",
    )
    owner = User.objects.create_user(email="marie@ti-pain.test", password="correct horse battery")
    Membership.objects.create(user=owner, business=business, role=Role.OWNER)
    connection = Connection(
        business=business, kind="facebook", account_id=PAGE_ID, account_name="Ti Pain"
    )
    connection.credentials = {"page_token": PAGE_TOKEN}
    connection.save()
    message_receive(
        business=business,
        connection=connection,
        incoming=Incoming(
            channel="facebook",
            remote_id="older-question",
            author_name="Paul",
            text="Bonjour, vous êtes ouverts le dimanche ?",
            received_at=timezone.now() - timedelta(hours=3),
        ),
    )

    body = comment_payload()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = page.request.post(
        page.base + "/webhooks/facebook/page/",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )
    assert response.status == 200
    complaint = Message.objects.get(remote_id="555_9001")
    assert complaint.label == "complaint"

    log_in(page, owner.email)
    page.goto(f"{page.base}/e/{business.public_id}/messages/")
    first = page.locator("ol.inbox > li").first
    expect(first).to_contain_text("Très déçue")
    expect(first.locator(".label-complaint")).to_be_visible()
    screenshot(page, "inbox-list")

    first.get_by_role("link", name="Josée").click()
    reply_box = page.get_by_label("Votre réponse")
    expect(reply_box).to_be_visible()
    assert "Josée" in reply_box.input_value() and "message privé" in reply_box.input_value()
    reply_box.fill(reply_box.input_value() + " Marie, la patronne")
    screenshot(page, "inbox-reply")
    with use_transport(FakeTransport(graph)):
        page.get_by_role("button", name="Envoyer la réponse").click()
        expect(page.get_by_text("Votre réponse part.")).to_be_visible()
        expect(page.get_by_text("Envoyée")).to_be_visible()
        page.reload()  # pressing send again is impossible: the reply is sent
        expect(page.get_by_text("Envoyée")).to_have_count(1)

    (sent,) = graph.replies  # delivered once, to the customer's comment, as the Page
    assert sent.url == f"https://graph.facebook.com/{settings.META_GRAPH_VERSION}/555_9001/comments"
    assert parse_qs(sent.body.decode())["message"][0].endswith("Marie, la patronne")
    assert sent.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert PAGE_TOKEN not in sent.url
    reply = Reply.objects.get(message=complaint)
    assert (reply.status, reply.remote_id) == (ReplyStatus.SENT, "555_9001_777")
    complaint.refresh_from_db()
    assert complaint.answered_at is not None and complaint.reply_id == reply.pk
    assert complaint.response_time is not None and complaint.response_time > timedelta(minutes=9)


LOCATION = "accounts/106230594722412345678/locations/4467382716183912345"
REVIEWS = f"https://mybusiness.googleapis.com/v4/{LOCATION}/reviews"


class GoogleAtTheWire:
    """Stands in for the Business Profile API behind the real Google connector."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        now = timezone.now()
        self.reviews = [
            self.review("r-happy", "FIVE", "Les meilleurs croissants du quartier !", now, hours=2),
            self.review("r-unhappy", "ONE", "Commande oubliée, personne au téléphone.", now, 20),
        ]

    @staticmethod
    def review(review_id: str, stars: str, comment: str, now, hours: int) -> dict:
        moment = (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "name": f"{LOCATION}/reviews/{review_id}",
            "reviewId": review_id,
            "reviewer": {"displayName": "Client " + review_id, "isAnonymous": False},
            "starRating": stars,
            "comment": comment,
            "createTime": moment,
            "updateTime": moment,
        }

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if request.method == "GET" and request.url.startswith(REVIEWS + "?"):
            return Response.of_json({"reviews": self.reviews, "totalReviewCount": 2})
        if request.method == "PUT" and request.url == f"{REVIEWS}/r-unhappy/reply":
            return Response.of_json({"comment": request.json()["comment"], "updateTime": "x"})
        return Response.of_json({"error": {"code": 404, "status": "NOT_FOUND"}}, status=404)

    @property
    def puts(self) -> list[Request]:
        return [r for r in self.requests if r.method == "PUT"]


def test_an_unhappy_google_review_is_polled_first_and_answered_by_one_put(page, transactional_db):
    from essayons.inbox.tasks import inbox_polls_enqueue

    business = Business.objects.create(
        name="Boulangerie Ti Pain", trade=Trade.BAKERY, town="Fort-de-France"
    )
    owner = User.objects.create_user(email="marie@ti-pain.test", password="correct horse battery")
    Membership.objects.create(user=owner, business=business, role=Role.OWNER)
    connection = Connection(
        business=business, kind="google", account_id=LOCATION, account_name="Ti Pain"
    )
    connection.credentials = {
        "access_token": "e2e-google-access",
        "access_expires_at": (timezone.now() + timedelta(minutes=50)).isoformat(),
        "refresh_token": "e2e-google-refresh",
    }
    connection.save()
    google = GoogleAtTheWire()

    with use_transport(FakeTransport(google)):
        assert inbox_polls_enqueue.call() == 1  # the periodic job: one poll, run at once here
        assert inbox_polls_enqueue.call() == 1  # polled again: nothing stored twice
        assert Message.objects.filter(business=business).count() == 2

        log_in(page, owner.email)
        page.goto(f"{page.base}/e/{business.public_id}/messages/")
        first = page.locator("ol.inbox > li").first
        expect(first).to_contain_text("Commande oubliée")
        expect(first.locator(".label-complaint")).to_be_visible()
        expect(first.locator(".stars")).to_have_text("★☆☆☆☆")
        first.get_by_role("link", name="Client r-unhappy").click()
        reply_box = page.get_by_label("Votre réponse")
        reply_box.fill(reply_box.input_value() + " Marie")
        page.get_by_role("button", name="Envoyer la réponse").click()
        expect(page.get_by_text("Envoyée")).to_be_visible()

    (sent,) = google.puts  # a review reply is an upsert, sent once all the same
    assert sent.json()["comment"].endswith(" Marie")
    assert sent.headers["Authorization"] == "Bearer e2e-google-access"
    reply = Reply.objects.get(message__remote_id=f"{LOCATION}/reviews/r-unhappy")
    assert reply.status == ReplyStatus.SENT
