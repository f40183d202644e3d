"""One safe reader for uploaded spreadsheets: .xlsx, .xls, .ods (python-calamine) and .csv.

Used by the payroll upload (``savings.services.payroll``) and by the migration importer. An
upload is untrusted: before anything is parsed, :func:`open_workbook` checks the file's size,
for a zip (xlsx, ods) the inflated size of each member and of all of them, their count and their
compression ratio, and for every sheet the grid it spans and its number of cells
(:mod:`core.spreadsheet.guards` says why calamine cannot be trusted with that). Each refusal is a
:class:`SpreadsheetError` with an Indonesian message. Rows then come one at a time from
:meth:`Workbook.rows`, as lists of cell values (``str``, ``int``, ``float``, ``bool``, dates;
an empty cell is ``""``).

Reading is pure: no database, so callers parse before any write transaction begins.

    with open_workbook(upload, filename=upload.name, limits=Limits(max_rows=20_100)) as book:
        for row in book.rows(book.sheets[0].name): ...
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, Any

from django.utils.translation import gettext as _

from core.spreadsheet.errors import ErrorLog, report_lines
from core.spreadsheet.guards import (
    Grid,
    check_grid,
    check_zip,
    ods_scanner,
    xls_grids,
    xlsx_scanner,
    xlsx_sheets,
)
from core.spreadsheet.limits import MB, Limits, SpreadsheetError

Cell = Any
CALAMINE = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT = (".csv", ".txt")


@dataclass(frozen=True)
class SheetInfo:
    """A sheet as measured before parsing: the grid it spans and its cells (for a CSV, upper
    bounds counted from its lines and separators)."""

    name: str
    rows: int
    columns: int
    cells: int
    # xlsx cells holding an Excel error, which calamine reads as empty: (row, col) → "#REF!".
    # :meth:`Workbook.rows` puts the error's text back, so that no reader takes it for a blank.
    errors: dict[tuple[int, int], str] = field(default_factory=dict, compare=False)


class Workbook:
    """An opened, checked file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, kind: str, sheets: list[SheetInfo], limits: Limits) -> None:
        self.kind = kind
        self.sheets = sheets
        self.limits = limits

    def rows(self, sheet: str | int = 0) -> Iterator[list[Cell]]:
        raise NotImplementedError

    def _name(self, sheet: str | int) -> str:
        if isinstance(sheet, int):
            try:
                return self.sheets[sheet].name
            except IndexError:
                raise SpreadsheetError(_("Berkas tidak berisi lembar."), code="no_sheet") from None
        if not any(s.name == sheet for s in self.sheets):
            raise SpreadsheetError(
                _("Lembar “%(s)s” tidak ada dalam berkas.") % {"s": sheet}, code="no_sheet"
            )
        return sheet

    def close(self) -> None:
        pass

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _CalamineBook(Workbook):
    def __init__(self, kind: str, sheets: list[SheetInfo], limits: Limits, data: bytes) -> None:
        super().__init__(kind, sheets, limits)
        from python_calamine import CalamineWorkbook

        try:
            self._book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception as exc:  # calamine raises its own error types for bad files
            raise _unreadable(exc) from exc

    def rows(self, sheet: str | int = 0) -> Iterator[list[Cell]]:
        name = self._name(sheet)
        try:
            # Safe only because the grid this builds was measured and bounded in open_workbook.
            grid = self._book.get_sheet_by_name(name)
        except Exception as exc:
            raise _unreadable(exc) from exc
        # python-calamine yields rows from the first row but columns from the first used
        # column: pad them so that a cell's index is its column (A = 0) for the messages.
        pad = [""] * (grid.start[1] if grid.start else 0)
        errors: dict[int, dict[int, str]] = {}
        for (row_index, col), text in next(s for s in self.sheets if s.name == name).errors.items():
            errors.setdefault(row_index, {})[col] = text
        for index, row in enumerate(grid.iter_rows()):
            cells = pad + row if pad else row
            if index in errors:
                for col, text in errors[index].items():
                    if col < len(cells):
                        cells[col] = text
            yield cells

    def close(self) -> None:
        try:
            self._book.close()
        except Exception:  # closed already
            pass


class _CsvBook(Workbook):
    def __init__(
        self, sheets: list[SheetInfo], limits: Limits, stream: IO[bytes], encoding: str, sep: str
    ) -> None:
        super().__init__("csv", sheets, limits)
        self._stream = stream
        self._encoding = encoding
        self._sep = sep

    def rows(self, sheet: str | int = 0) -> Iterator[list[Cell]]:
        self._name(sheet)
        self._stream.seek(0)
        text = io.TextIOWrapper(self._stream, encoding=self._encoding, errors="replace", newline="")
        try:
            for number, row in enumerate(csv.reader(text, delimiter=self._sep), start=1):
                if number > self.limits.max_rows or len(row) > self.limits.max_columns:
                    grid = Grid("CSV")
                    grid.add(number - 1, len(row) - 1)
                    check_grid(grid, self.limits)
                yield row
        except csv.Error as exc:
            raise SpreadsheetError(
                _("Berkas CSV tidak dapat dibaca: %(e)s") % {"e": exc}, code="csv"
            ) from exc
        finally:
            text.detach()


def _unreadable(exc: Exception) -> SpreadsheetError:
    return SpreadsheetError(
        _("Berkas spreadsheet tidak dapat dibaca: %(e)s") % {"e": exc}, code="unreadable"
    )


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _csv_measure(stream: IO[bytes], limits: Limits) -> tuple[str, str, SheetInfo]:
    """One pass over the bytes, keeping nothing: the encoding (UTF-8, with or without BOM, else
    Windows-1252), the separator (``;`` or ``,``, from the first line) and upper bounds of the
    rows and cells, refused above the limits before any row is parsed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    lines = commas = semicolons = 0
    first = b""
    last = b"\n"
    while chunk := stream.read(MB):
        last = chunk[-1:]
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        if len(first) < 64 * 1024 and b"\n" not in first:
            first += chunk[: 64 * 1024]
        lines += chunk.count(b"\n")
        commas += chunk.count(b",")
        semicolons += chunk.count(b";")
    stream.seek(0)
    head = first.split(b"\n", 1)[0]
    sep = ";" if head.count(b";") > head.count(b",") else ","
    rows = lines + (last != b"\n")
    cells = rows + (semicolons if sep == ";" else commas)
    grid = Grid("CSV")
    grid.add(0, 0, rows=max(rows, 1), cols=1)
    grid.cells = cells
    check_grid(grid, limits)
    info = SheetInfo("CSV", rows=rows, columns=head.count(sep.encode()) + 1, cells=cells)
    return ("utf-8-sig" if utf8 else "cp1252"), sep, info


def open_workbook(
    source: bytes | IO[bytes], *, filename: str, limits: Limits | None = None
) -> Workbook:
    """Check an uploaded file against ``limits`` and open it for reading rows.

    ``source`` is the file's bytes or a seekable binary file (a Django ``UploadedFile``): its
    size is read before its content, so a 50 MB file is refused without being read.
    """
    limits = limits or Limits()
    stream: IO[bytes] = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    size = _size(stream)
    if size > limits.max_bytes:
        raise SpreadsheetError(
            _("Berkas terlalu besar: %(size)s MB, paling besar %(max)s MB.")
            % {"size": f"{size / MB:.1f}".replace(".", ","), "max": limits.max_bytes // MB},
            code="too_big",
        )
    name = filename.lower()
    if name.endswith(TEXT):
        encoding, sep, info = _csv_measure(stream, limits)
        return _CsvBook([info], limits, stream, encoding, sep)
    if not name.endswith(CALAMINE):
        raise SpreadsheetError(
            _("Jenis berkas tidak dikenal; unggah CSV, XLSX, XLS atau ODS."), code="file_type"
        )
    data = stream.read()
    grids: list[Grid]
    if name.endswith(".xls"):
        grids = xls_grids(data, limits)
        kind = "xls"
    elif name.endswith(".ods"):
        grids = []
        check_zip(io.BytesIO(data), limits, {"content.xml": ods_scanner(grids, limits)})
        kind = "ods"
    else:
        grids = _xlsx_grids(data, limits)
        kind = "xlsx"
    sheets = [
        SheetInfo(g.name, g.last_row + 1, g.last_col + 1, g.cells, dict(g.errors)) for g in grids
    ]
    return _CalamineBook(kind, sheets, limits, data)


def _xlsx_grids(data: bytes, limits: Limits) -> list[Grid]:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if len(names) > limits.max_members:
                raise SpreadsheetError(
                    _("Berkas berisi terlalu banyak bagian (%(n)s, paling banyak %(max)s).")
                    % {"n": len(names), "max": limits.max_members},
                    code="too_many_members",
                )
            small = {}
            for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
                info = archive.getinfo(part)
                if info.file_size > MB:
                    raise SpreadsheetError(
                        _(
                            "Berkas spreadsheet rusak atau bukan spreadsheet; simpan ulang lalu "
                            "unggah lagi."
                        ),
                        code="damaged",
                    )
                small[part] = archive.read(part)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SpreadsheetError(
            _("Berkas spreadsheet rusak atau bukan spreadsheet; simpan ulang lalu unggah lagi."),
            code="damaged",
        ) from exc
    sheets = xlsx_sheets(small["xl/workbook.xml"], small["xl/_rels/workbook.xml.rels"])
    if any(member not in names for _sheet, member in sheets):
        # A sheet whose part the scan cannot find is one calamine would read unmeasured.
        raise SpreadsheetError(
            _("Berkas spreadsheet rusak atau bukan spreadsheet; simpan ulang lalu unggah lagi."),
            code="damaged",
        )
    grids = [Grid(sheet) for sheet, _member in sheets]
    scanners = {
        member: xlsx_scanner(grid, limits)
        for (_sheet, member), grid in zip(sheets, grids, strict=True)
        if member
    }
    # Worksheets calamine could reach but the scan could not name are refused, not trusted.
    for member in names:
        if member.startswith("xl/worksheets/") and member.endswith(".xml"):
            scanners.setdefault(member, xlsx_scanner(Grid(member), limits))
    check_zip(io.BytesIO(data), limits, scanners)
    return grids


__all__ = [
    "ErrorLog",
    "Limits",
    "SheetInfo",
    "SpreadsheetError",
    "Workbook",
    "open_workbook",
    "report_lines",
]
