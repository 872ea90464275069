"""Forms of the spreadsheet imports: the upload, and the column mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from essayons.tracking.imports_core import Importer, Mapping

MAX_UPLOAD_BYTES = 5_000_000
EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("The file"),
        help_text=_("CSV or Excel (.xlsx), 5 MB at most."),
        error_messages={
            "required": _("Choose the file to import."),
            "empty": _("This file is empty."),
            "invalid": _("This is not a file."),
        },
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(EXTENSIONS):
            raise forms.ValidationError(_("Send a CSV or Excel (.xlsx) file."), code="extension")
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("This file is over 5 MB."), code="too_big")
        return upload


class MappingForm(forms.Form):
    """One choice per known column: which column of the file holds it (or none)."""

    def __init__(
        self, *args: Any, importer: Importer, headers: list[str], mapping: Mapping, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.importer = importer
        choices = [("", _("— not in the file —"))] + [
            (str(index), header or _("(column %(n)s, no title)") % {"n": index + 1})
            for index, header in enumerate(headers)
        ]
        for column in importer.columns:
            current = mapping.get(column.field)
            self.fields[column.field] = forms.ChoiceField(
                label=column.label,
                choices=choices,
                required=column.required,
                initial="" if current is None else str(current),
                error_messages={
                    "required": _("This column is needed."),
                    "invalid_choice": _("Choose one of the file's columns."),
                },
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        used: dict[str, str] = {}
        for name, value in list(data.items()):
            if value in ("", None):
                continue
            if value in used:
                self.add_error(
                    name,
                    _("This column is already used for “%(other)s”.")
                    % {"other": self.fields[used[value]].label},
                )
            used[value] = name
        return data

    def mapping(self) -> Mapping:
        return {
            column.field: int(value) if (value := self.cleaned_data.get(column.field)) else None
            for column in self.importer.columns
        }
