"""Savings interest and the final tax on it: pure arithmetic, no Django.

An account's history is given as **balance changes**: ``(day, balance)`` pairs meaning "at the end
of ``day`` the balance was ``balance``" (several movements on one day collapse into the last
balance of that day). Before the first change the balance is zero. The helpers below turn that
into the balance at the end of every day of a period, then apply one of three methods:

``daily`` (saldo harian)
    Each day earns on that day's closing balance: Σ balance_d × rate / 365. A day whose balance
    is below the product's interest threshold earns nothing *that day*.
``average`` (saldo rata-rata)
    The average of the daily closing balances earns for the number of days:
    average × rate × days / 365. The threshold applies to the average, so a month of mostly
    high balances earns on all of it even if a few days dipped below.
``lowest`` (saldo terendah)
    The lowest balance of the period (including the balance brought in from before it) earns for
    the whole period: lowest × rate × days / 365.

Without a threshold ``daily`` and ``average`` give the same amount; they differ in how the
threshold is judged, which is how koperasi products tell them apart in practice.

**Day count: actual/365.** Every calendar day earns 1/365 of the annual rate, also in a leap year
(so 29 February earns one extra day). This is the convention of Indonesian bank and koperasi
savings (bunga dihitung harian, setahun 365 hari); it is exact per day and needs no month table.

**A change of rate applies from its own day.** ``rate_percent`` is either one rate for the whole
period or a rate per day (a sequence as long as the period, see :func:`rates_by_day`): a month
with a rate change is priced day by day, each day at the rate in force that day. The method and
the threshold are judged over the whole period as before; only the rate is per day, so
``daily`` is Σ balance_d × rate_d / 365, ``average`` is (when the average reaches the threshold)
Σ balance_d × rate_d / 365 and ``lowest`` is lowest × Σ rate_d / 365. With one rate for every
day these are exactly the formulas above.

Rounding: the exact interest of the period is rounded once, half up, to the sen. Negative balances
(which savings never have) earn nothing.

**PPh final (Pasal 4 ayat 2)** on savings interest paid to a member (PP 15/2009, PMK 112/2010):
the gross interest of all that member's accounts in the month is added up; at most Rp240.000 is
taxed at 0%, above that **the whole gross** is taxed at 10%. :func:`pph_final` returns the tax;
:func:`pph_final_split` also shares it among the accounts that earned the interest (largest
remainder, so the shares add up to the tax exactly).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeVar

from core.money import SEN, ZERO, allocate

DAYS_IN_YEAR = Decimal(365)
HUNDRED = Decimal(100)

# PP 15/2009 Pasal 2: interest up to Rp240.000 a month is not taxed; above it, 10% of the gross.
PPH_THRESHOLD = Decimal("240000.00")
PPH_RATE_PERCENT = Decimal(10)

K = TypeVar("K", bound=Hashable)


class Method(StrEnum):
    DAILY = "harian"
    AVERAGE = "rata_rata"
    LOWEST = "terendah"


BalanceChange = tuple[dt.date, Decimal]


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("period ends before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last))


def _check_decimal(value: object, name: str) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be Decimal or int, not {type(value).__name__}")
    return Decimal(value)


def opening_balance(changes: Sequence[BalanceChange], before: dt.date) -> Decimal:
    """The balance at the end of the day before ``before`` (zero if nothing happened yet)."""
    balance = ZERO
    for day, value in changes:
        if day >= before:
            break
        balance = _check_decimal(value, "balance")
    return balance


def daily_balances(changes: Sequence[BalanceChange], period: Period) -> list[Decimal]:
    """The closing balance of every day of ``period``, oldest first.

    ``changes`` must be sorted by day; a later pair for the same day wins.
    """
    ordered = list(changes)
    if any(a[0] > b[0] for a, b in zip(ordered, ordered[1:], strict=False)):
        raise ValueError("balance changes must be sorted by day")
    balance = opening_balance(ordered, period.start)
    by_day: dict[dt.date, Decimal] = {}
    for day, value in ordered:
        if period.start <= day <= period.end:
            by_day[day] = _check_decimal(value, "balance")
    out: list[Decimal] = []
    day = period.start
    while day <= period.end:
        balance = by_day.get(day, balance)
        out.append(balance)
        day += dt.timedelta(days=1)
    return out


def _rate(rate_percent: Decimal) -> Decimal:
    rate = _check_decimal(rate_percent, "rate_percent")
    if rate < 0:
        raise ValueError("interest rate cannot be negative")
    return rate / HUNDRED


Rates = Decimal | Sequence[Decimal]


def rates_by_day(changes: Sequence[tuple[dt.date, Decimal]], period: Period) -> list[Decimal]:
    """The rate (percent a year) in force on each day of ``period`` from dated rate changes
    ``(effective_from, rate_percent)``: a rate applies from its own day until the next one;
    before the first, the rate is zero. ``changes`` need not be sorted."""
    ordered = sorted(changes, key=lambda c: c[0])
    out: list[Decimal] = []
    rate = ZERO
    index = 0
    day = period.start
    while day <= period.end:
        while index < len(ordered) and ordered[index][0] <= day:
            rate = _check_decimal(ordered[index][1], "rate_percent")
            index += 1
        out.append(rate)
        day += dt.timedelta(days=1)
    return out


def _day_rates(rate_percent: Rates, days: int) -> list[Decimal] | None:
    """``None`` for one rate for the period; else the per-day rates as fractions (checked)."""
    if isinstance(rate_percent, Decimal | int) and not isinstance(rate_percent, bool):
        return None
    rates = [_rate(r) for r in rate_percent]  # type: ignore[union-attr]
    if len(rates) != days:
        raise ValueError("one rate per day of the period is needed")
    return rates


def _round(value: Decimal) -> Decimal:
    return value.quantize(SEN, rounding=ROUND_HALF_UP)


def interest_for_balances(
    balances: Sequence[Decimal],
    *,
    method: Method | str,
    rate_percent: Rates,
    threshold: Decimal = ZERO,
    opening: Decimal | None = None,
) -> Decimal:
    """Interest on a run of daily closing balances (one entry per day of the period).

    ``opening`` is the balance brought into the period; the lowest-balance method counts it, so
    a deposit on the 1st does not raise the month's lowest balance retroactively.
    ``rate_percent`` is one rate, or one rate per day (see the module docstring).
    """
    days = len(balances)
    day_rates = _day_rates(rate_percent, days)
    if day_rates is not None:
        return _interest_by_day(
            balances, method=method, rates=day_rates, threshold=threshold, opening=opening
        )
    rate = _rate(rate_percent)  # type: ignore[arg-type]
    threshold = _check_decimal(threshold, "threshold")
    method = Method(method)
    if days == 0 or rate == 0:
        return ZERO
    positive = [max(b, ZERO) for b in balances]
    if method is Method.DAILY:
        earning = sum((b for b in positive if b >= threshold), ZERO)
        return _round(earning * rate / DAYS_IN_YEAR)
    if method is Method.AVERAGE:
        total = sum(positive, ZERO)
        if total / days < threshold:
            return ZERO
        # average × rate × days / 365, without the inexact division by days (so that without a
        # threshold it is exactly the daily method's amount, to the last digit).
        return _round(total * rate / DAYS_IN_YEAR)
    lowest = min(positive)
    if opening is not None:
        lowest = min(lowest, max(_check_decimal(opening, "opening"), ZERO))
    if lowest < threshold:
        return ZERO
    return _round(lowest * rate * days / DAYS_IN_YEAR)


def _interest_by_day(
    balances: Sequence[Decimal],
    *,
    method: Method | str,
    rates: Sequence[Decimal],
    threshold: Decimal,
    opening: Decimal | None,
) -> Decimal:
    """:func:`interest_for_balances` with a rate (a fraction) for each day."""
    threshold = _check_decimal(threshold, "threshold")
    method = Method(method)
    if not balances or not any(rates):
        return ZERO
    positive = [max(_check_decimal(b, "balance"), ZERO) for b in balances]
    if method is Method.DAILY:
        earning = sum((b * r for b, r in zip(positive, rates, strict=True) if b >= threshold), ZERO)
        return _round(earning / DAYS_IN_YEAR)
    if method is Method.AVERAGE:
        if sum(positive, ZERO) / len(positive) < threshold:
            return ZERO
        return _round(
            sum((b * r for b, r in zip(positive, rates, strict=True)), ZERO) / DAYS_IN_YEAR
        )
    lowest = min(positive)
    if opening is not None:
        lowest = min(lowest, max(_check_decimal(opening, "opening"), ZERO))
    if lowest < threshold:
        return ZERO
    return _round(lowest * sum(rates, ZERO) / DAYS_IN_YEAR)


def constant_balance_interest(
    balance: Decimal,
    days: int,
    *,
    method: Method | str,
    rate_percent: Rates,
    threshold: Decimal = ZERO,
) -> Decimal:
    """Interest on a balance that stayed the same for ``days`` days (most accounts, most
    months): the same result as :func:`interest_for_balances` on ``[balance] * days``, without
    building the list."""
    day_rates = _day_rates(rate_percent, days)
    balance = max(_check_decimal(balance, "balance"), ZERO)
    threshold = _check_decimal(threshold, "threshold")
    method = Method(method)
    if day_rates is not None:
        if days <= 0 or balance < threshold:
            return ZERO
        return _round(balance * sum(day_rates, ZERO) / DAYS_IN_YEAR)
    rate = _rate(rate_percent)  # type: ignore[arg-type]
    if days <= 0 or rate == 0 or balance < threshold:
        return ZERO
    if method is Method.DAILY:
        return _round(balance * days * rate / DAYS_IN_YEAR)
    return _round(balance * rate * days / DAYS_IN_YEAR)


def period_interest(
    changes: Sequence[BalanceChange],
    period: Period,
    *,
    method: Method | str,
    rate_percent: Rates,
    threshold: Decimal = ZERO,
) -> Decimal:
    """Interest for ``period`` from an account's balance changes (see the module docstring)."""
    balances = daily_balances(changes, period)
    return interest_for_balances(
        balances,
        method=method,
        rate_percent=rate_percent,
        threshold=threshold,
        opening=opening_balance(changes, period.start),
    )


def monthly_interest(
    changes: Sequence[BalanceChange],
    *,
    year: int,
    month: int,
    method: Method | str,
    rate_percent: Rates,
    threshold: Decimal = ZERO,
) -> Decimal:
    """Interest for one calendar month."""
    return period_interest(
        changes,
        Period.month(year, month),
        method=method,
        rate_percent=rate_percent,
        threshold=threshold,
    )


def changes_from_movements(
    opening: Decimal, movements: Iterable[tuple[dt.date, Decimal]], *, opening_day: dt.date
) -> list[BalanceChange]:
    """Balance changes from an opening balance (end of ``opening_day``) and dated movements.

    The movements need not be sorted; several on one day become one change.
    """
    balance = _check_decimal(opening, "opening")
    totals: dict[dt.date, Decimal] = {}
    for day, amount in movements:
        totals[day] = totals.get(day, ZERO) + _check_decimal(amount, "amount")
    out: list[BalanceChange] = [(opening_day, balance)]
    for day in sorted(totals):
        if day <= opening_day:
            raise ValueError("movement dated on or before the opening day")
        balance += totals[day]
        out.append((day, balance))
    return out


def pph_final(
    gross: Decimal,
    *,
    threshold: Decimal = PPH_THRESHOLD,
    rate_percent: Decimal = PPH_RATE_PERCENT,
) -> Decimal:
    """PPh final on a member's total savings interest of one month.

    0 when ``gross`` ≤ ``threshold``; otherwise ``rate_percent`` of the *whole* gross (not of the
    excess), rounded half up to the sen.
    """
    gross = _check_decimal(gross, "gross")
    if gross < 0:
        raise ValueError("gross interest cannot be negative")
    if gross <= threshold:
        return ZERO
    return _round(gross * _check_decimal(rate_percent, "rate_percent") / HUNDRED)


def pph_final_split(
    gross_by_account: Mapping[K, Decimal],
    *,
    threshold: Decimal = PPH_THRESHOLD,
    rate_percent: Decimal = PPH_RATE_PERCENT,
) -> dict[K, Decimal]:
    """The month's tax of one member, shared among the accounts that earned the interest.

    The tax is judged on the sum over all accounts; each account then carries a share in
    proportion to its gross (largest remainder to the sen, earlier keys win ties), so the shares
    add up exactly to :func:`pph_final` of the sum and no share exceeds its account's gross.
    """
    keys = list(gross_by_account)
    grosses = [_check_decimal(gross_by_account[k], "gross") for k in keys]
    total_tax = pph_final(sum(grosses, ZERO), threshold=threshold, rate_percent=rate_percent)
    if total_tax == 0:
        return {k: ZERO for k in keys}
    return dict(zip(keys, allocate(total_tax, grosses), strict=True))
