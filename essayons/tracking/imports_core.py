"""What every spreadsheet import shares: columns to recognise, a mapping, line-numbered errors.

An importer (orders_import.OrdersImporter, ads_import.AdsImporter) says which columns it knows
and how to read one row; this module finds the columns in the file's headers, whatever the
language, and collects the problems of the whole file so that nothing is saved while one line
is wrong (DESIGN.md invariant 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.translation import gettext as _

from essayons.tracking.imports_table import Table, header_key

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from essayons.accounts.models import Business
    from essayons.tracking.models import ImportBatch

Mapping = dict[str, int | None]


@dataclass(frozen=True)
class Column:
    field: str
    label: StrOrPromise
    synonyms: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str


@dataclass
class Parsed:
    """Rows ready to save, or the problems that stop the import; `preview` is for display."""

    rows: list[Any] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    preview_headers: list[StrOrPromise] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


@dataclass(frozen=True)
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


class Importer(Protocol):
    kind: str
    columns: tuple[Column, ...]
    known_ignored: frozenset[str]

    def parse(self, table: Table, mapping: Mapping, business: Business) -> Parsed: ...

    def apply(self, *, parsed: Parsed, business: Business, batch: ImportBatch) -> Summary: ...


def columns_missing(columns: tuple[Column, ...], mapping: Mapping) -> list[Problem]:
    """One problem per required column the mapping does not find (nothing can be read then)."""
    return [
        Problem(None, _("The column “%(name)s” is missing.") % {"name": column.label})
        for column in columns
        if column.required and mapping.get(column.field) is None
    ]


def mapping_detect(headers: list[str], importer: Importer) -> Mapping:
    """For each known column, the index of the first header that names it, or None."""
    keys = [header_key(header) for header in headers]
    mapping: Mapping = {}
    taken: set[int] = set()
    for column in importer.columns:
        mapping[column.field] = None
        for synonym in column.synonyms:
            index = next(
                (i for i, key in enumerate(keys) if key == synonym and i not in taken), None
            )
            if index is not None:
                mapping[column.field] = index
                taken.add(index)
                break
    return mapping


def unknown_headers(headers: list[str], mapping: Mapping, importer: Importer) -> list[str]:
    """Headers that are neither mapped nor known to be useless: they call for the mapping screen."""
    used = {index for index in mapping.values() if index is not None}
    return [
        header
        for index, header in enumerate(headers)
        if index not in used and header.strip() and header_key(header) not in importer.known_ignored
    ]


def mapping_clean(raw: dict[str, Any], headers: list[str], importer: Importer) -> Mapping:
    """A stored or posted mapping, keeping only valid column indexes."""
    mapping: Mapping = {}
    for column in importer.columns:
        value = raw.get(column.field)
        index = int(value) if isinstance(value, int | str) and str(value).isdigit() else None
        mapping[column.field] = index if index is not None and index < len(headers) else None
    return mapping
