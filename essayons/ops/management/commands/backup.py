from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essayons.ops.backups import BackupError, backup_write, backups_prune


class Command(BaseCommand):
    help = (
        "Write a consistent backup (database, uploaded files, manifest) to "
        "var/backups/essayons-<UTC time>.tar.gz, or to --output. Safe while the app runs."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", type=Path, help="Where to write the archive.")
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="Then delete all but the N newest essayons-*.tar.gz in the same folder.",
        )

    def handle(self, *args: Any, output: Path | None, keep: int | None, **options: Any) -> None:
        if keep is not None and keep < 1:
            raise CommandError(_("--keep must be 1 or more."))
        try:
            written = backup_write(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Backup written: %(path)s") % {"path": written})
        if keep is not None:
            for old in backups_prune(folder=written.parent, keep=keep):
                self.stdout.write(_("Old backup deleted: %(path)s") % {"path": old})
