"""The OAuth round trip shared by Facebook, Instagram, Google and LinkedIn (flow.py), driven
through Facebook: who may start it, state checks, business binding, the choice of a Page."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from essayons.accounts.models import Membership
from essayons.accounts.roles import Role
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.tests.support import answer, fixtures_of
from essayons.lib.http import FakeTransport, use_transport

pytestmark = pytest.mark.django_db
facebook = fixtures_of(__file__.replace("/tests/", "/facebook/tests/"))
CALLBACK = "/connexions/facebook/retour/"


@pytest.fixture(autouse=True)
def meta_app(settings):
    settings.FACEBOOK_APP_ID = "1234567890"
    settings.FACEBOOK_APP_SECRET = "APP-SECRET-VALUE"
    settings.SITE_URL = "https://essayons.example"


def connect_url(business):
    return reverse("connectors:facebook_connect", args=[business.public_id])


def start(client, business):
    response = client.post(connect_url(business))
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query)


def exchange_answers(accounts="me_accounts_one"):
    return FakeTransport(
        answer(facebook("token_short")), answer(facebook("token_long")), answer(facebook(accounts))
    )


def test_connect_sends_the_owner_to_facebook_with_state_and_pkce(client_as, business, owner):
    client = client_as(owner)
    response = client.post(connect_url(business))
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "https://www.facebook.com/v26.0/dialog/oauth"
    )
    assert query["client_id"] == ["1234567890"]
    assert query["redirect_uri"] == [f"https://essayons.example{CALLBACK}"]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 40 and len(query["code_challenge"][0]) == 43
    assert query["scope"] == [
        "pages_show_list,pages_read_engagement,pages_manage_posts,"
        "pages_manage_engagement,pages_read_user_content,pages_messaging,pages_manage_metadata"
    ]
    assert "APP-SECRET-VALUE" not in response["Location"]


def test_connect_who_may(client_as, business, owner, advisor, helper, cashier, outsider):
    assert client_as(owner).get(connect_url(business)).status_code == 405
    assert client_as(advisor).post(connect_url(business)).status_code == 302
    assert client_as(helper).post(connect_url(business)).status_code == 403
    assert client_as(cashier).post(connect_url(business)).status_code == 403
    assert client_as(outsider).post(connect_url(business)).status_code == 404


def test_connect_without_app_credentials_explains_instead(client_as, business, owner, settings):
    settings.FACEBOOK_APP_ID = ""
    client = client_as(owner)
    response = client.post(connect_url(business), follow=True)
    assert response.redirect_chain[0][0] == reverse("connectors:list", args=[business.public_id])
    assert "pas encore installé sur ce serveur" in response.content.decode()


def test_callback_with_one_page_connects_it(client_as, business, owner):
    client = client_as(owner)
    started = start(client, business)
    fake = exchange_answers()
    with use_transport(fake):
        response = client.get(CALLBACK, {"code": "AQD-code", "state": started["state"][0]})
    assert response["Location"] == reverse("connectors:list", args=[business.public_id])
    connection = Connection.objects.get()
    assert (connection.business, connection.kind, connection.account_id) == (
        business,
        "facebook",
        "546349135390552",
    )
    assert connection.credentials == {"page_token": "PAGE-TOKEN-SECRET-1"}
    assert connection.status == ConnectionStatus.ACTIVE and connection.expires_at is None
    code_exchange, long_lived, accounts = fake.requests
    assert code_exchange.method == "POST"
    assert code_exchange.url == "https://graph.facebook.com/v26.0/oauth/access_token"
    sent = parse_qs(code_exchange.body.decode())
    assert sent["code"] == ["AQD-code"]
    assert sent["client_secret"] == ["APP-SECRET-VALUE"]
    assert sent["redirect_uri"] == [f"https://essayons.example{CALLBACK}"]
    assert len(sent["code_verifier"][0]) >= 43
    assert parse_qs(long_lived.body.decode())["fb_exchange_token"] == ["USER-SHORT-TOKEN-SECRET"]
    assert accounts.method == "GET"
    assert accounts.headers["Authorization"] == "Bearer USER-LONG-TOKEN-SECRET"
    for request in fake.requests:  # no secret, code or token in any URL
        for secret in ("APP-SECRET-VALUE", "USER-", "PAGE-TOKEN", "AQD-code"):
            assert secret not in request.url


@pytest.mark.parametrize("state", [None, "", "forged-state-value-xxxxxxxxxxxxxxxxxxxxxxxxxx"])
def test_forged_or_missing_state_is_refused_and_nothing_is_stored(
    client_as, business, owner, state
):
    client = client_as(owner)
    start(client, business)
    fake = exchange_answers()
    query = {"code": "AQD-code"} | ({"state": state} if state is not None else {})
    with use_transport(fake):
        response = client.get(CALLBACK, query)
    assert response.status_code == 400
    assert "rien n’a été enregistré" in response.content.decode()
    assert fake.requests == []
    assert not Connection.objects.exists()


def test_replayed_state_is_refused(client_as, business, owner):
    client = client_as(owner)
    state = start(client, business)["state"][0]
    with use_transport(exchange_answers()):
        assert client.get(CALLBACK, {"code": "one", "state": state}).status_code == 302
    Connection.objects.all().delete()
    fake = exchange_answers()
    with use_transport(fake):
        replay = client.get(CALLBACK, {"code": "two", "state": state})
    assert replay.status_code == 400
    assert fake.requests == [] and not Connection.objects.exists()


def test_state_from_another_session_is_refused(client_as, business, owner, outsider):
    state = start(client_as(owner), business)["state"][0]
    fake = exchange_answers()
    with use_transport(fake):
        response = client_as(outsider).get(CALLBACK, {"code": "x", "state": state})
    assert response.status_code == 400
    assert fake.requests == [] and not Connection.objects.exists()


def test_callback_attaches_to_the_business_that_started_never_another(
    client_as, business, other_business, owner
):
    Membership.objects.create(user=owner, business=other_business, role=Role.OWNER)
    client = client_as(owner)
    state = start(client, business)["state"][0]
    with use_transport(exchange_answers()):
        client.get(
            CALLBACK, {"code": "x", "state": state, "business": str(other_business.public_id)}
        )
    assert list(Connection.objects.values_list("business", flat=True)) == [business.pk]


def test_membership_lost_before_the_callback_answers_404(client_as, business, owner, advisor):
    client = client_as(advisor)
    state = start(client, business)["state"][0]
    Membership.objects.filter(user=advisor).delete()
    fake = exchange_answers()
    with use_transport(fake):
        assert client.get(CALLBACK, {"code": "x", "state": state}).status_code == 404
    assert fake.requests == [] and not Connection.objects.exists()


def test_cancelled_on_facebook_stores_nothing(client_as, business, owner):
    client = client_as(owner)
    state = start(client, business)["state"][0]
    fake = exchange_answers()
    with use_transport(fake):
        response = client.get(CALLBACK, {"error": "access_denied", "state": state}, follow=True)
    assert "annulée" in response.content.decode()
    assert fake.requests == [] and not Connection.objects.exists()


def test_refused_code_stores_nothing_and_says_so(client_as, business, owner):
    client = client_as(owner)
    state = start(client, business)["state"][0]
    with use_transport(FakeTransport(answer(facebook("oauth_error_code"), status=400))):
        response = client.get(CALLBACK, {"code": "used", "state": state}, follow=True)
    assert "n’a pas accepté la connexion" in response.content.decode()
    assert not Connection.objects.exists()


# Several Pages: the owner chooses --------------------------------------------------------------


def choose_url(business):
    return reverse("connectors:facebook_choose", args=[business.public_id])


def pending(client, business):
    state = start(client, business)["state"][0]
    with use_transport(exchange_answers("me_accounts")):
        return client.get(CALLBACK, {"code": "x", "state": state})


def test_several_pages_are_offered_and_the_chosen_one_is_saved(client_as, business, owner):
    client = client_as(owner)
    response = pending(client, business)
    assert response["Location"] == choose_url(business)
    assert not Connection.objects.exists()
    page = client.get(choose_url(business))
    body = page.content.decode()
    assert "Boulangerie Test" in body and "Le Café d&#x27;à côté" in body
    assert "Page où je modère seulement" not in body  # no CREATE_CONTENT task
    assert "PAGE-TOKEN-SECRET" not in body
    session = SessionStore(session_key=client.session.session_key).load()
    assert "PAGE-TOKEN-SECRET" not in str(session)  # sealed, not in clear at rest
    done = client.post(choose_url(business), {"account": "770000000000001"})
    assert done["Location"] == reverse("connectors:list", args=[business.public_id])
    connection = Connection.objects.get()
    assert connection.account_id == "770000000000001"
    assert connection.credentials == {"page_token": "PAGE-TOKEN-SECRET-2"}
    assert client.get(choose_url(business)).status_code == 404  # used up


def test_choice_must_be_one_of_the_offered_pages(client_as, business, owner):
    client = client_as(owner)
    pending(client, business)
    for bad in [{}, {"account": "770000000000002"}, {"account": "<script>alert(1)</script>"}]:
        response = client.post(choose_url(business), bad)
        assert response.status_code == 400
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Connection.objects.exists()


def test_choice_waiting_for_business_a_cannot_be_saved_on_business_b(
    client_as, business, other_business, owner
):
    Membership.objects.create(user=owner, business=other_business, role=Role.OWNER)
    client = client_as(owner)
    pending(client, business)
    assert client.get(choose_url(other_business)).status_code == 404
    assert (
        client.post(choose_url(other_business), {"account": "546349135390552"}).status_code == 404
    )
    assert not Connection.objects.exists()


def test_choose_page_who_may(client_as, business, owner, helper, cashier, outsider):
    assert client_as(owner).get(choose_url(business)).status_code == 404  # nothing waiting
    assert client_as(helper).get(choose_url(business)).status_code == 403
    assert client_as(cashier).get(choose_url(business)).status_code == 403
    assert client_as(outsider).get(choose_url(business)).status_code == 404


def test_anonymous_callback_goes_to_login(client_as):
    response = client_as(None).get(CALLBACK, {"code": "x", "state": "y"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
