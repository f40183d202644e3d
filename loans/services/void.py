"""Voids of loan movements: the only way a ``loans.*`` entry is undone (the ledger's generic
reversal and manual journal lines on the loans control accounts are refused, see
:mod:`loans.subledger`).

Maker-checker: someone asks with a reason (:func:`loan_void_request`), a pengurus who did not
ask approves (:func:`loan_void_approve`; the database's ``loans_void_four_eyes`` holds the same)
or refuses (:func:`loan_void_refuse`). Voidable: a repayment or an early settlement (the
loan's latest movement that is not itself voided), and a disbursement with nothing after it.

The void posts one entry (kind ``loans.void``) mirroring the original's lines, a movement with
the opposite figures and ``voids`` pointing at the original, and puts the loan back exactly:
each instalment's paid principal, interest and denda and any interest cut from the schedule
(from the original's :class:`~loans.models.InstalmentMovement` rows), the outstanding
principal, the accrued interest, and the status (a lunas loan runs again). A disbursement's
void supersedes its schedule and returns the loan to ``disetujui``. Savings movements of the
original (from or into sukarela, the compulsory saving) are undone by the savings void's rules.
Cash counts in the kasir's session of the original while it is still open.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.books import books_text
from core.dates import business_date
from ledger import services as ledger
from ledger.models import JournalEntry, Posting
from loans.models import (
    Instalment,
    InstalmentMovement,
    Loan,
    LoanEvent,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
    LoanVoidRequest,
    LoanVoidStatus,
)
from loans.services._common import VOID, ZERO, lock_loan, user_or_none
from loans.services.products import LoansError
from loans.services.repayment import open_instalments
from loans.streak import on_time_streak
from registry.models import Role, RoleGrant
from savings import subledger as savings_subledger
from savings.models import CashierSession
from savings.models import Transaction as SavingsTransaction
from savings.services._common import lock_accounts
from savings.services.void import _VoidBooking

VOIDABLE = (LoanTxKind.PENCAIRAN, LoanTxKind.ANGSURAN, LoanTxKind.PELUNASAN, LoanTxKind.PEMULIHAN)


class LoanVoidError(LoansError):
    pass


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise LoanVoidError(_("Tulis alasan pembatalan."), code="reason")
    return reason[:200]


def _is_pengurus(user: Any, koperasi_id: int) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        RoleGrant.objects.filter(
            user_id=user.pk, koperasi_id=koperasi_id, role=Role.PENGURUS
        ).exists()
    )


def _check_voidable(tx: LoanTransaction) -> None:
    if tx.voids_id is not None or tx.kind not in VOIDABLE:
        raise LoanVoidError(
            _("Transaksi pinjaman jenis ini tidak dibatalkan di sini."), code="not_voidable"
        )
    if LoanTransaction.objects.filter(voids=tx).exists():
        raise LoanVoidError(_("Transaksi ini sudah dibatalkan."), code="voided")
    later = (
        LoanTransaction.objects.filter(loan_id=tx.loan_id, pk__gt=tx.pk, voids__isnull=True)
        .exclude(pk__in=LoanTransaction.objects.filter(voids__isnull=False).values("voids_id"))
        .exists()
    )
    # loanend: a movement before a restructuring belongs to the old schedule; not undone here.
    later = later or (
        tx.loan.restructures.filter(status="disetujui", decided_at__gte=tx.created_at).exists()
    )
    if later:
        raise LoanVoidError(
            _(
                "Sudah ada transaksi pinjaman sesudahnya; batalkan yang terakhir lebih dulu "
                "(dari yang terbaru)."
            ),
            code="later",
        )


@transaction.atomic
def loan_void_request(*, transaction: LoanTransaction, actor: Any, reason: str) -> LoanVoidRequest:
    """Ask to void a loan movement; a repeat returns the request already made."""
    tx = transaction
    reason = _reason(reason)
    _check_voidable(tx)
    found = (
        LoanVoidRequest.objects.filter(transaction=tx)
        .exclude(status=LoanVoidStatus.DITOLAK)
        .first()
    )
    if found is not None:
        return found
    try:
        with transaction_atomic():
            request = LoanVoidRequest.objects.create(
                koperasi_id=tx.koperasi_id,
                loan_id=tx.loan_id,
                transaction=tx,
                reason=reason,
                requested_by=actor,
            )
    except IntegrityError:  # pragma: no cover - asked twice at once
        return LoanVoidRequest.objects.exclude(status=LoanVoidStatus.DITOLAK).get(transaction=tx)
    audit.record(
        actor=actor,
        action="loans.void_request",
        obj=request,
        koperasi=tx.loan.koperasi,
        after={"entry": tx.entry.number, "loan": tx.loan.number},
        note=reason,
    )
    return request


transaction_atomic = transaction.atomic


def _check_approver(request: LoanVoidRequest, actor: Any) -> None:
    if not _is_pengurus(actor, request.koperasi_id):
        raise LoanVoidError(_("Pembatalan disetujui oleh pengurus."), code="who")
    if getattr(actor, "pk", None) == request.requested_by_id:
        raise LoanVoidError(
            _("Pembatalan disetujui oleh orang kedua, bukan yang memintanya."),
            code="second_person",
        )


@transaction.atomic
def loan_void_refuse(*, request: LoanVoidRequest, actor: Any, note: str) -> LoanVoidRequest:
    locked = LoanVoidRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != LoanVoidStatus.MENUNGGU:
        raise LoanVoidError(_("Permintaan ini sudah diputuskan."), code="decided")
    _check_approver(locked, actor)
    locked.status = LoanVoidStatus.DITOLAK
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = _reason(note)
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(
        actor=actor,
        action="loans.void_refuse",
        obj=locked,
        after={"status": LoanVoidStatus.DITOLAK},
        note=locked.decision_note,
    )
    return locked


@transaction.atomic
def loan_void_approve(*, request: LoanVoidRequest, actor: Any, note: str = "") -> LoanVoidRequest:
    """A pengurus who did not ask approves: the void is posted now (once)."""
    locked = LoanVoidRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status == LoanVoidStatus.DIBATALKAN:
        return locked
    if locked.status == LoanVoidStatus.DITOLAK:
        raise LoanVoidError(_("Permintaan ini sudah ditolak."), code="refused")
    _check_approver(locked, actor)
    return _execute(locked, actor=actor, note=note)


def _execute(request: LoanVoidRequest, *, actor: Any, note: str) -> LoanVoidRequest:
    original = LoanTransaction.objects.select_related("entry").get(pk=request.transaction_id)
    entry: JournalEntry = original.entry
    movements = list(SavingsTransaction.objects.filter(entry=entry, voids__isnull=True))
    # Lock order (loans.services._common): the savings accounts it moves, then the loan.
    accounts = lock_accounts(request.koperasi, [t.account_id for t in movements])
    loan = lock_loan(Loan.objects.get(pk=request.loan_id))
    _check_voidable(original)
    koperasi = loan.koperasi
    session = None
    if original.session_id is not None:
        session = (
            CashierSession.objects.select_for_update(no_key=True)
            .filter(pk=original.session_id, closed_at__isnull=True)
            .first()
        )
    today = business_date(koperasi)
    booking = _VoidBooking(koperasi, today)
    booking.memo = books_text(
        "Pembatalan %(nomor)s: %(alasan)s", nomor=entry.number, alasan=request.reason
    )
    books = ledger.lock_books(
        koperasi=koperasi, value_date=today, idempotency_key=f"loans-void:{request.pk}"
    )
    for movement in movements:
        account = accounts[movement.account_id]
        if movement.amount > 0:
            booking.undo_in(account, movement)
        else:
            booking.undo_out(account, movement)
    savings_control = set(savings_subledger.control_accounts(koperasi))
    for posting in Posting.objects.filter(entry=entry).select_related("account"):
        if posting.account_id in savings_control and movements:
            continue
        if posting.amount > 0:
            booking.credit(posting.account, posting.amount)
        else:
            booking.debit(posting.account, -posting.amount)
    undone, booking.movements = booking.movements, []
    void_entry = booking.post(
        kind=VOID,
        memo=booking.memo,
        actor=actor,
        source=f"loans.LoanVoidRequest:{request.pk}",
        books=books,
    )
    for movement in undone:  # written here: they carry ``voids``, the fast insert does not
        movement.entry = void_entry
        movement.actor = user_or_none(actor)
    SavingsTransaction.objects.bulk_create(undone)
    same_drawer = session is not None
    tx = LoanTransaction.objects.create(
        koperasi_id=koperasi.pk,
        loan=loan,
        kind=original.kind,
        value_date=today,
        entry=void_entry,
        principal=-original.principal,
        accrued=-original.accrued,
        allowance=-original.allowance,
        interest_paid=-original.interest_paid,
        denda_paid=-original.denda_paid,
        fees=-original.fees,
        cash=-original.cash if same_drawer else ZERO,
        memo=booking.memo[:250],
        actor=user_or_none(actor),
        session=session if same_drawer and original.cash else None,
        voids=original,
    )
    if original.kind == LoanTxKind.PENCAIRAN:
        # The schedule stays, superseded: a new disbursement makes the next version.
        Instalment.objects.filter(loan=loan, superseded=False).update(superseded=True)
        loan.schedule_version += 1
        loan.status = LoanStatus.DISETUJUI
        loan.disbursed_on = None
        loan.maturity_date = None
        loan.disbursement_entry = None
        loan.fees = ZERO
        loan.saving_taken = ZERO
        loan.outstanding_principal = ZERO
        loan.accrued_interest = ZERO
    elif original.kind == LoanTxKind.PEMULIHAN:
        # Cash recovered on a written-off loan: income taken back, the loan recovered less.
        loan.recovered -= original.cash
    else:
        rows = []
        for part in InstalmentMovement.objects.filter(transaction=original).select_related(
            "instalment"
        ):
            row = Instalment.objects.select_for_update().get(pk=part.instalment_id)
            row.principal_paid -= part.principal
            row.interest_paid -= part.interest
            row.denda_paid -= part.denda
            row.interest_due += part.interest_cut
            if row.principal_paid < row.principal_due or row.interest_paid < row.interest_due:
                row.paid_on = None
            row.save(
                update_fields=[
                    "principal_paid",
                    "interest_paid",
                    "denda_paid",
                    "interest_due",
                    "paid_on",
                ]
            )
            rows.append(
                InstalmentMovement(
                    koperasi_id=koperasi.pk,
                    transaction=tx,
                    instalment=row,
                    principal=-part.principal,
                    interest=-part.interest,
                    denda=-part.denda,
                    interest_cut=-part.interest_cut,
                )
            )
        InstalmentMovement.objects.bulk_create(rows)
        loan.outstanding_principal -= original.principal
        loan.accrued_interest -= original.accrued
        if loan.status == LoanStatus.LUNAS:
            loan.status = LoanStatus.AKTIF
            loan.closed_on = None
    # The streak as if the voided movement had never been (a restructured loan regains its
    # grade on it): recomputed from the schedule as it now stands, like after a repayment.
    loan.on_time_streak = on_time_streak(
        open_instalments(loan), today, version=loan.schedule_version
    )
    loan.save()
    LoanEvent.objects.create(
        koperasi_id=koperasi.pk,
        loan=loan,
        kind="dibatalkan",
        on=today,
        actor=user_or_none(actor),
        note=request.reason[:250],
        data={"entry": entry.number, "void_entry": void_entry.number},
    )
    request.status = LoanVoidStatus.DIBATALKAN
    request.void_entry = void_entry
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = " ".join((note or "").split())[:250]
    request.save(
        update_fields=["status", "void_entry", "decided_by", "decided_at", "decision_note"]
    )
    audit.record(
        actor=actor,
        action="loans.void",
        obj=request,
        koperasi=koperasi,
        before={"status": LoanVoidStatus.MENUNGGU},
        after={
            "status": LoanVoidStatus.DIBATALKAN,
            "loan": loan.number,
            "entry": entry.number,
            "void_entry": void_entry.number,
            "void_entry_hash": void_entry.hash,
            "outstanding": str(loan.outstanding_principal),
            "requested_by": request.requested_by_id,
        },
        note=request.reason,
    )
    return request


__all__ = [
    "VOIDABLE",
    "LoanVoidError",
    "loan_void_approve",
    "loan_void_refuse",
    "loan_void_request",
]
