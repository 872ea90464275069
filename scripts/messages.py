"""Refresh and compile the translation catalogues, one per app plus one for the project.

Each app keeps its own `locale/` so that apps can change their strings independently;
the project catalogue (essayons/locale) holds the shared templates and helpers.
Needs GNU gettext (xgettext, msgfmt). Run through `make messages`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "essayons"
DJANGO_ADMIN = str(Path(sys.executable).parent / "django-admin")
LANGS = ["-l", "fr", "-l", "en"]


def app_dirs() -> list[Path]:
    return sorted(p.parent for p in PACKAGE.glob("*/apps.py") if (p.parent / "locale").is_dir())


def run(args: list[str], cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True)


def main() -> None:
    apps = app_dirs()
    for app in apps:
        run([DJANGO_ADMIN, "makemessages", *LANGS, "--no-location", "--no-obsolete"], app)
    ignores = [arg for app in apps for arg in ("-i", f"{app.name}/*")]
    run([DJANGO_ADMIN, "makemessages", *LANGS, "--no-location", "--no-obsolete", *ignores], PACKAGE)
    for folder in [*apps, PACKAGE]:
        run([DJANGO_ADMIN, "compilemessages"], folder)


if __name__ == "__main__":
    main()
