"""The ledger's lists as CSV and XLSX (the writers and the :class:`Table` are
:mod:`core.exports`), and its printable documents (statements, the neraca saldo) as PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.books import books_text
from core.dates import tanggal
from core.exports import XLSX_TYPE, Column, Kind, Row, Table, to_csv
from core.exports import to_xlsx as _to_xlsx
from core.money import format_rupiah
from ledger import reports
from ledger.models import Account, JournalEntry, Posting
from ledger.selectors import GeneralLedger
from registry.models import Koperasi

__all__ = ["XLSX_TYPE", "Column", "Kind", "Row", "Table", "to_csv", "to_xlsx", "response"]


def to_xlsx(table: Table, *, koperasi: Koperasi) -> bytes:
    return _to_xlsx(table, heading=koperasi.name)


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
