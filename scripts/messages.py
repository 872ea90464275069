"""Refresh and compile the translation catalogues, one per app plus one for the project.

Each app keeps its own `locale/` so that apps can change their strings independently;
the project catalogue (essayons/locale) holds the shared templates and the ops app's strings.
Needs GNU gettext (xgettext, msgfmt). Run through `make messages`.

    scripts/messages.py                 every catalogue
    scripts/messages.py --project-only  only essayons/locale (leaves the apps' catalogues alone)

tests/test_translations.py runs `refresh()` on a copy of the tree to find untranslated strings.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "essayons"
DJANGO_ADMIN = str(Path(sys.executable).parent / "django-admin")
LANGS = ("fr", "en")
MAKEMESSAGES = ["makemessages", "--no-location", "--no-obsolete"]


def app_dirs(package: Path = PACKAGE) -> list[Path]:
    """The apps that keep their own catalogue (they have a locale/ folder)."""
    return sorted(p.parent for p in package.glob("*/apps.py") if (p.parent / "locale").is_dir())


def run(args: list[str], cwd: Path) -> None:
    # Without settings, makemessages writes to ./locale of the folder it runs in; with them it
    # would send every app's strings to LOCALE_PATHS (the project catalogue).
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(args, cwd=cwd, check=True, env=env)


def refresh(
    package: Path = PACKAGE,
    *,
    langs: tuple[str, ...] = LANGS,
    apps: bool = True,
    compile_mo: bool = True,
) -> None:
    """Run makemessages for each app with a catalogue, then for the project (minus those apps)."""
    lang_args = [arg for lang in langs for arg in ("-l", lang)]
    found = app_dirs(package)
    if apps:
        for app in found:
            run([DJANGO_ADMIN, *MAKEMESSAGES, *lang_args], app)
    ignores = [arg for app in found for arg in ("-i", f"{app.name}/*")]
    run([DJANGO_ADMIN, *MAKEMESSAGES, *lang_args, *ignores], package)
    if compile_mo:
        if apps:
            for app in found:
                run([DJANGO_ADMIN, "compilemessages"], app)
        run([DJANGO_ADMIN, "compilemessages", *ignores], package)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-only", action="store_true", help="only essayons/locale")
    options = parser.parse_args()
    refresh(apps=not options.project_only)


if __name__ == "__main__":
    main()
