"""loans.arrears with plain numbers: days past due, denda, kolektibilitas, accrual, PPAP, NPL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from loans import arrears, schedule
from loans.arrears import DendaTerms, Grade, LoanState, Row
from loans.streak import on_time_streak

D = Decimal
DUE = dt.date(2026, 1, 10)


def row(**kw: object) -> Row:
    values: dict[str, object] = {
        "due_date": DUE,
        "principal_due": D(833_333),
        "interest_due": D(100_000),
    }
    values.update(kw)
    return Row(**values)  # type: ignore[arg-type]


def test_days_past_due_count_from_the_oldest_unpaid_instalment() -> None:
    rows = [
        row(due_date=dt.date(2026, 1, 10), principal_paid=D(833_333), interest_paid=D(100_000)),
        row(due_date=dt.date(2026, 2, 10), interest_paid=D(100_000)),  # principal still owed
        row(due_date=dt.date(2026, 3, 10)),
    ]
    assert arrears.days_past_due(rows, dt.date(2026, 2, 10)) == 0  # due today is not late
    assert arrears.days_past_due(rows, dt.date(2026, 2, 11)) == 1
    assert arrears.days_past_due(rows, dt.date(2026, 3, 20)) == 38
    assert arrears.overdue_amount(rows, dt.date(2026, 3, 20)) == D(833_333 + 933_333)


def test_denda_starts_after_the_grace_days_on_what_is_unpaid() -> None:
    terms = DendaTerms(per="hari", kind="persen", bp=10, grace_days=3)  # 0,1% a day
    r = row()
    assert arrears.denda_for_day(r, dt.date(2026, 1, 13), terms) == 0  # third day of grace
    assert arrears.denda_for_day(r, dt.date(2026, 1, 14), terms) == D(933)  # 933.333 → 933
    half = row(principal_paid=D(433_333))
    assert arrears.denda_for_day(half, dt.date(2026, 1, 14), terms) == D(500)
    paid = row(principal_paid=D(833_333), interest_paid=D(100_000))
    assert arrears.denda_for_day(paid, dt.date(2026, 1, 14), terms) == 0


def test_denda_stops_at_the_cap_of_the_instalment() -> None:
    terms = DendaTerms(per="hari", kind="persen", bp=1_000, grace_days=0, cap_bp=2_000)  # 10%/day
    r = row(denda_due=D(180_000))  # cap 20% of 933.333 = 186.667
    assert arrears.denda_for_day(r, dt.date(2026, 2, 1), terms) == D(6_667)
    capped = row(denda_due=D(186_667))
    assert arrears.denda_for_day(capped, dt.date(2026, 2, 1), terms) == 0
    uncapped = DendaTerms(per="hari", kind="persen", bp=1_000, grace_days=0, cap_bp=None)
    assert arrears.denda_for_day(capped, dt.date(2026, 2, 1), uncapped) == D(93_333)


def test_denda_per_month_fixed_is_charged_on_each_monthly_anniversary() -> None:
    terms = DendaTerms(per="bulan", kind="tetap", amount=D(25_000), grace_days=3)
    charged = [
        d
        for d in (DUE + dt.timedelta(days=n) for n in range(1, 100))
        if arrears.denda_for_day(row(), d, terms)
    ]
    assert charged == [dt.date(2026, m, 14) for m in (1, 2, 3, 4)]


def test_monthly_thresholds() -> None:
    g = arrears.grade_by_days
    assert [g(n, "bulanan") for n in (0, 90, 91, 180, 181, 360, 361)] == [
        Grade.LANCAR,
        Grade.LANCAR,
        Grade.KURANG_LANCAR,
        Grade.KURANG_LANCAR,
        Grade.DIRAGUKAN,
        Grade.DIRAGUKAN,
        Grade.MACET,
    ]


def test_weekly_thresholds() -> None:
    g = arrears.grade_by_days
    assert [g(n, "mingguan") for n in (30, 31, 60, 61, 90, 91)] == [
        Grade.LANCAR,
        Grade.KURANG_LANCAR,
        Grade.KURANG_LANCAR,
        Grade.DIRAGUKAN,
        Grade.DIRAGUKAN,
        Grade.MACET,
    ]


def test_bullet_loans_are_graded_by_months_after_maturity() -> None:
    maturity = dt.date(2026, 1, 31)
    b = arrears.grade_bullet
    assert b(maturity, dt.date(2026, 4, 30), True) == Grade.LANCAR  # maturity + 3 months
    assert b(maturity, dt.date(2026, 5, 1), True) == Grade.KURANG_LANCAR
    assert b(maturity, dt.date(2026, 7, 31), True) == Grade.KURANG_LANCAR
    assert b(maturity, dt.date(2026, 8, 1), True) == Grade.DIRAGUKAN
    assert b(maturity, dt.date(2027, 2, 1), True) == Grade.MACET
    assert b(maturity, dt.date(2027, 2, 1), False) == Grade.LANCAR
    state = LoanState("bulanan", 1, maturity, Grade.LANCAR, None)
    assert arrears.computed_grade(100, state, dt.date(2026, 5, 11), arrears.Thresholds()) == (
        Grade.KURANG_LANCAR
    )


def test_twenty_one_months_in_diragukan_make_macet_and_it_stays() -> None:
    since = dt.date(2024, 1, 15)
    state = LoanState("bulanan", 24, None, Grade.DIRAGUKAN, since)
    assert arrears.computed_grade(200, state, dt.date(2025, 10, 14), arrears.Thresholds()) == (
        Grade.DIRAGUKAN
    )
    assert arrears.computed_grade(200, state, dt.date(2025, 10, 15), arrears.Thresholds()) == (
        Grade.MACET
    )
    after = LoanState("bulanan", 24, None, Grade.MACET, dt.date(2025, 10, 15))
    assert arrears.computed_grade(201, after, dt.date(2025, 10, 16)) == Grade.MACET
    assert arrears.computed_grade(100, after, dt.date(2025, 10, 16)) == Grade.KURANG_LANCAR


def test_a_restructured_loan_keeps_its_grade_until_three_on_time_instalments() -> None:
    def inst(month: int, paid_on: dt.date | None) -> SimpleNamespace:
        return SimpleNamespace(
            due_date=dt.date(2026, month, 10), paid_on=paid_on, superseded=False, version=1
        )

    paid = [inst(m, dt.date(2026, m, 9)) for m in (1, 2, 3)]
    assert on_time_streak(paid[:2], dt.date(2026, 3, 1)) == 2
    kept = LoanState(
        "bulanan", 12, None, Grade.DIRAGUKAN, None, restructured=True, on_time_streak=2
    )
    assert arrears.computed_grade(0, kept, dt.date(2026, 3, 1)) == Grade.DIRAGUKAN
    worse = arrears.computed_grade(400, kept, dt.date(2026, 3, 1))
    assert worse == Grade.MACET
    free = LoanState(
        "bulanan", 12, None, Grade.DIRAGUKAN, None, restructured=True, on_time_streak=3
    )
    assert on_time_streak(paid, dt.date(2026, 3, 20)) == 3
    assert arrears.computed_grade(0, free, dt.date(2026, 3, 20)) == Grade.LANCAR
    late = [*paid[:2], inst(3, None)]
    assert on_time_streak(late, dt.date(2026, 3, 20)) == 0


def test_override_wins() -> None:
    assert arrears.effective("lancar", "macet") == Grade.MACET
    assert arrears.effective("kurang_lancar", "") == Grade.KURANG_LANCAR


def test_accrual_reaches_the_instalments_interest_on_its_due_date() -> None:
    start, end = dt.date(2026, 1, 31), dt.date(2026, 2, 28)
    days = [start + dt.timedelta(days=n) for n in range(1, 29)]
    parts = [arrears.accrual_for_day(D(100_000), start, end, d) for d in days]
    assert sum(parts) == D(100_000)
    assert parts[0] == D(3_571)  # 100.000 / 28
    assert arrears.accrued_to(D(100_000), start, end, dt.date(2026, 2, 14)) == D(50_000)


def test_ppap_and_npl_band() -> None:
    assert arrears.ppap_required(D(10_000_000), "lancar") == D(50_000)
    assert arrears.ppap_required(D(10_000_000), "kurang_lancar") == D(1_000_000)
    assert arrears.ppap_required(D(10_000_000), "diragukan") == D(5_000_000)
    assert arrears.ppap_required(D(10_000_000), "macet") == D(10_000_000)
    assert arrears.ppap_required(D(333), "lancar") == D(2)  # 1,665 → 2
    assert arrears.npl_band(D("0.05")) == arrears.NplBand.SEHAT
    assert arrears.npl_band(D("0.0501")) == arrears.NplBand.CUKUP_SEHAT
    assert arrears.npl_band(D("0.15")) == arrears.NplBand.KURANG_SEHAT
    assert arrears.npl_band(D("0.2")) == arrears.NplBand.TIDAK_SEHAT
    assert arrears.npl_ratio(D(0), D(0)) == 0


# --- properties --------------------------------------------------------------------------------


@given(
    principal=st.integers(500_000, 100_000_000),
    tenor=st.integers(1, 36),
    rate_bp=st.integers(0, 400),
    method=st.sampled_from(["flat", "anuitas", "menurun"]),
    weekly=st.booleans(),
)
def test_daily_accrual_adds_up_to_the_schedules_interest(
    principal: int, tenor: int, rate_bp: int, method: str, weekly: bool
) -> None:
    freq = schedule.Frequency.WEEKLY if weekly else schedule.Frequency.MONTHLY
    start = dt.date(2026, 1, 31)
    made = schedule.build(
        method=method,
        principal=D(principal),
        rate=schedule.period_rate(
            D(rate_bp) / 100, basis=schedule.RateBasis.PER_MONTH, frequency=freq
        ),
        periods=tenor,
        start=start,
        frequency=freq,
    )
    total = D(0)
    prev = start
    for inst in made:
        day = prev
        while day < inst.due_date:
            day += dt.timedelta(days=1)
            part = arrears.accrual_for_day(inst.interest, prev, inst.due_date, day)
            assert part >= 0
            total += part
        prev = inst.due_date
    assert total == made.total_interest


@given(
    days=st.integers(0, 2_000),
    more=st.integers(0, 500),
    weekly=st.booleans(),
)
def test_grade_never_improves_as_days_past_due_grow(days: int, more: int, weekly: bool) -> None:
    freq = "mingguan" if weekly else "bulanan"
    assert arrears.grade_by_days(days + more, freq).rank >= arrears.grade_by_days(days, freq).rank


@given(
    unpaid=st.integers(1, 50_000_000),
    bp=st.integers(1, 1_000),
    cap_bp=st.one_of(st.none(), st.integers(0, 10_000)),
    grace=st.integers(0, 10),
    days=st.integers(1, 400),
)
def test_denda_never_passes_its_cap(
    unpaid: int, bp: int, cap_bp: int | None, grace: int, days: int
) -> None:
    terms = DendaTerms(per="hari", kind="persen", bp=bp, grace_days=grace, cap_bp=cap_bp)
    r = row(principal_due=D(unpaid), interest_due=D(0))
    charged = D(0)
    for n in range(1, days + 1):
        r = Row(r.due_date, r.principal_due, r.interest_due, denda_due=charged)
        charged += arrears.denda_for_day(r, DUE + dt.timedelta(days=n), terms)
    cap = arrears.denda_cap(r, terms)
    if cap is not None:
        assert charged <= cap
    if days > grace and cap != 0 and unpaid * bp >= 5_000:
        assert charged > 0
