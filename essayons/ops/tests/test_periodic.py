"""The clock of periodic jobs: each job enqueued once per period, whoever ticks."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import task

from essayons.ops import periodic
from essayons.ops.models import PeriodicRun

RUNS: list[str] = []


@task()
def count_run() -> None:
    RUNS.append("ran")


@pytest.fixture
def one_job(monkeypatch):
    RUNS.clear()
    job = periodic.Periodic("count", timedelta(minutes=10), count_run)
    monkeypatch.setattr(periodic, "periodic_jobs", lambda: (job,))
    return job


@pytest.mark.django_db
def test_job_runs_once_per_period(one_job):
    now = timezone.now()
    assert periodic.periodic_due_enqueue(now=now) == ["count"]  # first tick ever: due
    assert periodic.periodic_due_enqueue(now=now + timedelta(seconds=5)) == []
    assert periodic.periodic_due_enqueue(now=now + timedelta(minutes=9)) == []
    assert periodic.periodic_due_enqueue(now=now + timedelta(minutes=10)) == ["count"]
    assert RUNS == ["ran", "ran"]
    row = PeriodicRun.objects.get(name="count")
    assert row.next_at == now + timedelta(minutes=20)


@pytest.mark.django_db
def test_two_schedulers_reading_the_same_row_enqueue_once(one_job):
    now = timezone.now()
    PeriodicRun.objects.create(name="count", next_at=now - timedelta(minutes=1))
    assert periodic._claim(one_job, now)
    assert not periodic._claim(one_job, now)  # the second clock finds it moved on
    assert RUNS == []


@pytest.mark.django_db
def test_a_late_clock_catches_up_once_not_for_every_missed_period(one_job):
    now = timezone.now()
    PeriodicRun.objects.create(name="count", next_at=now - timedelta(days=3))
    assert periodic.periodic_due_enqueue(now=now) == ["count"]
    assert periodic.periodic_due_enqueue(now=now + timedelta(minutes=1)) == []
    assert RUNS == ["ran"]


def test_every_real_job_is_a_task_taking_no_arguments():
    names = [job.name for job in periodic.periodic_jobs()]
    assert len(names) == len(set(names))
    assert {"inbox_polls", "inbox_overdue_alert", "inbox_sweep"} <= set(names)
    for job in periodic.periodic_jobs():
        assert job.every >= timedelta(minutes=1)
        assert callable(job.task.call)


@pytest.mark.django_db
def test_scheduler_tick_enqueues_the_periodic_jobs(monkeypatch, one_job):
    from essayons.publishing.management.commands.publish_scheduler import Command

    Command().tick()
    assert RUNS == ["ran"]
    assert PeriodicRun.objects.filter(name="count").exists()
