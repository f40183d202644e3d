"""Reads for the loan portfolio's pages: the loan list, the arrears (collection) list, the
kolektibilitas and PPAP report and the bad-loan ratio (NPL). Selectors: nothing is written.

Grades here are the grades that count (``Loan.grade``: the manual override when there is one).
Required PPAP is worked out per loan by :func:`loans.arrears.ppap_required` (as the month end
books it), so the report's "required" equals what the next month end will book.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext_lazy as _

from core.fields import MoneyField
from core.money import ZERO
from loans import arrears
from loans.models import Instalment, Kolektibilitas, Loan, LoanSettings, LoanStatus
from registry.models import Koperasi

EFFECTIVE_GRADE = Case(
    When(~Q(grade_override=""), then=F("grade_override")),
    default=F("kolektibilitas"),
)


def settings_of(koperasi: Koperasi) -> LoanSettings:
    """The koperasi's loan settings (DOMAIN.md's defaults when it has none yet; nothing saved)."""
    return LoanSettings.objects.filter(koperasi=koperasi).first() or LoanSettings(koperasi=koperasi)


def loan_list(
    *,
    koperasi: Koperasi,
    status: str = "",
    grade: str = "",
    officer_id: int | None = None,
    desa_id: str = "",
) -> QuerySet[Loan]:
    """The koperasi's loans, newest first, by the filters given (a grade filters on the grade
    that counts)."""
    loans = (
        Loan.objects.filter(koperasi=koperasi)
        .annotate(grade_now=EFFECTIVE_GRADE)
        .select_related("member", "member__desa", "product", "officer")
        .order_by("-applied_on", "-pk")
    )
    if status:
        loans = loans.filter(status=status)
    if grade:
        loans = loans.filter(grade_now=grade)
    if officer_id:
        loans = loans.filter(officer_id=officer_id)
    if desa_id:
        loans = loans.filter(member__desa_id=desa_id)
    return loans


@dataclass(frozen=True)
class Totals:
    count: int
    principal: Decimal
    outstanding: Decimal


def totals(loans: QuerySet[Loan]) -> Totals:
    """Totals over the whole list (every page)."""
    found = loans.order_by().aggregate(
        n=Count("pk"),
        p=Sum("principal"),
        o=Sum("outstanding_principal"),
    )
    return Totals(found["n"], found["p"] or ZERO, found["o"] or ZERO)


def officers(*, koperasi: Koperasi) -> list[tuple[int, str]]:
    """The loan officers named on the koperasi's loans, for the list's filter."""
    rows = (
        Loan.objects.filter(koperasi=koperasi, officer__isnull=False)
        .values_list("officer_id", "officer__username", "officer__first_name")
        .distinct()
        .order_by("officer__username")
    )
    return [(pk, first or username) for pk, username, first in rows]


def desas(*, koperasi: Koperasi) -> list[tuple[str, str]]:
    """The desa of the koperasi's borrowers, for the filters."""
    rows = (
        Loan.objects.filter(koperasi=koperasi, member__desa__isnull=False)
        .values_list("member__desa_id", "member__desa__name")
        .distinct()
        .order_by("member__desa__name")
    )
    return list(rows)


# --- arrears -----------------------------------------------------------------------------------


def arrears_list(*, koperasi: Koperasi, desa_id: str = "") -> QuerySet[Loan]:
    """Active loans with an overdue instalment, by desa, the longest overdue first."""
    loans = (
        Loan.objects.filter(koperasi=koperasi, status=LoanStatus.AKTIF, days_past_due__gt=0)
        .annotate(grade_now=EFFECTIVE_GRADE)
        .select_related("member", "member__desa")
        .order_by(F("member__desa__name").asc(nulls_last=True), "-days_past_due", "pk")
    )
    if desa_id:
        loans = loans.filter(member__desa_id=desa_id)
    return loans


_UNPAID_DUE = F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid")
_DENDA_OWED = F("denda_due") - F("denda_waived") - F("denda_paid")


def _due_rows(on: dt.date) -> QuerySet[Instalment]:
    return Instalment.objects.filter(superseded=False).filter(
        Q(due_date__lte=on)
        & (Q(principal_paid__lt=F("principal_due")) | Q(interest_paid__lt=F("interest_due")))
        | Q(denda_due__gt=F("denda_waived") + F("denda_paid"))
    )


@dataclass(frozen=True)
class Due:
    instalments: Decimal  # principal and interest due on or before the day, unpaid
    denda: Decimal

    @property
    def total(self) -> Decimal:
        return self.instalments + self.denda


def amounts_due(*, loan_ids: list[int], on: dt.date) -> dict[int, Due]:
    """What a collector asks each loan for on ``on`` (instalments due and denda owed)."""
    rows = (
        _due_rows(on)
        .filter(loan_id__in=loan_ids)
        .values("loan_id")
        .annotate(
            i=Sum(
                Case(
                    When(due_date__lte=on, then=_UNPAID_DUE),
                    default=Value(0),
                    output_field=MoneyField(),
                )
            ),
            d=Sum(_DENDA_OWED, output_field=MoneyField()),
        )
        .order_by()
    )
    return {r["loan_id"]: Due(r["i"] or ZERO, r["d"] or ZERO) for r in rows}


@dataclass(frozen=True)
class ArrearsTotals:
    loans: int
    outstanding: Decimal
    due: Due


def arrears_totals(*, loans: QuerySet[Loan], on: dt.date) -> ArrearsTotals:
    """Totals over the whole arrears list."""
    base = totals(loans)
    found = (
        _due_rows(on)
        .filter(loan__in=loans.order_by().values("pk"))
        .aggregate(
            i=Sum(
                Case(
                    When(due_date__lte=on, then=_UNPAID_DUE),
                    default=Value(0),
                    output_field=MoneyField(),
                )
            ),
            d=Sum(_DENDA_OWED, output_field=MoneyField()),
        )
    )
    return ArrearsTotals(base.count, base.outstanding, Due(found["i"] or ZERO, found["d"] or ZERO))


# --- kolektibilitas, PPAP, NPL -----------------------------------------------------------------


@dataclass
class GradeRow:
    grade: str
    label: str
    rate_bp: int
    count: int = 0
    outstanding: Decimal = ZERO
    required: Decimal = ZERO
    booked: Decimal = ZERO

    @property
    def rate_percent(self) -> Decimal:
        return Decimal(self.rate_bp) / 100


@dataclass(frozen=True)
class Npl:
    bad: Decimal  # outstanding of Kurang Lancar, Diragukan and Macet loans
    total: Decimal
    ratio: Decimal
    band: arrears.NplBand

    @property
    def percent(self) -> Decimal:
        return (self.ratio * 100).quantize(Decimal("0.01"))

    @property
    def band_label(self) -> str:
        return str(NPL_BAND_LABELS[self.band])


NPL_BAND_LABELS = {
    arrears.NplBand.SEHAT: _("Sehat (≤ 5%)"),
    arrears.NplBand.CUKUP_SEHAT: _("Cukup sehat (5–10%)"),
    arrears.NplBand.KURANG_SEHAT: _("Kurang sehat (10–15%)"),
    arrears.NplBand.TIDAK_SEHAT: _("Tidak sehat (> 15%)"),
}


@dataclass
class GradeReport:
    rows: list[GradeRow]
    npl: Npl
    total: GradeRow = field(default_factory=lambda: GradeRow("", "", 0))


def grade_report(*, koperasi: Koperasi) -> GradeReport:
    """Per grade: active loans, outstanding, PPAP rate, required and booked allowance; the NPL."""
    rates = _rates(settings_of(koperasi))
    rows = {g.value: GradeRow(g.value, str(g.label), rates.bp(g.value)) for g in Kolektibilitas}
    loans = Loan.objects.filter(koperasi=koperasi, status=LoanStatus.AKTIF).values_list(
        "kolektibilitas", "grade_override", "outstanding_principal", "allowance"
    )
    for grade, override, outstanding, allowance in loans.iterator(chunk_size=5000):
        now = arrears.effective(grade, override)
        row = rows[now.value]
        row.count += 1
        row.outstanding += outstanding
        row.required += arrears.ppap_required(outstanding, now, rates)
        row.booked += allowance
    total = GradeRow("", str(_("Jumlah")), 0)
    for row in rows.values():
        total.count += row.count
        total.outstanding += row.outstanding
        total.required += row.required
        total.booked += row.booked
    bad = total.outstanding - rows[Kolektibilitas.LANCAR].outstanding
    ratio = arrears.npl_ratio(bad, total.outstanding)
    return GradeReport(
        list(rows.values()), Npl(bad, total.outstanding, ratio, arrears.npl_band(ratio)), total
    )


def npl(*, koperasi: Koperasi) -> Npl:
    """The bad-loan ratio (KL + D + M outstanding) / all outstanding, with its health band."""
    by_grade = dict(
        Loan.objects.filter(koperasi=koperasi, status=LoanStatus.AKTIF)
        .annotate(grade_now=EFFECTIVE_GRADE)
        .values("grade_now")
        .annotate(s=Sum("outstanding_principal"))
        .values_list("grade_now", "s")
        .order_by()
    )
    total = sum(by_grade.values(), ZERO)
    bad = total - by_grade.get(Kolektibilitas.LANCAR.value, ZERO)
    ratio = arrears.npl_ratio(bad, total)
    return Npl(bad, total, ratio, arrears.npl_band(ratio))


def _rates(settings: LoanSettings) -> arrears.PpapRates:
    return arrears.PpapRates(
        settings.ppap_lancar_bp,
        settings.ppap_kurang_lancar_bp,
        settings.ppap_diragukan_bp,
        settings.ppap_macet_bp,
    )


def loan_get(*, koperasi: Koperasi, loan_id: int) -> Loan:
    """One of the koperasi's loans; another koperasi's is not found (404)."""
    from django.http import Http404

    found = (
        Loan.objects.filter(koperasi=koperasi, pk=loan_id)
        .select_related("member", "product")
        .first()
    )
    if found is None:
        raise Http404
    return found
