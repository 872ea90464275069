"""Each direct dependency has its one-line reason in docs/adr/0002-dependencies.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADR = ROOT / "docs" / "adr" / "0002-dependencies.md"


def requirement_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0].lower())
    return names


def test_every_direct_dependency_is_justified():
    justified = {name.lower() for name in re.findall(r"^- \*\*([^*\[]+)", ADR.read_text(), re.M)}
    wanted = requirement_names(ROOT / "requirements.txt") + requirement_names(
        ROOT / "requirements-dev.txt"
    )
    assert len(wanted) > 10
    missing = sorted(set(wanted) - justified)
    assert not missing, f"add a line for each to {ADR.relative_to(ROOT)}: {missing}"
