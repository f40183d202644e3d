"""Lists as files: one :class:`Table` per list, two writers (CSV and XLSX) that any app uses.

CSV: comma-separated, UTF-8 with a byte-order mark, one header row, the same dialect as the
member export, so every Kopdig CSV reads the same way in a program. Amounts are plain numerals
with a dot and two places (``1500000.00``) and dates ISO (``2026-03-16``): nothing depends on the
reader's locale, which matters because Indonesian Excel reads ``1.500.000`` as 1,5 and ``;`` as
the list separator. A person who wants to open the list in Excel takes the XLSX, where amounts
are numbers with a Rupiah format and dates are dates, whatever the locale.

Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) get a leading
apostrophe; amounts are never text. The ledger's printable documents (PDF) build on these in
:mod:`ledger.exports`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import xlsxwriter

Kind = Literal["text", "date", "money", "int"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = "text"
    width: int = 14


@dataclass(frozen=True)
class Row:
    values: Sequence[Any]
    style: Literal["data", "group", "total", "heading"] = "data"
    indent: int = 0


@dataclass
class Table:
    """A list as both writers see it: a title block (XLSX only), columns and rows."""

    name: str  # sheet name and the start of the file name
    title: str
    subtitle: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    # For a document that is printed and signed (statements, the neraca saldo): a PDF too.
    heading: str = ""  # the koperasi's name; the writers fall back to it
    notes: list[str] = field(default_factory=list)
    place_date: str = ""
    signatures: list[Any] = field(default_factory=list)  # ledger.reports.Signature
    printable: bool = False

    def add(self, *values: Any, style: Any = "data", indent: int = 0) -> None:
        self.rows.append(Row(values, style, indent))


def _text(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(value: Any, kind: Kind) -> str:
    if value is None or value == "":
        return ""
    if kind == "money":
        return f"{Decimal(value):.2f}"
    if kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else _text(value)
    if kind == "int":
        return str(int(value))
    return _text(value)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [_csv_cell(v, c.kind) for v, c in zip(row.values, table.columns, strict=True)]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def has_sen(amounts: Iterable[Decimal | None]) -> bool:
    """Whether any amount has sen, so a file shows ``,00`` only where it carries information."""
    return any(a is not None and a != a.to_integral_value() for a in amounts)


def _money_format(table: Table) -> str:
    """Rupiah with Indonesian grouping in an Indonesian Excel (the separators are the reader's);
    sen shown only when some amount in the table has them."""
    amounts = (
        Decimal(v)
        for row in table.rows
        for v, c in zip(row.values, table.columns, strict=True)
        if c.kind == "money" and v not in (None, "")
    )
    places = ".00" if has_sen(amounts) else ""
    return f'"Rp"#,##0{places};-"Rp"#,##0{places};"Rp"0'


def to_xlsx(table: Table, *, heading: str = "") -> bytes:
    """The XLSX file; ``heading`` (the koperasi's name) when the table has none of its own."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(table.name[:31])
    money_fmt = _money_format(table)
    base = {"valign": "top"}
    formats = {
        (style, kind): book.add_format(
            {
                **base,
                **({"num_format": money_fmt} if kind == "money" else {}),
                **({"num_format": "dd/mm/yyyy"} if kind == "date" else {}),
                **({"num_format": "@"} if kind == "text" else {}),
                **({"bold": True} if style in ("group", "total", "heading") else {}),
                **({"top": 1} if style == "total" else {}),
                **({"bg_color": "#F1F5F3"} if style == "heading" else {}),
            }
        )
        for style in ("data", "group", "total", "heading")
        for kind in ("text", "date", "money", "int")
    }
    indents = {}
    header = book.add_format({"bold": True, "bg_color": "#E1F3E8", "border": 1, "text_wrap": True})
    sheet.write_string(
        0, 0, table.heading or heading, book.add_format({"bold": True, "font_size": 13})
    )
    sheet.write_string(1, 0, table.title, book.add_format({"bold": True}))
    sheet.write_string(2, 0, table.subtitle)
    head_row = 4
    for col, column in enumerate(table.columns):
        sheet.write_string(head_row, col, column.title, header)
        sheet.set_column(col, col, column.width)
    for r, row in enumerate(table.rows, start=head_row + 1):
        for col, (value, column) in enumerate(zip(row.values, table.columns, strict=True)):
            fmt = formats[(row.style, column.kind)]
            if row.indent and column.kind == "text" and col == 1:
                key = (row.style, row.indent)
                if key not in indents:
                    indents[key] = book.add_format(
                        {
                            **base,
                            "indent": row.indent,
                            "num_format": "@",
                            **({"bold": True} if row.style != "data" else {}),
                        }
                    )
                fmt = indents[key]
            if value is None or value == "":
                sheet.write_blank(r, col, None, fmt)
            elif column.kind == "money":
                # XLSX keeps numbers as binary doubles: exact for every amount below 10^13
                # rupiah with sen, the edge where the Decimal leaves Kopdig.
                sheet.write_number(r, col, float(Decimal(value)), fmt)  # ok: display edge
            elif column.kind == "int":
                sheet.write_number(r, col, int(value), fmt)
            elif column.kind == "date" and isinstance(value, dt.date):
                sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), fmt)
            else:
                sheet.write_string(r, col, str(value), fmt)
    sheet.freeze_panes(head_row + 1, 0)
    if table.rows and not table.printable:
        sheet.autofilter(head_row, 0, head_row + len(table.rows), len(table.columns) - 1)
    below = head_row + len(table.rows) + 2
    for note in table.notes:
        sheet.write_string(below, 1, note)
        below += 1
    if table.signatures:
        below += 1
        if table.place_date:
            sheet.write_string(below, 1, table.place_date)
            below += 1
        for s in table.signatures:
            sheet.write_string(below, 1, f"{s.title} ({s.body})")
            sheet.write_string(below + 3, 1, s.name or "(" + "." * 40 + ")")
            below += 5
    book.close()
    return out.getvalue()
