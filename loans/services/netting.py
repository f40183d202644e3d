"""A leaving member's savings pay their loans first (the exit netting hook).

:func:`savings.services.member_exit` refunds every savings balance in one entry and asks each
registered hook (:func:`savings.services.register_exit_netting`) what the member owes. This hook
settles each of the member's running loans in full, as an early settlement on the exit day
(:func:`loans.services.repayment.loan_payoff_quote`: principal, interest due and to the day,
denda, the product's penalty): it adds the credit lines to the exit's booking — the portfolio
account for the principal, accrued loan interest then interest income for the interest, denda
income for denda and penalty — and returns the total, which the exit deducts from the refund
(and refuses the exit when the savings do not cover it). Once the entry is posted, each loan gets
a movement of kind ``netting`` with its allocations, and becomes lunas.

**Lock order**: the exit has locked the member's savings accounts; this hook then locks the
member's loans by id (and their instalments), and the exit's entry locks the books last. Every
loan write that also moves the member's savings takes them in the same order (a repayment from
sukarela locks the sukarela before the loan; :mod:`loans.services._common`), so an exit and a
repayment of the same member wait for each other instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.books import books_text
from ledger.models import JournalEntry
from loans.models import (
    Instalment,
    InstalmentMovement,
    Loan,
    LoanEvent,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
)
from loans.services._common import ZERO, lock_loan
from loans.services.repayment import Plan, open_instalments, plan_payment, quote_of
from members.models import Member
from savings.services._common import Booking


def exit_netting(member: Member, booking: Booking, on: dt.date) -> Decimal:
    """Net every running loan of ``member`` against the exit's refund (see the module doc)."""
    total = ZERO
    loans = list(Loan.objects.filter(member_id=member.pk, status=LoanStatus.AKTIF).order_by("pk"))
    for loan in loans:  # by id, after the member's savings accounts (the exit locked them)
        locked = lock_loan(loan)
        if locked.status != LoanStatus.AKTIF:
            continue  # settled by a repayment that held it first: nothing left to net
        rows = open_instalments(locked, lock=True)
        quote = quote_of(locked, rows, on)
        plan = plan_payment(locked, rows, quote.total, on, settle=True)
        interest = plan.interest
        from_accrued = min(locked.accrued_interest, interest)
        booking.credit(locked.product.ledger_account, plan.principal)
        booking.credit(booking.role("bunga_pinjaman_diterima"), from_accrued)
        booking.credit(booking.role("pendapatan_jasa_pinjaman"), interest - from_accrued)
        booking.credit(booking.role("pendapatan_denda"), plan.denda + plan.penalty)
        total += plan.total
        for row in rows:
            plan.cut(row)
            if row.principal_due == row.principal_paid and row.paid_on is None:
                if row.interest_due == row.interest_paid:
                    row.paid_on = on
        Instalment.objects.bulk_update(
            rows, ["principal_paid", "interest_paid", "denda_paid", "interest_due", "paid_on"]
        )
        text = books_text(
            "Potong simpanan saat keluar untuk pinjaman %(n)s — %(name)s",
            n=locked.number,
            name=member.full_name,
        )
        locked.outstanding_principal -= plan.principal
        locked.accrued_interest -= from_accrued
        locked.status = LoanStatus.LUNAS
        locked.closed_on = on
        locked.save(
            update_fields=["outstanding_principal", "accrued_interest", "status", "closed_on"]
        )

        def record(
            entry: JournalEntry,
            loan: Loan = locked,
            plan_: Plan = plan,
            accrued: Decimal = from_accrued,
            memo: str = text,
        ) -> None:
            p = plan_
            tx = LoanTransaction.objects.create(
                koperasi_id=loan.koperasi_id,
                loan=loan,
                kind=LoanTxKind.NETTING,
                value_date=on,
                entry=entry,
                principal=-p.principal,
                accrued=-accrued,
                interest_paid=p.interest,
                denda_paid=p.denda,
                fees=p.penalty,
                memo=memo[:250],
                actor=entry.actor if entry.actor_id else None,
            )
            InstalmentMovement.objects.bulk_create(
                InstalmentMovement(
                    koperasi_id=loan.koperasi_id,
                    transaction=tx,
                    instalment=part.instalment,
                    principal=part.principal,
                    interest=part.interest,
                    denda=part.denda,
                    interest_cut=part.interest_cut,
                )
                for part in p.parts.values()
            )
            LoanEvent.objects.create(
                koperasi_id=loan.koperasi_id,
                loan=loan,
                kind="lunas",
                on=on,
                actor=tx.actor,
                data={"entry": entry.number, "netting": True},
            )

        booking.after_post.append(record)
    return total


__all__ = ["exit_netting"]
