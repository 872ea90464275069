"""Moving an install from SQLite to PostgreSQL: every row, checked, nothing left behind.

The target is prepared by Essayons' own migrations, then filled with Django's serialised copy
of the source (dumpdata → loaddata, which keeps primary keys, so links, codes and tokens stay
valid); both run as `manage.py` processes pointed at the target by DATABASE_URL, so this
process never holds two databases. Left out: sessions (people log in again), the task queue's
own rows and the login-attempt log (both recreated as needed). The row counts of every other
table are compared at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils.translation import gettext as _

EXCLUDED = ("contenttypes", "auth.permission", "sessions", "django_tasks_database", "axes")
MANAGE = Path(settings.BASE_DIR) / "manage.py"


class MoveError(Exception):
    """Why nothing was moved (or why the copy cannot be trusted), for the person running it."""


def database_move(*, target_url: str) -> dict[str, int]:
    """Copy this install's database into the empty PostgreSQL database at `target_url`;
    returns the rows copied per model. Raises MoveError; the source is never changed."""
    if connection.vendor != "sqlite":
        raise MoveError(_("the move starts from an install on SQLite"))
    if not target_url.startswith(("postgres://", "postgresql://")):
        raise MoveError(_("the target must be a PostgreSQL address (postgres://…)"))
    _target_manage("migrate", "--noinput", target_url=target_url)
    if _target_count(target_url, "accounts.User"):
        raise MoveError(_("the target database already holds accounts: it must be empty"))
    with tempfile.TemporaryDirectory(prefix="essayons-move-") as folder:
        dump = Path(folder) / "data.json"
        call_command(
            "dumpdata",
            *[f"--exclude={name}" for name in EXCLUDED],
            "--natural-foreign",
            output=str(dump),
            verbosity=0,
        )
        _target_manage("loaddata", str(dump), target_url=target_url)
    return _counts_compare(target_url)


def _models() -> list[str]:
    skipped = {name for name in EXCLUDED if "." not in name}
    skipped_models = {name for name in EXCLUDED if "." in name}
    return [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label not in skipped
        and model._meta.label_lower not in skipped_models
        and model._meta.managed
        and not model._meta.proxy
    ]


def _counts_compare(target_url: str) -> dict[str, int]:
    here = {label: apps.get_model(label)._default_manager.count() for label in _models()}
    there = json.loads(_target_manage("shell", "-c", _COUNT_SCRIPT, target_url=target_url))
    different = {label: (n, there.get(label)) for label, n in here.items() if there.get(label) != n}
    if different:
        raise MoveError(_("the copy differs from the source: %(tables)s") % {"tables": different})
    return here


# Run by `manage.py shell -c` on the target: the rows of every table, as JSON on one line.
_COUNT_SCRIPT = (
    "import json; from django.apps import apps; "
    "print(json.dumps({m._meta.label: m._default_manager.count() for m in apps.get_models() "
    "if m._meta.managed and not m._meta.proxy}))"
)


def _target_count(target_url: str, label: str) -> int:
    counts = json.loads(_target_manage("shell", "-c", _COUNT_SCRIPT, target_url=target_url))
    return int(counts.get(label, 0))


def _target_manage(*args: str, target_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": target_url}
    done = subprocess.run(  # noqa: S603 (our own manage.py, our arguments)
        [sys.executable, str(MANAGE), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise MoveError(
            _("“%(step)s” failed on the target: %(why)s") % {"step": args[0], "why": last[:300]}
        )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
