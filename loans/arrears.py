"""Arrears arithmetic (DOMAIN.md, Loans): days past due, what is overdue, denda, kolektibilitas,
daily interest accrual and the PPAP a grade requires. Pure: no Django.

The close of business (:mod:`loans.services.closing`) reads the rows in bulk and calls these
functions per loan; the pages call the same ones, so a figure on a page is the figure booked.

Decisions, where DOMAIN.md leaves a choice:

* An instalment is **overdue** from the day after its due date: on its due date it is owed, not
  late. Days past due count from the oldest instalment with unpaid principal or interest (denda
  alone does not make a loan late).
* **Denda** runs from the first day after the grace days (with 3 days' grace, an instalment due
  on the 10th is charged for the 14th onward) on what is still unpaid of the instalment's
  principal + interest. Per day: the rate (or the fixed amount) every day. Per month: once on
  that first day and again on each monthly anniversary of it. Each charge is rounded half-up to
  the whole rupiah, and an instalment's denda charged in total (waived included) never exceeds
  its cap (``cap_bp`` of principal + interest due; ``None``: no cap). It goes on after maturity.
* **Kolektibilitas**: a loan paid by one repayment (tenor 1, bullet) is graded by calendar months
  after maturity (the day thresholds / 30: 90 days → 3 months); other loans by days past due
  against the thresholds of their frequency. 21 months in Diragukan make a loan Macet, and a
  Macet loan does not step back to Diragukan (it improves only once its days past due say
  Kurang Lancar or Lancar), so the 21-month rule does not flap back the next day. A
  restructured loan does not improve on its grade until three instalments in a row were paid
  on time (it may still get worse).
* **Accrual**: an instalment's interest is recognised day by day over its period (from the
  previous due date, or disbursement, to its due date): on day ``d`` the accrued total is
  ``interest × days elapsed / days in period`` rounded half-up to the rupiah, and the day's
  accrual is that total less the previous day's. By the due date all of it is accrued, to the
  rupiah, whatever the rounding on the days before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.money import RUPIAH, ZERO, quantize
from loans.schedule import add_months


class Grade(StrEnum):
    """Kolektibilitas, in order of risk (the values are ``loans.models.Kolektibilitas``)."""

    LANCAR = "lancar"
    KURANG_LANCAR = "kurang_lancar"
    DIRAGUKAN = "diragukan"
    MACET = "macet"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def performing(self) -> bool:
        """Only Lancar loans accrue interest; the others are non-accrual (DOMAIN.md)."""
        return self is Grade.LANCAR


_RANK = {Grade.LANCAR: 1, Grade.KURANG_LANCAR: 2, Grade.DIRAGUKAN: 3, Grade.MACET: 4}

MONTHS_IN_DIRAGUKAN_TO_MACET = 21
ON_TIME_TO_LEAVE_RESTRUCTURED = 3


def worse(a: Grade | str, b: Grade | str) -> Grade:
    a, b = Grade(a), Grade(b)
    return a if a.rank >= b.rank else b


@dataclass(frozen=True)
class Thresholds:
    """Days past due *above which* a loan is Kurang Lancar, Diragukan, Macet (a koperasi's
    ``LoanSettings``; the defaults are DOMAIN.md's)."""

    monthly_kl: int = 90
    monthly_d: int = 180
    monthly_m: int = 360
    weekly_kl: int = 30
    weekly_d: int = 60
    weekly_m: int = 90

    def days(self, frequency: str) -> tuple[int, int, int]:
        if frequency == "mingguan":
            return self.weekly_kl, self.weekly_d, self.weekly_m
        return self.monthly_kl, self.monthly_d, self.monthly_m


@dataclass(frozen=True)
class Row:
    """One instalment as arrears sees it (``loans.models.Instalment``'s figures)."""

    due_date: dt.date
    principal_due: Decimal
    interest_due: Decimal
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO
    denda_due: Decimal = ZERO
    denda_paid: Decimal = ZERO
    denda_waived: Decimal = ZERO
    paid_on: dt.date | None = None

    @property
    def amount(self) -> Decimal:
        return self.principal_due + self.interest_due

    @property
    def unpaid(self) -> Decimal:
        """Principal and interest still unpaid (denda apart)."""
        return self.principal_due - self.principal_paid + self.interest_due - self.interest_paid

    @property
    def denda_owed(self) -> Decimal:
        return self.denda_due - self.denda_waived - self.denda_paid

    def overdue_on(self, day: dt.date) -> bool:
        return self.due_date < day and self.unpaid > 0


def days_past_due(rows: Iterable[Row], day: dt.date) -> int:
    """Days from the oldest instalment with unpaid principal or interest due before ``day``."""
    oldest = min((r.due_date for r in rows if r.overdue_on(day)), default=None)
    return 0 if oldest is None else (day - oldest).days


def overdue_amount(rows: Iterable[Row], day: dt.date) -> Decimal:
    """Principal and interest of instalments due before ``day`` still unpaid."""
    return sum((r.unpaid for r in rows if r.overdue_on(day)), ZERO)


def due_amount(rows: Iterable[Row], day: dt.date) -> Decimal:
    """What a collector asks for on ``day``: unpaid principal and interest due on or before it,
    and every unpaid denda."""
    return sum(
        ((r.unpaid if r.due_date <= day else ZERO) + r.denda_owed for r in rows),
        ZERO,
    )


# --- denda -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DendaTerms:
    """A product's denda terms (``LoanProductTerms.denda_*``)."""

    per: str = "hari"  # "hari" or "bulan"
    kind: str = "persen"  # "persen" (of the unpaid instalment) or "tetap"
    bp: int = 0
    amount: Decimal = ZERO
    grace_days: int = 3
    cap_bp: int | None = 10_000

    @property
    def charges(self) -> bool:
        return (self.kind == "persen" and self.bp > 0) or (self.kind == "tetap" and self.amount > 0)


def denda_cap(row: Row, terms: DendaTerms) -> Decimal | None:
    if terms.cap_bp is None:
        return None
    return quantize(row.amount * terms.cap_bp / 10_000, rounding=ROUND_HALF_UP, unit=RUPIAH)


def is_denda_day(due_date: dt.date, day: dt.date, terms: DendaTerms) -> bool:
    """Whether ``day`` is a day an instalment due on ``due_date`` is charged (if still unpaid)."""
    first = due_date + dt.timedelta(days=terms.grace_days + 1)
    if day < first:
        return False
    if terms.per == "hari":
        return True
    months = (day.year - first.year) * 12 + day.month - first.month
    return months >= 0 and add_months(first, months) == day


def denda_for_day(row: Row, day: dt.date, terms: DendaTerms) -> Decimal:
    """The denda charged on ``day`` to one instalment (zero when none is due that day)."""
    if not terms.charges or row.unpaid <= 0 or not is_denda_day(row.due_date, day, terms):
        return ZERO
    if terms.kind == "persen":
        charge = quantize(row.unpaid * terms.bp / 10_000, rounding=ROUND_HALF_UP, unit=RUPIAH)
    else:
        charge = terms.amount
    cap = denda_cap(row, terms)
    if cap is not None:
        charge = min(charge, max(ZERO, cap - row.denda_due))
    return max(charge, ZERO)


# --- kolektibilitas ----------------------------------------------------------------------------


def grade_by_days(days: int, frequency: str, thresholds: Thresholds = Thresholds()) -> Grade:
    kl, d, m = thresholds.days(frequency)
    if days <= kl:
        return Grade.LANCAR
    if days <= d:
        return Grade.KURANG_LANCAR
    if days <= m:
        return Grade.DIRAGUKAN
    return Grade.MACET


def grade_bullet(
    maturity: dt.date, day: dt.date, unpaid: bool, thresholds: Thresholds = Thresholds()
) -> Grade:
    """A one-repayment loan: Lancar up to maturity + 3 months, then by months after maturity."""
    if not unpaid:
        return Grade.LANCAR
    kl, d, m = (n // 30 for n in thresholds.days("bulanan"))
    if day <= add_months(maturity, kl):
        return Grade.LANCAR
    if day <= add_months(maturity, d):
        return Grade.KURANG_LANCAR
    if day <= add_months(maturity, m):
        return Grade.DIRAGUKAN
    return Grade.MACET


@dataclass(frozen=True)
class LoanState:
    """What grading a loan needs besides its rows."""

    frequency: str
    tenor: int
    maturity: dt.date | None
    grade: Grade  # the computed grade it has now
    grade_since: dt.date | None
    override: str = ""  # "", "diragukan" or "macet"
    restructured: bool = False
    on_time_streak: int = 0


def computed_grade(
    days: int, state: LoanState, day: dt.date, thresholds: Thresholds = Thresholds()
) -> Grade:
    """The grade the rules give a loan ``days`` past due on ``day`` (the override apart)."""
    if state.tenor == 1 and state.maturity is not None:
        grade = grade_bullet(state.maturity, day, days > 0, thresholds)
    else:
        grade = grade_by_days(days, state.frequency, thresholds)
    if state.restructured and state.on_time_streak < ON_TIME_TO_LEAVE_RESTRUCTURED:
        grade = worse(grade, state.grade)
    if grade == Grade.DIRAGUKAN and (
        state.grade == Grade.MACET
        or (state.grade == Grade.DIRAGUKAN and long_in_diragukan(state.grade_since, day))
    ):
        grade = Grade.MACET
    return grade


def long_in_diragukan(since: dt.date | None, day: dt.date) -> bool:
    return since is not None and add_months(since, MONTHS_IN_DIRAGUKAN_TO_MACET) <= day


def effective(grade: Grade | str, override: str) -> Grade:
    """The grade that counts: the manual override when there is one."""
    return Grade(override) if override else Grade(grade)


# --- accrual -----------------------------------------------------------------------------------


def accrued_to(interest: Decimal, start: dt.date, end: dt.date, day: dt.date) -> Decimal:
    """Interest of a period ``start`` (exclusive) → ``end`` (its due date) recognised by ``day``."""
    if day <= start:
        return ZERO
    if day >= end:
        return interest
    elapsed = (day - start).days
    length = (end - start).days
    return quantize(interest * elapsed / length, rounding=ROUND_HALF_UP, unit=RUPIAH)


def accrual_for_day(interest: Decimal, start: dt.date, end: dt.date, day: dt.date) -> Decimal:
    """The part of a period's interest recognised on ``day`` itself."""
    return accrued_to(interest, start, end, day) - accrued_to(
        interest, start, end, day - dt.timedelta(days=1)
    )


# --- PPAP --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PpapRates:
    """Basis points of the gross outstanding principal per grade (``LoanSettings.ppap_*``)."""

    lancar: int = 50
    kurang_lancar: int = 1_000
    diragukan: int = 5_000
    macet: int = 10_000

    def bp(self, grade: Grade | str) -> int:
        return int(getattr(self, Grade(grade).value))


def ppap_required(
    outstanding: Decimal, grade: Grade | str, rates: PpapRates = PpapRates()
) -> Decimal:
    """One loan's required allowance, rounded half-up to the rupiah; the koperasi's required
    total is the sum of these, so the booked allowance equals the loans' to the sen."""
    if outstanding <= 0:
        return ZERO
    return quantize(outstanding * rates.bp(grade) / 10_000, rounding=ROUND_HALF_UP, unit=RUPIAH)


# --- NPL ---------------------------------------------------------------------------------------


class NplBand(StrEnum):
    SEHAT = "sehat"
    CUKUP_SEHAT = "cukup_sehat"
    KURANG_SEHAT = "kurang_sehat"
    TIDAK_SEHAT = "tidak_sehat"


def npl_ratio(bad: Decimal, total: Decimal) -> Decimal:
    """(Kurang Lancar + Diragukan + Macet) / all outstanding, as a fraction (0 with no loans)."""
    return ZERO if total <= 0 else Decimal(bad) / Decimal(total)


def npl_band(ratio: Decimal) -> NplBand:
    """DOMAIN.md (Health): ≤ 5% sehat, 5–10% cukup sehat, 10–15% kurang sehat, > 15% tidak sehat
    (a boundary belongs to the better band)."""
    if ratio <= Decimal("0.05"):
        return NplBand.SEHAT
    if ratio <= Decimal("0.10"):
        return NplBand.CUKUP_SEHAT
    if ratio <= Decimal("0.15"):
        return NplBand.KURANG_SEHAT
    return NplBand.TIDAK_SEHAT
