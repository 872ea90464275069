"""The French catalogue of the app is complete: every string translated, nothing fuzzy."""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def test_french_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 300
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert po.percent_translated() == 100
    mo = LOCALE / "fr" / "LC_MESSAGES" / "django.mo"
    assert mo.stat().st_mtime >= (LOCALE / "fr" / "LC_MESSAGES" / "django.po").stat().st_mtime - 1
