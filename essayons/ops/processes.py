"""The processes one Essayons node runs, and the small supervisor that keeps them together.

`launch` starts the web server (gunicorn) and the task worker as child processes. They live
and die together: Ctrl-C or SIGTERM stops both gracefully; if one exits on its own, the others
are stopped and the supervisor reports a failure, so systemd (or the person at the terminal)
sees it and can restart the whole node.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_SECONDS = 0.2
RQ_BACKEND_PREFIX = "django_tasks_rq."


class Output(Protocol):
    def write(self, msg: str) -> Any: ...

    def flush(self) -> Any: ...


@dataclass(frozen=True)
class Child:
    name: str
    command: list[str]


def web_child(*, bind: str, workers: int, threads: int) -> Child:
    """gunicorn serving the WSGI app; static files are served by whitenoise inside it."""
    return Child(
        "web",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "essayons.wsgi:application",
            f"--bind={bind}",
            f"--workers={workers}",
            f"--threads={threads}",
            # gunicorn ≥ 23 opens a control socket in $HOME by default; two nodes on one
            # machine (or two test runs) would fight over it, and we do not use it.
            "--no-control-socket",
            "--graceful-timeout=20",
        ],
    )


def worker_child(*, number: int = 1) -> Child:
    """The worker of the configured task backend: database (default) or RQ on Redis."""
    config: dict[str, Any] = settings.TASKS["default"]
    backend, queues = str(config["BACKEND"]), [str(q) for q in config.get("QUEUES") or ["default"]]
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    if backend.startswith(RQ_BACKEND_PREFIX):
        command = [sys.executable, manage, "rqworker", "--job-class=django_tasks_rq.Job"]
        command += ["--with-scheduler", *queues]
    else:
        command = [sys.executable, manage, "db_worker", "--no-reload"]
        command += [f"--queue-name={','.join(queues)}"]
    return Child(f"worker-{number}", command)


def scheduler_child() -> Child:
    """The publishing scheduler: hands due posts to the workers every few seconds (adr/0005)."""
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    return Child("scheduler", [sys.executable, manage, "publish_scheduler"])


class Supervisor:
    """Run children until a stop signal arrives or one of them exits; then stop them all."""

    def __init__(self, children: Sequence[Child], *, out: Output, stop_timeout: float = 30):
        self.children = list(children)
        self.out = out
        self.stop_timeout = stop_timeout
        self.stop_signal: int | None = None
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def run(self) -> int:
        """Return 0 after a requested stop, 1 when a child died on its own."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._on_signal)
        try:
            for child in self.children:
                self._start(child)
            dead = self._wait_for_stop_or_death()
        finally:
            self._stop_all()
        if dead is None:
            return 0
        code = self.running[dead].returncode
        message = _("[launch] %(name)s stopped on its own (exit code %(code)s): all stopped.")
        self.out.write(message % {"name": dead, "code": code} + "\n")
        return 1

    def _start(self, child: Child) -> None:
        # A process group of its own: Ctrl-C reaches the supervisor only, which then stops
        # each child once, gracefully (a second SIGINT would abort a running task).
        process = subprocess.Popen(child.command, cwd=settings.BASE_DIR, process_group=0)  # noqa: S603
        self.running[child.name] = process
        self.out.write(
            _("[launch] %(name)s started, pid %(pid)s") % {"name": child.name, "pid": process.pid}
            + "\n"
        )
        self.out.flush()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum

    def _wait_for_stop_or_death(self) -> str | None:
        while self.stop_signal is None:
            for name, process in self.running.items():
                if process.poll() is not None:
                    return name
            time.sleep(POLL_SECONDS)
        return None

    def _stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for name, process in self.running.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.out.write(
                    _("[launch] %(name)s did not stop in time: killed.") % {"name": name} + "\n"
                )
                process.kill()
                process.wait()
        self.out.flush()
