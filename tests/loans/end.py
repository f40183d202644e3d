"""Helpers for the end-of-loan tests: an allowance formed as the close of business would."""

from __future__ import annotations

from decimal import Decimal

from core.dates import business_date
from ledger import services as ledger
from loans.models import Loan, LoanTransaction, LoanTxKind
from savings.services._common import Booking


def _book(loan: Loan, amount: Decimal, debit: str, credit: str, field: str, kind: str) -> None:
    from django.db import transaction

    with transaction.atomic():
        koperasi = loan.koperasi
        on = business_date(koperasi)
        booking = Booking(koperasi, on)
        books = ledger.lock_books(koperasi=koperasi, value_date=on)
        booking.debit(booking.role(debit), amount)
        booking.credit(booking.role(credit), amount)
        entry = booking.post(kind=f"loans.{kind}", memo=kind, actor=None, books=books)
        locked = Loan.objects.select_for_update().get(pk=loan.pk)
        setattr(locked, field, getattr(locked, field) + amount)
        locked.save(update_fields=[field])
        LoanTransaction.objects.create(
            koperasi_id=koperasi.pk,
            loan=locked,
            kind=kind,
            value_date=on,
            entry=entry,
            **{"allowance" if field == "allowance" else "accrued": amount},
        )


def form_allowance(loan: Loan, amount: Decimal) -> None:
    """Dr PPAP expense, Cr the allowance, and the loan's figure: what loanrisk's PPAP step does."""
    _book(loan, amount, "beban_penyisihan_pinjaman", "penyisihan_pinjaman", "allowance", "ppap")


def accrue(loan: Loan, amount: Decimal) -> None:
    """Dr accrued interest, Cr interest income: what loanrisk's accrual step does."""
    _book(
        loan,
        amount,
        "bunga_pinjaman_diterima",
        "pendapatan_jasa_pinjaman",
        "accrued_interest",
        LoanTxKind.AKRUAL,
    )
