"""Essayons in a child process, for the process-level tests and the benchmark.

    python -m essayons.publishing.tests.child manage <command> [args...]
    python -m essayons.publishing.tests.child send <delivery_id,...> <start_at_epoch>

The database is the scratch one of the environment (ESSAYONS_VAR_DIR or DATABASE_URL).
FAKENET_KINDS lists the network kinds served by the fake network's connector; the process may
reach 127.0.0.1 (allow_loopback). PUBLISH_OVERRIDES is a JSON object of settings to set.
`send` takes each delivery at the given wall-clock time (one second apart), so that two
processes started alike really race for each.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

_LOOPBACK: list[Any] = []


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essayons.settings")
    import django

    django.setup()
    from django.conf import settings

    from essayons.connectors.registry import CONNECTORS
    from essayons.lib import http
    from essayons.publishing.tests.fakenet import FakeNetConnector

    for name, value in json.loads(os.environ.get("PUBLISH_OVERRIDES") or "{}").items():
        setattr(settings, name, value)
    for kind in filter(None, os.environ.get("FAKENET_KINDS", "").split(",")):
        CONNECTORS[kind] = type(f"FakeNet_{kind}", (FakeNetConnector,), {"kind": kind})
    # Entered for the life of this process (kept referenced: a collected context would exit).
    _LOOPBACK.append(http.allow_loopback())
    _LOOPBACK[-1].__enter__()


def main(argv: list[str]) -> None:
    setup()
    if argv[1] == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", *argv[2:]])
    elif argv[1] == "send":
        from django.db import connection

        from essayons.publishing.services import delivery_send

        connection.ensure_connection()
        for n, delivery_id in enumerate(argv[2].split(",")):
            time.sleep(max(0.0, float(argv[3]) + n - time.time()))
            print(
                "RESULT",
                delivery_id,
                delivery_send(delivery_id=int(delivery_id)) or "-",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv)
