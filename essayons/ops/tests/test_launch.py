"""`manage.py launch` for real: gunicorn and the task worker as child processes, stopped together."""

from __future__ import annotations

import os
import re
import signal
import stat
import time
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from essayons.ops.management.commands.launch import local_url
from essayons.ops.processes import worker_child
from essayons.ops.tests.procs import (
    Launched,
    alive,
    form_post,
    free_port,
    http_get,
    manage_env,
    manage_ok,
    reachable,
    require,
    shell,
)

ENQUEUE = """
from essayons.accounts.tasks import email_send
result = email_send.enqueue(to=["josiane@example.test"], subject="{subject}", body="Bonjour")
print(result.id)
"""


def launched(tmp_path, *args: str, **extra: str) -> tuple[Launched, dict[str, str], str]:
    port = free_port()
    env = manage_env(tmp_path / "var", BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", **extra)
    return Launched(*args, env=env), env, f"http://127.0.0.1:{port}"


def kinds(node: Launched) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {"web": [], "worker": []}
    for pid, command in node.descendants().items():
        if "gunicorn" in command:
            found["web"].append(pid)
        elif "db_worker" in command or "rqworker" in command:
            found["worker"].append(pid)
    return found


def test_launch_serves_runs_tasks_and_stops_cleanly_on_ctrl_c(tmp_path):
    node, env, base = launched(tmp_path)
    try:
        node.wait_for_http(base + "/healthz")
        status, login_page = http_get(base + "/compte/connexion/")
        assert status == 200
        assert 'name="csrfmiddlewaretoken"' in login_page
        stylesheet = re.search(r'href="(/static/essayons/essayons\.[0-9a-f]+\.css)"', login_page)
        assert stylesheet, "collectstatic and the manifest storage should give a hashed name"
        assert http_get(base + stylesheet[1])[0] == 200

        demo = node.wait_for_output(r"Démo : (\S+) — e-mail (\S+) — mot de passe (\S+)")
        assert demo[1] == base
        login_file = tmp_path / "var" / "demo_login.txt"
        assert stat.S_IMODE(login_file.stat().st_mode) == 0o600
        assert f"password: {demo[3]}" in login_file.read_text()

        processes = kinds(node)
        assert processes["web"] and len(processes["worker"]) == 1

        # A request enqueues an e-mail (password reset); the worker sends it (console backend).
        reset = base + "/compte/mot-de-passe-oublie/"
        assert form_post(reset, {"email": demo[2]}) == 200  # after the redirect to "sent"
        node.wait_for_output(re.escape(f"To: {demo[2]}"))

        subject = f"Essai {uuid.uuid4().hex}"
        task_id = shell(ENQUEUE.format(subject=subject), env=env)
        node.wait_for_output(re.escape(f"Subject: {subject}"))  # the console backend's output
        status_code = f"from django_tasks_db.models import DBTaskResult as R; print(R.objects.get(id='{task_id}').status)"
        deadline = time.monotonic() + 30
        while shell(status_code, env=env) != "SUCCESSFUL":
            assert time.monotonic() < deadline, "the task never reached SUCCESSFUL"

        everything = [pid for pids in processes.values() for pid in pids]
        assert node.stop(signal.SIGINT) == 0, node.output
        assert not [pid for pid in everything if alive(pid)]
    finally:
        if node.process.poll() is None:
            node.kill()


def test_when_the_worker_dies_launch_stops_the_web_server_and_fails(tmp_path):
    node, _, base = launched(tmp_path)
    try:
        node.wait_for_http(base + "/healthz")
        processes = kinds(node)
        worker_pid = processes["worker"][0]
        os.kill(worker_pid, signal.SIGKILL)
        assert node.process.wait(timeout=60) != 0
        assert "worker-1" in node.output
        assert not [pid for pid in processes["web"] if alive(pid)]
    finally:
        if node.process.poll() is None:
            node.kill()


@pytest.mark.parametrize(
    ("option", "runs", "absent"), [("--no-web", "worker", "web"), ("--no-worker", "web", "worker")]
)
def test_scale_out_nodes_run_one_kind_of_process(tmp_path, option, runs, absent):
    manage_ok("migrate", "--noinput", env=manage_env(tmp_path / "var"))
    node, _, base = launched(tmp_path, option, "--no-demo")
    try:
        if runs == "web":
            node.wait_for_http(base + "/healthz")
        else:
            node.wait_for_output(r"worker-1 .*\d+")
        deadline = time.monotonic() + 30
        while not kinds(node)[runs]:
            assert time.monotonic() < deadline, node.output
            time.sleep(0.2)
        assert kinds(node)[absent] == []
        assert "Démo" not in node.output
        assert node.stop(signal.SIGTERM) == 0, node.output
    finally:
        if node.process.poll() is None:
            node.kill()


def test_rq_worker_node_runs_tasks_from_redis(tmp_path):
    require("Redis", reachable("127.0.0.1", 6379), "127.0.0.1:6379")
    redis = {"TASKS_BACKEND": "django_tasks_rq.RQBackend", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    node, env, _ = launched(tmp_path, "--no-web", **redis)
    try:
        node.wait_for_output(r"worker-1 .*\d+")
        subject = f"Essai RQ {uuid.uuid4().hex}"
        shell(ENQUEUE.format(subject=subject), env=env)
        node.wait_for_output(re.escape(f"Subject: {subject}"), timeout=60)
        assert kinds(node)["worker"]
        assert node.stop(signal.SIGINT) == 0, node.output
    finally:
        if node.process.poll() is None:
            node.kill()


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("0.0.0.0:8080", "http://127.0.0.1:8080"),
        ("[::]:8000", "http://127.0.0.1:8000"),
        (":9000", "http://127.0.0.1:9000"),
        ("essayons.lan:8000", "http://essayons.lan:8000"),
    ],
)
def test_the_printed_address_is_one_to_type_in_a_browser(bind, url):
    assert local_url(bind) == url


def test_asking_for_neither_web_nor_worker_is_refused():
    with pytest.raises(CommandError):
        call_command("launch", "--no-web", "--no-worker")


def test_the_worker_command_follows_the_task_backend(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    assert "db_worker" in worker_child().command
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    command = worker_child().command
    assert command[2:] == [
        "rqworker",
        "--job-class=django_tasks_rq.Job",
        "--with-scheduler",
        "default",
    ]
