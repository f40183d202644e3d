"""The Dinas's reports: the annual data per koperasi with the Ministry's fields (XLSX, CSV) and
the district summary for the head of the kabupaten (PDF, charts as SVG)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dashboard import charts, selectors
from dashboard.models import SUPERVISORY, KoperasiFigures, Officer, RatRecord, ReportedFigures
from registry.models import Koperasi


@dataclass
class AnnualRow:
    nik_koperasi: str
    name: str
    kind: str
    kecamatan: str
    desa: str
    status: str
    members: int | None
    managers: int | None
    staff: int | None
    modal_sendiri: Decimal | None
    modal_luar: Decimal | None
    volume: Decimal | None
    shu: Decimal | None
    rat_held_on: dt.date | None
    source: str


HEADERS = [
    "NIK koperasi",
    "Nama koperasi",
    "Jenis",
    "Kecamatan",
    "Desa/kelurahan",
    "Status",
    "Jumlah anggota",
    "Jumlah pengurus",
    "Jumlah karyawan",
    "Modal sendiri",
    "Modal luar",
    "Volume usaha",
    "SHU",
    "Tanggal RAT",
    "Sumber angka",
]


def annual_rows(year: int) -> list[AnnualRow]:
    """One row per registered koperasi (not bubar) for book ``year``: reported figures where the
    Dinas entered them, else the books' figures for a digital koperasi; blank when unknown."""
    koperasi = list(
        Koperasi.objects.exclude(status=Koperasi.Status.BUBAR)
        .select_related("kecamatan", "desa")
        .order_by("kecamatan__name", "name")
    )
    reported = {r.koperasi_id: r for r in ReportedFigures.objects.filter(book_year=year)}
    figures = {f.koperasi_id: f for f in KoperasiFigures.objects.all()}
    rats = dict(RatRecord.objects.filter(book_year=year).values_list("koperasi_id", "held_on"))
    year_end = dt.date(year, 12, 31)
    managers: dict[int, int] = {}
    for kid, position in Officer.objects.filter(
        term_start__lte=year_end, term_end__gte=year_end
    ).values_list("koperasi_id", "position"):
        if position not in SUPERVISORY:
            managers[kid] = managers.get(kid, 0) + 1
    out = []
    for k in koperasi:
        r = reported.get(k.pk)
        f = figures.get(k.pk)
        if r is not None:
            values: tuple[Any, ...] = (
                r.members,
                r.managers,
                r.staff,
                r.modal_sendiri,
                r.modal_luar,
                r.volume,
                r.shu,
            )
            source = _("dilaporkan")
        elif f is not None and f.source == KoperasiFigures.Source.BUKU:
            values = (
                f.members,
                managers.get(k.pk),
                None,
                f.modal_sendiri,
                f.modal_luar,
                f.loans_disbursed_year,
                f.shu,
            )
            source = _("dihitung dari buku (%(d)s)") % {"d": f.as_of.strftime("%d/%m/%Y")}
        else:
            values = (None,) * 7
            source = _("belum ada")
        cells = (
            k.nik_koperasi,
            k.name,
            str(k.get_kind_display()),
            k.kecamatan.name,
            k.desa.name if k.desa else "",
            str(k.get_status_display()),
            *values,
            rats.get(k.pk),
            source,
        )
        out.append(AnnualRow(*cells))
    return out


def _cells(row: AnnualRow) -> list[Any]:
    return [
        row.nik_koperasi,
        row.name,
        row.kind,
        row.kecamatan,
        row.desa,
        row.status,
        row.members,
        row.managers,
        row.staff,
        row.modal_sendiri,
        row.modal_luar,
        row.volume,
        row.shu,
        row.rat_held_on,
        row.source,
    ]


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and text[:1] in "=+-@":
        return "'" + text
    return text


def as_csv(rows: list[AnnualRow], year: int) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_plain(c) for c in _cells(row)])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-koperasi-{year}.csv"'
    return response


def as_xlsx(rows: list[AnnualRow], year: int) -> HttpResponse:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(f"Data {year}")
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, HEADERS, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(_cells(row)):
            if value is None:
                continue
            if isinstance(value, Decimal):
                sheet.write_number(r, c, float(value), money)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date)
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 14, 16)
    sheet.freeze_panes(1, 2)
    book.close()
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="data-koperasi-{year}.xlsx"'
    return response


def district_pdf(request: HttpRequest, per: dt.date) -> HttpResponse:
    from weasyprint import HTML  # heavy; only when a PDF is asked for

    d = selectors.district(Koperasi.objects.all(), per)
    stages = list(Koperasi.Stage)
    html = render_to_string(
        "dashboard/summary_pdf.html",
        {
            "d": d,
            "per": per,
            "funnel_svg": mark_safe(
                charts.hbars([(label, n) for _s, label, n in d.funnel], title=_("Corong"))
            ),
            "target_svg": mark_safe(
                charts.target_bars(
                    [(y.year, y.target, y.reached) for y in d.years[-8:]],
                    title=_("Target dan capaian"),
                    legend=(_("target"), _("tercapai")),
                )
            ),
            "kecamatan_svg": mark_safe(
                charts.stacked_rows(
                    [(name, [c.get(s.value, 0) for s in stages]) for _c, name, c in d.by_kecamatan],
                    title=_("Tahap digital per kecamatan"),
                    series=[str(s.label) for s in stages],
                )
            ),
        },
        request=request,
    )
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="ringkasan-kabupaten-{per.isoformat()}.pdf"'
    )
    return response
