"""The ledger's lists as CSV and XLSX: one :class:`Table` per page, two writers.

CSV: comma-separated, UTF-8 with a byte-order mark, one header row, the same dialect as the
member export, so every Kopdig CSV reads the same way in a program. Amounts are plain numerals
with a dot and two places (``1500000.00``) and dates ISO (``2026-03-16``): nothing depends on the
reader's locale, which matters because Indonesian Excel reads ``1.500.000`` as 1,5 and ``;`` as
the list separator. A person who wants to open the list in Excel takes the XLSX, where amounts
are numbers with a Rupiah format and dates are dates, whatever the locale.

Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) get a leading
apostrophe; amounts are never text.
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
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.books import books_text
from core.dates import tanggal
from core.money import format_rupiah
from ledger import reports
from ledger.models import Account, JournalEntry, Posting
from ledger.selectors import GeneralLedger
from registry.models import Koperasi

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
    signatures: list[reports.Signature] = field(default_factory=list)
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


def _money_format(table: Table) -> str:
    """Rupiah with Indonesian grouping in an Indonesian Excel (the separators are the reader's);
    sen shown only when some amount in the table has them."""
    amounts = (
        Decimal(v)
        for row in table.rows
        for v, c in zip(row.values, table.columns, strict=True)
        if c.kind == "money" and v not in (None, "")
    )
    places = ".00" if reports.has_sen(amounts) else ""
    return f'"Rp"#,##0{places};-"Rp"#,##0{places};"Rp"0'


def to_xlsx(table: Table, *, koperasi: Koperasi) -> bytes:
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
        0, 0, table.heading or koperasi.name, book.add_format({"bold": True, "font_size": 13})
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


def response(table: Table, fmt: str, *, koperasi: Koperasi, stamp: str) -> HttpResponse:
    """The file download for ``?format=csv``, ``?format=xlsx`` or (a printable table)
    ``?format=pdf``."""
    filename = f"{table.name.lower().replace(' ', '-')}-{koperasi.code}-{stamp}"
    if fmt == "pdf":
        resp = HttpResponse(to_pdf(table, koperasi=koperasi), content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
        return resp
    if fmt == "xlsx":
        resp = HttpResponse(to_xlsx(table, koperasi=koperasi), content_type=XLSX_TYPE)
        filename += ".xlsx"
    else:
        resp = HttpResponse(to_csv(table), content_type="text/csv; charset=utf-8")
        filename += ".csv"
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


# --- the tables -----------------------------------------------------------------------------


def chart_table(rows: Iterable[reports.ChartRow]) -> Table:
    table = Table(
        name=_("Bagan akun"),
        title=_("Bagan Akun"),
        subtitle=_("Saldo: semua jurnal yang sudah diposting"),
        columns=[
            Column(_("Kode"), width=10),
            Column(_("Nama akun"), width=36),
            Column(_("Golongan"), width=12),
            Column(_("Saldo normal"), width=10),
            Column(_("Jenis"), width=10),
            Column(_("Status"), width=10),
            Column(_("Peran"), width=30),
            Column(_("Saldo"), "money", 18),
        ],
    )
    for r in rows:
        a = r.account
        table.add(
            a.code,
            a.name,
            a.get_klass_display(),
            a.get_normal_side_display(),
            _("Kelompok") if a.is_group else _("Akun"),
            _("Aktif") if a.is_active else _("Nonaktif"),
            ", ".join(r.role_labels),
            r.natural_balance,
            style="group" if a.is_group else "data",
            indent=r.depth,
        )
    return table


def journal_table(postings: Iterable[Posting], *, subtitle: str) -> Table:
    """One row per posting line, so the file holds the whole journal, not only its headers."""
    table = Table(
        name=_("Jurnal"),
        title=_("Jurnal Umum"),
        subtitle=subtitle,
        columns=[
            Column(_("Nomor"), width=16),
            Column(_("Tanggal buku"), "date", 12),
            Column(_("Jenis"), width=18),
            Column(_("Keterangan"), width=32),
            Column(_("Kode akun"), width=10),
            Column(_("Nama akun"), width=28),
            Column(_("Debit"), "money", 16),
            Column(_("Kredit"), "money", 16),
            Column(_("Keterangan baris"), width=24),
            Column(_("Hash"), width=14),
        ],
    )
    for p in postings:
        e: JournalEntry = p.entry
        table.add(
            e.number,
            e.value_date,
            reports.kind_label(e.kind),
            e.memo,
            p.account.code,
            p.account.name,
            p.debit,
            p.credit,
            p.memo,
            e.short_hash,
        )
    return table


def general_ledger_table(gl: GeneralLedger, *, sign: int = 1) -> Table:
    """``sign`` −1 shows a credit account's balances as positive credit (its normal side)."""
    a: Account = gl.account
    table = Table(
        name=_("Buku besar"),
        title=_("Buku Besar %(akun)s") % {"akun": f"{a.code} {a.name}"},
        subtitle=reports.describe_date_range(gl.date_from, gl.date_to),
        columns=[
            Column(_("Tanggal"), "date", 12),
            Column(_("Nomor"), width=16),
            Column(_("Keterangan"), width=36),
            Column(_("Debit"), "money", 16),
            Column(_("Kredit"), "money", 16),
            Column(
                _("Saldo (%(sisi)s)") % {"sisi": a.get_normal_side_display().lower()}, "money", 18
            ),
        ],
    )
    table.add(
        gl.date_from,
        "",
        _("Saldo awal"),
        None,
        None,
        reports.signed(gl.opening, sign),
        style="group",
    )
    for r in gl.rows:
        table.add(
            r.entry.value_date,
            r.entry.number,
            r.posting.memo or r.entry.memo,
            r.debit or None,
            r.credit or None,
            reports.signed(r.running, sign),
        )
    table.add(
        gl.date_to,
        "",
        _("Saldo akhir"),
        gl.total_debit,
        gl.total_credit,
        reports.signed(gl.closing, sign),
        style="total",
    )
    return table


def trial_balance_table(tb: reports.TrialBalance) -> Table:
    """The neraca saldo, a document the pengurus sign: always in Indonesian, printable."""
    with translation.override("id"):
        table = Table(
            name=books_text("Neraca saldo"),
            title=books_text("Neraca Saldo"),
            subtitle=books_text("Per %(tgl)s", tgl=tanggal(tb.as_of)),
            columns=[
                Column(books_text("Kode"), width=10),
                Column(books_text("Nama akun"), width=36),
                Column(books_text("Debit"), "money", 18),
                Column(books_text("Kredit"), "money", 18),
            ],
            printable=True,
        )
        for r in tb.rows:
            table.add(
                r.account.code,
                r.account.name,
                r.debit or None,
                r.credit or None,
                style="group" if r.is_group else "data",
                indent=r.depth,
            )
        table.add("", books_text("Jumlah"), tb.total_debit, tb.total_credit, style="total")
    return table


def statement_table(fs: reports.FinancialStatement) -> Table:
    """A financial statement as printed: this period's column and, when there is an earlier
    year, the comparative one beside it. Its text is already Indonesian (see
    :class:`ledger.reports.FinancialStatement`)."""
    columns = [
        Column(books_text("Kode"), width=10),
        Column(books_text("Uraian"), width=44),
        Column(fs.current_label, "money", 20),
    ]
    if fs.has_previous:
        columns.append(Column(fs.previous_label, "money", 20))
    table = Table(
        name=fs.title[:31],
        title=fs.title,
        subtitle=fs.period,
        columns=columns,
        heading=fs.koperasi_name,
        notes=list(fs.notes),
        place_date=fs.place_date,
        signatures=list(fs.signatures),
        printable=True,
    )
    if fs.comparison:
        table.notes.insert(0, fs.comparison)
    styles = {"heading": "heading", "data": "data", "group": "group", "extra": "data"}
    for r in fs.rows:
        values: list[Any] = [r.code, r.label, r.amount]
        if fs.has_previous:
            values.append(r.previous)
        table.add(*values, style=styles.get(r.style, "total"), indent=r.depth)
    return table


# --- PDF ------------------------------------------------------------------------------------


def to_pdf(table: Table, *, koperasi: Koperasi) -> bytes:
    """An A4 document of a printable table (a statement, the neraca saldo): the koperasi's
    name, the title and period, the table, notes and the signature block, always Indonesian."""
    return bytes(pdf_document(table, koperasi=koperasi).write_pdf())


def pdf_document(table: Table, *, koperasi: Koperasi) -> Any:
    """The laid-out pages (a ``weasyprint.Document``) that :func:`to_pdf` writes."""
    from weasyprint import HTML  # heavy; only when a PDF is asked for

    money = [
        Decimal(v)
        for row in table.rows
        for v, c in zip(row.values, table.columns, strict=True)
        if c.kind == "money" and v not in (None, "")
    ]
    sen = reports.has_sen(money)
    rows = [
        {
            "style": row.style,
            "label": next((str(v) for v in row.values if v not in (None, "")), ""),
            "indent": row.indent,
            "pad": 4 + 9 * row.indent,
            "cells": [
                {
                    "money": c.kind == "money",
                    "text": ""
                    if v is None or v == ""
                    else format_rupiah(Decimal(v), sen=sen)
                    if c.kind == "money"
                    else tanggal(v)
                    if c.kind == "date" and isinstance(v, dt.date)
                    else str(v),
                }
                for v, c in zip(row.values, table.columns, strict=True)
            ],
        }
        for row in table.rows
    ]
    people = table.signatures or reports.signatures(koperasi)
    with translation.override("id"):
        html = render_to_string(
            "ledger/statement_print.html",
            {
                "heading": table.heading or koperasi.name,
                "k": koperasi,
                "table": table,
                "rows": rows,
                "place_date": table.place_date or reports.place_date(koperasi),
                "bodies": _signature_bodies(people),
                "people": people,
            },
        )
    return HTML(string=html).render()


def _signature_bodies(
    signatures: Sequence[reports.Signature],
) -> list[tuple[str, list[reports.Signature]]]:
    """Signatures grouped by the body they sign for (pengurus, pengawas), in order."""
    bodies: list[tuple[str, list[reports.Signature]]] = []
    for s in signatures:
        if bodies and bodies[-1][0] == s.body:
            bodies[-1][1].append(s)
        else:
            bodies.append((s.body, [s]))
    return bodies
