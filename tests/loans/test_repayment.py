"""Repayments at the edges of a schedule: the last instalment paid a few days early settles the
loan at the payoff quote (interest to the day), and a voided repayment puts the on-time streak
back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loans import services
from loans.models import Loan, LoanStatus
from registry.models import Koperasi
from savings.models import Account as SavingsAccount
from savings.services import cashier_open, deposit
from tests.factories import disbursed_loan, loan_product, loan_staff, savings_products
from tests.loans.life import D, fresh, move_to, reconciled

START = dt.date(2025, 1, 15)


@pytest.fixture
def kop(koperasi: Koperasi) -> Koperasi:
    move_to(koperasi, START)
    savings_products(koperasi)
    return koperasi


def _sukarela(loan: Loan) -> SavingsAccount:
    return SavingsAccount.objects.get(member=loan.member, product__kind="sukarela")


def _repay(loan: Loan, amount: Any, key: str) -> Any:
    loan = fresh(loan)
    maker, _ = loan_staff(loan.koperasi)
    deposit(account=_sukarela(loan), amount=D(amount), actor=None, via="bank")
    return services.loan_repay(
        loan=loan, amount=D(amount), via="sukarela", actor=maker, idempotency_key=key
    )


def _to_last_period(kop: Koperasi, method: str, **terms: Any) -> Loan:
    """A 3-month loan of Rp3.000.000 at 1% a month, instalments 1 and 2 paid on their due
    dates, and the business date 5 days before the last one falls due (10 April 2025)."""
    product = loan_product(kop, code=f"P{method[:2].upper()}", method=method, **terms)
    loan = disbursed_loan(kop, product=product, principal=3_000_000, tenor=3)
    for n, due in ((1, dt.date(2025, 2, 15)), (2, dt.date(2025, 3, 15))):
        move_to(kop, due)
        row = loan.instalments.get(number=n)
        _repay(loan, row.principal_due + row.interest_due, f"{loan.pk}-{n}")
    move_to(kop, dt.date(2025, 4, 10))
    return fresh(loan)


@pytest.mark.parametrize("method", ["anuitas", "menurun"])
@pytest.mark.parametrize("prepayment_allowed", [True, False])
def test_the_last_instalment_paid_early_settles_at_the_quote(
    kop: Koperasi, method: str, prepayment_allowed: bool
) -> None:
    # A 2% early-settlement penalty: not charged in the last period (nothing is settled ahead).
    loan = _to_last_period(
        kop, method, prepayment_allowed=prepayment_allowed, early_penalty_percent=D("2")
    )
    last = loan.instalments.get(number=3)
    scheduled = last.principal_due + last.interest_due
    quote = services.loan_payoff_quote(loan=loan)
    # 26 of the period's 31 days: the interest to the day is less than the period's.
    assert quote.principal == last.principal_due
    assert quote.interest == (last.interest_due * 26 / 31).quantize(D(1))
    assert quote.penalty == 0 and quote.total < scheduled
    assert services.final_instalment_quote(loan=loan, on=dt.date(2025, 4, 10)) == quote
    # The scheduled amount is more than settles the loan: the product keeps no excess.
    with pytest.raises(services.Overpayment) as err:
        _repay(loan, scheduled, "too-much")
    assert "pelunasan penuh" in str(err.value.messages[0])
    tx = _repay(loan, quote.total, "quote")
    loan = fresh(loan)
    assert loan.status == LoanStatus.LUNAS and loan.closed_on == dt.date(2025, 4, 10)
    assert loan.outstanding_principal == 0
    assert tx.kind == "pelunasan" and tx.interest_paid == quote.interest
    last.refresh_from_db()
    # The rest of the period's interest is cut from the schedule, not owed.
    assert last.interest_due == quote.interest and last.paid_on == dt.date(2025, 4, 10)
    reconciled(kop)


@pytest.mark.parametrize("method", ["anuitas", "menurun"])
def test_the_scheduled_amount_on_the_last_period_leaves_the_excess_in_sukarela(
    kop: Koperasi, method: str
) -> None:
    loan = _to_last_period(kop, method, excess_to_sukarela=True, prepayment_allowed=False)
    last = loan.instalments.get(number=3)
    scheduled = last.principal_due + last.interest_due
    quote = services.loan_payoff_quote(loan=loan)
    maker, _ = loan_staff(kop)
    session = cashier_open(koperasi=kop, kasir=maker, count=D(0), actor=maker)
    before = _sukarela(loan).balance
    tx = services.loan_repay(
        loan=loan,
        amount=scheduled,
        via="kas",
        session=session,
        actor=maker,
        idempotency_key="scheduled",
    )
    assert fresh(loan).status == LoanStatus.LUNAS and tx.cash == scheduled
    assert _sukarela(loan).balance == before + scheduled - quote.total
    reconciled(kop)


def test_before_the_last_period_the_settlement_penalty_applies(kop: Koperasi) -> None:
    product = loan_product(kop, code="PME", method="menurun", early_penalty_percent=D("2"))
    loan = disbursed_loan(kop, product=product, principal=3_000_000, tenor=3)
    move_to(kop, dt.date(2025, 2, 10))
    assert services.loan_payoff_quote(loan=fresh(loan)).penalty == D(60_000)


def test_before_the_last_period_the_instalment_is_not_a_settlement(kop: Koperasi) -> None:
    """Instalment 1 paid early on a 3-month loan whose product refuses prepayment: the
    scheduled instalment is taken in full, the loan runs on."""
    product = loan_product(kop, code="PAN", method="anuitas", prepayment_allowed=False)
    loan = disbursed_loan(kop, product=product, principal=3_000_000, tenor=3)
    move_to(kop, dt.date(2025, 2, 10))
    first = loan.instalments.get(number=1)
    assert services.final_instalment_quote(loan=fresh(loan), on=dt.date(2025, 2, 10)) is None
    _repay(loan, first.principal_due + first.interest_due, "first")
    first.refresh_from_db()
    assert fresh(loan).status == LoanStatus.AKTIF and first.paid_on == dt.date(2025, 2, 10)
    reconciled(kop)


def test_a_voided_repayment_takes_its_instalment_out_of_the_on_time_streak(
    kop: Koperasi,
) -> None:
    loan = disbursed_loan(kop)
    maker, checker = loan_staff(kop)
    # Instalment 1 on its due date, instalment 2 five days ahead of it.
    for n, day in ((1, dt.date(2025, 2, 15)), (2, dt.date(2025, 3, 10))):
        move_to(kop, day)
        row = loan.instalments.get(number=n)
        tx = _repay(loan, row.principal_due + row.interest_due, f"on-time-{n}")
    assert fresh(loan).on_time_streak == 2
    request = services.loan_void_request(transaction=tx, actor=maker, reason="salah anggota")
    services.loan_void_approve(request=request, actor=checker)
    assert fresh(loan).on_time_streak == 1
    # Instalment 2 now falls due unpaid: once past its date the streak is broken, and paying
    # it late does not restore it.
    move_to(kop, dt.date(2025, 3, 20))
    row = loan.instalments.get(number=2)
    _repay(loan, row.principal_due + row.interest_due, "late")
    assert fresh(loan).on_time_streak == 0
    reconciled(kop)
