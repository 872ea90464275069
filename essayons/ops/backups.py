"""Backups: one .tar.gz holding a consistent copy of the database, the uploaded files and a manifest.

Archive layout (format 1):
    manifest.json       engine, date, Django version, applied migrations, tables
    database.sqlite3    SQLite: a copy made with SQLite's online backup API (consistent while
                        the app runs)  — or —
    database.pgdump     PostgreSQL: `pg_dump --format=custom`
    media/...           MEDIA_ROOT, the files people uploaded

Restoring replaces the database and the uploaded files of this install; it refuses an archive
made for another engine or by a newer version of Essayons (migrations unknown here).
Errors are `BackupError`, whose message is meant for the person running the command.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ARCHIVE_GLOB = "essayons-*.tar.gz"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def backup_dir() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def engine() -> str:
    name = settings.DATABASES["default"]["ENGINE"]
    if name.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in name:
        return "postgresql"
    raise BackupError(
        _("Backups support SQLite and PostgreSQL, not %(engine)s.") % {"engine": name}
    )


def backup_write(*, output: Path | None = None) -> Path:
    """Write an archive (mode 0600: it holds everything) and return its path."""
    if output is None:
        backup_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
        output = _free_name(backup_dir(), datetime.now(UTC).strftime("essayons-%Y%m%dT%H%M%SZ"))
    output.parent.mkdir(parents=True, exist_ok=True)
    kind = engine()
    partial = output.with_name(f".{output.name}.{secrets.token_hex(4)}.partial")
    try:
        with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
            dump = Path(work) / DATABASE_MEMBERS[kind]
            if kind == "sqlite":
                _sqlite_dump(dump)
            else:
                _pg_dump(dump)
            manifest = _manifest(kind)
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
                tar.add(dump, arcname=dump.name)
                media = Path(settings.MEDIA_ROOT)
                if media.is_dir():
                    tar.add(media, arcname=MEDIA, filter=_regular_only)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return output


def backups_prune(*, folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives named essayons-*.tar.gz in `folder`."""
    archives = sorted(
        folder.glob(ARCHIVE_GLOB), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True
    )
    for old in archives[keep:]:
        old.unlink()
    return archives[keep:]


def backup_read_manifest(*, archive: Path) -> dict[str, Any]:
    """Open and check an archive without changing anything; return its manifest."""
    with _open(archive) as tar:
        manifest = _checked_manifest(tar)
    _check_restorable(manifest)
    return manifest


def backup_restore(*, archive: Path) -> dict[str, Any]:
    """Replace this install's database and uploaded files by the archive's; return its manifest.

    The app must be stopped first: a running process would keep writing to the old database.
    """
    with _open(archive) as tar:
        manifest = _checked_manifest(tar)
        _check_restorable(manifest)
        connections.close_all()
        if manifest["engine"] == "sqlite":
            _sqlite_restore(tar)
        else:
            _pg_restore(tar, manifest)
        _media_restore(tar)
    return manifest


# --- archive -------------------------------------------------------------------------------


def _free_name(folder: Path, stem: str) -> Path:
    candidate, n = folder / f"{stem}.tar.gz", 1
    while candidate.exists():
        candidate, n = folder / f"{stem}-{n}.tar.gz", n + 1
    return candidate


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, fileobj=io.BytesIO(data))


def _regular_only(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """Only files and folders go into an archive; a symlink could point anywhere on restore."""
    return info if info.isfile() or info.isdir() else None


def _manifest(kind: str) -> dict[str, Any]:
    applied = MigrationRecorder(connection).applied_migrations()
    return {
        "format": FORMAT,
        "engine": kind,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "django": django.get_version(),
        "migrations": sorted(f"{app}.{name}" for app, name in applied),
        "tables": sorted(connection.introspection.table_names()),
        "database": DATABASE_MEMBERS[kind],
    }


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, mode="r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(
            _("%(path)s cannot be read as an Essayons backup: %(error)s")
            % {"path": archive, "error": error}
        ) from error


def _checked_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    for info in tar.getmembers():
        path = PurePosixPath(info.name)
        safe = not path.is_absolute() and ".." not in path.parts and (info.isfile() or info.isdir())
        known = path.parts[0] in {MANIFEST, MEDIA, *DATABASE_MEMBERS.values()}
        if not (safe and known):
            raise BackupError(_("Unexpected entry in the archive: %(name)s") % {"name": info.name})
    try:
        manifest: dict[str, Any] = json.loads(_member(tar, MANIFEST).read())
    except (KeyError, ValueError) as error:
        raise BackupError(_("This archive has no readable manifest.")) from error
    if manifest.get("format") != FORMAT or manifest.get("engine") not in DATABASE_MEMBERS:
        raise BackupError(_("This archive is not in a format this version can restore."))
    if DATABASE_MEMBERS[manifest["engine"]] not in tar.getnames():
        raise BackupError(_("This archive holds no database."))
    return manifest


def _member(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    handle = tar.extractfile(name)
    if handle is None:
        raise KeyError(name)
    return handle


def _check_restorable(manifest: dict[str, Any]) -> None:
    here = engine()
    if manifest["engine"] != here:
        raise BackupError(
            _(
                "This backup holds a %(archive)s database but this install uses %(here)s. "
                "Restore it on an install configured with the same database engine."
            )
            % {"archive": manifest["engine"], "here": here}
        )
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted(set(manifest["migrations"]) - known)
    if unknown:
        raise BackupError(
            _(
                "This backup was made by a newer version of Essayons (unknown migrations: "
                "%(names)s). Update the code first, then restore."
            )
            % {"names": ", ".join(unknown[:5])}
        )


def _extract_to(tar: tarfile.TarFile, name: str, target: Path) -> None:
    with _member(tar, name) as source, target.open("wb") as sink:
        shutil.copyfileobj(source, sink)


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _sqlite_dump(target: Path) -> None:
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # One self-contained file in the archive; Django turns WAL back on when it connects.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()


def _sqlite_restore(tar: tarfile.TarFile) -> None:
    live = _sqlite_path()
    live.parent.mkdir(parents=True, exist_ok=True)
    staged = live.with_name(f".{live.name}.{secrets.token_hex(4)}.restore")
    try:
        _extract_to(tar, DATABASE_MEMBERS["sqlite"], staged)
        check = sqlite3.connect(staged)
        try:
            verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            verdict = str(error)
        finally:
            check.close()
        if verdict != "ok":
            raise BackupError(
                _("The database in this archive is damaged: %(why)s") % {"why": verdict}
            )
        if live.exists():
            # Fold the old write-ahead log into the old file and drop it: a -wal left next
            # to the restored file would be replayed into it.
            old = sqlite3.connect(live, timeout=30)
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            old.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        staged.replace(live)
    finally:
        staged.unlink(missing_ok=True)


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    """libpq variables for the configured database: no password on a command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    pairs = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({key: str(value) for key, value in pairs.items() if value})
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "%(tool)s is not installed. Install the PostgreSQL client tools (Debian: "
                "apt install postgresql-client), of the server's major version or newer."
            )
            % {"tool": name}
        )
    return found


def _pg_run(args: list[str]) -> None:
    # The arguments are the tool's path and our own options: nothing typed by a user.
    done = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": Path(args[0]).name, "error": done.stderr.strip()}
        )


def _pg_dump(target: Path) -> None:
    _pg_run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"])


def _pg_restore(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    tool = _pg_tool("pg_restore")
    with tempfile.TemporaryDirectory(prefix="essayons-restore-") as work:
        dump = Path(work) / DATABASE_MEMBERS["postgresql"]
        _extract_to(tar, dump.name, dump)
        database = str(settings.DATABASES["default"]["NAME"])
        _pg_run(
            [
                tool,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={database}",
                str(dump),
            ]
        )
    _pg_drop_tables_not_in(set(manifest["tables"]))


def _pg_drop_tables_not_in(kept: set[str]) -> None:
    """Tables created after the backup (newer migrations) would block the next `migrate`."""
    extra = set(connection.introspection.table_names()) - kept
    with connection.cursor() as cursor:
        for table in sorted(extra):
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")


# --- uploaded files ------------------------------------------------------------------------


def _media_restore(tar: tarfile.TarFile) -> None:
    """Swap MEDIA_ROOT for the archive's copy (files added since the backup go away)."""
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(dir=media.parent, prefix=f".{media.name}-restore-"))
    try:
        for info in tar.getmembers():
            parts = PurePosixPath(info.name).parts
            if parts[0] != MEDIA or len(parts) == 1:
                continue
            target = staged.joinpath(*parts[1:])
            if info.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                _extract_to(tar, info.name, target)
        staged.chmod(0o755)
        old = media.with_name(f".{media.name}-old-{secrets.token_hex(4)}")
        if media.exists():
            media.rename(old)
        staged.rename(media)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
