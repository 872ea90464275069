"""Real processes on a real database file or server: racing workers and a killed worker.

CONTRACTS.md §4 case 5 (two workers, one due post → one remote call) and case 1 (a worker
killed after the network's success, before its commit → unknown, reconciled, never re-sent),
on SQLite (a file, WAL, as deployed) and on PostgreSQL (a scratch database), each worker a
separate process with its own connection, talking HTTP to the fake network on 127.0.0.1.
"""

from __future__ import annotations

import json
import time

import pytest

from essayons.publishing.tests.fakenet import FakeNet, configure, stats
from essayons.publishing.tests.procs import (
    child_env,
    child_ok,
    child_start,
    migrate,
    postgres_reachable,
    require,
    scratch_postgres,
    shell,
)

SEED = """
from datetime import timedelta
from django.utils import timezone
from essayons.accounts.models import Business
from essayons.connectors.models import Connection
from essayons.planner.models import Post
from essayons.publishing.models import Delivery
from essayons.publishing.services import deliveries_plan
ids = []
for n in range({count}):
    b = Business.objects.create(name=f"Course {{n}}", trade="bakery", town="Fort-de-France")
    c = Connection(business=b, kind="mastodon", account_id=f"acct-{{n}}", account_name="@course",
                   instance_url="{url}")
    c.credentials = {{"access_token": f"acct-{{n}}"}}
    c.save()
    p = Post.objects.create(business=b, status="scheduled", text=f"Course {{n}}",
                            channels=["mastodon"], scheduled_at=timezone.now() - timedelta(seconds=5))
    deliveries_plan(post=p)
    d = Delivery.objects.get(post=p)
    Delivery.objects.filter(pk=d.pk).update(status="pending", next_try_at=timezone.now())
    ids.append(str(d.pk))
print(",".join(ids))
"""

STATE = """
import json
from essayons.publishing.models import Delivery
print(json.dumps([{{"status": d.status, "remote_id": d.remote_id, "key": d.attempt_key,
    "attempts": [[a.kind, a.outcome] for a in d.attempts.all()]}}
    for d in Delivery.objects.filter(pk__in=[{ids}]).order_by("pk")]))
"""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def scratch(request, tmp_path_factory):
    """A migrated scratch database; the environment for child processes using it."""
    folder = tmp_path_factory.mktemp(f"publishing-{request.param}")
    if request.param == "sqlite":
        env = child_env(folder, FAKENET_KINDS="mastodon")
        migrate(env)
        yield env
        return
    require("PostgreSQL", postgres_reachable(), "PG_TEST_URL")
    with scratch_postgres() as url:
        env = child_env(folder, url, FAKENET_KINDS="mastodon")
        migrate(env)
        yield env


def seed(url: str, count: int, env) -> str:
    return shell(SEED.format(url=url, count=count), env=env)


def states(ids: str, env) -> list[dict]:
    return json.loads(shell(STATE.format(ids=ids), env=env))


def test_two_workers_racing_for_one_due_delivery_send_it_once(scratch):
    with FakeNet(latency=0.2) as net:
        ids = seed(net.url, 3, scratch)
        start = time.time() + 6  # both processes are set up and waiting well before
        workers = [child_start("send", ids, str(start), env=scratch) for _ in range(2)]
        outputs = [w.communicate(timeout=180)[0] for w in workers]
        seen = stats(net.url)
    for delivery in ids.split(","):
        results = sorted(
            line.split()[2]
            for out in outputs
            for line in out.splitlines()
            if line.startswith(f"RESULT {delivery} ")
        )
        assert results == ["-", "published"], outputs  # exactly one claim won the race
    assert seen["creates"] == 3 and seen["duplicates"] == 0
    for found in states(ids, scratch):
        assert found["status"] == "published"
        assert found["attempts"] == [["publish", "published"]]
        assert seen["per_key"][found["key"]] == 1


def test_a_worker_killed_between_the_networks_yes_and_its_commit_never_sends_twice(scratch):
    fast_lease = {**scratch, "PUBLISH_OVERRIDES": json.dumps({"PUBLISH_LEASE_SECONDS": 1})}
    with FakeNet(latency=0.05, hold=60) as net:
        delivery = seed(net.url, 1, scratch)
        worker = child_start("send", delivery, "0", env=scratch)
        deadline = time.monotonic() + 60
        while stats(net.url)["creates"] < 1:
            assert time.monotonic() < deadline, "the worker never reached the network"
            time.sleep(0.05)
        worker.kill()  # SIGKILL: the post exists on the network, our database never heard
        worker.wait(timeout=30)
        assert states(delivery, scratch)[0]["status"] == "sending"
        configure(net.url, hold=0)

        time.sleep(1.5)  # the lease runs out
        child_ok("manage", "publish_scheduler", "--once", env=fast_lease)
        child_ok(
            "manage", "db_worker", "--batch", "--no-startup-delay", "--no-reload", env=fast_lease
        )
        seen = stats(net.url)
    [found] = states(delivery, scratch)
    assert found["status"] == "published"
    assert found["remote_id"] == "1"
    assert found["attempts"] == [["publish", "lost"], ["reconcile", "found"]]
    assert seen["creates"] == 1 and seen["received"] == 1
