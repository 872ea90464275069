"""The French catalogues are complete, compiled, and hold every string the code uses.

French is the default language: an empty or fuzzy msgstr shows English to a baker, and a
stale .mo shows an old text. Every essayons/**/locale/fr catalogue is checked.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "essayons"
CATALOGUES = sorted(PACKAGE.glob("**/locale/fr/LC_MESSAGES/django.po"))


def label(path: Path) -> str:
    return str(path.relative_to(ROOT))


def entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    """What a catalogue says, keyed by (context, msgid): a string, or the plural forms."""
    return {
        (entry.msgctxt, entry.msgid): (
            tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        )
        for entry in catalogue
        if not entry.obsolete and "fuzzy" not in entry.flags and entry.msgid
    }


def test_there_is_a_project_catalogue_and_one_per_app_with_strings():
    assert PACKAGE / "locale/fr/LC_MESSAGES/django.po" in CATALOGUES
    assert len(CATALOGUES) >= 2


@pytest.mark.parametrize("path", CATALOGUES, ids=label)
def test_every_french_string_is_translated(path):
    catalogue = polib.pofile(str(path))
    empty = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and (not all(entry.msgstr_plural.values()) if entry.msgid_plural else not entry.msgstr)
    ]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not empty, f"untranslated in {label(path)}: {empty}"
    assert not fuzzy, f"fuzzy (to check, then unflag) in {label(path)}: {fuzzy}"


@pytest.mark.parametrize("path", CATALOGUES, ids=label)
def test_the_compiled_catalogue_matches(path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{label(compiled)} is missing: run make messages"
    po, mo = entries(polib.pofile(str(path))), entries(polib.mofile(str(compiled)))
    stale = sorted(str(key[1]) for key in po.keys() | mo.keys() if po.get(key) != mo.get(key))
    assert not stale, f"{label(compiled)} is out of date (run make messages) for: {stale[:10]}"


def test_makemessages_finds_no_string_missing_from_the_catalogues(tmp_path):
    """Re-extract the strings from a copy of the tree: none may be new."""
    if not shutil.which("xgettext"):
        if os.environ.get("ESSAYONS_REQUIRE_SERVICES") == "1":
            pytest.fail("xgettext (GNU gettext) is required here")
        pytest.skip("xgettext is not installed (apt-get install gettext)")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import messages
    finally:
        sys.path.remove(str(ROOT / "scripts"))

    copy = tmp_path / "essayons"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    messages.refresh(copy, langs=("fr",), compile_mo=False)

    missing = []
    for fresh in sorted(copy.glob("**/locale/fr/LC_MESSAGES/django.po")):
        committed = PACKAGE / fresh.relative_to(copy)
        known = entries(polib.pofile(str(committed))).keys() if committed.exists() else set()
        every = {(e.msgctxt, e.msgid) for e in polib.pofile(str(fresh)) if e.msgid}
        missing += [
            f"{label(committed)}: {msgid!r}" for _, msgid in sorted(every - set(known), key=str)
        ]
    assert not missing, "strings not in the catalogues (run make messages):\n" + "\n".join(missing)
