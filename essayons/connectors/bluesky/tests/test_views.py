"""Connecting Bluesky through the page: who may, bad input, and the app password kept secret."""

import logging

import pytest
from django.urls import reverse

from essayons.connectors.bluesky.tests.helpers import APP_PASSWORD, DID, PDS, fixture
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.tests.support import answer
from essayons.lib.http import FakeTransport, TransportError, use_transport

pytestmark = pytest.mark.django_db
ENTRYWAY = "https://bsky.social/xrpc"


def url(business):
    return reverse("connectors:bluesky_connect", args=[business.public_id])


def send(client, business, transport, **typed):
    data = {"identifier": "boulangerie.bsky.social", "app_password": APP_PASSWORD, "pds_url": ""}
    data.update(typed)
    with use_transport(transport):
        return client.post(url(business), data)


def test_owner_and_advisor_see_the_form(client_as, business, owner, advisor):
    for person in (owner, advisor):
        response = client_as(person).get(url(business))
        assert response.status_code == 200
        assert "Mot de passe d’application" in response.text


def test_lesser_roles_get_the_polite_403_and_outsiders_404(
    client_as, business, helper, cashier, outsider
):
    assert client_as(helper).get(url(business)).status_code == 403
    assert client_as(cashier).get(url(business)).status_code == 403
    assert client_as(outsider).get(url(business)).status_code == 404
    assert client_as(outsider).post(url(business), {}).status_code == 404


def test_connecting_keeps_the_session_encrypted_and_never_shows_the_password(
    client_as, business, owner, caplog
):
    caplog.set_level(logging.DEBUG)
    fake = FakeTransport(answer(fixture("session")))
    response = send(client_as(owner), business, fake, identifier="@Boulangerie.bsky.social")
    assert response.status_code == 302
    assert response["Location"] == reverse("connectors:list", args=[business.public_id])
    [login] = fake.requests
    assert login.url == f"{ENTRYWAY}/com.atproto.server.createSession"
    assert login.json() == {"identifier": "boulangerie.bsky.social", "password": APP_PASSWORD}

    connection = Connection.objects.get(business=business, kind="bluesky")
    assert connection.account_id == DID
    assert connection.account_name == "@boulangerie.bsky.social"
    assert connection.instance_url == PDS  # the account's own PDS, from its DID document
    assert connection.status == ConnectionStatus.ACTIVE
    assert connection.credentials["app_password"] == APP_PASSWORD
    for secret in (APP_PASSWORD, fixture("session")["refreshJwt"]):
        assert secret not in connection.credentials_encrypted
        assert secret not in caplog.text
    assert connection.limits["max_length"] == 300


def test_a_wrong_password_is_said_next_to_the_field_and_not_shown_back(
    client_as, business, owner, caplog
):
    caplog.set_level(logging.DEBUG)
    fake = FakeTransport(answer(fixture("error_authentication_required"), status=401))
    response = send(client_as(owner), business, fake)
    assert response.status_code == 400
    assert "L’identifiant ou le mot de passe d’application n’est pas bon" in response.text
    assert 'value="boulangerie.bsky.social"' in response.text
    assert APP_PASSWORD not in response.text
    assert APP_PASSWORD not in caplog.text
    assert not Connection.objects.exists()


def test_the_main_password_is_refused_and_its_session_closed(client_as, business, owner):
    fake = FakeTransport(answer(fixture("session_main_password")), answer({}))
    response = send(client_as(owner), business, fake)
    assert response.status_code == 400
    assert "mot de passe principal" in response.text
    _login, logout = fake.requests
    assert logout.url == f"{PDS}/xrpc/com.atproto.server.deleteSession"
    assert (
        logout.headers["Authorization"]
        == f"Bearer {fixture('session_main_password')['refreshJwt']}"
    )
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("answered", "message"),
    [
        (answer(fixture("error_auth_factor"), status=401), "code envoyé par e-mail"),
        (answer(fixture("error_takedown"), status=400), "suspendu"),
        (
            answer(
                fixture("error_rate_limited"), status=429, headers={"RateLimit-Reset": "4102444800"}
            ),
            "Trop d’essais",
        ),
        (TransportError("timed out"), "Le serveur Bluesky n’a pas répondu"),
        (answer(fixture("error_internal"), status=500), "Le serveur Bluesky n’a pas répondu"),
    ],
)
def test_each_failure_is_explained_in_french(client_as, business, owner, answered, message):
    response = send(client_as(owner), business, FakeTransport(answered))
    assert response.status_code == 400
    assert message in response.text
    assert not Connection.objects.exists()


def test_an_own_server_is_used_when_given(client_as, business, owner):
    fake = FakeTransport(answer(fixture("session")))
    send(client_as(owner), business, fake, pds_url="pds.boulangerie.example")
    assert (
        fake.requests[0].url
        == "https://pds.boulangerie.example/xrpc/com.atproto.server.createSession"
    )


def test_an_own_server_on_a_private_address_is_blocked(client_as, business, owner):
    fake = FakeTransport(answer(fixture("session")), dns={"pds.lan": ["192.168.1.10"]})
    response = send(client_as(owner), business, fake, pds_url="https://pds.lan")
    assert response.status_code == 400
    assert fake.requests == []


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("identifier", "", "Ce champ est obligatoire"),
        ("identifier", "pas un pseudo", "Écrivez votre pseudo comme boulangerie.bsky.social"),
        ("identifier", "x" * 254, "au plus 253 caractères"),
        ("app_password", "", "Ce champ est obligatoire"),
        ("app_password", "y" * 201, "au plus 200 caractères"),
        ("pds_url", "http://pds.example", "https://"),
        ("pds_url", "https://pds.example/some/path", "Donnez seulement l’adresse du serveur"),
        ("pds_url", "https://a:b@pds.example", "Donnez seulement l’adresse du serveur"),
    ],
)
def test_bad_input_gets_a_french_error_and_nothing_is_sent(
    client_as, business, owner, field, typed, message
):
    fake = FakeTransport()
    response = send(client_as(owner), business, fake, **{field: typed})
    assert response.status_code == 400
    assert message in response.text
    assert fake.requests == []


def test_hostile_input_is_shown_escaped(client_as, business, owner):
    response = send(
        client_as(owner), business, FakeTransport(), identifier="<script>alert(1)</script>"
    )
    assert response.status_code == 400
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_reconnecting_the_same_account_renews_it(client_as, business, owner):
    client = client_as(owner)
    for _ in range(2):
        send(client, business, FakeTransport(answer(fixture("session"))))
    assert Connection.objects.filter(business=business, kind="bluesky").count() == 1


def test_the_connections_page_offers_bluesky_and_mastodon(client_as, business, owner):
    response = client_as(owner).get(reverse("connectors:list", args=[business.public_id]))
    assert response.status_code == 200
    assert url(business) in response.text
    assert reverse("connectors:mastodon_connect", args=[business.public_id]) in response.text
