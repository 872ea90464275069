"""Scratch databases and child processes for the tests that need real, separate processes.

Each scratch database is fresh (SQLite in a temporary folder, or a PostgreSQL database created
and dropped here), migrated by `manage.py migrate` in a subprocess; nothing touches ./var or
the test database.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHILD = "essayons.publishing.tests.child"
SCRUBBED = ("DATABASE_URL", "EMAIL_HOST", "TASKS_BACKEND", "SECRET_KEY", "MEDIA_ROOT")
PG_SERVER = os.environ.get("PG_TEST_URL", "postgres://postgres@127.0.0.1:5432/test")


def require(service: str, present: bool, where: str) -> None:
    """Skip with the reason, or fail in CI (ESSAYONS_REQUIRE_SERVICES=1)."""
    if present:
        return
    if os.environ.get("ESSAYONS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{service} is required here but not available at {where}")
    pytest.skip(f"{service} is not available at {where}")


def postgres_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(_with_db(PG_SERVER, "postgres"), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def scratch_postgres(prefix: str = "h_publishing_scratch") -> Iterator[str]:
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = _with_db(PG_SERVER, "postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(PG_SERVER, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child_env(var_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(ESSAYONS_VAR_DIR=str(var_dir), DEBUG="false", PYTHONUNBUFFERED="1")
    env["DJANGO_SETTINGS_MODULE"] = "essayons.settings"
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def child(
    *args: str, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own module)
        [sys.executable, "-m", CHILD, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def child_ok(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    done = child(*args, env=env, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def child_start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 (our own module)
        [sys.executable, "-m", CHILD, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def shell(code: str, *, env: dict[str, str]) -> str:
    """Run Python inside Django in a child; the last line it printed."""
    out = child_ok("manage", "shell", "--no-imports", "-c", code, env=env)
    lines = out.strip().splitlines()
    return lines[-1] if lines else ""


def migrate(env: dict[str, str]) -> None:
    child_ok("manage", "migrate", "--verbosity=0", env=env)
