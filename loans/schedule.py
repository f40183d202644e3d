"""Loan repayment schedules: flat, anuitas and menurun (DOMAIN.md, Loans). Pure: no Django.

The rounding rule is DOMAIN.md's, decided once for every method:

* each period's interest is rounded half-up to the whole rupiah;
* each principal part is a whole rupiah (flat and menurun: P / m rounded down; anuitas: the
  rounded instalment less that period's interest);
* the **last instalment absorbs the rounding**: its principal is whatever is still owed, so the
  principal parts always add up to exactly the principal lent.

A grace period of ``g`` periods pays interest only; the method then runs over the remaining
``n - g`` periods. Weekly schedules use ``r = annual rate / 52`` and fall due every 7 days;
monthly ones fall due on the same day of the following months, clamped to the month's end
(31 January → 28/29 February → 31 March: the day is always counted from the first date).
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.money import RUPIAH, ZERO, money, quantize

# Enough digits that no rate or power computed here loses a rupiah on any loan Kopdig can hold.
PRECISION = 50


class Method(StrEnum):
    FLAT = "flat"
    ANUITAS = "anuitas"
    MENURUN = "menurun"


class Frequency(StrEnum):
    MONTHLY = "bulanan"
    WEEKLY = "mingguan"


class RateBasis(StrEnum):
    PER_MONTH = "bulan"
    PER_YEAR = "tahun"


PERIODS_PER_YEAR = {Frequency.MONTHLY: 12, Frequency.WEEKLY: 52}


class ScheduleError(ValueError):
    """Inputs no schedule can be made from (a programming error: services validate first)."""


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    balance_after: Decimal  # principal still owed once this instalment is paid

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True)
class Schedule:
    method: Method
    frequency: Frequency
    principal: Decimal
    rate: Decimal  # per period, as a fraction (0.01 = 1%)
    instalments: tuple[Instalment, ...]

    def __iter__(self) -> Iterator[Instalment]:
        return iter(self.instalments)

    def __len__(self) -> int:
        return len(self.instalments)

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.instalments), ZERO)

    @property
    def total_principal(self) -> Decimal:
        return sum((i.principal for i in self.instalments), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return self.total_principal + self.total_interest

    @property
    def maturity(self) -> dt.date:
        return self.instalments[-1].due_date


def period_rate(rate_percent: Decimal, *, basis: RateBasis, frequency: Frequency) -> Decimal:
    """The rate per instalment period, as a fraction, from a product's rate in percent.

    Monthly: a yearly rate is divided by 12. Weekly: the yearly rate (12 × a monthly one) is
    divided by 52 (DOMAIN.md).
    """
    if isinstance(rate_percent, float):
        raise ScheduleError("rate must be a Decimal, not a float")
    rate = Decimal(rate_percent)
    if rate < 0:
        raise ScheduleError("negative rate")
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        annual = rate / 100 if basis == RateBasis.PER_YEAR else rate * 12 / 100
        return annual / PERIODS_PER_YEAR[Frequency(frequency)]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the end of the month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(start: dt.date, n: int, frequency: Frequency) -> list[dt.date]:
    """The ``n`` due dates of a loan disbursed on ``start``, one period apart."""
    if Frequency(frequency) == Frequency.WEEKLY:
        return [start + dt.timedelta(days=7 * k) for k in range(1, n + 1)]
    return [add_months(start, k) for k in range(1, n + 1)]


def _interest(balance: Decimal, rate: Decimal) -> Decimal:
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        exact = balance * rate
    return quantize(exact, rounding=ROUND_HALF_UP, unit=RUPIAH)


def annuity_payment(principal: Decimal, rate: Decimal, periods: int) -> Decimal:
    """A = P·r / (1 − (1+r)^−m), unrounded (to ``PRECISION`` digits); P / m when r is 0."""
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        if rate == 0:
            return principal / periods
        return principal * rate / (1 - (1 + rate) ** -periods)


def build(
    *,
    method: Method | str,
    principal: Decimal,
    rate: Decimal,
    periods: int,
    start: dt.date,
    frequency: Frequency | str = Frequency.MONTHLY,
    grace: int = 0,
) -> Schedule:
    """The schedule of a loan of ``principal`` at ``rate`` per period over ``periods`` periods.

    ``principal`` is a whole number of rupiah; ``rate`` a fraction per period (see
    :func:`period_rate`); ``grace`` the number of first periods that pay interest only.
    """
    method, frequency = Method(method), Frequency(frequency)
    principal = money(principal)
    if isinstance(rate, float):
        raise ScheduleError("rate must be a Decimal, not a float")
    if principal <= 0 or principal != principal.to_integral_value():
        raise ScheduleError("principal must be a positive whole number of rupiah")
    if rate < 0:
        raise ScheduleError("negative rate")
    if periods < 1:
        raise ScheduleError("at least one period")
    if not 0 <= grace < periods:
        raise ScheduleError("grace must leave at least one repaying period")
    dates = due_dates(start, periods, frequency)
    repaying = periods - grace
    # Flat and menurun repay the same principal each period; anuitas the same instalment.
    equal_part = quantize(principal / repaying, rounding=ROUND_DOWN, unit=RUPIAH)
    instalment = quantize(
        annuity_payment(principal, rate, repaying), rounding=ROUND_HALF_UP, unit=RUPIAH
    )
    flat_interest = _interest(principal, rate)
    balance = principal
    rows: list[Instalment] = []
    for k in range(1, periods + 1):
        interest = flat_interest if method == Method.FLAT else _interest(balance, rate)
        if k <= grace:
            part = ZERO
        elif k == periods:
            part = balance
        elif method == Method.ANUITAS:
            # Never more than is owed, should an instalment rounded up outrun a tiny loan.
            part = max(ZERO, min(balance, instalment - interest))
        else:
            part = min(balance, equal_part)
        balance -= part
        rows.append(Instalment(k, dates[k - 1], part, interest, balance))
    return Schedule(method, frequency, principal, rate, tuple(rows))
