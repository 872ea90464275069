"""Benchmark: server time of the calendar's month view with 500 posts, on SQLite.

A program, not a test: `python bench/calendar.py` (no arguments). It builds a throw-away
SQLite database in a temporary directory, creates one business with 500 posts in one
month, renders the month view through Django's test client and prints the median and
95th percentile, the ratio to an empty month measured in the same run, and the number
of SQL queries with 50 and with 500 posts (it must not grow with the posts). The last
line is one JSON object for machines. Target: under 150 ms.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `calendar`: keep its folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

ROOT = HERE.parent
RUNS = 40
WARMUP = 5
TARGET_MS = 150.0
POSTS = 500
SMALL = 50


def _setup(var_dir: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "essayons.settings"
    os.environ["ESSAYONS_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    # Not setup_test_environment(): its template instrumentation would slow every render.
    override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ).enable()
    call_command("migrate", verbosity=0, interactive=False)


def _world() -> tuple[Any, Any, date]:
    from essayons.accounts.models import Business, Membership, Trade, User
    from essayons.accounts.roles import Role

    business = Business.objects.create(
        name="Boulangerie Banc d'essai",
        trade=Trade.BAKERY,
        town="Fort-de-France",
        timezone="America/Martinique",
    )
    owner = User.objects.create_user(email="bench@example.test", password=None)
    Membership.objects.create(user=owner, business=business, role=Role.OWNER)
    today = date.today()
    first = (today.replace(day=28) + timedelta(days=5)).replace(day=1)  # next month
    return business, owner, first


def _add_posts(business: Any, owner: Any, first: date, count: int, rng: random.Random) -> None:
    from essayons.planner.models import Post, PostStatus

    zone = ZoneInfo(business.timezone)
    statuses = [
        PostStatus.DRAFT,
        PostStatus.AWAITING_APPROVAL,
        PostStatus.SCHEDULED,
        PostStatus.CHANGES_REQUESTED,
    ]
    channels = ["facebook", "instagram", "google", "linkedin", "mastodon", "bluesky"]
    Post.objects.bulk_create(
        Post(
            business=business,
            author=owner,
            status=rng.choice(statuses),
            text=f"Publication {n} : pain au beurre, tourments d'amour, passez nous voir ! "
            * rng.randint(1, 4),
            channels=rng.sample(channels, rng.randint(1, 3)),
            scheduled_at=datetime(
                first.year,
                first.month,
                rng.randint(1, 28),
                rng.randint(6, 20),
                rng.choice([0, 15, 30, 45]),
                tzinfo=zone,
            ),
        )
        for n in range(count)
    )


def _measure(get: Callable[[], Any]) -> tuple[list[float], list[float], int]:
    """(wall-clock ms, CPU ms, SQL queries) of the request; CPU time stays meaningful on a busy machine."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        assert get().status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert get().status_code == 200
    queries = len(captured.captured_queries)  # now: the next request clears the log
    times, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = get()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    return times, cpu, queries


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="essayons-bench-") as var_dir:
        _setup(var_dir)
        from django.test import Client
        from django.urls import reverse

        rng = random.Random(42)
        business, owner, first = _world()
        client = Client()
        client.force_login(owner)
        url = reverse("planner:calendar", args=[business.public_id]) + f"?month={first:%Y-%m}"

        def get() -> Any:
            return client.get(url)

        empty, _empty_cpu, queries_empty = _measure(get)
        _add_posts(business, owner, first, SMALL, rng)
        _small, _small_cpu, queries_small = _measure(get)
        _add_posts(business, owner, first, POSTS - SMALL, rng)
        full, full_cpu, queries_full = _measure(get)
        assert f"{POSTS} publications" in get().content.decode()

    median, p95 = statistics.median(full), _p95(full)
    cpu_median = statistics.median(full_cpu)
    baseline = statistics.median(empty)
    print(f"calendar month, {POSTS} posts, {RUNS} runs on SQLite")
    print(f"  median {median:.1f} ms, p95 {p95:.1f} ms (target < {TARGET_MS:.0f} ms)")
    print(f"  CPU time of the process: median {cpu_median:.1f} ms (unaffected by other load)")
    print(f"  empty month (baseline): median {baseline:.1f} ms; ratio {median / baseline:.2f}×")
    print(
        f"  SQL queries: empty {queries_empty}, {SMALL} posts {queries_small}, {POSTS} posts {queries_full}"
    )
    # The typical render must be under target; p95 is shown, as it moves with the machine's load.
    meets = median < TARGET_MS and queries_small == queries_full
    print(
        json.dumps(
            {
                "bench": "calendar",
                "posts": POSTS,
                "median_ms": round(median, 1),
                "p95_ms": round(p95, 1),
                "cpu_median_ms": round(cpu_median, 1),
                "baseline_ms": round(baseline, 1),
                "ratio_to_baseline": round(median / baseline, 2),
                "queries_empty": queries_empty,
                "queries_50": queries_small,
                "queries_500": queries_full,
                "target_ms": TARGET_MS,
                "meets_targets": meets,
            }
        )
    )
    return 0 if meets else 1


if __name__ == "__main__":
    sys.exit(main())
