"""Voids (pembatalan): undo a savings transaction in the books and in the members' accounts
together, the only way a ``savings.*`` entry is undone (the ledger's generic reversal refuses
them, see :mod:`ledger.subledgers`).

A void posts a new entry (kind ``savings.void``) and new movements, one per movement undone,
each with the same kind, the opposite amount and ``voids`` pointing at the original; the
original entry and movements stay as they were. Under the account rows' locks (the same order
as every savings write: accounts, obligations, the books) it

- takes the money back out of an account it went into, never below what the account was held
  to before that money came (its floor then; a withdrawal since may leave too little: refused),
  and puts money back into an account it came out of;
- for simpanan wajib, takes back first what was paid ahead, then reopens the most recently paid
  months (the receivable comes back in the books); for pokok, reopens paid instalments;
- mirrors the original's other side (kas, bank) or, for one member's row of a payroll batch,
  takes that row's total back from the batch's source of funds.

Who: while the kasir's session of the transaction is open, the kasir asks with a reason
(:func:`void_request`) and a pengurus who is not that kasir approves (:func:`void_approve`) or
refuses (:func:`void_refuse`); the void's cash then counts in that session. After the session
is closed, or for a transaction without one (bank, transfer, payroll), a pengurus voids it in
one step (:func:`transaction_void`). Every step is audited; an entry (or a member's row of it)
is voided once, held by the database, and a repeat returns the first result.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.books import books_text
from core.dates import business_date
from ledger import services as ledger
from ledger import subledgers
from ledger.models import JournalEntry, Posting
from registry.models import Role, RoleGrant
from savings.models import (
    Account,
    CashierSession,
    Kind,
    Obligation,
    ObligationKind,
    PayrollBatch,
    Transaction,
    VoidRequest,
    VoidStatus,
)
from savings.services._common import (
    ZERO,
    BelowMinimum,
    Booking,
    SavingsError,
    fit_memo,
    lock_accounts,
    rupiah,
)

VOIDABLE = frozenset({"savings.deposit", "savings.withdraw", "savings.transfer", "savings.payroll"})
ROW_KINDS = frozenset({"savings.payroll"})  # many members in one entry: one member's row at a time
VOID_KIND = "savings.void"


class VoidError(SavingsError):
    """A void refused; the message says why and, where there is one, what to do instead."""


def _not_voidable(kind: str) -> VoidError:
    reasons = {
        "savings.interest": _(
            "Bunga akhir bulan dihitung untuk semua rekening sekaligus dan tidak dibatalkan per "
            "transaksi."
        ),
        "savings.interest_tax": _(
            "PPh bunga akhir bulan mengikuti bunganya dan tidak dibatalkan per transaksi."
        ),
        "savings.wajib_billing": _(
            "Tagihan simpanan wajib akhir bulan tidak dibatalkan per transaksi; pembayaran wajib "
            "melunasinya."
        ),
        "savings.member_join": _(
            "Setoran anggota baru tidak dibatalkan di sini; anggota yang batal masuk dikeluarkan "
            "lewat halaman keluar anggota."
        ),
        "savings.member_exit": _("Keluarnya anggota tidak dapat dibatalkan."),
        "savings.berjangka_open": _(
            "Simpanan berjangka tidak dibatalkan di sini; cairkan lewat halaman simpanan berjangka."
        ),
        "savings.berjangka_break": _("Pencairan simpanan berjangka tidak dapat dibatalkan."),
        "savings.berjangka_mature": _("Jatuh tempo simpanan berjangka tidak dapat dibatalkan."),
        "savings.cash_difference": _("Selisih kas sesi kasir tidak dapat dibatalkan."),
        VOID_KIND: _("Pembatalan tidak dapat dibatalkan lagi; catat transaksi baru."),
    }
    return VoidError(
        reasons.get(kind, _("Transaksi jenis ini tidak dapat dibatalkan.")), code="not_voidable"
    )


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise VoidError(_("Tulis alasan pembatalan."), code="reason")
    if len(reason) > 200:
        raise VoidError(_("Alasan terlalu panjang (paling banyak 200 karakter)."), code="reason")
    return reason


def _is_pengurus(user: Any, koperasi_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return RoleGrant.objects.filter(
        user_id=user.pk, koperasi_id=koperasi_id, role=Role.PENGURUS
    ).exists()


def _scope(tx: Transaction) -> tuple[JournalEntry, Any]:
    entry = tx.entry
    if entry.kind not in VOIDABLE:
        raise _not_voidable(entry.kind)
    if tx.voids_id is not None:
        raise _not_voidable(VOID_KIND)
    return entry, (tx.account.member if entry.kind in ROW_KINDS else None)


def _originals(entry: JournalEntry, member: Any) -> list[Transaction]:
    found = Transaction.objects.filter(entry=entry, voids__isnull=True).order_by("pk")
    if member is not None:
        found = found.filter(account__member=member)
    return list(found)


def _open_session(tx: Transaction) -> CashierSession | None:
    """The kasir's session of ``tx`` if it is still open (read fresh)."""
    if tx.session_id is None:
        return None
    session = CashierSession.objects.get(pk=tx.session_id)
    return session if session.closed_at is None else None


def _existing(entry: JournalEntry, member: Any) -> VoidRequest | None:
    return (
        VoidRequest.objects.filter(entry=entry, member=member)
        .exclude(status=VoidStatus.DITOLAK)
        .first()
    )


def _create(
    *, tx: Transaction, member: Any, session: CashierSession | None, reason: str, actor: Any
) -> tuple[VoidRequest, bool]:
    """A new request for ``tx``'s entry (or member's row), or the one already there."""
    originals = _originals(tx.entry, member)
    amount = sum((abs(t.amount) for t in originals if t.amount > 0), ZERO) or sum(
        (abs(t.amount) for t in originals), ZERO
    )
    try:
        with transaction.atomic():
            request = VoidRequest.objects.create(
                koperasi_id=tx.koperasi_id,
                entry=tx.entry,
                member=member,
                transaction=tx,
                session=session,
                amount=amount,
                reason=reason,
                requested_by=actor,
            )
    except IntegrityError:
        # Asked twice at once (a double tap): the first request stands.
        found = _existing(tx.entry, member)
        if found is None:
            raise
        return found, False
    audit.record(
        actor=actor,
        action="savings.void_request",
        obj=request,
        koperasi=tx.koperasi,
        after={
            "entry": tx.entry.number,
            "amount": str(amount),
            "session": session.pk if session else None,
        },
        note=reason,
    )
    return request, True


@transaction.atomic
def void_request(*, transaction: Transaction, actor: Any, reason: str) -> VoidRequest:
    """The kasir asks to void a transaction of their open session, with a reason; a pengurus
    who is not the kasir approves it. A repeat returns the request already made.

    Without an open session (closed since, or a bank, transfer or payroll transaction) only a
    pengurus voids, in one step: :func:`transaction_void`."""
    tx = transaction
    reason = _reason(reason)
    entry, member = _scope(tx)
    found = _existing(entry, member)
    if found is not None:
        return found
    session = _open_session(tx)
    if session is None:
        raise VoidError(
            _(
                "Sesi kasir transaksi ini sudah ditutup (atau transaksi ini bukan transaksi "
                "kasir): pembatalan dilakukan oleh pengurus."
            ),
            code="pengurus_only",
        )
    if actor.pk != session.kasir_id and not _is_pengurus(actor, tx.koperasi_id):
        raise VoidError(
            _("Hanya kasir sesi ini atau pengurus yang dapat meminta pembatalan."), code="who"
        )
    request, _created = _create(tx=tx, member=member, session=session, reason=reason, actor=actor)
    return request


def _check_approver(request: VoidRequest, actor: Any) -> None:
    if not _is_pengurus(actor, request.koperasi_id):
        raise VoidError(_("Pembatalan disetujui oleh pengurus."), code="who")
    session = request.session
    if session is not None and actor.pk in (session.kasir_id, request.requested_by_id):
        raise VoidError(
            _(
                "Pembatalan transaksi kasir disetujui oleh orang kedua: pengurus lain, bukan "
                "kasir sesi ini."
            ),
            code="second_person",
        )


@transaction.atomic
def void_approve(*, request: VoidRequest, actor: Any, note: str = "") -> VoidRequest:
    """A pengurus (not the kasir) approves a void request: the void is posted now."""
    locked = VoidRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status == VoidStatus.DIBATALKAN:
        return locked
    if locked.status == VoidStatus.DITOLAK:
        raise VoidError(_("Permintaan ini sudah ditolak."), code="refused")
    _check_approver(locked, actor)
    return _execute(locked, actor=actor, note=note)


@transaction.atomic
def void_refuse(*, request: VoidRequest, actor: Any, note: str) -> VoidRequest:
    """A pengurus refuses a void request, saying why; nothing is posted."""
    locked = VoidRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != VoidStatus.MENUNGGU:
        raise VoidError(_("Permintaan ini sudah diputuskan."), code="decided")
    if not _is_pengurus(actor, locked.koperasi_id):
        raise VoidError(_("Permintaan pembatalan diputuskan oleh pengurus."), code="who")
    note = _reason(note)
    locked.status = VoidStatus.DITOLAK
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(
        actor=actor,
        action="savings.void_refuse",
        obj=locked,
        before={"status": VoidStatus.MENUNGGU},
        after={"status": VoidStatus.DITOLAK},
        note=note,
    )
    return locked


@transaction.atomic
def transaction_void(
    *, transaction: Transaction, actor: Any, reason: str, approved_by: Any = None
) -> VoidRequest:
    """Void ``transaction`` (its whole entry; for a payroll batch, its member's row) now.

    ``approved_by`` (default: ``actor``) must be a pengurus; while the kasir's session of the
    transaction is open it must be a second person, not that kasir. A repeat returns the first
    void and posts nothing."""
    tx = transaction
    approver = approved_by if approved_by is not None else actor
    reason = _reason(reason)
    entry, member = _scope(tx)
    session = _open_session(tx)
    request, _created = _create(tx=tx, member=member, session=session, reason=reason, actor=actor)
    locked = VoidRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status == VoidStatus.DIBATALKAN:
        return locked
    if locked.status == VoidStatus.DITOLAK:  # pragma: no cover - excluded by _existing
        raise VoidError(_("Permintaan ini sudah ditolak."), code="refused")
    _check_approver(locked, approver)
    return _execute(locked, actor=approver, note="")


# --- the void itself ---------------------------------------------------------------------------


class _VoidBooking(Booking):
    """A :class:`Booking` that undoes movements instead of making them."""

    def undo_in(self, account: Account, original: Transaction) -> Transaction:
        """Take back money that came into ``account`` with ``original``."""
        amount = original.amount
        _check_open(account)
        change = self._change(account)
        product = account.product
        before = self.balance_of(account)
        after = before - amount
        # The floor may only go back to what it was before this money came.
        prior = (
            Transaction.objects.filter(account_id=account.pk, pk__lt=original.pk).aggregate(
                s=Sum("amount")
            )["s"]
            or ZERO
        )
        floor = max(min(account.floor, prior), ZERO)
        if after < floor:
            raise BelowMinimum(
                _(
                    "Pembatalan ditolak: saldo %(n)s sekarang %(bal)s; tanpa %(amt)s saldonya "
                    "%(after)s, di bawah batas %(min)s. Sebagian uang ini sudah ditarik."
                )
                % {
                    "n": account.number,
                    "bal": rupiah(before),
                    "amt": rupiah(amount),
                    "after": rupiah(after),
                    "min": rupiah(floor),
                },
                code="below_minimum",
            )
        if account.kind == Kind.WAJIB:
            ahead = min(account.prepaid + change.prepaid_delta, amount)
            unpaid = amount - ahead
            if self._unsettle(account, unpaid, ObligationKind.WAJIB) < unpaid:
                raise VoidError(
                    _("Tagihan simpanan wajib rekening %(n)s tidak cocok dengan setoran ini.")
                    % {"n": account.number},
                    code="obligations",
                )
            change.prepaid_delta -= ahead
            self.debit(product.ledger_account, ahead)
            self.debit(self.role("piutang_simpanan_wajib"), unpaid)
        elif account.kind == Kind.POKOK:
            self._unsettle(account, amount, ObligationKind.POKOK)
            self.debit(product.ledger_account, amount)
        elif account.kind == Kind.BERJANGKA:
            raise _not_voidable("savings.berjangka_open")
        else:
            self.debit(product.ledger_account, amount)
        change.delta -= amount
        change.floor = floor
        return self._undo_movement(account, original)

    def undo_out(self, account: Account, original: Transaction) -> Transaction:
        """Put back money that went out of ``account`` with ``original``."""
        _check_open(account)
        self.credit(account.product.ledger_account, -original.amount)
        self._change(account).delta -= original.amount
        return self._undo_movement(account, original)

    def _unsettle(self, account: Account, amount: Decimal, kind: str) -> Decimal:
        """Reopen ``account``'s paid obligations of ``kind``, most recent first (payments
        settle oldest first, so what stays paid is still the oldest); return the total."""
        left = amount
        done = ZERO
        if left <= 0:
            return done
        for obligation in (
            Obligation.objects.select_for_update()
            .filter(account_id=account.pk, kind=kind, cancelled=False, paid__gt=0)
            .order_by("-period")
        ):
            if left <= 0:
                break
            part = min(obligation.paid, left)
            obligation.paid -= part
            obligation.settled_on = None
            self.obligations.append(obligation)
            left -= part
            done += part
        return done

    def _undo_movement(self, account: Account, original: Transaction) -> Transaction:
        same_drawer = self.session is not None and original.session_id == self.session.pk
        tx = Transaction(
            koperasi=self.koperasi,
            account=account,
            kind=original.kind,
            amount=-original.amount,
            value_date=self.value_date,
            memo=fit_memo(self.memo),
            session=self.session if same_drawer and original.cash else None,
            cash=-original.cash if same_drawer else ZERO,
            voids=original,
        )
        self.movements.append(tx)
        return tx

    memo: str = ""

    def post_void(self, *, actor: Any, books: ledger.Books, memo: str, source: str) -> Any:
        """Post like :meth:`Booking.post`; the movements (which carry ``voids``, a column the
        counter's fast insert leaves out) are written here."""
        movements, self.movements = self.movements, []
        entry = self.post(kind=VOID_KIND, memo=memo, actor=actor, source=source, books=books)
        user = actor if getattr(actor, "is_authenticated", False) else None
        for tx in movements:
            tx.entry = entry
            tx.actor = user
        Transaction.objects.bulk_create(movements)
        self.movements = movements
        return entry


def _check_open(account: Account) -> None:
    if not account.is_open:
        raise VoidError(
            _("Rekening %(n)s sudah ditutup; transaksinya tidak dapat dibatalkan lagi.")
            % {"n": account.number},
            code="account_closed",
        )


def _execute(request: VoidRequest, *, actor: Any, note: str) -> VoidRequest:
    """Post the void of ``request`` (locked by the caller), under the accounts' locks."""
    entry = JournalEntry.objects.select_related("koperasi").get(pk=request.entry_id)
    koperasi = entry.koperasi
    originals = _originals(entry, request.member)
    if not originals:
        raise VoidError(_("Tidak ada transaksi yang dapat dibatalkan."), code="empty")
    accounts = lock_accounts(koperasi, [t.account_id for t in originals])
    session = None
    if request.session_id is not None:
        # Held while the void counts in it: a close waits, then counts the void too.
        session = (
            CashierSession.objects.select_for_update(no_key=True)
            .filter(pk=request.session_id, closed_at__isnull=True)
            .first()
        )
    today = business_date(koperasi)
    booking = _VoidBooking(koperasi, today, session=session)
    booking.memo = books_text(
        "Pembatalan %(nomor)s: %(alasan)s", nomor=entry.number, alasan=request.reason
    )
    books = ledger.lock_books(
        koperasi=koperasi, value_date=today, idempotency_key=f"savings-void:{request.pk}"
    )
    if books.keyed is not None:  # pragma: no cover - the request row lock comes first
        raise VoidError(_("Pembatalan ini sudah diposting."), code="repeat")
    total_in = ZERO
    for original in originals:
        account = accounts[original.account_id]
        if original.amount > 0:
            booking.undo_in(account, original)
            total_in += original.amount
        else:
            booking.undo_out(account, original)
    if request.member_id is None:
        control = subledgers.control_accounts(koperasi)
        for posting in Posting.objects.filter(entry=entry).select_related("account"):
            if posting.account_id in control:
                continue
            if posting.amount > 0:
                booking.credit(posting.account, posting.amount)
            else:
                booking.debit(posting.account, -posting.amount)
    else:
        batch = PayrollBatch.objects.get(koperasi=koperasi, entry=entry)
        booking.cash(batch.source_role, -total_in)
    void_entry = booking.post_void(
        actor=actor,
        books=books,
        memo=booking.memo,
        source=f"savings.VoidRequest:{request.pk}",
    )
    request.status = VoidStatus.DIBATALKAN
    request.void_entry = void_entry
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = " ".join((note or "").split())[:250]
    request.session = session if session is not None else request.session
    request.save(
        update_fields=["status", "void_entry", "decided_by", "decided_at", "decision_note"]
    )
    audit.record(
        actor=actor,
        action="savings.void",
        obj=request,
        koperasi=koperasi,
        before={"status": VoidStatus.MENUNGGU},
        after={
            "status": VoidStatus.DIBATALKAN,
            "entry": entry.number,
            "void_entry": void_entry.number,
            "void_entry_hash": void_entry.hash,
            "amount": str(request.amount),
            "requested_by": request.requested_by_id,
            "session": session.pk if session is not None else None,
            "balances": {a.number: str(a.balance) for a in accounts.values()},
        },
        note=request.reason,
    )
    return request


__all__ = [
    "VOIDABLE",
    "VOID_KIND",
    "VoidError",
    "transaction_void",
    "void_approve",
    "void_refuse",
    "void_request",
]
