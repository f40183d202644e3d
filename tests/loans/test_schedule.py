"""Loan schedules and the effective rate, as DOMAIN.md's worked example and as properties.

No database: ``loans.schedule`` and ``loans.rates`` are pure.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans import rates
from loans.schedule import (
    Frequency,
    Method,
    RateBasis,
    ScheduleError,
    add_months,
    build,
    due_dates,
    period_rate,
)

D = Decimal
START = dt.date(2026, 1, 15)

# DOMAIN.md: P = Rp10.000.000, n = 12 months, r = 1% a month.
EXAMPLE: dict[str, Any] = {
    "principal": D(10_000_000),
    "rate": D("0.01"),
    "periods": 12,
    "start": START,
}


def _totals(method: Method) -> list[int]:
    return [int(i.total) for i in build(method=method, **EXAMPLE)]


def test_flat_worked_example_to_the_rupiah() -> None:
    s = build(method=Method.FLAT, **EXAMPLE)
    assert _totals(Method.FLAT) == [933_333] * 11 + [933_337]
    assert s.instalments[-1].principal == D(833_337)
    assert all(i.interest == D(100_000) for i in s)
    assert s.total_interest == D(1_200_000)
    assert s.total_principal == D(10_000_000)


def test_anuitas_worked_example_to_the_rupiah() -> None:
    s = build(method=Method.ANUITAS, **EXAMPLE)
    assert _totals(Method.ANUITAS) == [888_488] * 11 + [888_485]
    first, last = s.instalments[0], s.instalments[-1]
    assert (first.interest, first.principal) == (D(100_000), D(788_488))
    assert (last.interest, last.principal) == (D(8_797), D(879_688))
    assert s.total_interest == D(661_853)
    assert s.total_principal == D(10_000_000)


def test_menurun_worked_example_to_the_rupiah() -> None:
    s = build(method=Method.MENURUN, **EXAMPLE)
    assert _totals(Method.MENURUN) == [
        933_333,
        925_000,
        916_666,
        908_333,
        900_000,
        891_666,
        883_333,
        875_000,
        866_666,
        858_333,
        850_000,
        841_670,
    ]
    assert s.total_interest == D(650_000)
    assert s.total_principal == D(10_000_000)


def test_flat_one_percent_a_month_is_21_46_percent_a_year_effective() -> None:
    rate = rates.effective_rate(build(method=Method.FLAT, **EXAMPLE))
    assert rate.per_period_percent == D("1.788")
    assert rate.annual_percent == D("21.46")
    assert rate.compounded_percent == D("23.70")
    assert rates.cap_warning(rate) is None


def test_fees_at_disbursement_raise_the_effective_rate_above_the_cap_as_a_warning() -> None:
    s = build(method=Method.FLAT, **EXAMPLE)
    # Provisi 2% + administrasi Rp100.000: the member receives Rp9.700.000.
    rate = rates.effective_rate(s, fees=D(300_000))
    assert rate.annual_percent == D("27.41")
    warning = rates.cap_warning(rate)
    assert warning is not None
    assert (warning.annual_percent, warning.cap_percent) == (D("27.41"), D(24))


def test_anuitas_effective_rate_is_its_own_rate_without_fees() -> None:
    rate = rates.effective_rate(build(method=Method.ANUITAS, **EXAMPLE))
    assert rate.annual_percent == D("12.00")  # 12 × 1%, to the rupiah's rounding
    assert rate.compounded_percent == D("12.68")


def test_monthly_due_dates_keep_the_day_and_clamp_to_the_month_end() -> None:
    assert due_dates(dt.date(2026, 1, 31), 4, Frequency.MONTHLY) == [
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 31),
    ]
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)


def test_weekly_due_dates_are_seven_days_apart_and_rate_is_annual_over_52() -> None:
    assert due_dates(START, 3, Frequency.WEEKLY) == [
        dt.date(2026, 1, 22),
        dt.date(2026, 1, 29),
        dt.date(2026, 2, 5),
    ]
    assert period_rate(D(26), basis=RateBasis.PER_YEAR, frequency=Frequency.WEEKLY) == D("0.005")
    # 1% a month = 12% a year; a week is 12/52 %.
    weekly = period_rate(D(1), basis=RateBasis.PER_MONTH, frequency=Frequency.WEEKLY)
    assert Fraction(weekly) - Fraction(12, 5200) < Fraction(1, 10**40)
    assert period_rate(D(18), basis=RateBasis.PER_YEAR, frequency=Frequency.MONTHLY) == D("0.015")


def test_grace_pays_interest_only_then_the_method_runs_over_the_rest() -> None:
    s = build(method=Method.ANUITAS, **{**EXAMPLE, "periods": 14}, grace=2)
    assert [(i.principal, i.interest) for i in s.instalments[:2]] == [(D(0), D(100_000))] * 2
    # The remaining twelve are the worked example's anuitas.
    assert [int(i.total) for i in s.instalments[2:]] == [888_488] * 11 + [888_485]
    flat = build(method=Method.FLAT, **{**EXAMPLE, "periods": 13}, grace=1)
    assert flat.instalments[0].total == D(100_000)
    assert flat.total_interest == D(1_300_000)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"periods": 0},
        {"principal": D(0)},
        {"principal": D("1000.50")},
        {"rate": D("-0.01")},
        {"grace": 12},
    ],
)
def test_impossible_inputs_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises((ScheduleError, ValueError)):
        build(method=Method.FLAT, **{**EXAMPLE, **kwargs})


# --- properties ---------------------------------------------------------------------------------

principals = st.integers(min_value=100_000, max_value=5_000_000_000).map(D)
monthly_rates = st.integers(min_value=0, max_value=500).map(lambda bp: D(bp) / 10_000)


@st.composite
def loans(draw: st.DrawFn) -> dict[str, Any]:
    frequency = draw(st.sampled_from(list(Frequency)))
    periods = draw(st.integers(1, 260 if frequency == Frequency.WEEKLY else 120))
    annual_bp = draw(st.integers(min_value=0, max_value=4_800))
    return {
        "method": draw(st.sampled_from(list(Method))),
        "principal": draw(principals),
        "rate": period_rate(D(annual_bp) / 100, basis=RateBasis.PER_YEAR, frequency=frequency),
        "periods": periods,
        "grace": draw(st.integers(0, min(periods - 1, 6))),
        "frequency": frequency,
        "start": draw(st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31))),
    }


@settings(max_examples=300, deadline=None)
@given(loans())
def test_principal_parts_sum_to_the_loan_and_instalments_are_whole_rupiah(
    loan: dict[str, Any],
) -> None:
    s = build(**loan)
    assert len(s) == loan["periods"]
    assert s.total_principal == loan["principal"]
    assert s.instalments[-1].balance_after == 0
    balance = s.principal
    previous = loan["start"]
    for i in s:
        assert i.principal >= 0 and i.interest >= 0
        assert i.total == i.total.to_integral_value()
        balance -= i.principal
        assert i.balance_after == balance
        assert i.due_date > previous
        if loan["frequency"] == Frequency.WEEKLY:
            assert i.due_date - previous == dt.timedelta(days=7)
        previous = i.due_date
        if i.number <= loan["grace"]:
            assert i.principal == 0


def _closed_form_balance(p: Fraction, r: Fraction, a: Fraction, k: int) -> Fraction:
    """What is still owed after k payments of ``a`` on ``p`` at ``r``, without any rounding:
    B_k = P(1+r)^k − A((1+r)^k − 1)/r."""
    if r == 0:
        return p - a * k
    growth = (1 + r) ** k
    return p * growth - a * (growth - 1) / r


@settings(max_examples=300, deadline=None)
@given(
    principal=principals,
    rate=monthly_rates,
    periods=st.integers(1, 120),
)
def test_anuitas_split_follows_the_closed_form_within_the_rupiah_rounding(
    principal: Decimal, rate: Decimal, periods: int
) -> None:
    s = build(method=Method.ANUITAS, principal=principal, rate=rate, periods=periods, start=START)
    p, r = Fraction(principal), Fraction(rate)
    # The instalment, independently: P·r / (1 − (1+r)^−n) exactly, then to the nearest rupiah.
    exact = p / periods if r == 0 else p * r / (1 - (1 + r) ** -periods)
    a = Fraction(int(exact + Fraction(1, 2)))
    # Each period rounds its interest by at most half a rupiah, and that error compounds at r.
    for i in s.instalments[:-1]:
        assert i.total == a
        drift = Fraction(1, 2) * (i.number if r == 0 else ((1 + r) ** i.number - 1) / r)
        assert abs(Fraction(i.balance_after) - _closed_form_balance(p, r, a, i.number)) <= drift
    last = s.instalments[-1]
    owed = _closed_form_balance(p, r, a, periods - 1)
    drift = Fraction(1, 2) * (periods if r == 0 else ((1 + r) ** periods - 1) / r)
    # The last instalment pays what is still owed and its interest...
    assert abs(Fraction(last.total) - owed * (1 + r)) <= drift + 1
    # ...which differs from the others by the interest rounding and by the instalment's own
    # rounding to the rupiah (at most half a rupiah a period), both compounded at r.
    assert abs(Fraction(last.total) - a) <= 2 * drift + 1


@settings(max_examples=100, deadline=None)
@given(loans())
def test_effective_rate_without_fees_is_the_nominal_for_reducing_methods_and_more_for_flat(
    loan: dict[str, Any],
) -> None:
    s = build(**loan)
    rate = Fraction(rates.effective_rate(s).per_period)
    if loan["method"] == Method.FLAT:
        # Interest on the whole principal throughout: never below interest ÷ principal.
        assert rate >= Fraction(s.instalments[0].interest) / Fraction(s.principal) - Fraction(
            1, 10**15
        )
    else:
        # Interest on what is owed: the nominal rate, but for each period's interest rounding
        # (half a rupiah a period, against what was owed over the loan).
        owed = sum(Fraction(i.balance_after + i.principal) for i in s)
        assert abs(rate - Fraction(s.rate)) <= Fraction(len(s), 1) / owed
