"""Uploading a spreadsheet, previewing it, then importing it all or nothing, once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essayons.accounts.models import Business, User
from essayons.tracking.ads_import import AdsImporter
from essayons.tracking.imports_core import (
    Importer,
    Mapping,
    Parsed,
    Problem,
    Summary,
    mapping_clean,
    mapping_detect,
    unknown_headers,
)
from essayons.tracking.imports_table import Table, TableError, table_read
from essayons.tracking.models import ImportBatch, ImportKind, ImportState
from essayons.tracking.orders_import import OrdersImporter

IMPORTERS: dict[str, Importer] = {
    ImportKind.ORDERS.value: OrdersImporter(),
    ImportKind.ADS.value: AdsImporter(),
}
PENDING_KEPT = timedelta(days=2)


class AlreadyImported(Exception):
    def __init__(self, batch: ImportBatch) -> None:
        super().__init__("already imported")
        self.batch = batch


class ImportInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("invalid import")
        self.problems = problems


@dataclass
class Preview:
    """Everything the preview screen shows; `parsed.ok` says whether it may be confirmed."""

    table: Table | None
    mapping: Mapping
    parsed: Parsed
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_batch_create(
    *, business: Business, kind: str, filename: str, content: bytes, user: User
) -> ImportBatch:
    """Keep an uploaded file until it is confirmed; AlreadyImported if this very file was."""
    digest = hashlib.sha256(content).hexdigest()
    done = ImportBatch.objects.filter(
        business=business, kind=kind, sha256=digest, state=ImportState.APPLIED
    ).first()
    if done is not None:
        raise AlreadyImported(done)
    ImportBatch.objects.filter(
        business=business, state=ImportState.PENDING, created_at__lt=timezone.now() - PENDING_KEPT
    ).delete()
    batch = ImportBatch.objects.create(
        business=business,
        kind=kind,
        filename=filename[:200],
        sha256=digest,
        content=content,
        created_by=user,
    )
    try:
        table = table_read(content, filename)
    except TableError:
        return batch
    batch.mapping = {
        key: value for key, value in mapping_detect(table.headers, IMPORTERS[kind]).items()
    }
    batch.save(update_fields=["mapping"])
    return batch


def import_batch_preview(
    *, batch: ImportBatch, mapping: dict[str, object] | None = None
) -> Preview:
    importer = IMPORTERS[batch.kind]
    try:
        table = table_read(bytes(batch.content), batch.filename)
    except TableError as error:
        return Preview(None, {}, Parsed(problems=[Problem(None, str(error))]))
    chosen = mapping_clean(
        mapping if mapping is not None else batch.mapping, table.headers, importer
    )
    parsed = importer.parse(table, chosen, batch.business)
    return Preview(
        table=table,
        mapping=chosen,
        parsed=parsed,
        unknown=unknown_headers(table.headers, chosen, importer),
        notes=table.notes,
    )


def import_batch_remap(*, batch: ImportBatch, mapping: Mapping) -> None:
    ImportBatch.objects.filter(pk=batch.pk, state=ImportState.PENDING).update(mapping=mapping)
    batch.mapping = dict(mapping)


def import_batch_apply(*, batch: ImportBatch, mapping: Mapping) -> Summary:
    """Save every row or none. Raises ImportInvalid (with the problems) or AlreadyImported."""
    preview = import_batch_preview(batch=batch, mapping=dict(mapping))
    if not preview.parsed.ok:
        raise ImportInvalid(preview.parsed.problems or [Problem(None, _("Nothing to import."))])
    importer = IMPORTERS[batch.kind]
    try:
        with transaction.atomic():
            claimed = ImportBatch.objects.filter(pk=batch.pk, state=ImportState.PENDING).update(
                state=ImportState.APPLIED,
                applied_at=timezone.now(),
                mapping=preview.mapping,
                rows=len(preview.parsed.rows),
                content=b"",
            )
            if claimed != 1:
                raise AlreadyImported(batch)
            summary = importer.apply(parsed=preview.parsed, business=batch.business, batch=batch)
    except IntegrityError:
        done = ImportBatch.objects.filter(
            business=batch.business, kind=batch.kind, sha256=batch.sha256, state=ImportState.APPLIED
        ).first()
        raise AlreadyImported(done or batch) from None
    return summary
