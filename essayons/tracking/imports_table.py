"""Reading an uploaded spreadsheet (CSV or XLSX) into rows, whatever the owner's software did.

CSV files come with or without a BOM, in UTF-8, UTF-16 (Excel's "Unicode text") or Windows-1252,
sometimes as mojibake (UTF-8 read as Windows-1252 and saved again: "DÃ©but"); separated by
semicolons, commas or tabs (the csv module's Sniffer decides); with comma or point decimals
and spaces between thousands. XLSX files are read with openpyxl. Numbers and dates are parsed
here, with French error messages that the importers put on a numbered line.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

MAX_ROWS = 50_000
MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€|Â[\u00a0-\u00bf]")
SPACES = re.compile(r"[\s\u00a0\u202f']")
CURRENCY_IN_HEADER = re.compile(r"\(([A-Za-z]{3})\)")


class TableError(ValueError):
    """The file as a whole cannot be read; the message is for the owner."""


class CellError(ValueError):
    """One cell cannot be read; the message is for the owner and gets a line number."""


@dataclass
class Table:
    """Headers, then rows of cells (str for CSV; str, number, date or None for XLSX)."""

    headers: list[str]
    rows: list[list[Any]]
    lines: list[int]
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)

    def cell(self, row: list[Any], index: int | None) -> Any:
        if index is None or index >= len(row):
            return None
        value = row[index]
        return value.strip() if isinstance(value, str) else value


def table_read(content: bytes, filename: str) -> Table:
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        return _xlsx_read(content)
    return _csv_read(content)


# --- CSV -------------------------------------------------------------------------------------


def text_decode(content: bytes) -> tuple[str, list[str]]:
    """The file's text and notes on what was repaired (encoding, mojibake)."""
    notes: list[str] = []
    if content.startswith(codecs.BOM_UTF8):
        text = content[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = content.decode("utf-16", errors="replace")
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
            notes.append(_("The file was not in UTF-8; it was read as Windows-1252 (Excel)."))
    if MOJIBAKE.search(text):
        for encoding in ("cp1252", "latin-1"):
            try:
                text = text.encode(encoding).decode("utf-8")
            except UnicodeError:
                continue
            notes.append(_("Accented letters were garbled in the file; they were repaired."))
            break
    return text.lstrip("\ufeff").replace("\x00", ""), notes


def _csv_read(content: bytes) -> Table:
    text, notes = text_decode(content)
    if not text.strip():
        raise TableError(_("The file is empty."))
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    headers: list[str] | None = None
    rows: list[list[Any]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if headers is None:
                headers = [cell.strip() for cell in row]
                continue
            rows.append(row)
            lines.append(reader.line_num)
            if len(rows) > MAX_ROWS:
                raise TableError(_("The file has more than %(max)s lines.") % {"max": MAX_ROWS})
    except csv.Error as error:
        raise TableError(
            _("Line %(line)s cannot be read (%(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from None
    if headers is None or len(headers) < 2:
        raise TableError(_("No columns were found: is this a spreadsheet saved as CSV?"))
    return Table(headers, rows, lines, decimal_comma=dialect.delimiter != ",", notes=notes)


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:16_384]
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|")
    except csv.Error:
        first_line = sample.splitlines()[0] if sample.splitlines() else ""
        delimiter = max(";,\t", key=first_line.count)

        class Guessed(csv.excel):
            pass

        Guessed.delimiter = delimiter
        return Guessed


# --- XLSX ------------------------------------------------------------------------------------


def _xlsx_read(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise TableError(
            _("This Excel file cannot be opened. Save it again as .xlsx or CSV.")
        ) from None
    try:
        sheet = book.worksheets[0]
        headers: list[str] | None = None
        rows: list[list[Any]] = []
        lines: list[int] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(value) for value in values]
            if not any(cell not in (None, "") for cell in cells):
                continue
            if headers is None:
                headers = [str(cell or "").strip() for cell in cells]
                continue
            rows.append(cells)
            lines.append(number)
            if len(rows) > MAX_ROWS:
                raise TableError(_("The file has more than %(max)s lines.") % {"max": MAX_ROWS})
    finally:
        book.close()
    if headers is None or len(headers) < 2:
        raise TableError(_("No columns were found in the first sheet."))
    return Table(headers, rows, lines)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest decimal that gives back the cell's value
    return value


# --- Headers ---------------------------------------------------------------------------------


def header_key(header: str) -> str:
    """A header compared loosely: no accents, case, currency, punctuation or extra spaces."""
    text = CURRENCY_IN_HEADER.sub("", header)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = re.sub(r"[’'`_\-.:/()°º#]+", " ", text)
    return " ".join(text.split())


def header_currency(header: str) -> str:
    found = CURRENCY_IN_HEADER.search(header)
    return found.group(1).upper() if found else ""


# --- Cells -----------------------------------------------------------------------------------


def decimal_parse(value: Any, *, decimal_comma: bool) -> Decimal:
    """A number as owners write it: "1 234,56", "1,234.56", "500", "12,5 €"."""
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, Decimal | int):
        return Decimal(value)
    text = SPACES.sub("", str(value or "")).replace("€", "").replace("$", "")
    if not text:
        raise CellError(_("A number is missing."))
    text = _decimal_separator_fix(text, decimal_comma=decimal_comma)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("“%(value)s” is not a number.") % {"value": str(value)[:40]}) from None
    if not number.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": str(value)[:40]})
    return number


def _decimal_separator_fix(text: str, *, decimal_comma: bool) -> str:
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "," in text:
        whole, _sep, fraction = text.rpartition(",")
        thousands = len(fraction) == 3 and not decimal_comma and text.count(",") >= 1
        return text.replace(",", "") if thousands else f"{whole.replace(',', '')}.{fraction}"
    if "." in text and decimal_comma and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        return text.replace(".", "")
    return text


def count_parse(value: Any, *, decimal_comma: bool) -> int:
    number = decimal_parse(value, decimal_comma=decimal_comma)
    if number != number.to_integral_value() or number < 0:
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": str(value)[:40]})
    return int(number)


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%y")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)


def date_parse(value: Any) -> date:
    """A day: 2027-01-04, 04/01/2027 (day first, as in France), or an Excel date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        raise CellError(_("A date is missing."))
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    try:
        return datetime_parse(text).date()
    except CellError:
        raise CellError(
            _("“%(value)s” is not a date (expected for example 04/01/2027 or 2027-01-04).")
            % {"value": text[:40]}
        ) from None


def datetime_parse(value: Any) -> datetime:
    """A moment, naive (local to the business) unless the text carries its offset."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value or "").strip()
    if not text:
        raise CellError(_("A date is missing."))
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for pattern in DATETIME_FORMATS + DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise CellError(
        _("“%(value)s” is not a date (expected for example 04/01/2027 14:30 or 2027-01-04).")
        % {"value": text[:40]}
    )
