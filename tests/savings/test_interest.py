"""Savings interest and PPh final, as worked examples and as properties (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from savings.interest import (
    Method,
    Period,
    changes_from_movements,
    constant_balance_interest,
    daily_balances,
    interest_for_balances,
    monthly_interest,
    period_interest,
    pph_final,
    pph_final_split,
)

D = Decimal
JAN: dict[str, Any] = {"year": 2025, "month": 1}

# Rp1.000.000 brought into January, topped up to Rp3.000.000 on the 16th.
TOPPED_UP = [(dt.date(2024, 12, 31), D("1000000")), (dt.date(2025, 1, 16), D("3000000"))]


def test_a_whole_month_at_six_percent_earns_actual_over_365() -> None:
    changes = [(dt.date(2024, 12, 20), D("10000000"))]
    # 10.000.000 × 6% × 31/365 = 50.958,904… → Rp50.958,90
    for method in Method:
        assert monthly_interest(changes, **JAN, method=method, rate_percent=D(6)) == D("50958.90")


def test_daily_and_average_agree_without_a_threshold_lowest_takes_the_low_point() -> None:
    # 15 days × 1.000.000 + 16 days × 3.000.000 = 63.000.000 balance-days
    # 63.000.000 × 6% / 365 = 10.356,164… ; lowest 1.000.000 × 6% × 31/365 = 5.095,890…
    assert monthly_interest(TOPPED_UP, **JAN, method="harian", rate_percent=D(6)) == D("10356.16")
    assert monthly_interest(TOPPED_UP, **JAN, method="rata_rata", rate_percent=D(6)) == D(
        "10356.16"
    )
    assert monthly_interest(TOPPED_UP, **JAN, method="terendah", rate_percent=D(6)) == D("5095.89")


def test_threshold_is_judged_per_day_on_average_or_on_the_lowest() -> None:
    kw: dict[str, Any] = {**JAN, "rate_percent": D(6), "threshold": D("2000000")}
    # daily: only the 16 days at 3.000.000 earn: 48.000.000 × 6% / 365 = 7.890,410…
    assert monthly_interest(TOPPED_UP, method="harian", **kw) == D("7890.41")
    # average 63.000.000 / 31 = 2.032.258 ≥ 2.000.000: the whole month earns
    assert monthly_interest(TOPPED_UP, method="rata_rata", **kw) == D("10356.16")
    # lowest 1.000.000 < 2.000.000: nothing
    assert monthly_interest(TOPPED_UP, method="terendah", **kw) == D("0.00")


def test_lowest_counts_the_balance_brought_in_and_an_account_opened_mid_month() -> None:
    opened_mid_month = [(dt.date(2025, 1, 10), D("5000000"))]
    # Zero for the first nine days: the lowest balance of January is zero.
    assert monthly_interest(opened_mid_month, **JAN, method="terendah", rate_percent=D(6)) == 0
    # Daily: 22 days × 5.000.000 × 6% / 365 = 18.082,191…
    assert monthly_interest(opened_mid_month, **JAN, method="harian", rate_percent=D(6)) == D(
        "18082.19"
    )


def test_leap_year_february_has_29_earning_days() -> None:
    changes = [(dt.date(2024, 1, 1), D("3650000"))]
    # 3.650.000 × 5% / 365 = 500 a day
    feb_2024 = monthly_interest(changes, year=2024, month=2, method="harian", rate_percent=D(5))
    feb_2025 = monthly_interest(changes, year=2025, month=2, method="harian", rate_percent=D(5))
    assert (feb_2024, feb_2025) == (D("14500.00"), D("14000.00"))


def test_several_changes_on_one_day_keep_the_last_and_unsorted_input_is_refused() -> None:
    changes = [
        (dt.date(2025, 1, 1), D("100")),
        (dt.date(2025, 1, 1), D("700")),
    ]
    assert daily_balances(changes, Period(dt.date(2025, 1, 1), dt.date(2025, 1, 2))) == [
        D("700"),
        D("700"),
    ]
    with pytest.raises(ValueError):
        daily_balances(list(reversed(TOPPED_UP)), Period.month(2025, 1))


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        monthly_interest(TOPPED_UP, **JAN, method="harian", rate_percent=6.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pph_final(250000.0)  # type: ignore[arg-type]


def test_movements_become_changes() -> None:
    changes = changes_from_movements(
        D("1000"),
        [
            (dt.date(2025, 1, 5), D("500")),
            (dt.date(2025, 1, 3), D("-200")),
            (dt.date(2025, 1, 5), D("100")),
        ],
        opening_day=dt.date(2024, 12, 31),
    )
    assert changes == [
        (dt.date(2024, 12, 31), D("1000")),
        (dt.date(2025, 1, 3), D("800")),
        (dt.date(2025, 1, 5), D("1400")),
    ]


# --- PPh final ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "tax"),
    [
        ("0", "0.00"),
        ("240000.00", "0.00"),  # at the threshold: 0%
        ("240000.01", "24000.00"),  # above it: 10% of the whole gross (24.000,001 → 24.000,00)
        ("240005.00", "24000.50"),
        ("1000000", "100000.00"),
    ],
)
def test_pph_final_is_zero_up_to_240000_then_ten_percent_of_the_gross(gross: str, tax: str) -> None:
    assert pph_final(D(gross)) == D(tax)


def test_pph_is_judged_on_the_sum_over_a_members_accounts() -> None:
    # Each account alone is under the threshold; together they are above it.
    split = pph_final_split({"sukarela": D("150000"), "berjangka": D("100000")})
    assert split == {"sukarela": D("15000.00"), "berjangka": D("10000.00")}
    assert pph_final_split({"sukarela": D("150000"), "berjangka": D("90000")}) == {
        "sukarela": D("0.00"),
        "berjangka": D("0.00"),
    }


def test_tax_shares_add_up_to_the_sen() -> None:
    split = pph_final_split({1: D("100000.01"), 2: D("100000.01"), 3: D("100000.01")})
    # 10% of 300.000,03 = 30.000,003 → 30.000,00, shared 10.000,00 each
    assert sum(split.values()) == D("30000.00")
    split = pph_final_split({1: D("80000.05"), 2: D("80000.05"), 3: D("80000.05")})
    assert sum(split.values()) == pph_final(D("240000.15"))  # 24.000,015 → 24.000,02
    assert sorted(split.values()) == [D("8000.00"), D("8000.01"), D("8000.01")]


# --- Properties --------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10**11).map(lambda n: D(n) / 100)
rates = st.integers(min_value=0, max_value=900).map(lambda n: D(n) / 100)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[dt.date, Decimal]]:
    days = draw(st.lists(st.integers(min_value=-40, max_value=30), max_size=12))
    start = dt.date(2025, 1, 1)
    return sorted(((start + dt.timedelta(days=d), draw(amounts)) for d in days), key=lambda c: c[0])


@given(histories(), rates)
def test_daily_equals_average_and_lowest_is_never_more(changes: list, rate: Decimal) -> None:
    daily = monthly_interest(changes, **JAN, method="harian", rate_percent=rate)
    average = monthly_interest(changes, **JAN, method="rata_rata", rate_percent=rate)
    lowest = monthly_interest(changes, **JAN, method="terendah", rate_percent=rate)
    assert daily == average
    assert D(0) <= lowest <= daily


@given(histories(), rates, rates)
def test_a_higher_rate_never_earns_less(changes: list, a: Decimal, b: Decimal) -> None:
    low, high = sorted([a, b])
    for method in Method:
        assert monthly_interest(changes, **JAN, method=method, rate_percent=low) <= (
            monthly_interest(changes, **JAN, method=method, rate_percent=high)
        )


@given(amounts, rates, st.integers(min_value=1, max_value=400))
def test_constant_balance_earns_balance_rate_days_over_365(
    balance: Decimal, rate: Decimal, days: int
) -> None:
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 1, 1) + dt.timedelta(days=days - 1))
    got = period_interest(
        [(dt.date(2024, 12, 1), balance)], period, method="harian", rate_percent=rate
    )
    assert got == (balance * rate / 100 * days / 365).quantize(D("0.01"), rounding="ROUND_HALF_UP")


@given(st.dictionaries(st.integers(), amounts, min_size=1, max_size=6))
def test_tax_split_sums_to_the_tax_on_the_total_and_never_exceeds_the_gross(
    gross: dict[int, Decimal],
) -> None:
    split = pph_final_split(gross)
    total = sum(gross.values(), D(0))
    assert sum(split.values(), D(0)) == pph_final(total)
    assert all(D(0) <= split[k] <= gross[k] for k in gross)
    if total <= D("240000"):
        assert all(v == 0 for v in split.values())
    else:
        assert all(abs(split[k] - gross[k] / 10) <= D("0.02") for k in gross)


@given(amounts, rates, st.integers(min_value=1, max_value=31), amounts)
def test_constant_balance_shortcut_agrees_with_the_daily_list(
    balance: Decimal, rate: Decimal, days: int, threshold: Decimal
) -> None:
    for method in Method:
        assert constant_balance_interest(
            balance, days, method=method, rate_percent=rate, threshold=threshold
        ) == interest_for_balances(
            [balance] * days,
            method=method,
            rate_percent=rate,
            threshold=threshold,
            opening=balance,
        )
