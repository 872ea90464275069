"""Importing a spreadsheet: upload, check the columns and the preview, then confirm."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped_get
from essayons.tracking.imports_forms import MappingForm, UploadForm
from essayons.tracking.imports_services import (
    IMPORTERS,
    AlreadyImported,
    ImportInvalid,
    Preview,
    import_batch_apply,
    import_batch_create,
    import_batch_preview,
    import_batch_remap,
)
from essayons.tracking.models import ImportBatch, ImportKind, ImportState

KINDS: dict[str, str] = {"commandes": ImportKind.ORDERS, "publicite": ImportKind.ADS}
BACK: dict[str, str] = {ImportKind.ORDERS: "tracking:orders", ImportKind.ADS: "tracking:ads"}


def _kind(slug: str) -> str:
    if slug not in KINDS:
        raise Http404("No such import")
    return KINDS[slug]


def _already(request: BusinessRequest, batch: ImportBatch) -> None:
    when = date_format(batch.applied_at, "SHORT_DATETIME_FORMAT") if batch.applied_at else ""
    messages.info(
        request,
        _("This file was already imported (%(when)s): nothing has changed.") % {"when": when},
    )


@business_view(Perm.MANAGE_BUSINESS)
def import_upload(request: BusinessRequest, kind: str) -> HttpResponse:
    import_kind = _kind(kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = import_batch_create(
                business=request.business,
                kind=import_kind,
                filename=upload.name or "import",
                content=upload.read(),
                user=request.user,
            )
        except AlreadyImported as done:
            _already(request, done.batch)
            return redirect(BACK[import_kind], request.business.public_id)
        return redirect("tracking:import_preview", request.business.public_id, kind, batch.pk)
    return render(
        request,
        "tracking/imports_upload.html",
        {"form": form, "kind": kind, "import_kind": import_kind},
    )


@business_view(Perm.MANAGE_BUSINESS)
def import_preview(request: BusinessRequest, kind: str, batch_id: int) -> HttpResponse:
    import_kind = _kind(kind)
    batch = scoped_get(
        ImportBatch.objects.select_related("business"),
        request,
        pk=batch_id,
        kind=import_kind,
        state=ImportState.PENDING,
    )
    preview = import_batch_preview(batch=batch)
    headers = preview.table.headers if preview.table else []
    form = MappingForm(
        request.POST or None,
        importer=IMPORTERS[import_kind],
        headers=headers,
        mapping=preview.mapping,
    )
    if request.method == "POST" and form.is_valid():
        import_batch_remap(batch=batch, mapping=form.mapping())
        if request.POST.get("action") == "confirm":
            try:
                summary = import_batch_apply(batch=batch, mapping=form.mapping())
            except AlreadyImported as done:
                _already(request, done.batch)
                return redirect(BACK[import_kind], request.business.public_id)
            except ImportInvalid:
                preview = import_batch_preview(batch=batch)
            else:
                messages.success(
                    request,
                    _summary_text(
                        summary.total, summary.created, summary.updated, summary.unchanged
                    ),
                )
                return redirect(BACK[import_kind], request.business.public_id)
        else:
            preview = import_batch_preview(batch=batch)
    return render(request, "tracking/imports_preview.html", _context(batch, preview, form, kind))


def _context(
    batch: ImportBatch, preview: Preview, form: MappingForm, kind: str
) -> dict[str, object]:
    file_problems = [p for p in preview.parsed.problems if p.line is None]
    line_problems = [p for p in preview.parsed.problems if p.line is not None]
    return {
        "batch": batch,
        "kind": kind,
        "preview": preview,
        "form": form,
        "file_problems": file_problems,
        "line_problems": line_problems[:200],
        "more_problems": max(len(line_problems) - 200, 0),
        "mapping_open": bool(preview.unknown or file_problems or form.errors),
        "can_confirm": preview.parsed.ok,
        "row_count": len(preview.parsed.rows),
    }


def _summary_text(total: int, created: int, updated: int, unchanged: int) -> str:
    head = ngettext("%(n)s line imported", "%(n)s lines imported", total) % {"n": total}
    return _("%(head)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.") % {
        "head": head,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
    }
