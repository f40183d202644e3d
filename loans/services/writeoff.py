"""Write-off (hapus buku) and later recovery (pemulihan).

Maker-checker: someone asks with a reason (:func:`loan_writeoff_request`), a pengurus who did
not ask approves (:func:`loan_writeoff_approve`; the database's ``loans_wo_four_eyes`` holds the
same) or refuses (:func:`loan_writeoff_refuse`). The pengawas is informed: every write-off is
listed on the memo page (daftar pinjaman dihapusbukukan) marked unseen until a pengawas
acknowledges it (:func:`loan_writeoff_acknowledge`), and a ``hapus_buku`` LoanEvent records it.

The approval's entry (kind ``loans.writeoff``), on the business date, for outstanding principal
P, allowance A and accrued interest I:

* Dr allowance (``penyisihan_pinjaman``, 1.1.04) A; if P > A, Dr PPAP expense
  (``beban_penyisihan_pinjaman``, 5.1.02) P − A; if A > P, the excess allowance is released:
  Cr the same expense A − P;
* Cr the product's portfolio account P;
* the accrued interest is reversed: Dr interest income (``pendapatan_jasa_pinjaman``) I,
  Cr accrued loan interest (``bunga_pinjaman_diterima``) I.

The loan becomes ``hapus_buku``, ``written_off`` = P, its figures nought; it stays on the memo
list for collection. A later recovery at the counter (:func:`loan_recover`, cash) is income
(``pendapatan_pemulihan_pinjaman``, 4.1.05); ``recovered`` never exceeds ``written_off`` (the
database's ``loans_loan_recovered_within`` holds it too).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.books import books_text
from core.dates import business_date
from ledger import services as ledger
from loans.models import (
    Loan,
    LoanEvent,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
    LoanWriteOff,
    RequestStatus,
)
from loans.services._common import (
    ZERO,
    audit_tx,
    check_limits,
    lock_loan,
    lock_session,
    refuse_request,
    repeat,
    rupiah,
    user_or_none,
)
from loans.services.applications import FourEyes
from loans.services.products import LoansError
from loans.services.restructure import is_pengurus
from registry.models import Role, RoleGrant
from savings.models import CashierSession
from savings.services._common import Booking, amount_of

WRITEOFF = "loans.writeoff"
RECOVER = "loans.recover"


class WriteOffError(LoansError):
    pass


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise WriteOffError(_("Tulis alasan hapus buku."), code="reason")
    return reason[:200]


@transaction.atomic
def loan_writeoff_request(
    *, loan: Loan, reason: str, actor: Any, on: dt.date | None = None
) -> LoanWriteOff:
    """Ask to write a running loan off; a pengurus who did not ask decides."""
    reason = _reason(reason)
    locked = lock_loan(loan)
    if locked.status != LoanStatus.AKTIF:
        raise WriteOffError(
            _("Pinjaman %(n)s tidak sedang berjalan (status: %(s)s); tidak dapat dihapusbukukan.")
            % {"n": locked.number, "s": locked.get_status_display()},
            code="not_active",
        )
    on = on or business_date(locked.koperasi)
    if LoanWriteOff.objects.filter(loan=locked).exclude(status=RequestStatus.DITOLAK).exists():
        raise WriteOffError(_("Sudah ada pengajuan hapus buku untuk pinjaman ini."), code="pending")
    try:
        with transaction.atomic():
            request = LoanWriteOff.objects.create(
                koperasi_id=locked.koperasi_id,
                loan=locked,
                reason=reason,
                requested_on=on,
                requested_by=actor,
            )
    except IntegrityError:  # pragma: no cover - asked twice at once
        raise WriteOffError(
            _("Sudah ada pengajuan hapus buku untuk pinjaman ini."), code="pending"
        ) from None
    LoanEvent.objects.create(
        koperasi_id=locked.koperasi_id,
        loan=locked,
        kind="hapus_buku_diajukan",
        on=on,
        actor=user_or_none(actor),
        note=reason,
        data={"request": request.pk},
    )
    audit.record(
        actor=actor,
        action="loans.writeoff_request",
        obj=request,
        koperasi=locked.koperasi,
        after={"loan": locked.number, "outstanding": str(locked.outstanding_principal)},
        note=reason,
    )
    return request


def _lock_request(request: LoanWriteOff) -> LoanWriteOff:
    return LoanWriteOff.objects.select_for_update().get(
        pk=request.pk, koperasi_id=request.koperasi_id
    )


def _decider(request: LoanWriteOff, actor: Any) -> None:
    if request.status != RequestStatus.MENUNGGU:
        raise WriteOffError(
            _("Pengajuan ini sudah diputuskan (%(s)s).") % {"s": request.get_status_display()},
            code="decided",
        )
    if getattr(actor, "pk", None) == request.requested_by_id:
        raise FourEyes(
            _("Hapus buku disetujui oleh orang lain, bukan yang mengajukannya."),
            code="four_eyes",
        )
    if not is_pengurus(actor, request.koperasi_id):
        raise WriteOffError(_("Hanya pengurus yang menyetujui hapus buku."), code="not_pengurus")


@transaction.atomic
def loan_writeoff_refuse(*, request: LoanWriteOff, actor: Any, note: str = "") -> LoanWriteOff:
    req = _lock_request(request)
    _decider(req, actor)
    return refuse_request(
        req, actor=actor, note=note, event="hapus_buku_ditolak", action="loans.writeoff_refuse"
    )


@transaction.atomic
def loan_writeoff_approve(*, request: LoanWriteOff, actor: Any, note: str = "") -> LoanWriteOff:
    """Approve: the write-off entry against the allowance (see the module doc)."""
    req = _lock_request(request)
    _decider(req, actor)
    loan = lock_loan(req.loan)
    if loan.status != LoanStatus.AKTIF:
        raise WriteOffError(
            _("Pinjaman %(n)s tidak sedang berjalan (status: %(s)s); tidak dapat dihapusbukukan.")
            % {"n": loan.number, "s": loan.get_status_display()},
            code="not_active",
        )
    koperasi = loan.koperasi
    on = business_date(koperasi)
    principal = loan.outstanding_principal
    allowance = loan.allowance
    accrued = loan.accrued_interest
    booking = Booking(koperasi, on)
    books = ledger.lock_books(koperasi=koperasi, value_date=on)
    booking.debit(booking.role("penyisihan_pinjaman"), allowance)
    if principal > allowance:
        booking.debit(booking.role("beban_penyisihan_pinjaman"), principal - allowance)
    elif allowance > principal:
        booking.credit(booking.role("beban_penyisihan_pinjaman"), allowance - principal)
    booking.credit(loan.product.ledger_account, principal)
    booking.debit(booking.role("pendapatan_jasa_pinjaman"), accrued)
    booking.credit(booking.role("bunga_pinjaman_diterima"), accrued)
    text = books_text(
        "Hapus buku pinjaman %(n)s — %(name)s", n=loan.number, name=loan.member.full_name
    )
    if not booking.ledger_lines():
        raise WriteOffError(_("Tidak ada yang dihapusbukukan."), code="nothing")
    entry = booking.post(
        kind=WRITEOFF, memo=text, actor=actor, source=f"loans.Loan:{loan.pk}", books=books
    )
    loan.outstanding_principal = ZERO
    loan.accrued_interest = ZERO
    loan.allowance = ZERO
    loan.written_off = principal
    loan.status = LoanStatus.HAPUS_BUKU
    loan.closed_on = on
    loan.save(
        update_fields=[
            "outstanding_principal",
            "accrued_interest",
            "allowance",
            "written_off",
            "status",
            "closed_on",
        ]
    )
    tx = LoanTransaction.objects.create(
        koperasi_id=koperasi.pk,
        loan=loan,
        kind=LoanTxKind.HAPUS_BUKU,
        value_date=on,
        entry=entry,
        principal=-principal,
        accrued=-accrued,
        allowance=-allowance,
        memo=text[:250],
        actor=user_or_none(actor),
    )
    figures = {
        "principal": str(principal),
        "allowance_used": str(min(principal, allowance)),
        "expense": str(max(principal - allowance, ZERO)),
        "allowance_released": str(max(allowance - principal, ZERO)),
        "accrued_reversed": str(accrued),
        "entry": entry.number,
    }
    req.status = RequestStatus.DISETUJUI
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.decision_note = (note or "")[:250]
    req.entry = entry
    req.data = figures
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "entry", "data"])
    LoanEvent.objects.create(
        koperasi_id=koperasi.pk,
        loan=loan,
        kind="hapus_buku",
        on=on,
        actor=user_or_none(actor),
        note=req.reason,
        data={"request": req.pk, **figures, "pengawas_informed": True},
    )
    audit_tx(actor, WRITEOFF, tx, entry, allowance=allowance, accrued=accrued)
    return req


@transaction.atomic
def loan_writeoff_acknowledge(*, request: LoanWriteOff, actor: Any) -> LoanWriteOff:
    """A pengawas marks an approved write-off as read (the pengawas is informed)."""
    req = _lock_request(request)
    if not (
        getattr(actor, "is_authenticated", False)
        and RoleGrant.objects.filter(
            user_id=actor.pk, koperasi_id=req.koperasi_id, role=Role.PENGAWAS
        ).exists()
    ):
        raise WriteOffError(_("Hanya pengawas yang menandai sudah diketahui."), code="who")
    if req.status != RequestStatus.DISETUJUI:
        raise WriteOffError(_("Hapus buku ini belum disetujui."), code="not_approved")
    if req.seen_by_pengawas_id is None:
        req.seen_by_pengawas = actor
        req.seen_by_pengawas_at = timezone.now()
        req.save(update_fields=["seen_by_pengawas", "seen_by_pengawas_at"])
        audit.record(
            actor=actor,
            action="loans.writeoff_seen",
            obj=req,
            koperasi=req.loan.koperasi,
            after={"loan": req.loan.number},
        )
    return req


@transaction.atomic
def loan_recover(
    *,
    loan: Loan,
    amount: Any,
    actor: Any,
    session: CashierSession | None,
    on: dt.date | None = None,
    idempotency_key: str,
    confirmed: bool = True,
    approved_by: Any = None,
) -> LoanTransaction:
    """Cash received at the counter on a written-off loan: income (pemulihan); never more in
    all than was written off. A repeat of ``idempotency_key`` returns the first result."""
    value = amount_of(amount)
    koperasi = loan.koperasi
    on = on or business_date(koperasi)
    if session is None:
        raise LoansError(_("Buka sesi kasir dulu untuk menerima tunai."), code="session")
    if value != value.to_integral_value():
        raise LoansError(_("Uang tunai dalam rupiah bulat."), code="cash_sen")
    locked = lock_loan(loan)
    locked_session = lock_session(session, koperasi.pk)
    books = ledger.lock_books(koperasi=koperasi, value_date=on, idempotency_key=idempotency_key)
    if (entry := books.keyed) is not None:
        return repeat(entry, locked, kind=RECOVER, total=value)
    if locked.status != LoanStatus.HAPUS_BUKU:
        raise WriteOffError(
            _("Pinjaman %(n)s tidak dihapusbukukan; terima angsuran biasa.") % {"n": locked.number},
            code="not_written_off",
        )
    left = locked.written_off - locked.recovered
    if value > left:
        raise WriteOffError(
            _("Pemulihan %(a)s melebihi sisa yang dihapusbukukan (%(left)s).")
            % {"a": rupiah(value), "left": rupiah(left)},
            code="over_recovery",
        )
    if locked.closed_on and on < locked.closed_on:
        raise LoansError(_("Tanggal pemulihan sebelum tanggal hapus buku."), code="date")
    # The counter's limits after the loan's own rules: an amount the loan refuses is not
    # confirmed in words or sent to a pengurus first.
    check_limits(koperasi.pk, value, actor=actor, confirmed=confirmed, approved_by=approved_by)
    booking = Booking(koperasi, on)
    booking.debit(booking.role("kas"), value)
    booking.credit(booking.role("pendapatan_pemulihan_pinjaman"), value)
    text = books_text(
        "Pemulihan pinjaman dihapusbukukan %(n)s — %(name)s",
        n=locked.number,
        name=locked.member.full_name,
    )
    entry = booking.post(
        kind=RECOVER, memo=text, actor=actor, source=f"loans.Loan:{locked.pk}", books=books
    )
    locked.recovered += value
    locked.save(update_fields=["recovered"])
    tx = LoanTransaction.objects.create(
        koperasi_id=koperasi.pk,
        loan=locked,
        kind=LoanTxKind.PEMULIHAN,
        value_date=on,
        entry=entry,
        cash=value,
        memo=text[:250],
        actor=user_or_none(actor),
        session=locked_session,
    )
    audit_tx(actor, RECOVER, tx, entry, recovered=locked.recovered)
    return tx


__all__ = [
    "RECOVER",
    "WRITEOFF",
    "WriteOffError",
    "loan_recover",
    "loan_writeoff_acknowledge",
    "loan_writeoff_approve",
    "loan_writeoff_refuse",
    "loan_writeoff_request",
]
