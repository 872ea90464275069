from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essayons.ops.moving import MoveError, database_move
from essayons.ops.running import running_pid


class Command(BaseCommand):
    help = (
        "Copy this SQLite install into an empty PostgreSQL database (migrated first), then "
        "check every table's row count. Stop the app first. The SQLite file is not changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("target", help="postgres://user:password@host:5432/name (empty)")

    def handle(self, *args: Any, target: str, **options: Any) -> None:
        running = running_pid()
        if running is not None:
            raise CommandError(
                _("Nothing was copied: Essayons is running (process %(pid)s). Stop it first.")
                % {"pid": running}
            )
        try:
            copied = database_move(target_url=target)
        except MoveError as error:
            raise CommandError(
                _("Nothing to rely on was copied: %(why)s.") % {"why": error}
            ) from error
        self.stdout.write(
            _("Copied %(rows)d rows in %(tables)d tables; every count matches.")
            % {"rows": sum(copied.values()), "tables": len(copied)}
        )
        self.stdout.write(
            _("Now set DATABASE_URL to the new database in the environment and start Essayons.")
        )
