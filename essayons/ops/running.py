"""Whether Essayons is running on this machine: `launch` leaves its pid in VAR_DIR while it runs.

`restore` replaces the database and the uploaded files; doing it under a running app would
mix old and new data. Only this machine is seen: other nodes must be stopped by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings


def pid_file() -> Path:
    return Path(settings.VAR_DIR) / "launch.pid"


@contextmanager
def running_marked() -> Iterator[None]:
    """Around `launch`'s supervision: the pid file exists exactly while it runs."""
    path = pid_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()))
    try:
        yield
    finally:
        if path.read_text().strip() == str(os.getpid()):
            path.unlink(missing_ok=True)


def running_pid() -> int | None:
    """The pid of a `launch` running on this install, or None (a stale file is ignored)."""
    try:
        pid = int(pid_file().read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, owned by another user
        return pid
    return pid
