"""Connecting Mastodon through the pages: who may, bad input, the round trip and its checks."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from essayons.connectors.mastodon.tests.helpers import INSTANCE, fixture
from essayons.connectors.models import Connection, ConnectionStatus, MastodonApp
from essayons.connectors.oauth import pkce_challenge
from essayons.connectors.tests.support import answer
from essayons.lib.http import FakeTransport, TransportError, use_transport

pytestmark = pytest.mark.django_db
CALLBACK = "http://127.0.0.1:8000/connexions/mastodon/retour/"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


def connect_url(business):
    return reverse("connectors:mastodon_connect", args=[business.public_id])


def started(client, business, instance="piaille.example", transport=None):
    """Post the instance form; returns (response, fake transport)."""
    fake = transport or FakeTransport(answer(fixture("instance_v2")), answer(fixture("app")))
    with use_transport(fake):
        response = client.post(connect_url(business), {"instance": instance})
    return response, fake


def test_owner_and_advisor_see_the_form(client_as, business, owner, advisor):
    for person in (owner, advisor):
        response = client_as(person).get(connect_url(business))
        assert response.status_code == 200
        assert "Votre serveur Mastodon" in response.text


def test_lesser_roles_get_the_polite_403_and_outsiders_404(
    client_as, business, helper, cashier, outsider
):
    assert client_as(helper).get(connect_url(business)).status_code == 403
    assert client_as(cashier).get(connect_url(business)).status_code == 403
    assert client_as(outsider).get(connect_url(business)).status_code == 404
    assert client_as(None).get(connect_url(business)).status_code == 302


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Ce champ est obligatoire"),
        ("pas une adresse", "Écrivez l’adresse du serveur"),
        ("http://piaille.example", "https://"),
        ("ftp://piaille.example", "https://"),
        ("https://user:pw@piaille.example", "Donnez seulement l’adresse"),
        ("x" * 301, "au plus 300 caractères"),
    ],
)
def test_bad_addresses_get_a_french_error_and_stay_typed(
    client_as, business, owner, typed, message
):
    fake = FakeTransport()
    with use_transport(fake):
        response = client_as(owner).post(connect_url(business), {"instance": typed})
    assert response.status_code == 400
    assert message in response.text
    assert fake.requests == []


def test_hostile_input_is_shown_escaped(client_as, business, owner):
    response, _ = started(client_as(owner), business, instance='<script>alert("x")</script>')
    assert response.status_code == 400
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("piaille.example", "https://piaille.example"),
        ("PIAILLE.example/", "https://piaille.example"),
        ("@boulangerie@piaille.example", "https://piaille.example"),
        ("https://piaille.example/@boulangerie", "https://piaille.example"),
        ("https://piaille.example:8443", "https://piaille.example:8443"),
    ],
)
def test_the_instance_is_understood_however_it_is_typed(
    client_as, business, owner, typed, expected
):
    response, fake = started(client_as(owner), business, instance=typed)
    assert response.status_code == 302
    assert fake.requests[0].url == f"{expected}/api/v2/instance"


def test_a_private_address_is_refused_by_the_guard(client_as, business, owner):
    fake = FakeTransport(dns={"intranet.example": ["10.0.0.5"]})
    with use_transport(fake):
        response = client_as(owner).post(connect_url(business), {"instance": "intranet.example"})
    assert response.status_code == 400
    assert "Nous n’arrivons pas à joindre un serveur Mastodon" in response.text
    assert fake.requests == []


def test_an_unreachable_server_is_said_next_to_the_field(client_as, business, owner):
    response, _ = started(
        client_as(owner), business, transport=FakeTransport(TransportError("timed out"))
    )
    assert response.status_code == 400
    assert "Nous n’arrivons pas à joindre un serveur Mastodon" in response.text
    assert 'value="piaille.example"' in response.text


def test_the_app_is_registered_once_then_the_owner_goes_to_the_instance(client_as, business, owner):
    response, fake = started(client_as(owner), business)
    instance_check, registration = fake.requests
    assert instance_check.url == f"{INSTANCE}/api/v2/instance"
    assert registration.url == f"{INSTANCE}/api/v1/apps"
    assert registration.json() == {
        "client_name": "Essayons",
        "redirect_uris": CALLBACK,
        "scopes": "read write",
        "website": "http://127.0.0.1:8000",
    }
    app = MastodonApp.objects.get(instance_url=INSTANCE)
    assert app.client_id == fixture("app")["client_id"]
    assert app.client_secret == fixture("app")["client_secret"]
    assert fixture("app")["client_secret"] not in app.client_secret_encrypted

    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{INSTANCE}/oauth/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == [app.client_id]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["read write"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 43

    again, fake = started(client_as(owner), business)
    assert again.status_code == 302
    assert fake.requests == []  # the registered app is reused, nothing asked again


def finish(client, query, transport):
    with use_transport(transport):
        return client.get(reverse("connectors:mastodon_callback"), query)


def round_trip(client, business):
    response, _ = started(client, business)
    return parse_qs(urlsplit(response["Location"]).query)


def exchange_answers():
    return FakeTransport(
        answer(fixture("token")), answer(fixture("account")), answer(fixture("instance_v2"))
    )


def test_the_callback_exchanges_the_code_with_pkce_and_keeps_the_token_encrypted(
    client_as, business, owner
):
    client = client_as(owner)
    query = round_trip(client, business)
    fake = exchange_answers()
    response = finish(client, {"code": "the-code", "state": query["state"][0]}, fake)
    assert response.status_code == 302
    assert response["Location"] == reverse("connectors:list", args=[business.public_id])

    token, verify, instance = fake.requests
    assert token.url == f"{INSTANCE}/oauth/token"
    sent = parse_qs(token.body.decode())
    assert sent["grant_type"] == ["authorization_code"]
    assert sent["code"] == ["the-code"]
    assert sent["redirect_uri"] == [CALLBACK]
    assert sent["client_secret"] == [fixture("app")["client_secret"]]
    assert pkce_challenge(sent["code_verifier"][0]) == query["code_challenge"][0]
    assert verify.headers["Authorization"] == f"Bearer {fixture('token')['access_token']}"
    assert instance.url == f"{INSTANCE}/api/v2/instance"

    connection = Connection.objects.get(business=business, kind="mastodon")
    assert connection.account_id == "109302436954721982@piaille.example"
    assert connection.account_name == "@boulangerie@piaille.example"
    assert connection.instance_url == INSTANCE
    assert connection.status == ConnectionStatus.ACTIVE
    assert connection.credentials == {"access_token": fixture("token")["access_token"]}
    assert fixture("token")["access_token"] not in connection.credentials_encrypted
    assert connection.limits["max_length"] == 1000


def test_a_forged_or_replayed_state_saves_nothing(client_as, business, owner):
    client = client_as(owner)
    query = round_trip(client, business)
    fake = exchange_answers()
    forged = finish(client, {"code": "the-code", "state": "forged"}, fake)
    assert forged.status_code == 400
    # the forged try consumed the round trip: the real state is now refused as well
    replay = finish(client, {"code": "the-code", "state": query["state"][0]}, fake)
    assert replay.status_code == 400
    assert fake.requests == []
    assert not Connection.objects.exists()


def test_another_person_cannot_finish_my_round_trip(client_as, business, owner, advisor):
    query = round_trip(client_as(owner), business)
    fake = exchange_answers()
    response = finish(client_as(advisor), {"code": "c", "state": query["state"][0]}, fake)
    assert response.status_code == 400
    assert fake.requests == []


def test_a_refusal_on_the_instance_changes_nothing(client_as, business, owner):
    client = client_as(owner)
    query = round_trip(client, business)
    fake = exchange_answers()
    response = finish(client, {"error": "access_denied", "state": query["state"][0]}, fake)
    assert response.status_code == 302
    assert fake.requests == []
    assert not Connection.objects.exists()


def test_a_failed_exchange_tells_the_owner(client_as, business, owner):
    client = client_as(owner)
    query = round_trip(client, business)
    fake = FakeTransport(answer({"error": "invalid_grant"}, status=400))
    response = finish(client, {"code": "used", "state": query["state"][0]}, fake)
    assert response.status_code == 302
    followed = client.get(response["Location"])
    assert "n’a pas accepté la connexion" in followed.text
    assert not Connection.objects.exists()


def test_a_role_lost_meanwhile_cannot_finish(client_as, business, owner):
    client = client_as(owner)
    query = round_trip(client, business)
    owner.membership_set.update(role="helper")
    response = finish(client, {"code": "c", "state": query["state"][0]}, exchange_answers())
    assert response.status_code == 403
    assert not Connection.objects.exists()


def test_reconnecting_the_same_account_renews_it(client_as, business, owner):
    client = client_as(owner)
    for _ in range(2):
        query = round_trip(client, business)
        finish(client, {"code": "c", "state": query["state"][0]}, exchange_answers())
    assert Connection.objects.filter(business=business, kind="mastodon").count() == 1
