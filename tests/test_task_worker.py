"""The real database task worker (django-tasks-db), not the immediate backend the other tests use."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from essayons.accounts.tasks import email_send

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_tasks(settings, transactional_db):
    """The database backend; django-tasks drops its cached backends when TASKS changes."""
    settings.TASKS = DATABASE_TASKS


def test_an_enqueued_email_waits_for_the_worker_then_is_sent(database_tasks):
    result = email_send.enqueue(to=["josiane@example.test"], subject="Bienvenue", body="Bonjour")

    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.READY
    assert mail.outbox == []

    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [(["josiane@example.test"], "Bienvenue")]


def test_a_failing_task_is_recorded_as_failed(database_tasks, settings):
    settings.EMAIL_BACKEND = "essayons.does.not.Exist"
    result = email_send.enqueue(to=["josiane@example.test"], subject="Oups", body="…")

    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert mail.outbox == []
