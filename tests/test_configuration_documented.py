"""Every environment variable Essayons reads is documented in docs/configuration.md.

The code is read, not run: any call to envstr/envbool/envint/envlist (essayons/lib/env.py),
os.environ.get / os.environ[...] / os.environ.setdefault / os.getenv, in essayons/ (tests
excepted), manage.py and scripts/. A name computed at run time cannot be checked, so it fails too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "configuration.md"
ENV_HELPERS = {"envstr", "envbool", "envint", "envlist"}
ENVIRON_METHODS = {"get", "setdefault", "pop"}
# A documented variable is a table row starting with its name in backticks: | `NAME` | ...
DOCUMENTED = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`", re.MULTILINE)


def sources() -> list[Path]:
    files = [ROOT / "manage.py", *sorted((ROOT / "scripts").glob("*.py"))]
    for path in sorted((ROOT / "essayons").rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if not parts & {"tests", "migrations"}:
            files.append(path)
    return files


def _is_environ(node: ast.AST) -> bool:
    """`os.environ` or a bare `environ` (from os import environ)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id == "environ"


def _call_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _constants(tree: ast.AST) -> dict[str, str]:
    """Module-level `NAME = "literal"`: a read through such a constant is checked too."""
    body = tree.body if isinstance(tree, ast.Module) else []
    return {
        target.id: node.value.value
        for node in body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _helper_bodies(tree: ast.AST) -> list[range]:
    """Lines of envstr() & co. themselves, which read whatever name they are given."""
    return [
        range(node.lineno, (node.end_lineno or node.lineno) + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in ENV_HELPERS
    ]


def env_reads(tree: ast.AST) -> list[tuple[int, str | None]]:
    """(line, variable name) for each read; the name is None when it is not a literal."""
    constants, helpers = _constants(tree), _helper_bodies(tree)
    found: list[tuple[int, str | None]] = []
    for node in ast.walk(tree):
        key: ast.AST | None = None
        if isinstance(node, ast.Call) and node.args:
            name = _call_name(node.func)
            on_environ = isinstance(node.func, ast.Attribute) and _is_environ(node.func.value)
            if name in ENV_HELPERS or name == "getenv" or (on_environ and name in ENVIRON_METHODS):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
        if key is None or any(node.lineno in lines for lines in helpers):
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append((node.lineno, key.value))
        elif isinstance(key, ast.Name) and key.id in constants:
            found.append((node.lineno, constants[key.id]))
        else:
            found.append((node.lineno, None))
    return found


def documented(text: str) -> set[str]:
    return set(DOCUMENTED.findall(text))


def undocumented(doc_text: str) -> list[str]:
    """Problems found: each names the file and line of the read."""
    known = documented(doc_text)
    problems = []
    for path in sources():
        where = path.relative_to(ROOT)
        for line, name in env_reads(ast.parse(path.read_text(), filename=str(path))):
            if name is None:
                problems.append(f"{where}:{line}: variable name computed at run time")
            elif name not in known:
                problems.append(f"{where}:{line}: {name} is not in docs/configuration.md")
    return problems


def test_every_variable_read_is_documented():
    problems = undocumented(DOC.read_text())
    assert not problems, "\n".join(problems)


def test_the_check_finds_reads_and_fails_on_a_missing_line():
    text = DOC.read_text()
    assert {"SECRET_KEY", "DATABASE_URL", "BIND", "WEB_CONCURRENCY"} <= documented(text)
    without = "\n".join(line for line in text.splitlines() if not line.startswith("| `SECRET_KEY`"))
    assert any("SECRET_KEY" in problem for problem in undocumented(without))


def test_the_scanner_sees_every_way_of_reading():
    code = """
import os
from os import environ
KEY = "I"
envstr("A"); envbool("B", False); env.envint("C", 1); envlist("D")
os.environ.get("E"); os.environ["F"]; os.getenv("G"); environ.setdefault("H", "x")
os.environ.get(KEY); os.environ.get(name)
def envstr(name, default=""):
    return os.environ.get(name, default)
"""
    names = [name for _, name in env_reads(ast.parse(code))]
    assert sorted(names, key=str) == ["A", "B", "C", "D", "E", "F", "G", "H", "I", None]
