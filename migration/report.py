"""The report workbook: the koperasi's own file back, every row marked, so it fixes its own file
and imports it again (issue 9, item 9).

:func:`write_report` writes an xlsx with a summary sheet first, then each original sheet with
two columns added after its table, ``Status Impor`` (OK, Ditolak, Judul, Judul kolom, Baris
jumlah, Catatan, Kosong) and ``Keterangan Impor`` (every problem of that row, in Indonesian),
then the full list of problems. The original sheets are streamed again from the source (through
the safe reader) and written with xlsxwriter's ``constant_memory`` mode, so 100 000 rows never
sit in memory as a workbook; the problems come from :meth:`ReadBook.all_problems`, which holds
beyond its cap on disk, so the list is never cut short. The reader ignores the two added
columns (:func:`migration.table.report_columns`): the report imported again reads as the file.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _
from xlsxwriter.worksheet import Worksheet

from core.dates import local_now, tanggal
from core.money import format_rupiah
from core.spreadsheet import open_workbook
from migration import cells
from migration.reading import LIMITS, Problem, ReadBook, ReadSheet
from migration.table import REPORT_NOTE, REPORT_SHEETS, REPORT_STATUS, row_kind

MAX_LINKS = 65_000  # Excel refuses a worksheet with more than 65 530 hyperlinks
MAX_NOTE = 32_000  # characters in a cell


def kind_label(kind: str) -> str:
    return {
        "members": _("Anggota"),
        "savings": _("Simpanan"),
        "loans": _("Pinjaman"),
        "trial_balance": _("Neraca saldo"),
        "transactions": _("Transaksi"),
        "term_deposits": _("Simpanan berjangka"),
        "registry": _("Daftar koperasi"),
    }.get(kind, _("Tidak dikenali"))


def _book_of(result_or_book: Any) -> ReadBook:
    if isinstance(result_or_book, ReadBook):
        return result_or_book
    book = getattr(result_or_book, "book", None)
    if isinstance(book, ReadBook):
        return book
    raise TypeError("write_report needs a ReadBook or a result with .book")


def _summary_json(result_or_book: Any) -> dict[str, Any] | None:
    as_json = getattr(result_or_book, "as_json", None)
    return as_json() if callable(as_json) else None


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 13})
        self.bold = book.add_format({"bold": True})
        self.head = book.add_format(
            {"bold": True, "bg_color": "#E1F3E8", "border": 1, "text_wrap": True}
        )
        self.date = book.add_format({"num_format": "dd/mm/yyyy"})
        self.datetime = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        self.time = book.add_format({"num_format": "hh:mm:ss"})
        self.duration = book.add_format({"num_format": "[h]:mm:ss"})
        self.money = book.add_format({"num_format": '"Rp"#,##0;-"Rp"#,##0;"Rp"0'})
        self.link = book.add_format({"font_color": "#1A5E9A", "underline": 1})
        self.status = {
            "ok": book.add_format({"bg_color": "#E1F3E8", "font_color": "#1B5E20"}),
            "rejected": book.add_format(
                {"bg_color": "#FDE2E1", "font_color": "#9B1C1C", "bold": True}
            ),
            "warning": book.add_format({"bg_color": "#FFF4D6", "font_color": "#7A4E00"}),
            "other": book.add_format({"font_color": "#555555", "italic": True}),
        }
        self.note = {
            "rejected": book.add_format({"font_color": "#9B1C1C"}),
            "warning": book.add_format({"font_color": "#7A4E00"}),
        }


def _write_cell(ws: Worksheet, r: int, c: int, value: Any, f: _Formats) -> None:
    """A cell as the source had it: numbers stay numbers, text stays text (never a formula)."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            ws.write_string(r, c, cells.cell_text(value))
        else:
            ws.write_number(r, c, value)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(r, c, value, f.datetime if value.time() != dt.time() else f.date)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), f.date)
    elif isinstance(value, dt.time):
        ws.write_datetime(r, c, value, f.time)
    elif isinstance(value, dt.timedelta):
        ws.write_datetime(r, c, value, f.duration)
    else:
        ws.write_string(r, c, str(value)[:MAX_NOTE])


def _unique_names(names: list[str], reserved: list[str]) -> dict[str, str]:
    """Each source sheet's name in the report: Excel's rules (31 characters, none of
    ``[]:*?/\\``, unique whatever the case) and none of the report's own sheets."""
    taken = {n.lower() for n in reserved}
    out: dict[str, str] = {}
    for name in names:
        base = (
            "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:31].strip()
            or "Lembar"
        )
        candidate, n = base, 2
        while candidate.lower() in taken:
            suffix = f" ({n})"
            candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
        taken.add(candidate.lower())
        out[name] = candidate
    return out


def _internal(sheet: str, row: int) -> str:
    return "internal:'{}'!A{}".format(sheet.replace("'", "''"), row)


def write_report(source: bytes, filename: str, result_or_book: Any) -> bytes:
    """The report workbook (xlsx bytes) for ``source`` as read into ``result_or_book``: a
    :class:`ReadBook`, or a migration result that carries one as ``.book`` (and whose
    ``as_json()`` adds what was imported and the reconciliation to the summary)."""
    book = _book_of(result_or_book)
    summary = _summary_json(result_or_book)
    # Row → its problems' text. Sheet-level problems (no row) go to the summary.
    notes: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    whole: list[Problem] = []
    for problem in book.all_problems():
        if problem.row is None:
            whole.append(problem)
            continue
        text = f"{problem.column}: {problem.message}" if problem.column else problem.message
        notes[problem.sheet][problem.row].append(text)

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    f = _Formats(wb)
    own = list(REPORT_SHEETS)
    names = _unique_names([s.name for s in book.sheets], own)
    first = wb.add_worksheet(own[0])
    with open_workbook(source, filename=filename, limits=LIMITS) as source_book:
        widths = {info.name: info.columns for info in source_book.sheets}
        sheets = [
            (sheet, wb.add_worksheet(names[sheet.name]))
            for sheet in book.sheets
            if sheet.name in widths
        ]
        problems_ws = wb.add_worksheet(own[1])
        _write_summary(first, f, book, summary, filename, whole, names)
        for sheet, ws in sheets:
            rows = source_book.rows(sheet.name)
            width = widths[sheet.name]
            if source_book.kind == "csv":
                # A CSV's width was estimated from its first line, perhaps a title: measure.
                width = max((len(r) for r in rows), default=0)
                rows = source_book.rows(sheet.name)
            _write_sheet(
                ws, f, sheet, rows, width, notes.get(sheet.name, {}), _statuses(result_or_book)
            )
    _write_problems(problems_ws, f, book, names)
    wb.close()
    return out.getvalue()


# A migration result's row status (migration.services.result) → (text, style) in the report.
def _result_status(status: str, dry_run: bool) -> tuple[str, str]:
    return {
        "imported": (_("Akan diimpor") if dry_run else _("Diimpor"), "ok"),
        "already": (_("Sudah ada"), "other"),
        "rejected": (_("Ditolak"), "rejected"),
        "ignored": (_("Diabaikan"), "other"),
    }.get(status, (status, "other"))


def _statuses(result_or_book: Any) -> Callable[[str, int], tuple[str, str] | None]:
    """Row → status from a migration result, or nothing for a bare ReadBook."""
    status_of = getattr(result_or_book, "status_of", None)
    dry_run = bool(getattr(result_or_book, "dry_run", True))
    if not callable(status_of):
        return lambda sheet, row: None

    def lookup(sheet: str, row: int) -> tuple[str, str] | None:
        found = status_of(sheet, row)
        return None if found is None else _result_status(found, dry_run)

    return lookup


def _status(
    sheet: ReadSheet,
    index: int,
    row: list[Any],
    rejected: set[int],
    has_notes: bool,
    given: Callable[[str, int], tuple[str, str] | None],
) -> tuple[str, str]:
    """(text, style) of the row at 0-based ``index``."""
    header = sheet.header
    assert header is not None
    blank = all(cells.is_empty(v) for v in row)
    if index <= header.row:
        if index > header.row - header.rows:
            return _("Judul kolom"), "other"
        return (_("Kosong"), "other") if blank else (_("Judul"), "other")
    what = row_kind(row, header)
    if what == "blank":
        return _("Kosong"), "other"
    if what == "note":
        return _("Catatan"), "other"
    if what == "total":
        return (_("Baris jumlah"), "warning" if has_notes else "other")
    if (from_result := given(sheet.name, index + 1)) is not None:
        text, style = from_result
        return (text, "warning") if has_notes and style == "ok" else (text, style)
    if index + 1 in rejected:
        return _("Ditolak"), "rejected"
    return (_("Peringatan"), "warning") if has_notes else (_("OK"), "ok")


def _write_sheet(
    ws: Worksheet,
    f: _Formats,
    sheet: ReadSheet,
    rows: Iterator[list[Any]],
    width: int,
    notes: dict[int, list[str]],
    given: Callable[[str, int], tuple[str, str] | None],
) -> None:
    header = sheet.header
    if header is None:
        # Not recognised, so not read: the sheet as it was, the summary says why.
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                _write_cell(ws, r, c, value, f)
        return
    width = max(width, len(header.labels))
    status_col, note_col = width, width + 1
    ws.set_column(0, width - 1, 14)
    ws.set_column(status_col, status_col, 14)
    ws.set_column(note_col, note_col, 80)
    ws.freeze_panes(header.row + 1, 0)
    rejected = {record.row for record in sheet.records if record.rejected}
    for r, row in enumerate(rows):
        for c, value in enumerate(row[:width]):
            _write_cell(ws, r, c, value, f)
        if r == header.row:
            ws.write_string(r, status_col, REPORT_STATUS, f.head)
            ws.write_string(r, note_col, REPORT_NOTE, f.head)
            continue
        row_notes = notes.get(r + 1, [])
        text, style = _status(sheet, r, row, rejected, bool(row_notes), given)
        ws.write_string(r, status_col, text, f.status[style])
        if row_notes:
            note = "; ".join(row_notes)
            ws.write_string(r, note_col, note[:MAX_NOTE], f.note.get(style, f.note["warning"]))


def _write_summary(
    ws: Worksheet,
    f: _Formats,
    book: ReadBook,
    summary: dict[str, Any] | None,
    filename: str,
    whole: list[Problem],
    names: dict[str, str],
) -> None:
    now = local_now()
    ws.set_column(0, 0, 28)
    ws.set_column(1, 6, 16)
    ws.write_string(0, 0, _("Laporan impor: %(f)s") % {"f": filename}, f.title)
    ws.write_string(
        1,
        0,
        _("Dibuat %(d)s pukul %(t)s WITA") % {"d": tanggal(now.date()), "t": now.strftime("%H:%M")},
    )
    if summary is None:
        state = _("Hasil pemeriksaan berkas; belum ada yang diimpor.")
    elif summary.get("committed"):
        state = _("Diimpor (batch %(b)s).") % {"b": summary.get("batch")}
    else:
        state = _("Uji coba (rencana): belum ada yang diimpor.")
    ws.write_string(2, 0, state, f.bold)
    imported = {s["name"]: s for s in (summary or {}).get("sheets", [])}
    r = 4
    heads = [
        _("Lembar"),
        _("Isi"),
        _("Baris judul kolom"),
        _("Baris data"),
        _("Diterima") if summary is None else _("Diimpor"),
        _("Ditolak"),
    ]
    for c, head in enumerate(heads):
        ws.write_string(r, c, head, f.head)
    for sheet in book.sheets:
        r += 1
        if sheet.name in names:
            ws.write_url(r, 0, _internal(names[sheet.name], 1), f.link, string=sheet.name)
        else:
            ws.write_string(r, 0, sheet.name)
        ws.write_string(r, 1, kind_label(sheet.kind))
        if sheet.header_row is not None:
            ws.write_number(r, 2, sheet.header_row)
        ws.write_number(r, 3, sheet.rows_read)
        done = imported.get(sheet.name, {}).get("rows_imported")
        ws.write_number(r, 4, done if done is not None else sheet.rows_read - sheet.rows_rejected)
        ws.write_number(r, 5, sheet.rows_rejected)
    r += 2
    ws.write_string(r, 0, _("Jumlah masalah"), f.bold)
    ws.write_number(r, 1, book.problem_count)
    for problem in whole:
        r += 1
        ws.write_string(r, 0, problem.sheet)
        ws.write_string(r, 1, problem.message)
    reconciliation = (summary or {}).get("reconciliation") or {}
    if reconciliation:
        r += 2
        ws.write_string(r, 0, _("Rekonsiliasi dengan neraca lama"), f.bold)
        r += 1
        for c, head in enumerate([_("Angka"), _("Buku lama"), _("Kopdig"), _("Selisih")]):
            ws.write_string(r, c, head, f.head)
        for figure, values in reconciliation.items():
            r += 1
            ws.write_string(r, 0, str(figure))
            if isinstance(values, dict):
                for c, key in enumerate(("legacy_total", "kopdig_total", "difference"), start=1):
                    if values.get(key) is not None:
                        ws.write_string(r, c, format_rupiah(values[key], sen=True))
    r += 2
    ws.write_string(r, 0, _("Cara memperbaiki"), f.bold)
    for line in (
        _(
            "1. Buka lembar aslinya di berkas ini. Kolom “Status Impor” menandai setiap baris; "
            "“Keterangan Impor” menyebut setiap masalahnya."
        ),
        _(
            "2. Perbaiki sel yang disebut pada baris berstatus Ditolak (lembar Daftar Masalah "
            "memuat semuanya)."
        ),
        _(
            "3. Simpan dan unggah berkas ini lagi. Kedua kolom tambahan diabaikan saat impor, "
            "dan baris yang sudah diimpor tidak diimpor dua kali."
        ),
    ):
        r += 1
        ws.write_string(r, 0, line)


def _write_problems(ws: Worksheet, f: _Formats, book: ReadBook, names: dict[str, str]) -> None:
    heads = [_("Lembar"), _("Baris"), _("Kolom"), _("Kode"), _("Masalah"), _("Isi sel")]
    for c, (head, width) in enumerate(zip(heads, (18, 8, 24, 20, 80, 24), strict=True)):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, f.head)
    ws.freeze_panes(1, 0)
    for r, problem in enumerate(book.all_problems(), start=1):
        ws.write_string(r, 0, problem.sheet)
        if problem.row is not None:
            if r <= MAX_LINKS and problem.sheet in names:
                ws.write_url(
                    r,
                    1,
                    _internal(names[problem.sheet], problem.row),
                    f.link,
                    string=str(problem.row),
                )
            else:
                ws.write_number(r, 1, problem.row)
        ws.write_string(r, 2, problem.column)
        ws.write_string(r, 3, problem.code)
        ws.write_string(r, 4, problem.message)
        if problem.value:
            ws.write_string(r, 5, problem.value[:MAX_NOTE])
