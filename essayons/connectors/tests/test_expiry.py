"""Expiry warnings: the pure `connection_warnings`, and the daily e-mail sent once per expiry."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from essayons.accounts.models import Membership
from essayons.accounts.roles import Role
from essayons.connectors.health import WarningCode, connection_warnings
from essayons.connectors.models import Connection, ConnectionStatus
from essayons.connectors.services import connections_expiry_notify
from essayons.connectors.tasks import connections_expiry_warn
from essayons.connectors.tests.support import connection_make

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def linkedin(business, expires_at, **fields):
    return connection_make(
        business,
        "linkedin",
        f"urn:li:organization:{business.pk}",
        {"access_token": "LI-TOKEN"},
        account_name="Boulangerie SARL",
        expires_at=expires_at,
        **fields,
    )


def codes(connection, now=NOW):
    return [warning.code for warning in connection_warnings(connection, now)]


def test_no_warning_far_from_expiry_or_without_expiry(business):
    assert codes(linkedin(business, NOW + timedelta(days=8))) == []
    connection = Connection.objects.get()
    connection.expires_at = None
    assert codes(connection) == []


def test_warns_seven_days_before(business):
    connection = linkedin(business, NOW + timedelta(days=7))
    assert codes(connection) == [WarningCode.EXPIRES_SOON]
    (warning,) = connection_warnings(connection, NOW)
    assert warning.reconnect is True
    # Written in the business's time zone (Martinique, UTC-4): 3 December 10:00.
    assert "3 décembre 2026 10:00" in warning.message


def test_expired_asks_to_reconnect(business):
    assert codes(linkedin(business, NOW - timedelta(seconds=1))) == [WarningCode.EXPIRED]


def test_refused_and_slowed_down(business):
    connection = linkedin(
        business,
        None,
        status=ConnectionStatus.NEEDS_RECONNECT,
        rate_limited_until=NOW + timedelta(hours=1),
    )
    assert codes(connection) == [WarningCode.NEEDS_RECONNECT, WarningCode.RATE_LIMITED]
    assert codes(connection, NOW + timedelta(hours=2)) == [WarningCode.NEEDS_RECONNECT]


def test_disconnected_says_nothing(business):
    connection = linkedin(business, NOW - timedelta(days=1), status=ConnectionStatus.DISABLED)
    assert codes(connection) == []


# The daily task --------------------------------------------------------------------------------


def test_owner_is_emailed_once_per_expiry(business, owner, helper, settings):
    settings.SITE_URL = "https://essayons.example"
    connection = linkedin(business, NOW + timedelta(days=5))
    assert connections_expiry_notify(now=NOW) == 1
    assert connections_expiry_notify(now=NOW + timedelta(days=1)) == 0  # not every day
    (message,) = mail.outbox
    assert message.to == ["owner@example.test"]
    assert message.subject == "Votre Page LinkedIn « Boulangerie SARL » est à reconnecter"
    assert "Boulangerie SARL" in message.body and "Boulangerie Test" in message.body
    assert f"https://essayons.example/e/{business.public_id}/connexions/" in message.body
    assert "LI-TOKEN" not in message.body
    connection.refresh_from_db()
    assert connection.expiry_warned_for == connection.expires_at


def test_reconnecting_arms_a_new_warning(business, owner):
    connection = linkedin(business, NOW + timedelta(days=5))
    connections_expiry_notify(now=NOW)
    Connection.objects.filter(pk=connection.pk).update(expires_at=NOW + timedelta(days=65))
    assert connections_expiry_notify(now=NOW + timedelta(days=58)) == 1
    assert len(mail.outbox) == 2


def test_only_due_active_connections_of_each_business(business, other_business, owner, outsider):
    linkedin(business, NOW + timedelta(days=30))
    linkedin(other_business, NOW + timedelta(days=2))
    connection_make(
        business,
        "google",
        "accounts/1/locations/2",
        {"refresh_token": "G"},
        expires_at=NOW + timedelta(days=1),
        status=ConnectionStatus.DISABLED,
    )
    assert connections_expiry_notify(now=NOW) == 1
    assert [message.to for message in mail.outbox] == [["outsider@example.test"]]


def test_all_owners_receive_it_and_the_task_runs(business, owner):
    second = Membership.objects.create(
        user=type(owner).objects.create_user(email="co@example.test", password="x"),
        business=business,
        role=Role.OWNER,
    )
    linkedin(business, datetime.now(UTC) + timedelta(days=2))
    result = connections_expiry_warn.enqueue()
    assert result.return_value == 1
    assert sorted(mail.outbox[0].to) == ["co@example.test", "owner@example.test"]
    assert second.user.email in mail.outbox[0].to
