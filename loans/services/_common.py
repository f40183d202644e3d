"""What the loan money services share: locks, the kasir's session, repeats, the audit record.

**Lock order**, the same for every loan write, so that no two writers deadlock on PostgreSQL:

1. the member's savings accounts it moves (:func:`savings.services._common.lock_account`; several
   by id) — a member's exit locks them all first and then nets the loans;
2. the loans, by id (:func:`lock_loan`; the close of business locks the loans of a step in id
   order, :mod:`loans.services.closing`);
3. the kasir's session (:func:`lock_session`);
4. the loans' instalments;
5. the books last (:func:`ledger.services.lock_books`, which also tells whether the idempotency
   key was used).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from core import audit
from core import money as m
from ledger.models import JournalEntry, Posting
from loans.models import Loan, LoanTransaction
from loans.services.products import LoansError
from registry.models import Role, RoleGrant
from savings.models import CashierSession
from savings.services import approvals

ZERO = m.ZERO
VIA = ("kas", "sukarela")

DISBURSE = "loans.disburse"
REPAY = "loans.repay"
SETTLE = "loans.settle"
VOID = "loans.void"


class IdempotencyConflict(LoansError):
    pass


def rupiah(amount: Decimal) -> str:
    return m.format_rupiah(amount, sen=amount != amount.to_integral_value())


def check_via(via: str) -> None:
    if via not in VIA:
        raise LoansError(_("Sumber dana harus kas atau simpanan sukarela."), code="via")


def lock_loan(loan: Loan) -> Loan:
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("terms", "product__ledger_account", "member", "koperasi")
        .get(pk=loan.pk, koperasi_id=loan.koperasi_id)
    )


def lock_session(session: CashierSession | None, koperasi_id: int) -> CashierSession | None:
    """Hold the kasir's session (its cash counts in it) and refuse a closed or foreign one."""
    if session is None:
        return None
    if session.koperasi_id != koperasi_id:
        raise LoansError(_("Sesi kasir milik koperasi lain."), code="session")
    locked = (
        CashierSession.objects.select_for_update(no_key=True)
        .filter(pk=session.pk, closed_at__isnull=True)
        .first()
    )
    if locked is None:
        raise LoansError(
            _("Sesi kasir sudah ditutup; buka sesi baru dengan menghitung kas."), code="session"
        )
    return locked


def check_limits(
    koperasi_id: int, amount: Decimal, *, actor: Any, confirmed: bool, approved_by: Any
) -> None:
    """The counter's limits (:mod:`savings.services.approvals`): above the ceiling refused;
    above the confirmation level the kasir confirms the amount in words; above the approval
    threshold a pengurus who is not the kasir (``approved_by``) approves."""
    approved = False
    if approved_by is not None:
        if getattr(approved_by, "pk", None) == getattr(actor, "pk", None):
            raise LoansError(
                _("Persetujuan pengurus diberikan oleh orang lain, bukan kasir."), code="approver"
            )
        if not RoleGrant.objects.filter(
            user_id=approved_by.pk, koperasi_id=koperasi_id, role=Role.PENGURUS
        ).exists():
            raise LoansError(_("Yang menyetujui harus pengurus."), code="approver")
        approved = True
    approvals.check(koperasi_id, amount, confirmed=confirmed, approved=approved)


def entry_total(entry: JournalEntry) -> Decimal:
    """The debit side of an entry (what a repayment took in, what a disbursement lent)."""
    return Posting.objects.filter(entry=entry, amount__gt=0).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal(0)


def repeat(entry: JournalEntry, loan: Loan, *, kind: str, total: Decimal) -> LoanTransaction:
    """The first result of a key used again for exactly the same thing, else refused."""
    tx = (
        LoanTransaction.objects.filter(entry=entry, loan=loan, voids__isnull=True)
        .order_by("id")
        .first()
    )
    if tx is None or entry.kind != kind or entry_total(entry) != total:
        raise IdempotencyConflict(
            _(
                "Formulir ini sudah dipakai untuk transaksi lain (%(n)s). Tidak ada yang "
                "dicatat; periksa jumlahnya lalu kirim ulang dengan formulir baru."
            )
            % {"n": entry.number},
            code="idempotency_conflict",
        )
    return tx


def audit_tx(
    actor: Any, action: str, tx: LoanTransaction, entry: JournalEntry, **extra: Any
) -> None:
    loan = tx.loan
    audit.record(
        actor=actor,
        action=action,
        obj=tx,
        koperasi=loan.koperasi,
        after={
            "loan": loan.number,
            "entry": entry.number,
            "entry_hash": entry.hash,
            "principal": str(tx.principal),
            "interest_paid": str(tx.interest_paid),
            "denda_paid": str(tx.denda_paid),
            "fees": str(tx.fees),
            "cash": str(tx.cash),
            "outstanding": str(loan.outstanding_principal),
            **{k: str(v) for k, v in extra.items()},
        },
    )


def user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def not_after(day: dt.date, today: dt.date) -> None:
    if day > today:
        raise LoansError(_("Tanggal tidak boleh setelah tanggal buku."), code="future")


def refuse_request(request: Any, *, actor: Any, note: str, event: str, action: str) -> Any:
    """Record a second person's refusal of a locked request (restructuring, write-off): its
    status and decision, a LoanEvent ``event`` on the loan and the audit ``action``."""
    from django.utils import timezone

    from core.dates import business_date
    from loans.models import LoanEvent, RequestStatus

    request.status = RequestStatus.DITOLAK
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = (note or "")[:250]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    loan = request.loan
    LoanEvent.objects.create(
        koperasi_id=request.koperasi_id,
        loan=loan,
        kind=event,
        on=business_date(loan.koperasi),
        actor=user_or_none(actor),
        note=request.decision_note,
        data={"request": request.pk},
    )
    audit.record(
        actor=actor,
        action=action,
        obj=request,
        koperasi=loan.koperasi,
        after={"loan": loan.number},
        note=request.decision_note,
    )
    return request
