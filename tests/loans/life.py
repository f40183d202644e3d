"""Helpers for the loan-life tests: the books as lines, the sub-ledger reconciled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from ledger import integrity
from ledger.models import JournalEntry, Posting
from loans.models import Loan, LoanTransaction
from registry.models import Koperasi

D = Decimal


def lines(entry: JournalEntry) -> dict[str, Decimal]:
    """The entry's postings by account code, debit positive."""
    out: dict[str, Decimal] = {}
    for code, amount in Posting.objects.filter(entry=entry).values_list("account__code", "amount"):
        out[code] = out.get(code, D(0)) + amount
    return out


def reconciled(koperasi: Koperasi) -> None:
    """Books balance; every sub-ledger equals its control accounts to the sen; each loan's
    outstanding principal equals its movements."""
    assert (Posting.objects.filter(koperasi=koperasi).aggregate(s=Sum("amount"))["s"] or 0) == 0
    bad = [c for c in integrity.verify_subledgers(koperasi=koperasi) if not c.ok]
    assert not bad, [(c.account.code, c.label, c.subledger_total, c.ledger_balance) for c in bad]
    for loan in Loan.objects.filter(koperasi=koperasi):
        moved = LoanTransaction.objects.filter(loan=loan).aggregate(
            p=Sum("principal"), a=Sum("accrued")
        )
        assert loan.outstanding_principal == (moved["p"] or 0), loan.number
        assert loan.accrued_interest == (moved["a"] or 0), loan.number
        for row in loan.instalments.all():
            assert 0 <= row.principal_paid <= row.principal_due
            assert 0 <= row.interest_paid <= row.interest_due


def move_to(koperasi: Koperasi, day: dt.date) -> None:
    koperasi.business_date = day
    koperasi.save(update_fields=["business_date"])


def fresh(loan: Loan) -> Loan:
    return Loan.objects.get(pk=loan.pk)


def key(*parts: Any) -> str:
    return ":".join(str(p) for p in parts)
