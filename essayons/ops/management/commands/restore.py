from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essayons.ops.backups import BackupError, backup_read_manifest, backup_restore
from essayons.ops.running import running_pid


class Command(BaseCommand):
    help = (
        "Replace this install's database and uploaded files by those of a backup archive. "
        "Stop the app first; needs --yes. Run `manage.py migrate` (or launch) afterwards."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="Confirm the replacement.")

    def handle(self, *args: Any, archive: Path, yes: bool, **options: Any) -> None:
        try:
            manifest = backup_read_manifest(archive=archive)
            self.stdout.write(
                _("Backup of %(date)s, %(engine)s database.")
                % {"date": manifest["created_at"], "engine": manifest["engine"]}
            )
            running = running_pid()
            if running is not None:
                raise CommandError(
                    _(
                        "Nothing was changed: Essayons is running on this machine (process "
                        "%(pid)s). Stop it first, then restore."
                    )
                    % {"pid": running}
                )
            if not yes:
                raise CommandError(
                    _(
                        "Nothing was changed. Restoring replaces the database and the uploaded "
                        "files of this install: stop the app, then run again with --yes."
                    )
                )
            backup_restore(archive=archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Restored. Start Essayons again (it applies any newer migrations)."))
