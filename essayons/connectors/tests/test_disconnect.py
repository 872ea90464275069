"""Disconnecting: the connection stops at once, then a task revokes the tokens at the network
(best effort) and forgets them; the task table never holds a token, a refusal still forgets,
and an owner who reconnected before the task ran keeps the new tokens.

The exact revocation request of each network is tested beside it (<kind>/tests/); here
Mastodon stands for them all: its request carries the token and our client's secret.
"""

import json
import logging

import pytest
from django.urls import reverse
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from essayons.connectors import services
from essayons.connectors.flow import Candidate
from essayons.connectors.mastodon.connector import MastodonConnector
from essayons.connectors.mastodon.tests.helpers import ACCOUNT, INSTANCE, TOKEN
from essayons.connectors.models import Connection, ConnectionStatus, MastodonApp
from essayons.connectors.tasks import connection_revoke
from essayons.connectors.tests.support import answer, connection_make, form_of
from essayons.lib.http import FakeTransport, Response, TransportError, use_transport

pytestmark = pytest.mark.django_db
CLIENT_ID = "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM"
CLIENT_SECRET = "ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw"
NEW_TOKEN = "NEW-TOKEN-AFTER-RECONNECTING-0123456789"
REVOKE_URL = f"{INSTANCE}/oauth/revoke"
# https://docs.joinmastodon.org/methods/oauth/#revoke , "403: Forbidden"
FORBIDDEN = {
    "error": "unauthorized_client",
    "error_description": "You are not authorized to revoke this token",
}


@pytest.fixture
def account(business):
    app = MastodonApp(
        instance_url=INSTANCE,
        redirect_uri="https://essayons.example/connexions/mastodon/retour/",
        client_id=CLIENT_ID,
    )
    app.client_secret = CLIENT_SECRET
    app.save()
    return connection_make(
        business,
        "mastodon",
        f"{ACCOUNT}@piaille.example",
        {"access_token": TOKEN},
        account_name="@boulangerie@piaille.example",
        instance_url=INSTANCE,
    )


def disconnect_url(business, connection):
    return reverse("connectors:disconnect", args=[business.public_id, connection.pk])


def disabled(connection):
    Connection.objects.filter(pk=connection.pk).update(status=ConnectionStatus.DISABLED)
    return Connection.objects.get(pk=connection.pk)


def reconnect(business):
    return services.connection_save(
        business=business,
        kind="mastodon",
        candidate=Candidate(
            account_id=f"{ACCOUNT}@piaille.example",
            name="@boulangerie@piaille.example",
            url="",
            credentials={"access_token": NEW_TOKEN},
        ),
    )


def test_the_owner_disconnects_the_network_revokes_and_we_forget(
    client_as, business, owner, account, django_capture_on_commit_callbacks
):
    fake = FakeTransport(answer({}))
    with use_transport(fake), django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_as(owner).post(disconnect_url(business, account))
    assert response.status_code == 302
    assert len(callbacks) == 1
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("POST", REVOKE_URL)
    assert form_of(sent) == {
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
        "token": [TOKEN],
    }
    account.refresh_from_db()
    assert account.status == ConnectionStatus.DISABLED
    assert account.credentials_encrypted == "" and account.credentials == {}


def test_the_task_table_holds_the_id_never_a_token(
    settings, client_as, business, owner, account, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with use_transport(FakeTransport()) as early, django_capture_on_commit_callbacks(execute=True):
        client_as(owner).post(disconnect_url(business, account))
    assert early.requests == []  # queued, not run: nothing asked of the network yet
    account.refresh_from_db()
    assert account.status == ConnectionStatus.DISABLED
    assert account.credentials == {"access_token": TOKEN}  # still encrypted on the row

    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "essayons.connectors.tasks.connection_revoke"
    assert queued.args_kwargs == {"args": [], "kwargs": {"connection_id": account.pk}}
    stored = json.dumps(list(DBTaskResult.objects.values()), default=str)
    assert TOKEN not in stored and CLIENT_SECRET not in stored

    # What a worker does with the row: the stored arguments are all the task needs. (The real
    # db_worker closes the database connection when done, which a test transaction cannot take
    # on PostgreSQL; tests/test_task_worker.py runs the real worker.)
    fake = FakeTransport(answer({}))
    with use_transport(fake):
        import_string(queued.task_path).call(**queued.args_kwargs["kwargs"])
    assert [request.url for request in fake.requests] == [REVOKE_URL]
    account.refresh_from_db()
    assert account.credentials_encrypted == ""


@pytest.mark.parametrize(
    ("reply", "logged"),
    [
        (answer(FORBIDDEN, status=403), "AuthExpired forbidden"),
        (Response(status=502, body=b"<html>Bad gateway</html>"), "Transient http_502"),
        (TransportError("timed out"), "Transient no_answer"),
        (Response(status=200, body=b"x" * 5_000_001), "Transient no_answer"),
    ],
    ids=["refused", "html-error", "no-answer", "oversized"],
)
def test_a_refused_or_failed_revocation_still_forgets_and_logs_no_secret(
    account, caplog, reply, logged
):
    caplog.set_level(logging.DEBUG)
    connection = disabled(account)
    with use_transport(FakeTransport(reply)) as fake:
        services.connection_revoke(connection=connection)
    assert len(fake.requests) == 1  # best effort: one try, no retry loop
    assert connection.credentials_encrypted == ""
    assert Connection.objects.get(pk=account.pk).credentials_encrypted == ""
    assert "did not revoke its tokens" in caplog.text and logged in caplog.text
    assert TOKEN not in caplog.text and CLIENT_SECRET not in caplog.text


def test_a_bug_in_a_connector_still_forgets_the_tokens(account, monkeypatch):
    def broken(self):
        raise KeyError("access_token")

    monkeypatch.setattr(MastodonConnector, "revoke", broken)
    with pytest.raises(KeyError):
        services.connection_revoke(connection=disabled(account))
    assert Connection.objects.get(pk=account.pk).credentials_encrypted == ""


def test_reconnected_before_the_task_runs_keeps_the_new_tokens(
    business, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.connection_disconnect(connection=account)
    reconnect(business)
    fake = FakeTransport(answer({}))
    with use_transport(fake):
        for callback in callbacks:
            callback()
    assert fake.requests == []  # the old token is not revoked either: the owner is back
    account.refresh_from_db()
    assert account.status == ConnectionStatus.ACTIVE
    assert account.credentials == {"access_token": NEW_TOKEN}


def test_reconnected_while_the_network_answers_keeps_the_new_tokens(business, account):
    def reconnect_meanwhile(request):
        reconnect(business)
        return answer({})

    connection = disabled(account)
    with use_transport(FakeTransport(reconnect_meanwhile)) as fake:
        services.connection_revoke(connection=connection)
    assert form_of(fake.last)["token"] == [TOKEN]  # the old token, sent before reconnecting
    account.refresh_from_db()
    assert account.status == ConnectionStatus.ACTIVE
    assert account.credentials == {"access_token": NEW_TOKEN}


def test_a_second_run_or_a_deleted_connection_asks_nothing(account):
    with use_transport(FakeTransport(answer({}))) as fake:
        connection_revoke.call(connection_id=account.pk)  # still active: left alone
        assert fake.requests == []
        disabled(account)
        connection_revoke.call(connection_id=account.pk)
        connection_revoke.call(connection_id=account.pk)
        connection_revoke.call(connection_id=999_999)
    assert len(fake.requests) == 1


def test_only_the_owner_may_disconnect(
    client_as,
    business,
    owner,
    helper,
    cashier,
    outsider,
    account,
    django_capture_on_commit_callbacks,
):
    with use_transport(FakeTransport(answer({}))) as fake:
        for person, status in ((helper, 403), (cashier, 403), (outsider, 404)):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                response = client_as(person).post(disconnect_url(business, account))
            assert (response.status_code, callbacks) == (status, [])
        assert fake.requests == []
        account.refresh_from_db()
        assert account.status == ConnectionStatus.ACTIVE
        assert account.credentials == {"access_token": TOKEN}

        with django_capture_on_commit_callbacks(execute=True):
            response = client_as(owner).post(disconnect_url(business, account))
        assert response.status_code == 302
        assert [request.url for request in fake.requests] == [REVOKE_URL]


def test_another_business_cannot_disconnect_ours(
    client_as, outsider, other_business, account, django_capture_on_commit_callbacks
):
    url = reverse("connectors:disconnect", args=[other_business.public_id, account.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client_as(outsider).post(url).status_code == 404
    assert callbacks == []
    account.refresh_from_db()
    assert account.status == ConnectionStatus.ACTIVE and account.credentials
