"""Reading an import file as a stream: XLSX (openpyxl read-only) or CSV in any encoding
(encoding.py), the header found below a title line, rows numbered as a spreadsheet shows them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.utils.translation import gettext as _

from fengqiao.core.errors import ValidationFailed
from fengqiao.registry.imports.columns import CellError, Column, header_key
from fengqiao.registry.imports.encoding import decode_sample, detect_encoding

__all__ = [
    "Row",
    "RowError",
    "Source",
    "Table",
    "cell_text",
    "cells",
    "file_error",
    "map_headers",
    "number_lost_digits",
    "open_source",
]

HEADER_SEARCH_ROWS = 10
SAMPLE_BYTES = 1 << 16


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


def file_error(message) -> ValidationFailed:
    return ValidationFailed(message, code="bad_file", field="file")


def is_blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _is_blank_row(values: list[Any]) -> bool:
    try:
        return not "".join(values).strip()  # a CSV row: text only, one call
    except TypeError:  # an XLSX row: numbers, dates, None
        return is_blank(values)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)


def number_lost_digits(raw: Any) -> bool:
    """Excel keeps 15 significant digits: an 18-digit ID typed as a number is already broken."""
    if isinstance(raw, float):
        return abs(raw) >= 1e15
    return isinstance(raw, str) and bool(_SCIENTIFIC.match(raw.strip()))


@dataclass
class Table:
    headers: list[str]  # header text as in the file, by position
    letters: list[str] | None  # Excel column letters (XLSX only)
    header_row: int
    has_data: bool


class Row:
    """One data row: its cells, by column key, and the errors found in it."""

    __slots__ = ("number", "values", "table", "index", "errors")

    def __init__(self, number: int, values: list[Any], table: Table, index: dict[str, int]):
        self.number = number
        self.values = values
        self.table = table
        self.index = index
        self.errors: list[RowError] = []

    def raw(self, key: str) -> Any:
        i = self.index.get(key)
        return self.values[i] if i is not None and i < len(self.values) else None

    def has(self, key: str | None) -> bool:
        return key in self.index

    def text(self, key: str) -> str:
        return cell_text(self.raw(key))

    def column(self, key: str) -> str:
        """The column as the file names it (with its letter in a workbook)."""
        i = self.index.get(key)
        if i is None:  # a column the file lacks: its key names it
            return key
        header = self.table.headers[i]
        return f"{self.table.letters[i]} {header}" if self.table.letters else header

    def fail(self, key: str, reason) -> None:
        self.errors.append(RowError(row=self.number, column=self.column(key), reason=str(reason)))

    def read(self, column: Column, value: str | None = None) -> Any:
        """The column's value in this row (None, and an error on the row, when it is wrong)."""
        if value is None:
            value = self.text(column.key)
        if not value and not column.required:
            return column.empty  # the common case, without a call
        try:
            return column.read(value)
        except CellError as exc:
            self.fail(column.key, exc.message)
            return None

    @property
    def ok(self) -> bool:
        return not self.errors


def cells(rows: list[Row], key: str) -> list[Any]:
    """One column of a batch as read (None where the column or the cell is missing)."""
    if not rows or key not in rows[0].index:
        return [None] * len(rows)
    at = rows[0].index[key]
    try:
        return [row.values[at] for row in rows]
    except IndexError:  # a short row: the missing cells are empty
        return [row.values[at] if at < len(row.values) else None for row in rows]


@dataclass
class Source:
    table: Table
    records: Iterator[tuple[int, list[Any]]]  # data rows after the header, blank ones skipped
    estimate: int  # rows in the file as far as can be told cheaply (0 = unknown)
    position: Callable[[], float]  # share of the file read so far, 0..1 (for the ETA)


def open_source(filename: str, fh: IO[bytes], size: int, columns: tuple[Column, ...]) -> Source:
    """The file's header and a stream of its data rows; ValidationFailed for a file that
    cannot be read at all."""
    head = fh.read(8)
    fh.seek(0)
    if not head:
        raise file_error(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        records, estimate = _xlsx_stream(fh)
        is_xlsx = True
        position = _no_position
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_error(
            _("Old Excel .xls files cannot be read; save the file as .xlsx or CSV and try again.")
        )
    elif (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise file_error(_("The file is named .xlsx but is not an Excel workbook."))
    else:
        records, estimate, is_xlsx = _csv_stream(fh, size), 0, False

        def position() -> float:
            return fh.tell() / size if size else 0.0

    # The header may sit below a title line; look at the first few non-blank rows.
    ahead: list[tuple[int, list[Any]]] = []
    for number, values in records:
        if is_blank(values):
            continue
        ahead.append((number, list(values)))
        if len(ahead) >= HEADER_SEARCH_ROWS:
            break
    if not ahead:
        raise file_error(_("The file has no header row and no data."))
    at = next((i for i, (_n, v) in enumerate(ahead) if _has_required(v, columns)), 0)
    header_row, header = ahead[at]
    headers = ["" if h is None else str(h).strip() for h in header]
    letters = None
    if is_xlsx:
        from openpyxl.utils import get_column_letter

        letters = [get_column_letter(i + 1) for i in range(len(headers))]
    rest = ahead[at + 1 :]

    def data() -> Iterator[tuple[int, list[Any]]]:
        yield from rest
        for number, values in records:
            if not _is_blank_row(values):
                yield number, values

    stream = data()
    first = next(stream, None)
    table = Table(headers=headers, letters=letters, header_row=header_row, has_data=bool(first))

    def with_first() -> Iterator[tuple[int, list[Any]]]:
        if first is not None:
            yield first
        yield from stream

    return Source(table, with_first(), max(estimate - header_row, 0), position)


def _has_required(values: list[Any], columns: tuple[Column, ...]) -> bool:
    keys = {header_key(str(v)) for v in values if v is not None}
    return all(any(header_key(h) in keys for h in c.headers) for c in columns if c.required)


def _no_position() -> float:
    return 0.0


def _xlsx_stream(fh: IO[bytes]):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign zip
        raise file_error(
            _("The file could not be read as an Excel workbook (.xlsx): %(error)s")
            % {"error": exc.__class__.__name__}
        ) from exc
    estimate = sheet.max_row or 0  # from <dimension>, may be wrong; only used for the ETA
    sheet.reset_dimensions()  # some generators write a wrong <dimension>; read what is there

    def records() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(values)
        except Exception as exc:  # a part of the zip missing, broken XML, a bad cell value
            raise file_error(_("The Excel workbook is damaged and could not be read.")) from exc
        finally:
            workbook.close()

    return records(), estimate


def _csv_stream(fh: IO[bytes], size: int) -> Iterator[tuple[int, list[str]]]:
    sample = fh.read(SAMPLE_BYTES)
    fh.seek(0)
    encoding = detect_encoding(sample, complete=len(sample) >= size)
    first_line = next((line for line in decode_sample(sample, encoding).splitlines() if line), "")
    delimiter = max([",", "\t", ";"], key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        # A spreadsheet shows one row per record, even when a quoted cell spans lines.
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise file_error(
            _("The CSV file is malformed near row %(row)d: %(error)s")
            % {"row": reader.line_num, "error": exc}
        ) from exc
    except UnicodeDecodeError as exc:
        raise file_error(
            _("The file changes its text encoding near row %(row)d; save it as UTF-8.")
            % {"row": reader.line_num}
        ) from exc
    finally:
        if not text.closed:  # a stream abandoned after its file was closed (Ctrl-C) is done
            text.detach()


def map_headers(table: Table, columns: tuple[Column, ...]) -> dict[str, int]:
    """column key → position in the row; ValidationFailed naming missing or doubled columns."""
    by_header = {header_key(h): c.key for c in columns for h in c.headers}
    found: dict[str, int] = {}
    for index, text in enumerate(table.headers):
        key = by_header.get(header_key(text)) if text else None
        if key is None:
            continue
        if key in found:
            raise file_error(
                _("Two columns mean the same thing: “%(a)s” and “%(b)s”.")
                % {"a": table.headers[found[key]], "b": text}
            )
        found[key] = index
    missing = [c.title for c in columns if c.required and c.key not in found]
    if missing:
        present = [h for h in table.headers if h]
        raise file_error(
            _("Missing required columns: %(missing)s. Columns found: %(found)s.")
            % {"missing": ", ".join(missing), "found": ", ".join(present[:30]) or _("none")}
        )
    if not table.has_data:
        raise file_error(_("The file has a header row but no data rows."))
    return found
