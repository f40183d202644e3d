"""Reads for the public receipt check: a verification code → what the receipt says."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from ledger.models import SHORT_HASH, EntryStatus, JournalEntry, Posting, ShortHash
from loans.models import LoanTransaction
from loans.services import disbursement_figures
from savings.models import Transaction

CODE = re.compile(rf"^[0-9a-f]{{{SHORT_HASH}}}$")
LOAN_RECEIPTS = ("pencairan", "angsuran", "pelunasan")


@dataclass(frozen=True)
class CheckedReceipt:
    on: dt.date
    kind: str  # a person's word for it: "Setoran", "Angsuran"
    amount: Decimal
    account: str  # masked: the last four characters only
    voided: bool


def clean_code(raw: Any) -> str:
    """A code as a person types it: capitals, spaces, dashes and anything else not a letter or
    a digit ignored."""
    return re.sub(r"[^0-9a-z]", "", str(raw or "").lower())[:40]


def masked(number: str) -> str:
    number = number.strip()
    return "•••" + number[-4:] if len(number) > 4 else number


def receipt_by_code(*, koperasi: Any, code: str) -> CheckedReceipt | None:
    """The receipt of ``koperasi`` whose verification code is ``code``, or ``None``: a code of
    another koperasi, an entry that is no receipt (an accrual, a closing entry), a typo."""
    code = clean_code(code)
    if not CODE.match(code):
        return None
    entry = (
        JournalEntry.objects.annotate(code=ShortHash("hash"))
        .filter(koperasi=koperasi, code=code, status=EntryStatus.POSTED)
        .only("pk", "value_date", "hash")
        .order_by("pk")
        .first()
    )
    if entry is None:
        return None
    voided = JournalEntry.objects.filter(koperasi=koperasi, reverses=entry).exists()
    loan_tx = (
        LoanTransaction.objects.filter(entry=entry, kind__in=LOAN_RECEIPTS)
        .select_related("loan__terms")
        .first()
    )
    if loan_tx is not None:
        if loan_tx.kind == "pencairan":
            amount = disbursement_figures(loan_tx.loan)["net"]
        else:
            amount = _debits(entry)
        return CheckedReceipt(
            on=loan_tx.value_date,
            kind=str(loan_tx.get_kind_display()),
            amount=amount,
            account=masked(loan_tx.loan.number),
            voided=voided,
        )
    lines = list(Transaction.objects.filter(entry=entry).select_related("account").order_by("pk"))
    if not lines:
        return None
    first = lines[0]
    amount = sum((t.amount for t in lines if t.amount > 0), Decimal(0)) or abs(first.amount)
    return CheckedReceipt(
        on=first.value_date,
        kind=str(first.get_kind_display()),
        amount=amount,
        account=masked(first.account.number),
        voided=voided,
    )


def _debits(entry: JournalEntry) -> Decimal:
    total = Posting.objects.filter(entry=entry, amount__gt=0).aggregate(s=Sum("amount"))["s"]
    return total or Decimal(0)
