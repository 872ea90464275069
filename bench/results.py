"""Benchmark: server time of the results page with two years of a busy shop's data.

A program, not a test: `python bench/results.py` (no arguments). For SQLite (a throw-away file
in a temporary directory) and, when it answers on 127.0.0.1:5432, PostgreSQL (a scratch
database created and dropped here), it migrates, creates one business with 1,000,000 clicks,
100,000 till redemptions, 20,000 online orders, 20,000 "how did you hear of us?" answers and
ad spend over two years, folds the daily rollups as the worker would, then renders the results
page for one month and for the whole period through Django's test client. It prints the median
and 95th percentile of the server time, and the number of SQL queries for a small and for the
big business (it must not grow with the data). The last line is one JSON object. Target: under
150 ms on both databases.

Each database runs in a child process of this program (settings are read once per process).
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py is named like the standard library's `calendar`: keep this folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
import warnings  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

ROOT = HERE.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
CHILD = "ESSAYONS_BENCH_RESULTS_CHILD"
TARGET_MS = 150.0
RUNS = 25
WARMUP = 3
CLICKS = 1_000_000
REDEMPTIONS = 100_000
ORDERS = 20_000
DECLARED = 20_000
START = date(2025, 1, 1)
DAYS = 730
MONTH = "2026-06"
CHANNELS = ("facebook", "instagram", "google", "email")
SOURCES = ("facebook", "instagram", "google", "friend", "passing_by", "press", "other")


# --- Parent: one child per database, then the summary ---------------------------------------------


def main() -> int:
    if os.environ.get(CHILD):
        return child(os.environ[CHILD])
    runs = [_run_child("sqlite", {})]
    pg_name = f"bench_results_{os.getpid()}"
    if _postgres_reachable():
        _psql(f'CREATE DATABASE "{pg_name}"')
        try:
            runs.append(_run_child("postgresql", {"DATABASE_URL": f"{PG_SERVER}/{pg_name}"}))
        finally:
            _psql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    else:
        print("PostgreSQL is not reachable on 127.0.0.1:5432: measured on SQLite only.")
    meets = all(run["meets_targets"] for run in runs)
    print(
        json.dumps(
            {
                "bench": "results",
                "data": {
                    "clicks": CLICKS,
                    "redemptions": REDEMPTIONS,
                    "orders": ORDERS,
                    "days": DAYS,
                },
                "databases": {run["database"]: run for run in runs},
                "targets": {"ms": TARGET_MS},
                "meets_targets": meets,
            }
        )
    )
    return 0


def _run_child(database: str, extra_env: dict[str, str]) -> dict[str, Any]:
    print(f"== {database}", flush=True)
    env = {**os.environ, **extra_env, CHILD: database}
    finished = subprocess.run(
        [sys.executable, __file__], env=env, capture_output=True, text=True, check=False
    )
    lines = finished.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line)
    if finished.returncode != 0 or not lines:
        print(finished.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"the {database} run failed")
    return dict(json.loads(lines[-1]))


def _postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:  # any failure to connect means: measure SQLite only
        return False


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]  (a fixed statement of ours)


# --- Child: one database ----------------------------------------------------------------------------


def child(database: str) -> int:
    with tempfile.TemporaryDirectory(prefix="essayons-bench-results-") as var_dir:
        _django_setup(var_dir)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        small_owner, small = _business("Petit commerce")
        big_owner, big = _business("Boulangerie très active")
        started = time.perf_counter()
        _fill(small, clicks=300, redemptions=40, orders=20, declared=20)
        _fill(big, clicks=CLICKS, redemptions=REDEMPTIONS, orders=ORDERS, declared=DECLARED)
        loaded = time.perf_counter() - started
        from essayons.tracking.orders_rollup import orders_rollup_rebuild
        from essayons.tracking.results_rollups import rollups_fold_now

        # Loaded in bulk, behind the services' back: count the rollups as the repair task would.
        started = time.perf_counter()
        rollups_fold_now()
        orders_rollup_rebuild()
        folded = time.perf_counter() - started
        from django.db import connection

        if connection.vendor == "postgresql":  # what autovacuum does after a bulk load
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"data loaded in {loaded:.1f} s, rollups folded in {folded:.1f} s")
        # The load left millions of objects behind: collect them now so that a collection of
        # the loader's garbage does not land in a measured request (a web process has none).
        gc.collect()
        gc.freeze()
        found: dict[str, Any] = {
            "database": database,
            "load_s": round(loaded, 1),
            "fold_s": round(folded, 1),
        }
        meets = True
        for label, period in (("month", MONTH), ("all", "tout")):
            small_queries = _queries(small_owner, small, period)
            timing, big_queries = _time(big_owner, big, period)
            ok = timing["p95_ms"] < TARGET_MS and big_queries == small_queries
            meets = meets and ok
            found[label] = {**timing, "queries_small": small_queries, "queries_big": big_queries}
            print(
                f"{database} {label:5}: median {timing['median_ms']:.1f} ms, p95 {timing['p95_ms']:.1f} ms "
                f"(target {TARGET_MS:.0f}); queries small {small_queries}, big {big_queries}"
                f" -> {'ok' if ok else 'MISSED'}"
            )
        found["meets_targets"] = meets
        from django.db import connection

        connection.close()
    print(json.dumps(found))
    return 0


def _django_setup(var_dir: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "essayons.settings"
    os.environ["ESSAYONS_VAR_DIR"] = var_dir
    os.environ["DEBUG"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.test.utils import override_settings

    # Not setup_test_environment(): its template instrumentation would slow every render.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ).enable()


def _business(name: str) -> tuple[Any, Any]:
    from essayons.accounts.models import Business, Membership, Trade, User
    from essayons.accounts.roles import Role

    business = Business.objects.create(
        name=name, trade=Trade.BAKERY, town="Fort-de-France", timezone="America/Martinique"
    )
    owner = User.objects.create_user(email=f"{uuid.uuid4().hex[:8]}@bench.example", password=None)
    Membership.objects.create(user=owner, business=business, role=Role.OWNER)
    return owner, business


def _fill(business: Any, *, clicks: int, redemptions: int, orders: int, declared: int) -> None:
    """Two years: a campaign a month, each with a tracked link and a promo code, plus links and
    codes of no campaign; ad spend as Meta's daily rows and one export row per campaign."""
    from essayons.tracking.models import AdSpend, Campaign, PromoCode, TrackedLink

    rng = random.Random(27)
    campaigns, links, codes = [], [], []
    for month in range(24):
        starts = date(2025 + month // 12, month % 12 + 1, 3)
        campaign = Campaign.objects.create(
            business=business,
            name=f"Campagne {month + 1:02d}",
            slug=f"campagne-{month + 1:02d}",
            channel=CHANNELS[month % 4],
            starts_on=starts,
            ends_on=starts + timedelta(days=13),
        )
        campaigns.append(campaign)
        links.append(
            TrackedLink(
                business=business,
                campaign=campaign,
                code=uuid.uuid4().hex[:12],
                destination="https://example.org/",
                channel=campaign.channel,
                utm_source=campaign.channel,
                utm_campaign=campaign.slug,
            )
        )
        codes.append(
            PromoCode(
                business=business,
                campaign=campaign,
                code=f"CODE{month:02d}{uuid.uuid4().hex[:4]}".upper(),
            )
        )
        rows = [
            AdSpend(
                business=business,
                campaign=campaign,
                source="api",
                ad_campaign_name=campaign.name,
                ad_campaign_key=campaign.slug,
                period_start=starts + timedelta(days=d),
                period_end=starts + timedelta(days=d),
                currency="EUR",
                spend=Decimal("21.43"),
                reach=9000 + d,
                impressions=25000,
                link_clicks=130,
                page_likes=50,
                purchases=1,
            )
            for d in range(14)
        ]
        rows.append(
            AdSpend(
                business=business,
                campaign=campaign,
                source="export",
                ad_campaign_name=campaign.name,
                ad_campaign_key=campaign.slug,
                period_start=starts,
                period_end=starts + timedelta(days=13),
                currency="EUR",
                spend=Decimal("300.00"),
                reach=90000,
                impressions=350000,
                link_clicks=1800,
                page_likes=700,
                purchases=12,
            )
        )
        AdSpend.objects.bulk_create(rows)
    for extra in range(16):
        links.append(
            TrackedLink(
                business=business,
                code=uuid.uuid4().hex[:12],
                destination="https://example.org/",
                channel=CHANNELS[extra % 4],
            )
        )
    TrackedLink.objects.bulk_create(links)
    PromoCode.objects.bulk_create(codes)
    base = datetime(START.year, START.month, START.day, 10, tzinfo=UTC)
    campaign_links = list(
        TrackedLink.objects.filter(business=business, campaign__isnull=False).values_list(
            "id", "campaign__starts_on"
        )
    )
    evergreen = list(
        TrackedLink.objects.filter(business=business, campaign__isnull=True).values_list(
            "id", flat=True
        )
    )
    promo = list(
        PromoCode.objects.filter(business=business).values_list("id", "campaign__starts_on")
    )

    def moment() -> datetime:
        return base + timedelta(seconds=rng.randrange(DAYS * 86_400))

    def during(starts: date) -> datetime:
        """Mostly while the campaign runs (two weeks), then a tail over the next six weeks."""
        days = rng.randrange(14) if rng.random() < 0.8 else 14 + rng.randrange(42)
        return datetime(starts.year, starts.month, starts.day, 10, tzinfo=UTC) + timedelta(
            days=days, seconds=rng.randrange(43_200)
        )

    def click() -> tuple[int, datetime]:
        if rng.random() < 0.7:
            link_id, starts = rng.choice(campaign_links)
            return link_id, during(starts)
        return rng.choice(evergreen), moment()

    _insert(
        "tracking_click",
        ["link_id", "at", "is_bot", "ip_prefix", "user_agent", "referrer"],
        ((*click(), rng.random() < 0.05, "192.0.2.0", "Mozilla/5.0", "") for _ in range(clicks)),
    )
    _insert(
        "tracking_redemption",
        ["business_id", "promo_code_id", "at", "amount", "client_key"],
        (
            (
                business.pk,
                code_id,
                during(starts),
                Decimal(rng.randrange(300, 6000)) / 100,
                uuid.uuid4(),
            )
            for code_id, starts in (rng.choice(promo) for _ in range(redemptions))
        ),
    )
    _insert(
        "tracking_declaredsource",
        ["business_id", "source", "at", "client_key"],
        ((business.pk, rng.choice(SOURCES), moment(), uuid.uuid4()) for _ in range(declared)),
    )
    _orders(business, campaigns, codes, orders, moment, during, rng)


def _orders(
    business: Any,
    campaigns: list[Any],
    codes: list[Any],
    count: int,
    moment: Any,
    during: Any,
    rng: random.Random,
) -> None:
    """60 % with a campaign's UTM and 20 % with its code, mostly while it runs; 20 % from nowhere."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(business.timezone)
    rows = []
    for number in range(count):
        campaign = rng.choice(campaigns)
        how = rng.random()
        at = during(campaign.starts_on) if how < 0.8 else moment()
        local = at.astimezone(zone).date()
        rows.append(
            (
                business.pk,
                "woocommerce",
                str(number),
                str(number),
                at,
                local,
                local.replace(day=1),
                Decimal(rng.randrange(500, 9000)) / 100,
                "EUR",
                "paid" if rng.random() < 0.95 else "cancelled",
                campaign.channel if how < 0.6 else "",
                "",
                campaign.slug if how < 0.6 else "",
                "",
                codes[campaigns.index(campaign)].code if 0.6 <= how < 0.8 else "",
                "",
                "",
                at,
                at,
                at,
            )
        )
    _insert(
        "tracking_order",
        [
            "business_id",
            "source",
            "external_id",
            "number",
            "placed_at",
            "placed_on",
            "placed_month",
            "total",
            "currency",
            "status",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_content",
            "coupon_codes",
            "landing_url",
            "referrer",
            "source_updated_at",
            "created_at",
            "updated_at",
        ],
        iter(rows),
    )


def _insert(table: str, columns: list[str], rows: Any, chunk: int = 20_000) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany in chunks on SQLite (what a load tool does)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(columns)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(tuple(_adapt(value) for value in row))
            if len(batch) >= chunk:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _adapt(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def _client(owner: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(owner)
    return client


def _url(business: Any, period: str) -> str:
    from django.urls import reverse

    return reverse("tracking:results", args=[business.public_id]) + f"?periode={period}"


def _queries(owner: Any, business: Any, period: str) -> int:
    """SQL queries of the results page itself (session and login lookups left aside)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(owner)
    client.get(_url(business, period))
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(_url(business, period))
    assert answer.status_code == 200, answer.status_code
    return sum(1 for query in captured.captured_queries if "tracking_" in query["sql"])


def _time(owner: Any, business: Any, period: str) -> tuple[dict[str, float], int]:
    client = _client(owner)
    url = _url(business, period)
    for _ in range(WARMUP):
        client.get(url)
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        answer = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"median_ms": round(statistics.median(samples), 1), "p95_ms": round(p95, 1)}, _queries(
        owner, business, period
    )


if __name__ == "__main__":
    raise SystemExit(main())
