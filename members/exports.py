"""The member list as CSV and XLSX, with the NIK masked (an export leaves the office)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from core.dates import tanggal
from core.validators import mask_nik
from members.models import Member

# A cell starting with one of these is a formula to Excel; an export must not run one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    return [
        _("Nomor anggota"),
        _("Nama lengkap"),
        _("NIK"),
        _("Jenis kelamin"),
        _("Tanggal lahir"),
        _("Nomor HP"),
        _("Alamat"),
        _("Desa/kelurahan"),
        _("Pekerjaan"),
        _("Ahli waris"),
        _("Hubungan ahli waris"),
        _("Tanggal masuk"),
        _("Status"),
        _("Tanggal keluar/meninggal"),
        _("Keterangan"),
    ]


def export_rows(members: Iterable[Member]) -> list[list[Any]]:
    """One row per member; dates stay dates, the NIK is masked."""
    return [
        [
            m.number,
            m.full_name,
            mask_nik(m.nik),
            m.get_gender_display(),
            m.birth_date,
            m.phone,
            m.address,
            m.desa.name if m.desa else "",
            m.occupation,
            m.heir_name,
            m.heir_relation,
            m.join_date,
            m.get_status_display(),
            m.left_on,
            m.left_reason,
        ]
        for m in members
    ]


def _safe(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows the names' accents right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers())
    for row in rows:
        writer.writerow([tanggal(v) if isinstance(v, dt.date) else _safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list[Any]], *, title: str) -> bytes:
    """Text cells stay text (a NIK or a 08… number is not a number), dates are real dates."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(_("Anggota"))
    bold = book.add_format({"bold": True, "bg_color": "#E1F3E8", "border": 1})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    text = book.add_format({"num_format": "@"})
    head = headers()
    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 13}))
    for col, name in enumerate(head):
        sheet.write_string(1, col, name, bold)
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date)
            elif value in (None, ""):
                sheet.write_blank(r, col, None, text)
            else:
                sheet.write_string(r, col, str(value), text)
    widths = [14, 28, 18, 12, 12, 16, 30, 18, 16, 22, 14, 12, 10, 14, 30]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(2, 2)
    sheet.autofilter(1, 0, max(1, len(rows) + 1), len(head) - 1)
    book.close()
    return out.getvalue()
