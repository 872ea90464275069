"""Helpers for tests that run Essayons as real processes (manage.py in a subprocess).

Each such test gets its own var folder, so it never touches ./var nor the test database;
DATABASE_URL is removed unless the test sets it, so a PostgreSQL test run cannot leak into it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MANAGE = str(ROOT / "manage.py")
# Variables of the developer's shell that would change what the subprocess does, and one the
# browser tests set in this process (tests/e2e/conftest.py) that a real server must not inherit.
SCRUBBED = (
    "DATABASE_URL",
    "EMAIL_HOST",
    "TASKS_BACKEND",
    "BIND",
    "SECRET_KEY",
    "MEDIA_ROOT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def manage_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(ESSAYONS_VAR_DIR=str(var_dir), DEBUG="false", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, MANAGE, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def manage_ok(*args: str, env: dict[str, str]) -> str:
    done = manage(*args, env=env)
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def shell(code: str, *, env: dict[str, str]) -> str:
    """Run Python inside Django in a subprocess; return the last line it printed."""
    lines = manage_ok("shell", "--no-imports", "-c", code, env=env).strip().splitlines()
    return lines[-1] if lines else ""


def require(service: str, present: bool, where: str) -> None:
    """Skip with the reason when a service is missing, or fail in CI (ESSAYONS_REQUIRE_SERVICES=1)."""
    if present:
        return
    if os.environ.get("ESSAYONS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{service} is required here but not available at {where}")
    pytest.skip(f"{service} is not available at {where}")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), 2):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def form_post(url: str, fields: dict[str, str]) -> int:
    """Open a form page like a browser (cookies, CSRF token), post `fields`, return the status."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(url, timeout=10) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token, f"no CSRF token in {url}"
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token[1], **fields}).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url})  # noqa: S310
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class Launched:
    """`manage.py launch` running in the background, its output collected line by line."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [sys.executable, MANAGE, "launch", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_output(self, pattern: str, timeout: float = 90) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output)
            if found:
                return found
            assert self.process.poll() is None, f"launch exited early:\n{self.output}"
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} never appeared in:\n{self.output}")

    def wait_for_http(self, url: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"launch exited early:\n{self.output}"
            try:
                if http_get(url)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{url} never answered 200:\n{self.output}")

    def descendants(self) -> dict[int, str]:
        """pid → command line of every process below launch (children, gunicorn workers…)."""
        return {pid: cmdline(pid) for pid in descendants_of(self.process.pid)}

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        """Last resort for a failed test: leave no process behind."""
        for pid in [*descendants_of(self.process.pid), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def descendants_of(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name (field 2) may hold spaces; the parent pid follows its ")".
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
