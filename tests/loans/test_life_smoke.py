from __future__ import annotations

import datetime as dt
from typing import Any

from loans import services
from tests.factories import disbursed_loan, loan_staff
from tests.loans.life import D, fresh, lines, move_to, reconciled


def test_smoke(koperasi: Any) -> None:
    move_to(koperasi, dt.date(2025, 1, 15))
    loan = disbursed_loan(koperasi)
    reconciled(koperasi)
    print(lines(loan.disbursement_entry))
    maker, _checker = loan_staff(koperasi)
    sukarela = loan.member.savings_accounts.get(product__kind="sukarela") if hasattr(loan.member, "savings_accounts") else None
    move_to(koperasi, dt.date(2025, 2, 15))
    tx = services.loan_repay(loan=loan, amount=D("933333"), via="sukarela", actor=maker, idempotency_key="r1")
    print(lines(tx.entry))
    reconciled(koperasi)
    assert fresh(loan).outstanding_principal == D("9166667")
