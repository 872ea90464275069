"""Backup and restore for real: subprocesses on a file-based SQLite, and on a scratch PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from essayons.ops import backups
from essayons.ops.tests.procs import manage, manage_env, manage_ok, require, shell

RENAME = (
    "from essayons.accounts.models import Business; "
    "Business.objects.filter(name__startswith='Boulangerie').update(name='{name}')"
)
NAME = (
    "from essayons.accounts.models import Business; "
    "print(Business.objects.get(name__startswith='Boulangerie').name)"
)


def round_trip(tmp_path, env, engine: str) -> None:
    """Create data and media, back up, change both, restore, find the first state again."""
    media = tmp_path / "var" / "media"
    manage_ok("migrate", "--noinput", env=env)
    manage_ok("demo_load", env=env)
    shell(RENAME.format(name="Boulangerie Avant"), env=env)
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "pain.jpg").write_bytes(b"original")

    archive = tmp_path / "saved.tar.gz"
    assert "saved.tar.gz" in manage_ok("backup", f"--output={archive}", env=env)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        member = tar.extractfile("manifest.json")
        assert member is not None
        manifest = json.load(member)
    assert {"manifest.json", backups.DATABASE_MEMBERS[engine], "media/photos/pain.jpg"} <= names
    assert manifest["engine"] == engine
    assert "accounts.0001_initial" in manifest["migrations"]

    shell(RENAME.format(name="Boulangerie Après"), env=env)
    (media / "photos" / "pain.jpg").write_bytes(b"changed")
    (media / "added-later.jpg").write_bytes(b"new")

    refused = manage("restore", str(archive), env=env)
    assert refused.returncode != 0
    assert "--yes" in refused.stderr
    assert shell(NAME, env=env) == "Boulangerie Après"

    manage_ok("restore", str(archive), "--yes", env=env)
    assert shell(NAME, env=env) == "Boulangerie Avant"
    assert (media / "photos" / "pain.jpg").read_bytes() == b"original"
    assert not (media / "added-later.jpg").exists()
    manage_ok("migrate", "--noinput", env=env)  # the restored database is usable as it is


def test_sqlite_round_trip(tmp_path):
    round_trip(tmp_path, manage_env(tmp_path / "var"), "sqlite")
    leftovers = [p.name for p in (tmp_path / "var").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_postgresql_round_trip(tmp_path, scratch_postgres):
    require("pg_dump", bool(backups.shutil.which("pg_dump")), "PATH")
    env = manage_env(tmp_path / "var", DATABASE_URL=scratch_postgres)
    round_trip(tmp_path, env, "postgresql")


def test_default_name_and_keep(tmp_path):
    env = manage_env(tmp_path / "var")
    for _ in range(3):
        manage_ok("backup", "--keep=2", env=env)
    kept = sorted(p.name for p in (tmp_path / "var" / "backups").iterdir())
    assert len(kept) == 2
    assert all(re.fullmatch(r"essayons-\d{8}T\d{6}Z(-\d+)?\.tar\.gz", name) for name in kept)
    assert stat.S_IMODE((tmp_path / "var" / "backups").stat().st_mode) == 0o700


def fake_archive(
    path, *, manifest: dict | None = None, extra: dict[str, bytes] | None = None, database=True
):
    here = backups.engine()
    content = {
        "format": backups.FORMAT,
        "engine": here,
        "created_at": "2026-01-01T00:00:00+00:00",
        "migrations": [],
        "tables": [],
        "database": backups.DATABASE_MEMBERS[here],
        **(manifest or {}),
    }
    members = {"manifest.json": json.dumps(content).encode(), **(extra or {})}
    if database:
        members[backups.DATABASE_MEMBERS[content["engine"]]] = b""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_restore_refuses_another_engine(tmp_path):
    other = "postgresql" if backups.engine() == "sqlite" else "sqlite"
    archive = fake_archive(tmp_path / "a.tar.gz", manifest={"engine": other})
    with translation.override("fr"), pytest.raises(CommandError, match="même type de base"):
        call_command("restore", str(archive), "--yes")


def test_restore_refuses_a_newer_version(tmp_path):
    archive = fake_archive(tmp_path / "a.tar.gz", manifest={"migrations": ["accounts.9999_future"]})
    with translation.override("fr"), pytest.raises(CommandError, match=r"accounts\.9999_future"):
        call_command("restore", str(archive), "--yes")


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/evil", "other/thing"])
def test_restore_refuses_entries_outside_the_layout(tmp_path, name):
    archive = fake_archive(tmp_path / "a.tar.gz", extra={name: b"x"})
    with pytest.raises(backups.BackupError):
        backups.backup_read_manifest(archive=archive)


def test_restore_refuses_an_archive_without_its_database(tmp_path):
    archive = fake_archive(tmp_path / "a.tar.gz", database=False)
    with pytest.raises(backups.BackupError):
        backups.backup_read_manifest(archive=archive)


def test_restore_refuses_what_is_not_an_archive(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with translation.override("fr"), pytest.raises(CommandError, match="sauvegarde"):
        call_command("restore", str(junk), "--yes")


def test_restore_refuses_while_essayons_runs_here(tmp_path, settings):
    from essayons.ops.running import pid_file, running_marked, running_pid

    settings.VAR_DIR = tmp_path / "var"
    archive = fake_archive(tmp_path / "a.tar.gz")
    with running_marked():
        assert running_pid() == os.getpid()
        with translation.override("fr"), pytest.raises(CommandError, match="est en marche"):
            call_command("restore", str(archive), "--yes")
    assert not pid_file().exists()  # removed when launch ends
    pid_file().write_text("999999999")  # left by a launch that was killed: not running
    assert running_pid() is None


def test_an_install_on_sqlite_moves_to_postgresql_every_row_checked(tmp_path, scratch_postgres):
    env = manage_env(tmp_path / "var")
    manage_ok("migrate", "--noinput", env=env)
    manage_ok("demo_load", env=env)
    said = manage_ok("database_move", scratch_postgres, env=env)
    assert "chaque compte est identique" in said or "every count matches" in said
    count = (
        "from essayons.inbox.models import Message; from essayons.accounts.models import "
        "Business, User; print(Message.objects.count(), Business.objects.count(), "
        "User.objects.count())"
    )
    there = manage_env(tmp_path / "var", DATABASE_URL=scratch_postgres)
    assert shell(count, env=there) == shell(count, env=env)
    assert shell(count, env=env).startswith("5 1 ")  # the demo's messages, its one business
    created = shell(
        "from essayons.accounts.models import Business; "
        "print(Business.objects.create(name='Neuve', trade='bakery', town='Lyon').pk)",
        env=there,
    )
    assert int(created) > 1  # the sequences follow the copied keys
    again = manage("database_move", scratch_postgres, env=env)
    assert again.returncode != 0 and "vide" in (again.stderr + again.stdout)


def test_the_move_refuses_what_is_not_postgresql(tmp_path):
    env = manage_env(tmp_path / "var")
    manage_ok("migrate", "--noinput", env=env)
    refused = manage("database_move", "mysql://root@127.0.0.1/x", env=env)
    assert refused.returncode != 0 and "PostgreSQL" in refused.stderr
