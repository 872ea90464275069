"""Benchmark of the tracking redirect (/r/<code>) against nginx answering `return 302`.

Run it with no arguments: `.venv/bin/python bench/redirect.py`. It installs Debian's `wrk`
and `nginx` if they are missing (apt-get), builds a throw-away SQLite database with one
business and one tracked link, then, on this machine and in this run:
- nginx (one worker) on core 0 answers `return 302 http://example.org/;`,
- the lean redirect server on core 0, one worker, as docs/redirect.md runs it: granian over
  RSGI with uvloop (`--server uvicorn`: uvicorn over ASGI with uvloop and httptools),
- wrk (2 threads, 64 connections, 10 s, --latency) on core 1 against each in turn.
The redirect server is then stopped as systemd stops it (SIGTERM: every pending click is
written first) and the clicks in the database are counted against the redirects it sent and
the requests wrk completed. It prints the figures and ends with one JSON line.

Targets (issue #5): every click recorded, p99 <= 10 ms, throughput >= 0.20 x nginx.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DURATION_S = 10
CONNECTIONS = 64
THREADS = 2
SERVER_CORE = "0"
LOAD_CORE = "1"
TARGETS = {"ratio_to_nginx": 0.20, "p99_ms": 10}
APP = "essayons.tracking.redirect_asgi:app"
MODULES = {"granian": ("granian", "uvloop"), "uvicorn": ("uvicorn", "uvloop", "httptools")}
# The commands of docs/redirect.md, bound to the loopback and a free port.
SERVERS = {
    "granian": [
        *("-m", "granian", "--interface", "rsgi", "--http", "1", "--no-ws", "--loop", "uvloop"),
        *("--workers", "1", "--log-level", "info", "--host", "127.0.0.1", "--port"),
    ],
    "uvicorn": [
        *("-m", "uvicorn", "--loop", "uvloop", "--http", "httptools", "--lifespan", "on"),
        *("--workers", "1", "--no-access-log", "--log-level", "info", "--host", "127.0.0.1"),
        "--port",
    ],
}

SETUP = textwrap.dedent(
    """
    import django
    django.setup()
    from essayons.accounts.models import Business
    from essayons.tracking.links_services import link_create
    business = Business.objects.create(name="Bench", trade="bakery", town="Fort-de-France")
    link = link_create(business=business, destination="https://example.org/galettes",
                       channel="facebook")
    from django.conf import settings
    print(link.code, settings.REDIRECT_BATCH_SIZE)
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=sorted(SERVERS), default="granian")
    server_name = parser.parse_args().server
    tools_ensure(server_name)
    with tempfile.TemporaryDirectory(prefix="bench-redirect-") as folder:
        tmp = Path(folder)
        env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "ESSAYONS_VAR_DIR": str(tmp),
            "DJANGO_SETTINGS_MODULE": "essayons.settings",
            "LOG_LEVEL": "INFO",
        }
        code, batch = database_prepare(env)
        print(f"database: {tmp / 'essayons.sqlite3'} (SQLite), link /r/{code}")

        nginx_port = free_port()
        with NginxRunning(tmp, nginx_port) as master:
            before = cpu_seconds(master)
            nginx = wrk(f"http://127.0.0.1:{nginx_port}/r/{code}")
            nginx.cpu_us = (cpu_seconds(master) - before) / nginx.requests * 1e6
        print_run("nginx return 302", nginx)

        port = free_port()
        server, log_path = redirect_server_start(server_name, env, port, tmp)
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        warm.request("HEAD", f"/r/{code}")  # warms the link cache; HEAD is not a click
        if warm.getresponse().status != 302:
            raise SystemExit("the redirect server does not redirect")
        warm.close()
        before = cpu_seconds(server.pid)
        ours = wrk(f"http://127.0.0.1:{port}/r/{code}")
        ours.cpu_us = (cpu_seconds(server.pid) - before) / ours.requests * 1e6
        stop_started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
        stop_seconds = time.monotonic() - stop_started
        print_run(f"lean redirect ({server_name}, batches of {batch})", ours)
        log = log_path.read_text()
        if os.environ.get("BENCH_SHOW_LOG"):
            print(log)
        summary = re.search(
            r"(\d+) clicks served, (\d+) written, (\d+) dropped, (\d+) unwritten", log
        )
        clicks = clicks_count(tmp / "essayons.sqlite3")

    served = int(summary.group(1)) if summary else -1
    written = int(summary.group(2)) if summary else -1
    ratio = ours.rps / nginx.rps if nginx.rps else 0.0
    every_click = clicks == served == written and clicks >= ours.ok > 0 and ours.errors == 0
    meets = every_click and ratio >= TARGETS["ratio_to_nginx"] and ours.p99_ms <= TARGETS["p99_ms"]
    print(
        f"graceful stop took {stop_seconds:.2f} s; server log: {summary.group(0) if summary else log[-500:]}"
    )
    print(
        f"clicks in the database: {clicks}; redirects the server sent: {served}; "
        f"redirects wrk completed: {ours.ok} (wrk stops mid-flight: up to {CONNECTIONS} "
        "answers sent by the server are never read by wrk); "
        f"every click recorded: {'yes' if every_click else 'NO'}"
    )
    cpu_ratio = nginx.cpu_us / ours.cpu_us if ours.cpu_us else 0.0
    print(f"ratio to nginx: {ratio:.3f} (target >= {TARGETS['ratio_to_nginx']})")
    print(
        f"ratio of CPU per request (nginx / ours): {cpu_ratio:.3f}; with the machine busy, "
        "this says more than requests/s"
    )
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} cores")
    print(f"p99: {ours.p99_ms:.2f} ms (target <= {TARGETS['p99_ms']} ms)")
    print(
        json.dumps(
            {
                "bench": "redirect",
                "server": server_name,
                "rps": round(ours.rps, 1),
                "nginx_rps": round(nginx.rps, 1),
                "ratio_to_nginx": round(ratio, 3),
                "p99_ms": round(ours.p99_ms, 2),
                "p50_ms": round(ours.p50_ms, 2),
                "nginx_p99_ms": round(nginx.p99_ms, 2),
                "requests": ours.ok,
                "redirects_sent": served,
                "clicks_recorded": clicks,
                "every_click_recorded": every_click,
                "stop_seconds": round(stop_seconds, 2),
                "targets": TARGETS,
                "meets_targets": meets,
                "cpu_us_per_request": round(ours.cpu_us, 1),
                "nginx_cpu_us_per_request": round(nginx.cpu_us, 1),
                "cpu_ratio_to_nginx": round(cpu_ratio, 3),
                "load_average": round(load, 2),
            }
        )
    )


def tools_ensure(server_name: str) -> None:
    absent = [name for name in MODULES[server_name] if importlib.util.find_spec(name) is None]
    if absent:
        raise SystemExit(f"{', '.join(absent)} missing from this Python: run `make install`")
    missing = [tool for tool in ("wrk", "nginx", "taskset") if shutil.which(tool) is None]
    if not missing:
        return
    packages = ["util-linux" if tool == "taskset" else tool for tool in missing]
    print(f"installing {', '.join(packages)} with apt-get")
    install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=apt_env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=apt_env, check=True)
        subprocess.run(install, env=apt_env, check=True)


def database_prepare(env: dict[str, str]) -> tuple[str, str]:
    """The code of the one link, and REDIRECT_BATCH_SIZE as the server will read it."""
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    done = subprocess.run(
        [PYTHON, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    code, batch = done.stdout.split()[-2:]
    return code, batch


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NginxRunning:
    """nginx with its own temporary config, pid and logs, pinned to the server core."""

    def __init__(self, tmp: Path, port: int) -> None:
        self.tmp = tmp / "nginx"
        self.port = port

    def __enter__(self) -> int:
        self.tmp.mkdir()
        conf = self.tmp / "nginx.conf"
        conf.write_text(
            textwrap.dedent(
                f"""
                worker_processes 1;
                daemon off;
                pid {self.tmp}/nginx.pid;
                error_log {self.tmp}/error.log warn;
                events {{ worker_connections 4096; }}
                http {{
                    access_log off;
                    client_body_temp_path {self.tmp}/body;
                    proxy_temp_path {self.tmp}/proxy;
                    fastcgi_temp_path {self.tmp}/fastcgi;
                    uwsgi_temp_path {self.tmp}/uwsgi;
                    scgi_temp_path {self.tmp}/scgi;
                    server {{
                        listen 127.0.0.1:{self.port};
                        location / {{ return 302 http://example.org/; }}
                    }}
                }}
                """
            )
        )
        self.process = subprocess.Popen(
            [
                "taskset",
                "-c",
                SERVER_CORE,
                "nginx",
                "-c",
                str(conf),
                "-p",
                str(self.tmp),
                "-e",
                str(self.tmp / "error.log"),
            ],
        )
        wait_for_port(self.port)
        return self.process.pid

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGQUIT)
        self.process.wait(timeout=30)


def redirect_server_start(
    server_name: str, env: dict[str, str], port: int, tmp: Path
) -> tuple[subprocess.Popen[bytes], Path]:
    log_path = tmp / f"{server_name}.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, PYTHON, *SERVERS[server_name], str(port), APP],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_for_port(port, process=server)
    return server, log_path


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit {process.returncode})")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


@dataclass
class Run:
    """What wrk measured against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    socket_errors: str
    cpu_us: float = 0.0

    @property
    def ok(self) -> int:
        return self.requests - self.errors


def wrk(url: str) -> Run:
    command = [
        "taskset",
        "-c",
        LOAD_CORE,
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{DURATION_S}s",
        "--latency",
        url,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return Run(
        rps=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=duration_ms(_find(r"50%\s+([\d.]+\w+)", output)),
        p99_ms=duration_ms(_find(r"99%\s+([\d.]+\w+)", output)),
        requests=int(_find(r"(\d+) requests in", output)),
        errors=int(errors.group(1)) if errors else 0,
        socket_errors=socket_errors.group(1) if socket_errors else "none",
    )


def _find(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise SystemExit(f"unexpected wrk output, no {pattern!r}:\n{text}")
    return found.group(1)


def duration_ms(text: str) -> float:
    value, unit = _find(r"^([\d.]+)", text), text.lstrip("0123456789.")
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def print_run(name: str, run: Run) -> None:
    print(
        f"{name}: {run.rps:.0f} requests/s, p50 {run.p50_ms:.2f} ms, "
        f"p99 {run.p99_ms:.2f} ms, {run.requests} requests "
        f"({run.errors} not 2xx/3xx, socket errors: {run.socket_errors}); "
        f"server CPU {run.cpu_us:.1f} µs per request"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children (nginx's worker), from /proc.

    Unlike requests/s, CPU per request does not depend on what else this machine runs.
    """
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def clicks_count(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM tracking_click").fetchone()[0])


if __name__ == "__main__":
    main()
