"""Benchmark of the publishing engine: a burst of 10,000 deliveries due at the same instant.

Run it with no arguments: `.venv/bin/python bench/publish_burst.py`. For each database it
builds a scratch one (PostgreSQL: a database created here and dropped at the end; SQLite: a
file in a temporary folder, WAL, as deployed), migrates it, and seeds 1,000 businesses, each
with two connected accounts (kinds `mastodon` and `bluesky`) and five posts on both: 10,000
deliveries. Then, on this machine and in this run:
- a fake network on 127.0.0.1 (its own process; essayons/publishing/tests/fakenet.py) answers
  every request after 100 ms, allows 4 posts per account per 10 s (429 with X-RateLimit-Reset
  beyond) and counts every create per attempt key, without deduplicating;
- the real scheduler (`manage.py publish_scheduler`, default tick) and real task workers
  (`manage.py db_worker`), each process sending PUBLISH_THREADS deliveries at a time, talk to
  it through essayons/lib/http.py (the child processes allow the loopback address);
- once they are all running, every delivery is made due at the same instant T0.
It prints deliveries per second, lateness p50/p99, duplicates (a key created more than once),
losses (a delivery not published, or published without its create on the network), and ends
with one JSON line.

Targets (issue #4): 0 duplicates, 0 losses; PostgreSQL: all 10,000 within 100 s of T0
(≥ 100 deliveries/s on a 2-core machine); SQLite (the default single worker): within 300 s.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from essayons.publishing.tests.fakenet import stats  # noqa: E402
from essayons.publishing.tests.procs import (  # noqa: E402
    child_env,
    child_start,
    migrate,
    postgres_reachable,
    scratch_postgres,
    shell,
)

BUSINESSES = 1_000
POSTS_PER_BUSINESS = 5
CHANNELS = ("mastodon", "bluesky")
DELIVERIES = BUSINESSES * POSTS_PER_BUSINESS * len(CHANNELS)
LATENCY_S = 0.1
LIMIT_PER_ACCOUNT, WINDOW_S = 4, 10
# Measured on the 2-core machine: see the report of issue #4 and docs/adr/0005.
POSTGRES_WORKERS, POSTGRES_THREADS = 3, 16
SQLITE_WORKERS, SQLITE_THREADS = 1, 16  # the default: one worker, PUBLISH_THREADS left at 16
TARGETS = {
    "duplicates": 0,
    "losses": 0,
    "postgres_seconds_to_all": 100,
    "postgres_per_second": 100,
    "sqlite_seconds_to_all": 300,
}
GIVE_UP_S = {"postgres": 400, "sqlite": 900}

SEED = """
from datetime import datetime, timezone
from essayons.accounts.models import Business
from essayons.connectors.models import Connection
from essayons.planner.models import Post
from essayons.publishing.keys import attempt_key_new
from essayons.publishing.models import Delivery
far = datetime(2100, 1, 1, tzinfo=timezone.utc)
businesses = Business.objects.bulk_create(
    Business(name=f"Commerce {{n}}", trade="bakery", town="Fort-de-France",
             timezone="America/Martinique") for n in range({businesses}))
connections = []
for business in businesses:
    for kind in {channels!r}:
        c = Connection(business=business, kind=kind, account_id=f"{{kind}}-{{business.pk}}",
                       account_name="@commerce", instance_url="{url}")
        c.credentials = {{"access_token": f"{{kind}}-{{business.pk}}"}}
        connections.append(c)
Connection.objects.bulk_create(connections, batch_size=1000)
by_key = {{(c.business_id, c.kind): c.pk for c in Connection.objects.all()}}
posts = Post.objects.bulk_create(
    (Post(business=b, status="scheduled", text=f"Le pain du jour n°{{n}} 🥖 chez {{b.name}}",
          channels=list({channels!r}), scheduled_at=far)
     for b in businesses for n in range({posts})), batch_size=1000)
Delivery.objects.bulk_create(
    (Delivery(business_id=p.business_id, post=p, channel=kind,
              connection_id=by_key[(p.business_id, kind)], status="scheduled", due_at=far,
              next_try_at=far, attempt_key=attempt_key_new(), post_version=p.version)
     for p in posts for kind in {channels!r}), batch_size=1000)
print(Delivery.objects.count())
"""

MAKE_DUE = [
    "UPDATE planner_post SET scheduled_at = {t}",
    "UPDATE publishing_delivery SET due_at = {t}, next_try_at = {t}",
]
RESULTS = (
    "SELECT d.attempt_key, d.status, d.remote_id, d.due_at, d.published_at "
    "FROM publishing_delivery d"
)


class Database:
    """Plain SQL on the scratch database, from the benchmark process itself."""

    def __init__(self, kind: str, where: str) -> None:
        self.kind, self.where = kind, where

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            with sqlite3.connect(self.where, timeout=60) as connection:
                rows = connection.execute(sql.replace("%s", "?"), params).fetchall()
            return rows
        import psycopg

        with psycopg.connect(self.where, autocommit=True) as connection:
            cursor = connection.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def make_due(self, moment: datetime) -> None:
        # SQLite holds Django's datetimes as naive UTC text, compared as text.
        value: Any = moment
        if self.kind == "sqlite":
            value = moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        for sql in MAKE_DUE:
            self.execute(sql.replace("{t}", "%s"), (value,) * sql.count("{t}"))

    def count(self, status: str) -> int:
        return int(
            self.execute("SELECT count(*) FROM publishing_delivery WHERE status = %s", (status,))[
                0
            ][0]
        )


def parse(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def fakenet_start() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "essayons.publishing.tests.fakenet",
            f"--latency={LATENCY_S}",
            f"--limit={LIMIT_PER_ACCOUNT}",
            f"--window={WINDOW_S}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().split()
    if not line or line[0] != "READY":
        raise SystemExit("the fake network did not start")
    return process, f"http://127.0.0.1:{line[1]}"


def stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(
    kind: str, env: dict[str, str], database: Database, workers: int, threads: int
) -> dict[str, Any]:
    print(f"\n[{kind}] migrating and seeding {DELIVERIES} deliveries…", flush=True)
    migrate(env)
    network, url = fakenet_start()
    processes: list[subprocess.Popen[str]] = [network]
    try:
        seeded = int(
            shell(
                SEED.format(
                    url=url, businesses=BUSINESSES, posts=POSTS_PER_BUSINESS, channels=CHANNELS
                ),
                env=env,
            )
        )
        assert seeded == DELIVERIES, seeded
        run_env = {
            **env,
            "FAKENET_KINDS": ",".join(CHANNELS),
            "PUBLISH_OVERRIDES": json.dumps({"PUBLISH_THREADS": threads}),
            "LOG_LEVEL": "WARNING",
        }
        processes.append(child_start("manage", "publish_scheduler", env=run_env))
        for _n in range(workers):
            processes.append(
                child_start("manage", "db_worker", "--no-reload", "--verbosity=0", env=run_env)
            )
        time.sleep(8)  # every process is up and idle
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"[{kind}] a process died at start:\n{process.communicate()[0]}")
        t0 = datetime.now(tz=UTC).replace(microsecond=0) + timedelta(seconds=2)
        database.make_due(t0)
        print(
            f"[{kind}] {workers} worker process(es) × {threads} threads; all due at {t0:%H:%M:%S}",
            flush=True,
        )
        deadline = time.monotonic() + GIVE_UP_S[kind]
        while time.monotonic() < deadline:
            time.sleep(2)
            published, failed = database.count("published"), database.count("failed")
            elapsed = (datetime.now(tz=UTC) - t0).total_seconds()
            print(
                f"[{kind}] +{elapsed:5.0f} s  published {published:5d}  failed {failed}", flush=True
            )
            if published + failed >= DELIVERIES:
                break
        network_stats = stats(url)
    finally:
        stop(processes[1:])
        stop(processes[:1])
    rows = database.execute(RESULTS)
    per_key = network_stats["per_key"]
    published = [r for r in rows if r[1] == "published"]
    lateness = [(parse(r[4]) - parse(r[3])).total_seconds() for r in published]
    last = max((parse(r[4]) for r in published), default=t0)
    seconds = (last - t0).total_seconds()
    losses = sum(1 for r in rows if r[1] != "published" or per_key.get(r[0], 0) == 0)
    result = {
        "database": kind,
        "worker_processes": workers,
        "threads_per_worker": threads,
        "deliveries": DELIVERIES,
        "published": len(published),
        "seconds_to_all": round(seconds, 1),
        "per_second": round(len(published) / seconds, 1) if seconds > 0 else 0.0,
        "lateness_p50_s": round(percentile(lateness, 0.50), 2),
        "lateness_p99_s": round(percentile(lateness, 0.99), 2),
        "lateness_mean_s": round(statistics.fmean(lateness), 2) if lateness else None,
        "duplicates": network_stats["duplicates"],
        "losses": losses,
        "network_creates": network_stats["creates"],
        "rate_limited_429": network_stats.get("rate_limited", 0),
    }
    print(f"[{kind}] {json.dumps(result)}", flush=True)
    return result


def meets(postgres: dict[str, Any] | None, sqlite: dict[str, Any]) -> bool:
    runs = [r for r in (postgres, sqlite) if r is not None]
    ok = all(r["duplicates"] == 0 and r["losses"] == 0 for r in runs)
    ok = ok and sqlite["seconds_to_all"] <= TARGETS["sqlite_seconds_to_all"]
    if postgres is None:
        return False
    return (
        ok
        and postgres["seconds_to_all"] <= TARGETS["postgres_seconds_to_all"]
        and postgres["per_second"] >= TARGETS["postgres_per_second"]
    )


def main() -> None:
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-publish-")))
        postgres = None
        if postgres_reachable():
            url = stack.enter_context(scratch_postgres("bench_publish_burst"))
            env = child_env(folder / "pg", url)
            postgres = run(
                "postgres", env, Database("postgres", url), POSTGRES_WORKERS, POSTGRES_THREADS
            )
        else:
            print("PostgreSQL is not reachable (PG_TEST_URL): its run is skipped", flush=True)
        env = child_env(folder / "sqlite")
        sqlite = run(
            "sqlite",
            env,
            Database("sqlite", str(folder / "sqlite" / "essayons.sqlite3")),
            SQLITE_WORKERS,
            SQLITE_THREADS,
        )
    print(
        json.dumps(
            {
                "bench": "publish_burst",
                "postgres": postgres,
                "sqlite": sqlite,
                "targets": TARGETS,
                "meets_targets": meets(postgres, sqlite),
            }
        )
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essayons.settings")
    main()
