"""Fixtures of the ops tests that run Essayons on a database of their own."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit

import pytest

from essayons.ops.tests.procs import reachable, require

PG_URL = os.environ.get("PG_TEST_URL", "postgres://postgres@127.0.0.1:5432/test")


@pytest.fixture
def scratch_postgres():
    """A database of our own, created and dropped here (never the test run's database)."""
    parts = urlsplit(PG_URL)
    require("PostgreSQL", reachable(parts.hostname or "127.0.0.1", parts.port or 5432), PG_URL)
    import psycopg

    name = f"h_ops_backup_{uuid.uuid4().hex[:12]}"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
