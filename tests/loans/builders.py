"""TEST BUILDERS: active loans made straight in the tables, with their books.

Not the loans services (application → approval → disbursement → repayment live in
``loans.services``): these write the same rows those services write — the Loan (approved by a
second user), its Instalment rows from :mod:`loans.schedule`, and a balanced journal entry with
its LoanTransaction — so the close-of-business steps have real loans, books and sub-ledger that
agree, without depending on the counter's rules. Use them only in tests and benchmarks.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.db import transaction

from core.money import ZERO, money
from ledger.selectors import account_for_role
from ledger.services import Line, post
from loans import schedule
from loans.models import Instalment, Loan, LoanProduct, LoanTransaction
from members.models import Member
from registry.models import Koperasi, Role
from tests.factories import MemberFactory, loan_product, staff_user

_numbers = itertools.count(1)


def _staff(koperasi: Koperasi, role: str, name: str) -> Any:
    from django.contrib.auth import get_user_model

    username = f"{name}.{koperasi.code}"
    found = get_user_model().objects.filter(username=username).first()
    return found or staff_user(username, role, koperasi)


def _ensure_business_date(koperasi: Koperasi, day: dt.date) -> None:
    if koperasi.business_date is None or koperasi.business_date < day:
        koperasi.business_date = day
        koperasi.save(update_fields=["business_date"])


@transaction.atomic
def active_loan(
    koperasi: Koperasi,
    *,
    principal: Decimal | int | str,
    method: str = "flat",
    tenor: int = 12,
    disbursed_on: dt.date,
    rate_bp: int = 100,
    rate_per: str = "bulan",
    frequency: str = "bulanan",
    product: LoanProduct | None = None,
    member: Member | None = None,
    officer: Any = None,
    grace: int = 0,
) -> Loan:
    """An active loan disbursed on ``disbursed_on`` in cash: Dr portfolio / Cr kas, with its
    schedule. The koperasi's business date is moved up to ``disbursed_on`` if it is behind."""
    amount = money(principal)
    product = product or loan_product(koperasi)
    terms = product.terms.order_by("-effective_from").first()
    assert terms is not None
    member = member or MemberFactory.create(koperasi=koperasi)
    maker = _staff(koperasi, Role.KASIR, "pembuat")
    checker = _staff(koperasi, Role.PENGURUS, "penyetuju")
    _ensure_business_date(koperasi, disbursed_on)
    made = schedule.build(
        method=method,
        principal=amount,
        rate=schedule.period_rate(
            Decimal(rate_bp) / 100,
            basis=schedule.RateBasis(rate_per),
            frequency=schedule.Frequency(frequency),
        ),
        periods=tenor,
        start=disbursed_on,
        frequency=frequency,
        grace=grace,
    )
    loan = Loan.objects.create(
        koperasi=koperasi,
        member=member,
        product=product,
        terms=terms,
        number=f"PJ/UJI/{next(_numbers):06d}",
        status=Loan.Status.AKTIF,
        principal=amount,
        method=method,
        rate_bp=rate_bp,
        rate_per=rate_per,
        frequency=frequency,
        tenor=tenor,
        grace=grace,
        officer=officer,
        applied_on=disbursed_on,
        applied_by=maker,
        approved_by=checker,
        disbursed_on=disbursed_on,
        maturity_date=made.maturity,
        outstanding_principal=amount,
    )
    Instalment.objects.bulk_create(
        [
            Instalment(
                koperasi=koperasi,
                loan=loan,
                number=i.number,
                due_date=i.due_date,
                principal_due=i.principal,
                interest_due=i.interest,
            )
            for i in made
        ]
    )
    entry = post(
        koperasi=koperasi,
        lines=[
            Line(product.ledger_account, debit=amount),
            Line(account_for_role(koperasi=koperasi, role="kas"), credit=amount),
        ],
        kind="loans.disbursement",
        memo=f"Pencairan {loan.number} (uji)",
        actor=checker,
        value_date=disbursed_on,
    )
    loan.disbursement_entry = entry
    loan.save(update_fields=["disbursement_entry"])
    LoanTransaction.objects.create(
        koperasi=koperasi,
        loan=loan,
        kind=LoanTransaction.Kind.PENCAIRAN,
        value_date=disbursed_on,
        entry=entry,
        principal=amount,
        cash=-amount,
        actor=checker,
    )
    return loan


@transaction.atomic
def pay_instalments(loan: Loan, n: int, on: dt.date) -> Loan:
    """The member pays the next ``n`` unpaid instalments in full in cash on ``on``: cash in,
    portfolio down by their principal, accrued interest used first, the rest interest income."""
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    koperasi = loan.koperasi
    _ensure_business_date(koperasi, on)
    rows = list(
        loan.instalments.filter(superseded=False, paid_on__isnull=True).order_by("due_date")[:n]
    )
    principal = sum((r.principal_due - r.principal_paid for r in rows), ZERO)
    interest = sum((r.interest_due - r.interest_paid for r in rows), ZERO)
    from_accrued = min(interest, loan.accrued_interest)
    income = interest - from_accrued
    cash = principal + interest
    role = lambda name: account_for_role(koperasi=koperasi, role=name)  # noqa: E731
    lines = [Line(role("kas"), debit=cash)]
    if principal:
        lines.append(Line(loan.product.ledger_account, credit=principal))
    if from_accrued:
        lines.append(Line(role("bunga_pinjaman_diterima"), credit=from_accrued))
    if income:
        lines.append(Line(role("pendapatan_jasa_pinjaman"), credit=income))
    entry = post(
        koperasi=koperasi,
        lines=lines,
        kind="loans.repayment",
        memo=f"Angsuran {loan.number} (uji)",
        actor=loan.approved_by,
        value_date=on,
    )
    for r in rows:
        r.principal_paid, r.interest_paid, r.paid_on = r.principal_due, r.interest_due, on
        r.save(update_fields=["principal_paid", "interest_paid", "paid_on"])
    LoanTransaction.objects.create(
        koperasi=koperasi,
        loan=loan,
        kind=LoanTransaction.Kind.ANGSURAN,
        value_date=on,
        entry=entry,
        principal=-principal,
        accrued=-from_accrued,
        interest_paid=interest,
        cash=cash,
    )
    loan.outstanding_principal -= principal
    loan.accrued_interest -= from_accrued
    fields = ["outstanding_principal", "accrued_interest"]
    if loan.outstanding_principal == 0 and loan.accrued_interest == 0:
        loan.status, loan.closed_on = Loan.Status.LUNAS, on
        fields += ["status", "closed_on"]
    loan.save(update_fields=fields)
    return loan
