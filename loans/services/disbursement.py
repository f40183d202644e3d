"""Disbursement (pencairan): one balanced entry, the schedule, the loan running.

The entry: Dr the product's portfolio account for the principal; Cr cash out of the kasir's
drawer (or the member's sukarela) for what the member receives; Cr provisi and administrasi
income (role ``pendapatan_provisi_admin``) for the fees; Cr the member's account of the
product's compulsory saving for the saving taken. The instalments come from
:mod:`loans.schedule` (version 1), the first falling due one period after the disbursement.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.books import books_text
from core.dates import business_date
from core.notify import notices
from ledger import services as ledger
from loans.models import Instalment, Loan, LoanEvent, LoanStatus, LoanTransaction, LoanTxKind
from loans.services._common import (
    DISBURSE,
    ZERO,
    audit_tx,
    check_limits,
    check_via,
    entry_total,
    lock_loan,
    lock_session,
    repeat,
    rupiah,
    user_or_none,
)
from loans.services.applications import schedule_of
from loans.services.products import LoansError
from savings.models import Account as SavingsAccount
from savings.models import CashierSession, TxKind
from savings.services import drawer
from savings.services._common import Booking, lock_account
from savings.services.berjangka import sukarela_of
from savings.services.products import open_account


def _saving_account(loan: Loan, on: dt.date, actor: Any) -> SavingsAccount | None:
    terms = loan.terms
    if not terms.saving_kind or terms.saving_product_id is None:
        return None
    product = terms.saving_product
    assert product is not None
    found = (
        SavingsAccount.objects.filter(
            member=loan.member, product=product, status=SavingsAccount.Status.AKTIF
        )
        .order_by("pk")
        .first()
    )
    return found or open_account(member=loan.member, product=product, actor=actor, on=on)


def _hold(
    held: dict[int, SavingsAccount], loan: Loan, via: str, on: dt.date, actor: Any
) -> tuple[SavingsAccount | None, SavingsAccount | None]:
    """The saving account the disbursement fills and the sukarela it pays into, locked (once)."""
    saving = _saving_account(loan, on, actor) if disbursement_figures(loan)["saving"] else None
    target = sukarela_of(loan.member, actor=actor, on=on) if via == "sukarela" else None
    for account in (saving, target):
        if account is not None and account.pk not in held:
            held[account.pk] = lock_account(account)
    return (
        held[saving.pk] if saving is not None else None,
        held[target.pk] if target is not None else None,
    )


def disbursement_figures(loan: Loan) -> dict[str, Any]:
    """What the member receives: principal less provisi, administrasi and the saving."""
    terms = loan.terms
    fees = terms.fees(loan.principal)
    saving = terms.fee(terms.saving_kind, terms.saving_bp, terms.saving_amount, loan.principal)
    return {"fees": fees, "saving": saving, "net": loan.principal - fees - saving}


@transaction.atomic
def loan_disburse(
    *,
    loan: Loan,
    actor: Any,
    via: str = "kas",
    session: CashierSession | None = None,
    on: dt.date | None = None,
    idempotency_key: str,
    confirmed: bool = True,
    approved_by: Any = None,
) -> LoanTransaction:
    """Pay out an approved loan. ``via="kas"`` needs the kasir's open ``session`` and a drawer
    holding the cash; ``via="sukarela"`` credits the member's sukarela account. A repeat of
    ``idempotency_key`` returns the first result. The counter's limits apply to what is paid
    out in cash (above the approval threshold a pengurus approves it through the counter's
    queue: :mod:`loans.services.counter_requests`); into sukarela the loan's own approval by a
    pengurus who is not the kasir counts as the approval."""
    check_via(via)
    koperasi = loan.koperasi
    on = on or business_date(koperasi)
    if via == "kas" and session is None:
        raise LoansError(_("Buka sesi kasir dulu untuk mencairkan tunai."), code="session")
    # Lock order (loans.services._common): the member's savings accounts, then the loan.
    held: dict[int, SavingsAccount] = {}
    _hold(held, loan, via, on, actor)
    locked = lock_loan(loan)
    figures = disbursement_figures(locked)
    net = figures["net"]
    if (
        via != "kas"
        and approved_by is None
        and locked.approved_by_id not in (None, getattr(actor, "pk", None))
    ):
        # Into sukarela no cash leaves the drawer: the loan's approval is the approval. Cash
        # above the threshold waits for the counter's own (loans.services.counter_requests).
        approved_by = locked.approved_by
    check_limits(locked.koperasi_id, net, actor=actor, confirmed=confirmed, approved_by=approved_by)
    saving_account, target = _hold(held, locked, via, on, actor)  # the same ones (held already)
    booking = Booking(koperasi, on)
    locked_session = lock_session(session, koperasi.pk) if via == "kas" else None
    books = ledger.lock_books(koperasi=koperasi, value_date=on, idempotency_key=idempotency_key)
    if (entry := books.keyed) is not None:
        return repeat(entry, locked, kind=DISBURSE, total=locked.principal)
    if locked.status != LoanStatus.DISETUJUI:
        raise LoansError(
            _("Pinjaman %(n)s belum disetujui atau sudah dicairkan (status: %(s)s).")
            % {"n": locked.number, "s": locked.get_status_display()},
            code="not_approved",
        )
    if locked.related_party and locked.approved_by_pengawas_id is None:  # pragma: no cover
        raise LoansError(_("Pinjaman pihak terkait perlu persetujuan pengawas."), code="pengawas")
    if on < locked.applied_on:
        raise LoansError(_("Tanggal pencairan sebelum tanggal pengajuan."), code="date")
    if net <= 0:
        raise LoansError(
            _("Potongan %(f)s tidak boleh sebesar pokok pinjaman.")
            % {"f": rupiah(figures["fees"] + figures["saving"])},
            code="net_zero",
        )
    member = locked.member
    text = books_text("Pencairan pinjaman %(n)s — %(name)s", n=locked.number, name=member.full_name)
    booking.debit(locked.product.ledger_account, locked.principal)
    booking.credit(booking.role("pendapatan_provisi_admin"), figures["fees"])
    if saving_account is not None:
        booking.pay_in(
            held[saving_account.pk],
            figures["saving"],
            memo=books_text("Simpanan dari pencairan pinjaman %(n)s", n=locked.number),
        )
    cash = ZERO
    if via == "kas":
        assert locked_session is not None
        drawer.check_payout(locked_session, net)
        booking.credit(booking.role("kas"), net)
        cash = -net
    else:
        assert target is not None
        booking.pay_in(
            held[target.pk],
            net,
            kind=TxKind.SETORAN,
            memo=books_text("Pencairan pinjaman %(n)s", n=locked.number),
        )
    entry = booking.post(
        kind=DISBURSE, memo=text, actor=actor, source=f"loans.Loan:{locked.pk}", books=books
    )
    schedule = schedule_of(locked, start=on)
    Instalment.objects.bulk_create(
        Instalment(
            koperasi_id=koperasi.pk,
            loan=locked,
            version=locked.schedule_version,
            number=row.number,
            due_date=row.due_date,
            principal_due=row.principal,
            interest_due=row.interest,
        )
        for row in schedule
    )
    locked.status = LoanStatus.AKTIF
    locked.disbursed_on = on
    locked.maturity_date = schedule.maturity
    locked.disbursement_entry = entry
    locked.fees = figures["fees"]
    locked.saving_taken = figures["saving"]
    locked.outstanding_principal = locked.principal
    locked.save()
    tx = LoanTransaction.objects.create(
        koperasi_id=koperasi.pk,
        loan=locked,
        kind=LoanTxKind.PENCAIRAN,
        value_date=on,
        entry=entry,
        principal=locked.principal,
        fees=figures["fees"],
        cash=cash,
        memo=text[:250],
        actor=user_or_none(actor),
        session=locked_session if cash else None,
    )
    LoanEvent.objects.create(
        koperasi_id=koperasi.pk,
        loan=locked,
        kind="dicairkan",
        on=on,
        actor=user_or_none(actor),
        data={"via": via, "net": str(net), "entry": entry.number},
    )
    audit_tx(actor, DISBURSE, tx, entry, net=net, saving=figures["saving"], via=via)
    first_due = min(row.due_date for row in schedule)
    notices.loan_disbursement_receipt(tx=tx, net=net, first_due=first_due, koperasi=koperasi)
    assert entry_total(entry) == locked.principal
    return tx


__all__ = ["disbursement_figures", "loan_disburse"]
