"""Loan portfolio pages under ``/k/<kode>/pinjaman/``: the loan list, the arrears list for
collection visits, the kolektibilitas and PPAP report (with the NPL ratio), and the manual
kolektibilitas override. Each list downloads as CSV or XLSX (``?format=csv|xlsx``, the same
filters, every page). Any staff role and the koperasi's konsultan read; only the pengurus sets
an override."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.dates import business_date, tanggal
from core.money import format_rupiah
from ledger import exports
from loans import reports
from loans.models import GradeOverride, Kolektibilitas, LoanStatus
from loans.services import closing
from registry.access import koperasi_view
from registry.models import Role

PAGE_SIZE = 50
FORMATS = ("csv", "xlsx")


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    roles = set(getattr(request, "roles", set()))
    return {
        "k": _k(request),
        "can_manage": Role.PENGURUS in roles,
        "can_write": bool(roles & {Role.PENGURUS, Role.KASIR}),
        "business_date": business_date(_k(request)),
        "nav_loans": True,
        **extra,
    }


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _desa(request: HttpRequest) -> str:
    """A desa's code (regions are keyed by their Kemendagri code, e.g. 53.15.05.1025)."""
    value = (request.GET.get("desa") or "").strip()
    return value if len(value) <= 20 and all(c.isdigit() or c == "." for c in value) else ""


def _choice(value: str | None, choices: list[str]) -> str:
    return value if value in choices else ""


def _download(request: HttpRequest, table: exports.Table) -> HttpResponse:
    koperasi = _k(request)
    stamp = f"{business_date(koperasi):%Y%m%d}"
    return exports.response(table, request.GET["format"], koperasi=koperasi, stamp=stamp)


# --- the loan list -----------------------------------------------------------------------------


@koperasi_view()
def loan_list(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    status = _choice(request.GET.get("status"), LoanStatus.values)
    grade = _choice(request.GET.get("kolektibilitas"), Kolektibilitas.values)
    officer = _int(request.GET.get("petugas"))
    desa = _desa(request)
    loans = reports.loan_list(
        koperasi=koperasi, status=status, grade=grade, officer_id=officer, desa_id=desa
    )
    if request.GET.get("format") in FORMATS:
        return _download(request, _loan_table(koperasi, loans))
    page: Page[Any] = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "loans/loan_list.html",
        _ctx(
            request,
            page=page,
            totals=reports.totals(loans),
            statuses=LoanStatus.choices,
            grades=Kolektibilitas.choices,
            officers=reports.officers(koperasi=koperasi),
            desas=reports.desas(koperasi=koperasi),
            chosen={"status": status, "grade": grade, "officer": officer, "desa": desa},
            query=_query(request),
        ),
    )


def _loan_table(koperasi: Any, loans: Any) -> exports.Table:
    t = reports.totals(loans)
    table = exports.Table(
        name=_("Daftar pinjaman"),
        title=_("Daftar pinjaman"),
        subtitle=_("Per %(tgl)s: %(n)s pinjaman, sisa pokok %(amt)s")
        % {
            "tgl": tanggal(business_date(koperasi)),
            "n": t.count,
            "amt": format_rupiah(t.outstanding),
        },
        columns=[
            exports.Column(_("Nomor pinjaman"), width=18),
            exports.Column(_("Nomor anggota"), width=12),
            exports.Column(_("Nama"), width=28),
            exports.Column(_("Desa"), width=18),
            exports.Column(_("Produk"), width=10),
            exports.Column(_("Status"), width=12),
            exports.Column(_("Kolektibilitas"), width=14),
            exports.Column(_("Pencairan"), "date", 12),
            exports.Column(_("Pokok"), "money", 16),
            exports.Column(_("Sisa pokok"), "money", 16),
            exports.Column(_("Hari tunggakan"), "int", 10),
        ],
    )
    for loan in loans.iterator(chunk_size=2000):
        table.add(
            loan.number,
            loan.member.number,
            loan.member.full_name,
            loan.member.desa.name if loan.member.desa else "",
            loan.product.code,
            loan.get_status_display(),
            Kolektibilitas(loan.grade_now).label,
            loan.disbursed_on,
            loan.principal,
            loan.outstanding_principal,
            loan.days_past_due,
        )
    return table


# --- arrears -----------------------------------------------------------------------------------


@koperasi_view()
def arrears(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    today = business_date(koperasi)
    desa = _desa(request)
    loans = reports.arrears_list(koperasi=koperasi, desa_id=desa)
    if request.GET.get("format") in FORMATS:
        return _download(request, _arrears_table(koperasi, loans))
    page: Page[Any] = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    due = reports.amounts_due(loan_ids=[loan.pk for loan in page.object_list], on=today)
    for loan in page.object_list:
        loan.due = due.get(loan.pk, reports.Due(0, 0))  # type: ignore[arg-type]
    return render(
        request,
        "loans/arrears.html",
        _ctx(
            request,
            page=page,
            totals=reports.arrears_totals(loans=loans, on=today),
            desas=reports.desas(koperasi=koperasi),
            chosen_desa=desa,
            query=_query(request),
        ),
    )


def _arrears_table(koperasi: Any, loans: Any) -> exports.Table:
    today = business_date(koperasi)
    t = reports.arrears_totals(loans=loans, on=today)
    table = exports.Table(
        name=_("Tunggakan pinjaman"),
        title=_("Daftar penagihan tunggakan pinjaman"),
        subtitle=_("Per %(tgl)s: %(n)s pinjaman, ditagih %(amt)s")
        % {"tgl": tanggal(today), "n": t.loans, "amt": format_rupiah(t.due.total)},
        columns=[
            exports.Column(_("Desa"), width=18),
            exports.Column(_("Nomor pinjaman"), width=18),
            exports.Column(_("Nama"), width=28),
            exports.Column(_("Nomor HP"), width=16),
            exports.Column(_("Hari tunggakan"), "int", 10),
            exports.Column(_("Kolektibilitas"), width=14),
            exports.Column(_("Angsuran tertunggak"), "money", 16),
            exports.Column(_("Denda"), "money", 14),
            exports.Column(_("Jumlah ditagih"), "money", 16),
        ],
    )
    rows = list(loans)
    due = {}
    for start in range(0, len(rows), 2000):
        part = rows[start : start + 2000]
        due.update(reports.amounts_due(loan_ids=[r.pk for r in part], on=today))
    for loan in rows:
        d = due.get(loan.pk, reports.Due(0, 0))  # type: ignore[arg-type]
        table.add(
            loan.member.desa.name if loan.member.desa else "",
            loan.number,
            loan.member.full_name,
            loan.member.phone_display,
            loan.days_past_due,
            Kolektibilitas(loan.grade_now).label,
            d.instalments,
            d.denda,
            d.total,
        )
    return table


# --- kolektibilitas and PPAP -------------------------------------------------------------------


@koperasi_view()
def grades(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    report = reports.grade_report(koperasi=koperasi)
    if request.GET.get("format") in FORMATS:
        return _download(request, _grade_table(koperasi, report))
    return render(request, "loans/grades.html", _ctx(request, report=report))


def _grade_table(koperasi: Any, report: reports.GradeReport) -> exports.Table:
    table = exports.Table(
        name=_("Kolektibilitas"),
        title=_("Kolektibilitas dan PPAP"),
        subtitle=_("Per %(tgl)s; rasio pinjaman bermasalah (NPL) %(npl)s%%: %(band)s")
        % {
            "tgl": tanggal(business_date(koperasi)),
            "npl": str(report.npl.percent).replace(".", ","),
            "band": report.npl.band_label,
        },
        columns=[
            exports.Column(_("Kolektibilitas"), width=16),
            exports.Column(_("Jumlah pinjaman"), "int", 10),
            exports.Column(_("Sisa pokok"), "money", 18),
            exports.Column(_("Tarif PPAP (%)"), width=10),
            exports.Column(_("PPAP wajib"), "money", 18),
            exports.Column(_("PPAP dibentuk"), "money", 18),
        ],
    )
    for r in [*report.rows, report.total]:
        table.add(
            r.label,
            r.count,
            r.outstanding,
            str(r.rate_percent).replace(".", ",") if r.grade else "",
            r.required,
            r.booked,
            style="data" if r.grade else "total",
        )
    return table


# --- the manual override -----------------------------------------------------------------------


def _label(grade: Any) -> str:
    return str(Kolektibilitas(grade).label) if grade in Kolektibilitas.values else "—"


def _grade_events(loan: Any) -> list[Any]:
    events = list(loan.events.filter(kind__startswith="kolektibilitas").order_by("-pk")[:20])
    for e in events:
        e.change = f"{_label(e.data.get('from'))} → {_label(e.data.get('to'))}"
    return events


@koperasi_view(Role.PENGURUS)
def grade_override(request: HttpRequest, loan_id: int) -> HttpResponse:
    koperasi = _k(request)
    loan = reports.loan_get(koperasi=koperasi, loan_id=loan_id)
    error = ""
    if request.method == "POST":
        grade = request.POST.get("grade", "")
        reason = request.POST.get("reason", "")
        try:
            if grade == "hapus":
                closing.loan_grade_override_clear(loan=loan, reason=reason, actor=request.user)
                messages.success(request, _("Kolektibilitas manual dihapus."))
            else:
                closing.loan_grade_override(
                    loan=loan, grade=grade, reason=reason, actor=request.user
                )
                messages.success(request, _("Kolektibilitas manual disimpan."))
            return redirect("loans:grade_override", kode=koperasi.code, loan_id=loan.pk)
        except ValidationError as exc:
            error = exc.messages[0]
    return render(
        request,
        "loans/grade_override.html",
        _ctx(
            request,
            loan=loan,
            error=error,
            choices=[c for c in GradeOverride.choices if c[0]],
            form_values=request.POST if request.method == "POST" else {},
            events=_grade_events(loan),
        ),
    )
