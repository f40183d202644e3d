"""The loans steps of the close of business, as ledger lines: accrual, denda, kolektibilitas and
non-accrual, PPAP; the override; idempotency; one loan failing while the others go on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.models import AuditEvent
from ledger.models import JournalEntry, Posting
from ledger.selectors import account_for_role, balance
from loans.models import Instalment, Loan, LoanEvent, LoanTransaction
from loans.services import closing
from loans.services.products import LoansError
from registry.models import Koperasi
from tests.factories import loan_product
from tests.loans.builders import active_loan, pay_instalments

D = Decimal
# Disbursed 10 January 2026: instalments fall due on the 10th, the first on 10 February.
START = dt.date(2026, 1, 10)


def at(koperasi: Koperasi, day: dt.date) -> None:
    koperasi.business_date = day
    koperasi.save(update_fields=["business_date"])


def close(koperasi: Koperasi, day: dt.date, actor: Any = None) -> dict[str, Any]:
    at(koperasi, day)
    return {name: step(koperasi=koperasi, day=day, actor=actor) for name, step in closing.STEPS}


def lines(entry_id: int) -> list[tuple[str, Decimal]]:
    """An entry as (account code, signed amount: + debit, − credit), debits first."""
    return sorted(
        ((p.account.code, p.amount) for p in Posting.objects.filter(entry_id=entry_id)),
        key=lambda line: (-line[1], line[0]),
    )


def bal(koperasi: Koperasi, role: str) -> Decimal:
    return balance(account=account_for_role(koperasi=koperasi, role=role))


@pytest.fixture
def loan(koperasi: Koperasi) -> Loan:
    """Rp10.000.000 flat 1% a month over 12 months: instalments of Rp933.333 (interest 100.000)."""
    return active_loan(koperasi, principal=10_000_000, method="flat", tenor=12, disbursed_on=START)


def test_a_days_accrual_is_one_entry_and_a_movement_per_loan(
    koperasi: Koperasi, loan: Loan
) -> None:
    other = active_loan(
        koperasi, principal=5_000_000, method="anuitas", tenor=6, disbursed_on=START
    )
    at(koperasi, dt.date(2026, 1, 11))
    out = closing.accrue_interest(koperasi=koperasi, day=dt.date(2026, 1, 11), actor=None)
    # Flat: 100.000 over 31 days → 3.226 on day 1. Anuitas 5.000.000 at 1%: 50.000 → 1.613.
    assert lines(out.entry_ids[0]) == [("1.1.05", D(4_839)), ("4.1.01", D(-4_839))]
    loan.refresh_from_db()
    other.refresh_from_db()
    assert (loan.accrued_interest, other.accrued_interest) == (D(3_226), D(1_613))
    assert out.done == 2 and out.total == D(4_839) and out.ok
    tx = LoanTransaction.objects.get(loan=loan, kind="akrual")
    assert (tx.accrued, tx.value_date, tx.entry_id) == (
        D(3_226),
        dt.date(2026, 1, 11),
        out.entry_ids[0],
    )


def test_by_the_due_date_the_instalments_interest_is_accrued_and_the_books_agree(
    koperasi: Koperasi, loan: Loan
) -> None:
    day = START
    while day < dt.date(2026, 2, 10):
        day += dt.timedelta(days=1)
        at(koperasi, day)
        closing.accrue_interest(koperasi=koperasi, day=day, actor=None)
    loan.refresh_from_db()
    assert loan.accrued_interest == D(100_000)
    assert bal(koperasi, "bunga_pinjaman_diterima") == D(100_000)
    # Member pays instalment 1 → cash +933.333, portfolio −833.333, accrued −100.000.
    pay_instalments(loan, 1, dt.date(2026, 2, 10))
    loan.refresh_from_db()
    assert loan.accrued_interest == 0
    assert bal(koperasi, "bunga_pinjaman_diterima") == 0


def test_each_step_run_twice_changes_nothing(koperasi: Koperasi, loan: Loan) -> None:
    for day in (dt.date(2026, 1, 31), dt.date(2026, 2, 20)):
        first = close(koperasi, day)
        entries = JournalEntry.objects.filter(koperasi=koperasi).count()
        movements = LoanTransaction.objects.count()
        loan.refresh_from_db()
        state = (loan.accrued_interest, loan.allowance, loan.days_past_due, loan.kolektibilitas)
        denda = list(Instalment.objects.values_list("denda_due", flat=True))
        again = close(koperasi, day)
        loan.refresh_from_db()
        assert JournalEntry.objects.filter(koperasi=koperasi).count() == entries
        assert LoanTransaction.objects.count() == movements
        assert (
            loan.accrued_interest,
            loan.allowance,
            loan.days_past_due,
            loan.kolektibilitas,
        ) == state
        assert list(Instalment.objects.values_list("denda_due", flat=True)) == denda
        assert all(not o.entry_ids for o in again.values())
        assert any(o.entry_ids for o in first.values())


def test_denda_after_three_days_grace_on_the_unpaid_instalment(
    koperasi: Koperasi, loan: Loan
) -> None:
    first = loan.instalments.get(number=1)
    for day in (dt.date(2026, 2, 11), dt.date(2026, 2, 13)):
        at(koperasi, day)
        assert closing.charge_denda(koperasi=koperasi, day=day, actor=None).total == 0
    at(koperasi, dt.date(2026, 2, 14))
    out = closing.charge_denda(koperasi=koperasi, day=dt.date(2026, 2, 14), actor=None)
    first.refresh_from_db()
    # 0,1% of 933.333 = 933,33 → Rp933; not booked: denda is income when paid.
    assert (out.total, out.done, out.entry_ids) == (D(933), 1, [])
    assert (first.denda_due, first.denda_through) == (D(933), dt.date(2026, 2, 14))
    again = closing.charge_denda(koperasi=koperasi, day=dt.date(2026, 2, 14), actor=None)
    first.refresh_from_db()
    assert again.total == 0 and first.denda_due == D(933)


def test_denda_stops_at_its_cap(koperasi: Koperasi) -> None:
    product = loan_product(
        koperasi, code="DC", denda_percent=D("10"), denda_cap_percent=D("20"), denda_grace_days=0
    )
    loan = active_loan(
        koperasi, principal=10_000_000, tenor=12, disbursed_on=START, product=product
    )
    charged = []
    for n in (11, 12, 13, 14):
        day = dt.date(2026, 2, n)
        at(koperasi, day)
        charged.append(closing.charge_denda(koperasi=koperasi, day=day, actor=None).total)
    # 10% of 933.333 a day, capped at 20% of it (186.667).
    assert charged == [D(93_333), D(93_333), D(1), D(0)]
    assert loan.instalments.get(number=1).denda_due == D(186_667)


def test_kolektibilitas_monthly_thresholds_and_non_accrual(koperasi: Koperasi, loan: Loan) -> None:
    at(koperasi, dt.date(2026, 5, 10))
    closing.accrue_interest(koperasi=koperasi, day=dt.date(2026, 5, 10), actor=None)
    loan.refresh_from_db()
    accrued = loan.accrued_interest
    assert accrued > 0
    close(koperasi, dt.date(2026, 5, 11))
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.kolektibilitas) == (90, "lancar")
    outcome = close(koperasi, dt.date(2026, 5, 12))["kolektibilitas"]
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.kolektibilitas, loan.grade_since) == (
        91,
        "kurang_lancar",
        dt.date(2026, 5, 12),
    )
    event = LoanEvent.objects.get(loan=loan, kind="kolektibilitas", on=dt.date(2026, 5, 12))
    assert event.data["to"] == "kurang_lancar"
    # Accrued unpaid interest reversed: income −, receivable −.
    reversed_total = accrued + D(3_333) * 2 - 1  # 11 and 12 May accrued before the reversal
    assert lines(outcome.entry_ids[0])[0][0] == "4.1.01"
    assert loan.accrued_interest == 0 and bal(koperasi, "bunga_pinjaman_diterima") == 0
    assert outcome.total > accrued and outcome.total <= reversed_total + 2
    # Non-accrual: nothing more accrues.
    at(koperasi, dt.date(2026, 5, 13))
    later = closing.accrue_interest(koperasi=koperasi, day=dt.date(2026, 5, 13), actor=None)
    assert later.entry_ids == [] and later.total == 0
    for day, grade in ((dt.date(2026, 8, 10), "diragukan"), (dt.date(2027, 2, 6), "macet")):
        close(koperasi, day)
        loan.refresh_from_db()
        assert loan.kolektibilitas == grade, day


def test_weekly_and_bullet_loans(koperasi: Koperasi) -> None:
    weekly = active_loan(
        koperasi, principal=2_000_000, tenor=20, frequency="mingguan", disbursed_on=START
    )
    bullet = active_loan(koperasi, principal=3_000_000, tenor=1, disbursed_on=START)
    # Weekly: first due 17 January; 31 days late → Kurang Lancar on 17 February.
    close(koperasi, dt.date(2026, 2, 16))
    weekly.refresh_from_db()
    bullet.refresh_from_db()
    assert (weekly.days_past_due, weekly.kolektibilitas) == (30, "lancar")
    close(koperasi, dt.date(2026, 2, 17))
    weekly.refresh_from_db()
    assert weekly.kolektibilitas == "kurang_lancar"
    # Bullet: due 10 February; Lancar to 10 May (maturity + 3 months), then Kurang Lancar.
    close(koperasi, dt.date(2026, 5, 10))
    bullet.refresh_from_db()
    assert bullet.kolektibilitas == "lancar"
    close(koperasi, dt.date(2026, 5, 11))
    bullet.refresh_from_db()
    assert bullet.kolektibilitas == "kurang_lancar"


def test_ppap_up_then_down_at_month_end(koperasi: Koperasi, loan: Loan, pengurus: Any) -> None:
    out = close(koperasi, dt.date(2026, 1, 31))["ppap"]
    # 0,5% of 10.000.000 for a Lancar loan → expense +50.000, allowance (contra asset) −50.000.
    assert lines(out.entry_ids[0]) == [("5.1.02", D(50_000)), ("1.1.04", D(-50_000))]
    at(koperasi, dt.date(2026, 2, 2))
    closing.loan_grade_override(
        loan=loan, grade="macet", reason="Jaminan hilang terbakar", actor=pengurus
    )
    out = close(koperasi, dt.date(2026, 2, 28))["ppap"]
    assert lines(out.entry_ids[0]) == [("5.1.02", D(9_950_000)), ("1.1.04", D(-9_950_000))]
    loan.refresh_from_db()
    assert loan.allowance == D(10_000_000) == -bal(koperasi, "penyisihan_pinjaman")
    pay_instalments(loan, 2, dt.date(2026, 3, 5))
    closing.loan_grade_override_clear(loan=loan, reason="Jaminan diganti", actor=pengurus)
    out = close(koperasi, dt.date(2026, 3, 31))["ppap"]
    # Outstanding 8.333.334 Lancar → 41.667: allowance released, expense reversed.
    assert lines(out.entry_ids[0]) == [("1.1.04", D(9_958_333)), ("5.1.02", D(-9_958_333))]
    loan.refresh_from_db()
    assert loan.allowance == D(41_667) == -bal(koperasi, "penyisihan_pinjaman")
    assert (
        closing.book_ppap(koperasi=koperasi, day=dt.date(2026, 3, 31), actor=None).entry_ids == []
    )
    assert closing.book_ppap(koperasi=koperasi, day=dt.date(2026, 3, 30), actor=None).done == 0


def test_override_needs_a_reason_is_audited_and_wins(
    koperasi: Koperasi, loan: Loan, pengurus: Any
) -> None:
    at(koperasi, dt.date(2026, 2, 1))
    with pytest.raises(LoansError, match="Alasan"):
        closing.loan_grade_override(loan=loan, grade="macet", reason="  ", actor=pengurus)
    with pytest.raises(LoansError, match="Diragukan atau Macet"):
        closing.loan_grade_override(loan=loan, grade="kurang_lancar", reason="x", actor=pengurus)
    closing.loan_grade_override(
        loan=loan, grade="diragukan", reason="Usaha peminjam tutup", actor=pengurus
    )
    loan.refresh_from_db()
    assert (loan.grade, loan.kolektibilitas, loan.grade_since) == (
        "diragukan",
        "lancar",
        dt.date(2026, 2, 1),
    )
    audit = AuditEvent.objects.get(action="loans.grade_override")
    assert audit.note == "Usaha peminjam tutup" and (audit.after or {})["grade"] == "diragukan"
    close(koperasi, dt.date(2026, 2, 2))
    loan.refresh_from_db()
    assert loan.grade == "diragukan"  # the close does not undo it
    # 21 months in Diragukan make it Macet.
    close(koperasi, dt.date(2027, 11, 1))
    loan.refresh_from_db()
    assert loan.grade == "macet"
    closing.loan_grade_override_clear(loan=loan, reason="Dinilai ulang", actor=pengurus)
    loan.refresh_from_db()
    assert (
        loan.grade_override == ""
        and AuditEvent.objects.filter(action="loans.grade_override_clear").exists()
    )


def test_one_loan_failing_is_recorded_and_the_others_go_on(koperasi: Koperasi, loan: Loan) -> None:
    broken = active_loan(koperasi, principal=2_000_000, tenor=6, disbursed_on=START)
    Instalment.objects.filter(loan=broken).delete()
    at(koperasi, dt.date(2026, 1, 11))
    out = closing.accrue_interest(koperasi=koperasi, day=dt.date(2026, 1, 11), actor=None)
    assert [f.object_id for f in out.failures] == [broken.pk]
    assert "Jadwal angsuran" in out.failures[0].message
    loan.refresh_from_db()
    assert loan.accrued_interest == D(3_226) and out.entry_ids
    rerun = closing.accrue_interest(
        koperasi=koperasi, day=dt.date(2026, 1, 11), actor=None, only=[broken.pk]
    )
    assert [f.object_id for f in rerun.failures] == [broken.pk] and not rerun.entry_ids


def test_a_day_after_the_business_date_is_refused(koperasi: Koperasi, loan: Loan) -> None:
    at(koperasi, dt.date(2026, 1, 20))
    with pytest.raises(LoansError, match="belum tiba"):
        closing.accrue_interest(koperasi=koperasi, day=dt.date(2026, 1, 21), actor=None)
