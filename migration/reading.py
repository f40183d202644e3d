"""Reading a legacy workbook into records and problems, before anything is written.

:func:`read_workbook` opens the file through the safe reader (limits checked before parsing),
finds each sheet's table (:mod:`migration.table`), normalises every cell of the columns it knows
(:mod:`migration.cells`) and returns :class:`ReadBook`: per sheet its kind, header row, records
(each with its row number as the spreadsheet shows it) and every problem as data, capped in
memory but all counted. Total rows are checked against the sum of the rows above them.
"""

from __future__ import annotations

import datetime as dt
import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, cast

from django.utils.translation import gettext as _

from core.spreadsheet import Limits, SpreadsheetError, open_workbook
from migration import cells
from migration.table import (
    FIELDS,
    HEADER_SEARCH_ROWS,
    SKIPPED_SHEETS,
    Header,
    apply_mapping,
    find_header,
    find_mapped_header,
    report_columns,
    row_kind,
)

# What the importer may be given: 100 000 members fit with room to spare.
LIMITS = Limits(
    max_bytes=60 * 1024 * 1024,
    max_rows=250_000,
    max_columns=200,
    max_cells=8_000_000,
    max_member_bytes=512 * 1024 * 1024,
    max_total_bytes=768 * 1024 * 1024,
)
MAX_PROBLEMS_KEPT = 5_000  # the rest are counted, spilled to disk for the report workbook

Parser = Callable[[Any], Any]

PARSERS: dict[str, dict[str, Parser]] = {
    "members": {
        "number": cells.code_cell,
        "name": cells.name_cell,
        "nik": cells.nik_cell,
        "birth_date": cells.date_cell,
        "birth_place": cells.name_cell,
        "gender": cells.gender_cell,
        "address": cells.name_cell,
        "desa": cells.name_cell,
        "phone": cells.phone_cell,
        "joined_on": cells.date_cell,
        "pokok": cells.rupiah_cell,
        "wajib": cells.rupiah_cell,
        "sukarela": cells.rupiah_cell,
        "wajib_arrears": cells.rupiah_cell,
        "wajib_arrears_months": cells.month_count_cell,
    },
    "savings": {
        "number": cells.code_cell,
        "name": cells.name_cell,
        "product": cells.name_cell,
        "account": cells.code_cell,
        "balance": cells.rupiah_cell,
        "wajib_arrears": cells.rupiah_cell,
        "wajib_arrears_months": cells.month_count_cell,
    },
    "loans": {
        "number": cells.code_cell,
        "name": cells.name_cell,
        "loan_number": cells.code_cell,
        "disbursed_on": cells.date_cell,
        "principal": cells.rupiah_cell,
        "tenor": cells.count_cell,
        "rate": cells.percent_cell,
        "method": cells.method_cell,
        "paid_instalments": cells.count_cell,
        "outstanding": cells.rupiah_cell,
        "arrears": cells.rupiah_cell,
        "arrears_interest": cells.rupiah_cell,
    },
    "trial_balance": {
        "code": cells.code_cell,
        "account_name": cells.name_cell,
        "debit": cells.rupiah_cell,
        "credit": cells.rupiah_cell,
        "balance": cells.rupiah_cell,
    },
    "transactions": {
        "number": cells.code_cell,
        "date": cells.date_cell,
        "product": cells.name_cell,
        "amount": cells.rupiah_cell,
        "kind": cells.name_cell,
        "memo": cells.name_cell,
    },
    "term_deposits": {
        "number": cells.code_cell,
        "name": cells.name_cell,
        "placement_number": cells.code_cell,
        "product": cells.name_cell,
        "amount": cells.rupiah_cell,
        "placed_on": cells.date_cell,
        "term": cells.month_count_cell,
        "rate": cells.percent_cell,
        "maturity_on": cells.date_cell,
        "at_maturity": cells.at_maturity_cell,
    },
    "registry": {
        "code": cells.code_cell,
        "name": cells.name_cell,
        "legal_number": cells.code_cell,
        "legal_date": cells.date_cell,
        "nik_koperasi": cells.koperasi_nik_cell,
        "kind": cells.koperasi_kind_cell,
        "kecamatan": cells.name_cell,
        "desa": cells.name_cell,
        "address": cells.name_cell,
        "status": cells.koperasi_status_cell,
        "founded_on": cells.date_cell,
        "last_rat_on": cells.date_cell,
        "stage": cells.digital_stage_cell,
    },
}
# A record without these is rejected.
NEEDED: dict[str, tuple[str, ...]] = {
    "members": ("number", "name"),
    "savings": ("number", "balance"),
    "loans": ("number", "loan_number", "disbursed_on", "principal", "tenor", "rate"),
    "trial_balance": ("account_name",),
    "transactions": ("number", "date", "amount"),
    "term_deposits": ("number", "amount", "placed_on", "term", "rate"),
    "registry": ("name", "kecamatan", "kind"),
}
MONEY = {
    kind: [n for n, p in fields.items() if p is cells.rupiah_cell]
    for kind, fields in PARSERS.items()
}

assert all(set(PARSERS[k]) == set(FIELDS[k]) for k in FIELDS), "every field has its parser"


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One thing wrong, as the person needs it to fix the file."""

    sheet: str
    row: int | None  # as the spreadsheet numbers it; None for the whole sheet or file
    column: str  # the header's text (and letter), or "" for a whole row
    code: str
    message: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "value": self.value,
        }


@dataclass
class Record:
    row: int  # as the spreadsheet numbers it
    values: dict[str, Any]
    raw: dict[str, str]
    rejected: bool = False


@dataclass
class ReadSheet:
    name: str
    kind: str  # members, savings, loans, trial_balance, transactions, unknown
    header: Header | None = None
    records: list[Record] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)  # sum of the records read
    stated_totals: list[tuple[int, dict[str, Decimal]]] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)

    @property
    def header_row(self) -> int | None:
        return self.header.spreadsheet_row if self.header else None

    @property
    def rows_read(self) -> int:
        return len(self.records)

    @property
    def rows_rejected(self) -> int:
        return sum(1 for r in self.records if r.rejected)

    def column_name(self, name: str) -> str:
        assert self.header is not None
        col = self.header.columns[name]
        label = self.header.labels[col] if col < len(self.header.labels) else ""
        return f"{label} ({column_letter(col)})" if label else column_letter(col)


@dataclass
class ReadBook:
    """Every sheet read. ``problems`` holds the first :data:`MAX_PROBLEMS_KEPT` for a page or a
    JSON answer; the rest are counted in ``problem_count`` and spilled to a temporary file, so
    :meth:`all_problems` (the report workbook's list) gives every one without holding them."""

    filename: str
    sheets: list[ReadSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    _spill: IO[bytes] | None = field(default=None, repr=False, compare=False)

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)
            return
        if self._spill is None:
            self._spill = tempfile.TemporaryFile()  # closed when the book is collected
        pickle.dump(problem, self._spill, protocol=pickle.HIGHEST_PROTOCOL)

    def all_problems(self) -> Iterator[Problem]:
        """Every problem, in the order found: the kept ones, then the spilled ones."""
        yield from self.problems
        if self._spill is None:
            return
        self._spill.flush()
        end = self._spill.tell()
        self._spill.seek(0)
        try:
            while self._spill.tell() < end:
                yield cast(Problem, pickle.load(self._spill))  # our own temporary file
        finally:
            self._spill.seek(end)

    def of_kind(self, kind: str) -> list[ReadSheet]:
        return [s for s in self.sheets if s.kind == kind]


def _record(
    sheet: ReadSheet,
    row: list[Any],
    number: int,
    book: ReadBook,
    today: dt.date,
    texts: list[str] | None = None,
    memos: dict[str, dict[tuple[type, Any], Any]] | None = None,
) -> Record:
    assert sheet.header is not None
    parsers = PARSERS[sheet.kind]
    memos = memos or {}
    values: dict[str, Any] = {}
    raw: dict[str, str] = {}
    record = Record(number, values, raw)
    failed: set[str] = set()
    if texts is None:
        texts = [cells.cell_text(v) for v in row]
    width = len(row)
    for name, col in sheet.header.columns.items():
        if col < width:
            cell, raw[name] = row[col], texts[col]
        else:
            cell, raw[name] = "", ""
        parser = parsers[name]
        memo = memos.get(name)
        try:
            if memo is None:
                values[name] = (
                    cells.date_cell(cell, today=today)
                    if parser is cells.date_cell
                    else parser(cell)
                )
            else:
                values[name] = _memoised(memo, parser, cell, today)
        except cells.CellError as err:
            values[name] = None
            record.rejected = True
            failed.add(name)
            book.add(
                Problem(
                    sheet.name, number, sheet.column_name(name), err.code, err.message, raw[name]
                )
            )
    for name in NEEDED[sheet.kind]:
        if values.get(name) is None and name not in failed:
            record.rejected = True
            label = sheet.column_name(name) if name in sheet.header.columns else name
            book.add(
                Problem(
                    sheet.name,
                    number,
                    label,
                    "required",
                    _("Kolom ini wajib diisi."),
                    raw.get(name, ""),
                )
            )
    return record


# Parsers whose cells repeat down a column (amounts, dates, counts, rates, methods): each
# distinct cell is parsed once per sheet, up to MEMO_MAX of them per column.
MEMOISED = (
    cells.rupiah_cell,
    cells.date_cell,
    cells.count_cell,
    cells.percent_cell,
    cells.method_cell,
    cells.gender_cell,
)
MEMO_MAX = 20_000
_UNSEEN = object()


def _memoised(memo: dict[tuple[type, Any], Any], parser: Parser, cell: Any, today: dt.date) -> Any:
    """``parser(cell)`` (a pure function of the cell), remembered by the cell's type and value;
    a refused cell's error is remembered and raised again."""
    key = (type(cell), cell)
    found = memo.get(key, _UNSEEN)
    if found is _UNSEEN:
        try:
            if parser is cells.date_cell:
                found = cells.date_cell(cell, today=today)
            else:
                found = parser(cell)
        except cells.CellError as err:
            found = err
        if len(memo) < MEMO_MAX:
            memo[key] = found
    if isinstance(found, cells.CellError):
        raise found
    return found


def _check_total(
    sheet: ReadSheet, row: list[Any], number: int, since: dict[str, Decimal], book: ReadBook
) -> None:
    """A JUMLAH/TOTAL row agrees with the rows since the last total, or with all rows above."""
    assert sheet.header is not None
    stated: dict[str, Decimal] = {}
    for name in MONEY[sheet.kind]:
        col = sheet.header.columns.get(name)
        if col is None or col >= len(row):
            continue
        try:
            value = cells.rupiah_cell(row[col])
        except cells.CellError:
            continue
        if value is None:
            continue
        stated[name] = value
        read = sheet.totals.get(name, Decimal(0))
        if value not in (since.get(name, Decimal(0)), read):
            book.add(
                Problem(
                    sheet.name,
                    number,
                    sheet.column_name(name),
                    "total_mismatch",
                    _(
                        "Baris jumlah menyatakan %(stated)s, tetapi baris-baris di atasnya "
                        "berjumlah %(read)s (selisih %(diff)s)."
                    )
                    % {
                        "stated": _rp(value),
                        "read": _rp(read),
                        "diff": _rp(value - read),
                    },
                    cells.cell_text(row[col]),
                )
            )
    sheet.stated_totals.append((number, stated))


def _rp(amount: Decimal) -> str:
    from core.money import format_rupiah

    return format_rupiah(amount, sen=amount != amount.to_integral_value())


def read_sheet(
    rows: Iterator[list[Any]],
    name: str,
    book: ReadBook,
    *,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    today: dt.date,
    candidates: Sequence[str] | None = None,
) -> ReadSheet:
    """One sheet's rows (streamed) into a :class:`ReadSheet`; problems go to ``book``."""
    head: list[list[Any]] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    if mapping and kind:
        header = find_mapped_header(head, kind, mapping)
    else:
        header = find_header(head, [kind] if kind else candidates)
    sheet = ReadSheet(name, header.kind if header else (kind or "unknown"), header)
    if header is None:
        if any(any(not cells.is_empty(v) for v in r) for r in head):
            book.add(
                Problem(
                    name,
                    None,
                    "",
                    "no_header",
                    _(
                        "Lembar ini tidak dikenali: tidak ada baris judul kolom seperti "
                        "“No. Anggota” dan “Nama”. Lembar dilewati."
                    ),
                )
            )
        return sheet
    if mapping:
        columns, missing = apply_mapping(header.labels, mapping)
        header.columns, sheet.missing_columns = columns, missing
        for label in missing:
            book.add(
                Problem(
                    name,
                    header.spreadsheet_row,
                    label,
                    "mapping_column_missing",
                    _("Kolom “%(c)s” dari pemetaan tersimpan tidak ada di lembar ini.")
                    % {"c": label},
                )
            )
    since: dict[str, Decimal] = {}
    memos: dict[str, dict[tuple[type, Any], Any]] = {
        name: {} for name, parser in PARSERS[sheet.kind].items() if parser in MEMOISED
    }
    number = header.row + 1  # 0-based index of the last header row → its row number
    tail = iter(head[header.row + 1 :])
    # The report workbook's own columns ("Status Impor", "Keterangan Impor") are not data: a
    # report imported again reads as the file it was made from.
    ours = report_columns(header.labels)
    for row in _chain(tail, rows):
        number += 1
        if ours:
            row = [("" if col in ours else v) for col, v in enumerate(row)]
        texts = [cells.cell_text(v) for v in row]
        what = row_kind(row, header, texts)
        if what == "blank" or what == "note":
            continue
        if what == "total":
            _check_total(sheet, row, number, since, book)
            since = {}
            continue
        # An Excel error outside the columns read (those say it themselves); its text has a #.
        for col in range(len(row)) if any("#" in t for t in texts) else ():
            if (
                err := cells.formula_error(row[col])
            ) is not None and col not in header.columns.values():
                book.add(
                    Problem(
                        name,
                        number,
                        column_letter(col),
                        "formula_error",
                        _("Sel berisi galat rumus Excel %(err)s.") % {"err": err},
                        err,
                    )
                )
        record = _record(sheet, row, number, book, today, texts, memos)
        sheet.records.append(record)
        for field_name in MONEY[sheet.kind]:
            value = record.values.get(field_name)
            if isinstance(value, Decimal):
                sheet.totals[field_name] = sheet.totals.get(field_name, Decimal(0)) + value
                since[field_name] = since.get(field_name, Decimal(0)) + value
    return sheet


def _chain(first: Iterator[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


def read_workbook(
    source: bytes | IO[bytes],
    *,
    filename: str,
    mappings: dict[str, dict[str, str]] | None = None,
    kinds: dict[str, str] | None = None,
    today: dt.date | None = None,
    limits: Limits = LIMITS,
    candidates: Sequence[str] | None = None,
) -> ReadBook:
    """Every sheet of a file, read. A file that cannot be opened raises ``SpreadsheetError``
    (its message says why); everything wrong inside it is a :class:`Problem`.

    ``mappings``: sheet name → (field → header text), a mapping the person confirmed or saved;
    ``kinds``: sheet name → kind, when the person said what a sheet holds; ``candidates``: the
    kinds a sheet may be found to hold (default :data:`migration.table.KOPERASI_KINDS`).
    """
    today = today or dt.date.today()
    book = ReadBook(filename)
    with open_workbook(source, filename=filename, limits=limits) as workbook:
        if not workbook.sheets:
            raise SpreadsheetError(_("Berkas tidak berisi lembar."), code="no_sheet")
        for info in workbook.sheets:
            if info.name in SKIPPED_SHEETS:
                continue  # a report's summary and problem list, a template's instructions
            sheet = read_sheet(
                workbook.rows(info.name),
                info.name,
                book,
                kind=(kinds or {}).get(info.name),
                mapping=(mappings or {}).get(info.name),
                today=today,
                candidates=candidates,
            )
            book.sheets.append(sheet)
    if not any(s.kind != "unknown" for s in book.sheets):
        raise SpreadsheetError(
            _(
                "Tidak ada lembar yang dikenali dalam berkas ini. Setiap lembar perlu baris judul "
                "kolom, misalnya “No. Anggota” dan “Nama”. Unduh templat untuk contohnya."
            ),
            code="nothing_recognised",
        )
    return book
