"""The close's per-loan arithmetic in integer sen gives, to the sen, what :mod:`loans.arrears`
gives in Decimal (the pages show the arrears figures; the close books the sen ones)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from core.money import from_sen
from loans import arrears
from loans.services import closing

DAY = dt.date(2026, 3, 1)
sen = st.integers(min_value=0, max_value=10**12)


@settings(max_examples=300, deadline=None)
@given(
    interest=sen,
    length=st.integers(min_value=1, max_value=400),
    elapsed=st.integers(min_value=-3, max_value=403),
)
def test_accrual_in_sen_is_arrears_accrual(interest: int, length: int, elapsed: int) -> None:
    start = DAY
    end = start + dt.timedelta(days=length)
    day = start + dt.timedelta(days=elapsed)
    assert from_sen(closing._accrued_to(interest, start, end, day)) == arrears.accrued_to(
        from_sen(interest), start, end, day
    )


@settings(max_examples=300, deadline=None)
@given(
    amounts=st.tuples(sen, sen, sen, sen, sen),
    bp=st.integers(min_value=0, max_value=10_000),
    fixed=sen,
    cap_bp=st.one_of(st.none(), st.integers(min_value=0, max_value=20_000)),
    per=st.sampled_from(["hari", "bulan"]),
    kind=st.sampled_from(["persen", "tetap"]),
    late=st.integers(min_value=-5, max_value=400),
)
def test_denda_in_sen_is_arrears_denda(
    amounts: tuple[int, int, int, int, int],
    bp: int,
    fixed: int,
    cap_bp: int | None,
    per: str,
    kind: str,
    late: int,
) -> None:
    p_due, i_due, p_paid, i_paid, denda = amounts
    p_paid, i_paid = min(p_paid, p_due), min(i_paid, i_due)
    due = DAY
    day = due + dt.timedelta(days=late)
    terms = arrears.DendaTerms(per, kind, bp, from_sen(fixed), 3, cap_bp)
    row = arrears.Row(
        due, from_sen(p_due), from_sen(i_due), from_sen(p_paid), from_sen(i_paid), from_sen(denda)
    )
    mine = closing._denda(
        (due.isoformat(), p_due, i_due, p_paid, i_paid, denda), day, terms, fixed, cap_bp
    )
    assert from_sen(mine) == arrears.denda_for_day(row, day, terms)


@settings(max_examples=300, deadline=None)
@given(outstanding=sen, bp=st.integers(min_value=0, max_value=10_000))
def test_ppap_in_sen_is_arrears_ppap(outstanding: int, bp: int) -> None:
    rates = arrears.PpapRates(bp, bp, bp, bp)
    expected = arrears.ppap_required(from_sen(outstanding), "lancar", rates)
    mine = closing._half_up(outstanding * bp, 10_000) if outstanding > 0 else 0
    assert from_sen(mine) == expected


def test_half_up_rounds_halves_away_from_zero() -> None:
    assert closing._half_up(150, 1) == 200  # Rp1,50 → Rp2
    assert closing._half_up(149, 1) == 100
    assert closing._half_up(-150, 1) == -200
    assert from_sen(closing._half_up(5_000_000_00 * 50, 10_000)) == Decimal("25000")  # 0,5%
