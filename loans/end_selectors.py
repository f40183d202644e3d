"""Reads for the end-of-loan pages and documents: the written-off memo list, the schedule, the
member's statement with its running outstanding principal, pending restructurings and
write-offs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from core.money import ZERO
from loans.models import (
    Instalment,
    Loan,
    LoanRestructure,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
    LoanWriteOff,
    RequestStatus,
)
from registry.models import Koperasi

# What the member sees on the statement: the bank's own entries (accrual, PPAP) are not theirs.
MEMBER_KINDS = tuple(
    k
    for k in LoanTxKind.values
    if k not in (LoanTxKind.AKRUAL, LoanTxKind.AKRUAL_BALIK, LoanTxKind.PPAP)
)


PAYMENT_KINDS = (
    LoanTxKind.ANGSURAN,
    LoanTxKind.PELUNASAN,
    LoanTxKind.POTONG_GAJI,
    LoanTxKind.NETTING,
)


def written_off(*, koperasi: Koperasi) -> list[dict[str, Any]]:
    loans = (
        Loan.objects.filter(koperasi=koperasi, status=LoanStatus.HAPUS_BUKU)
        .select_related("member", "product")
        .order_by("closed_on", "number")
    )
    requests = {
        w.loan_id: w
        for w in LoanWriteOff.objects.filter(
            koperasi=koperasi, status=RequestStatus.DISETUJUI
        ).select_related("decided_by", "seen_by_pengawas")
    }
    return [
        {"loan": loan, "request": requests.get(loan.pk), "left": loan.written_off - loan.recovered}
        for loan in loans
    ]


def pending(*, koperasi: Koperasi) -> dict[str, Any]:
    return {
        "restructures": list(
            LoanRestructure.objects.filter(koperasi=koperasi, status=RequestStatus.MENUNGGU)
            .select_related("loan__member", "requested_by")
            .order_by("requested_at")
        ),
        "writeoffs": list(
            LoanWriteOff.objects.filter(koperasi=koperasi, status=RequestStatus.MENUNGGU)
            .select_related("loan__member", "requested_by")
            .order_by("requested_at")
        ),
    }


def schedule(*, loan: Loan) -> list[Instalment]:
    """The schedule in force: the current version and the rows of earlier ones already paid."""
    return list(
        Instalment.objects.filter(loan=loan, superseded=False).order_by("version", "number")
    )


@dataclass(frozen=True)
class StatementRow:
    tx: LoanTransaction
    paid: Decimal  # what the member paid in this movement
    outstanding: Decimal  # principal still owed after it


def statement(*, loan: Loan) -> list[StatementRow]:
    rows = []
    outstanding = ZERO
    for tx in (
        LoanTransaction.objects.filter(loan=loan)
        .select_related("entry")
        .order_by("value_date", "id")
    ):
        outstanding += tx.principal
        if tx.kind not in MEMBER_KINDS:
            continue
        paid = ZERO
        if tx.kind in PAYMENT_KINDS:  # a void's figures are negative: the payment taken back
            paid = -tx.principal + tx.interest_paid + tx.denda_paid + tx.fees
        elif tx.kind == LoanTxKind.PEMULIHAN:
            paid = tx.cash
        rows.append(StatementRow(tx=tx, paid=paid, outstanding=outstanding))
    return rows


def total_paid(*, loan: Loan) -> Decimal:
    paid = LoanTransaction.objects.filter(loan=loan, kind__in=PAYMENT_KINDS).aggregate(
        p=Sum("principal"), i=Sum("interest_paid"), d=Sum("denda_paid"), f=Sum("fees")
    )
    return -(paid["p"] or ZERO) + (paid["i"] or ZERO) + (paid["d"] or ZERO) + (paid["f"] or ZERO)
