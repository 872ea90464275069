"""The same engine on the RQ backend (Redis): the scheduler enqueues, an rq worker sends."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from essayons.publishing.models import DeliveryStatus
from essayons.publishing.services import publishing_tick
from essayons.publishing.tests.conftest import connect, only, schedule
from essayons.publishing.tests.procs import require

REDIS_URL = "redis://127.0.0.1:6379/14"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), 2):
            return True
    except OSError:
        return False


@pytest.fixture
def rq_backend(settings, transactional_db):
    require("Redis", redis_reachable(), "127.0.0.1:6379")
    import django_rq

    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    connection = django_rq.get_connection("default")
    connection.flushdb()
    yield
    connection.flushdb()


def test_a_delivery_goes_through_redis_and_an_rq_worker(
    rq_backend, clock, network, business, owner
):
    import django_rq

    connect(business)
    post = schedule(business)
    clock.now = post.scheduled_at + timedelta(seconds=1)

    publishing_tick()

    assert only(post).status == DeliveryStatus.PENDING  # waiting in Redis
    queue = django_rq.get_queue("default")
    assert queue.count >= 1
    assert network.calls == []

    worker = django_rq.get_worker(
        "default", worker_class="rq.SimpleWorker", job_class="django_tasks_rq.Job"
    )
    assert worker.work(burst=True)

    delivery = only(post)
    assert delivery.status == DeliveryStatus.PUBLISHED
    assert network.verbs() == ["publish"]
    assert queue.count == 0
