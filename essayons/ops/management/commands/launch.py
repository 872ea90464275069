from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from essayons.lib.env import envint, envstr
from essayons.ops.demo import demo_load
from essayons.ops.processes import Child, Supervisor, scheduler_child, web_child, worker_child
from essayons.ops.running import running_marked


class Command(BaseCommand):
    help = (
        "Prepare the install (migrate, static files, demo data), then run the production web "
        "server and the task worker together until Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-web", action="store_true", help="Worker-only node.")
        parser.add_argument("--no-worker", action="store_true", help="Web-only node.")
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo business.")
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="Neither migrate nor load the demo: another node or the deploy script does it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        web, worker = not options["no_web"], not options["no_worker"]
        if not (web or worker):
            raise CommandError(_("--no-web and --no-worker together leave nothing to run."))
        bind = envstr("BIND", "127.0.0.1:8000")
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        children: list[Child] = []
        if web:
            call_command("collectstatic", interactive=False, verbosity=0)
            self.announce(local_url(bind), demo=not (options["no_demo"] or options["no_migrate"]))
            workers, threads = envint("WEB_CONCURRENCY", 2), envint("WEB_THREADS", 4)
            children.append(web_child(bind=bind, workers=workers, threads=threads))
        if worker:
            children += [worker_child(number=n) for n in range(1, envint("TASK_WORKERS", 1) + 1)]
            children.append(scheduler_child())  # several per cluster are harmless: claims decide
        # Each child opens its own database connections; ours must not outlive the preparation.
        connections.close_all()
        with running_marked():  # restore refuses to run under us
            code = Supervisor(children, out=self.stdout).run()
        if code:
            sys.exit(code)

    def announce(self, url: str, *, demo: bool) -> None:
        self.stdout.write(_("Essayons: %(url)s") % {"url": url})
        if not is_loopback(settings.SITE_URL):
            self.stdout.write(_("Public address: %(url)s") % {"url": settings.SITE_URL})
        if demo:
            login = demo_load()
            self.stdout.write(
                _("Demo: %(url)s — e-mail %(email)s — password %(password)s")
                % {"url": url, "email": login.email, "password": login.password}
            )
        self.stdout.flush()


def is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in {"127.0.0.1", "localhost", "::1"}


def local_url(bind: str) -> str:
    """The address to type in a browser on this machine for a gunicorn --bind value."""
    if bind.startswith("unix:"):
        return str(settings.SITE_URL)
    host, _sep, port = bind.rpartition(":")
    if host in {"", "0.0.0.0", "[::]"}:  # noqa: S104 (reading the value, not binding to it)
        host = "127.0.0.1"
    return f"http://{host}:{port}"
