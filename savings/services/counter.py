"""The kasir's counter: deposit, withdraw, transfer between a member's own accounts, and the
kasir's day (open with a cash count, close with a count, post the difference).

Each money action is one balanced ledger entry written with its savings movement(s) in one
transaction, on account rows locked first (in id order). An idempotency key makes a repeat
(a double tap, a retry over a bad connection) return the first result and post nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.books import books_text
from core.dates import business_date
from core.notify import notices
from ledger import services as ledger
from ledger.models import JournalEntry
from registry.models import Koperasi
from savings.models import Account, CashierSession, Denomination, Kind, Transaction, TxKind
from savings.services import approvals
from savings.services._bulk import columns, instances
from savings.services._common import (
    ZERO,
    Booking,
    IdempotencyConflict,
    SavingsError,
    amount_of,
    check_session,
    lock_account,
    lock_accounts,
    rupiah,
    value_date_of,
)
from savings.services.drawer import count_of, expected_cash

VIA = ("kas", "bank")


def _check_via(via: str) -> None:
    if via not in VIA:
        raise SavingsError(_("Sumber dana harus kas atau bank."), code="via")


def _repeat(
    entry: JournalEntry, account: Account, *, kind: str, amount: Decimal, cash: Decimal
) -> Transaction:
    """The first result of a key used again, when the repeat asks for exactly the same thing.

    A key is bound to what it was first used for: the kind of action, the account, the amount
    (signed: + in, − out) and the cash it moved. A kasir who goes back, changes the amount and
    sends the same form again would otherwise see the first receipt while the drawer holds the
    second amount: that is refused, and the page gives a fresh form."""
    tx = Transaction.objects.filter(entry=entry, account=account).order_by("id").first()
    if tx is None or entry.kind != kind or tx.amount != amount or tx.cash != cash:
        raise IdempotencyConflict(
            _(
                "Formulir ini sudah dipakai untuk transaksi lain (%(what)s). Tidak ada yang "
                "dicatat; periksa jumlahnya lalu kirim ulang dengan formulir baru."
            )
            % {"what": _first_use(entry, tx)},
            code="idempotency_conflict",
        )
    return tx


def _first_use(entry: JournalEntry, tx: Transaction | None) -> str:
    kinds = {
        DEPOSIT: _("setoran"),
        WITHDRAW: _("penarikan"),
        TRANSFER: _("pindah buku"),
    }
    what = kinds.get(entry.kind, entry.kind)
    if tx is None:
        return f"{what} {entry.number}"
    return f"{what} {rupiah(abs(tx.amount))} {entry.number}"


def _audit_tx(actor: Any, action: str, tx: Transaction, entry: JournalEntry) -> None:
    """The one audit record of a counter action: the entry was posted without its own
    (``Books.post(audited=False)``), so this one names it by number and chain hash; the entry
    itself keeps its actor, time, kind and source."""
    audit.record(
        actor=actor,
        action=action,
        obj=tx,
        koperasi=tx.koperasi,
        after={
            "account": tx.account.number,
            "amount": str(tx.amount),
            "entry": entry.number,
            "entry_hash": entry.hash,
            "balance": str(tx.account.balance),
        },
    )


def _lock(
    account: Account, booking: Booking, key: str | None, *, payout: bool = False
) -> tuple[Account, ledger.Books]:
    """Lock the account (checking the kasir's session is still open), its open obligations
    (wajib, pokok) and then the books, in the order every savings write takes them; the books
    tell whether ``key`` was used already."""
    locked = lock_account(account, session=booking.session, drawer=payout)
    if locked.kind in (Kind.WAJIB, Kind.POKOK):
        booking.preload_obligations([locked.pk])
    books = ledger.lock_books(
        koperasi=booking.koperasi, value_date=booking.value_date, idempotency_key=key
    )
    return locked, books


def _prepared(
    account: Account, session: CashierSession | None, via: str, value_date: dt.date | None
) -> Booking:
    """The reads a counter action needs that take no lock, done before its write transaction:
    on SQLite the write lock is held from BEGIN to COMMIT, so every read moved out of it is time
    the other kasir do not wait."""
    koperasi = account.koperasi
    check_session(session, koperasi, read=False)  # still open? read under the lock (_lock)
    booking = Booking(koperasi, value_date_of(koperasi, value_date), session=session)
    booking.role(via)
    booking.terms(account.product)
    booking.ledger_accounts[account.product.ledger_account_id] = account.product.ledger_account
    return booking


def deposit(
    *,
    account: Account,
    amount: Any,
    actor: Any,
    idempotency_key: str | None = None,
    session: CashierSession | None = None,
    via: str = "kas",
    memo: str = "",
    value_date: dt.date | None = None,
    confirmed: bool = True,
    approved: bool = False,
) -> Transaction:
    """Money into a member's account from the kasir's cash (or the bank).

    Into wajib it settles the oldest arrears first, the rest is paid ahead; into pokok only
    what is still unpaid. Berjangka takes no top-up. Above the koperasi's limits it is refused
    (ceiling), waits for ``confirmed`` (the amount in words seen by the kasir) or for
    ``approved`` (a pengurus's approval: :mod:`savings.services.approvals`). Atomic:
    everything it writes is written in one transaction (:func:`_move`), after the lock-free
    reads.
    """
    amount = amount_of(amount)
    _check_via(via)
    approvals.check(account.koperasi_id, amount, confirmed=confirmed, approved=approved)
    booking = _prepared(account, session, via, value_date)
    return _move(
        DEPOSIT,
        account,
        amount,
        actor=actor,
        key=idempotency_key,
        via=via,
        memo=memo,
        booking=booking,
    )


def withdraw(
    *,
    account: Account,
    amount: Any,
    actor: Any,
    idempotency_key: str | None = None,
    session: CashierSession | None = None,
    via: str = "kas",
    memo: str = "",
    value_date: dt.date | None = None,
    confirmed: bool = True,
    approved: bool = False,
) -> Transaction:
    """Money out of a withdrawable account, never below the product's minimum balance.

    Atomic like :func:`deposit` (the writes happen in :func:`_move`)."""
    amount = amount_of(amount)
    _check_via(via)
    approvals.check(account.koperasi_id, amount, confirmed=confirmed, approved=approved)
    booking = _prepared(account, session, via, value_date)
    return _move(
        WITHDRAW,
        account,
        amount,
        actor=actor,
        key=idempotency_key,
        via=via,
        memo=memo,
        booking=booking,
    )


DEPOSIT, WITHDRAW, TRANSFER = "savings.deposit", "savings.withdraw", "savings.transfer"


@transaction.atomic
def _move(
    kind: str,
    account: Account,
    amount: Decimal,
    *,
    actor: Any,
    key: str | None,
    via: str,
    memo: str,
    booking: Booking,
) -> Transaction:
    """The write half of a deposit or a withdrawal: lock, repeat or book, post, audit."""
    locked, books = _lock(account, booking, key, payout=kind == WITHDRAW and via == "kas")
    signed = amount if kind == DEPOSIT else -amount
    cash = signed if via == "kas" else ZERO
    if (entry := books.keyed) is not None:
        return _repeat(entry, locked, kind=kind, amount=signed, cash=cash)
    if kind == DEPOSIT:
        text = memo or books_text("Setoran %(p)s", p=locked.product.name)
        tx = booking.pay_in(locked, amount, memo=text, cash=cash)
    else:
        text = memo or books_text("Penarikan %(p)s", p=locked.product.name)
        tx = booking.pay_out(locked, amount, memo=text, cash=cash)
    booking.cash(via, signed)
    entry = booking.post(
        kind=kind,
        memo=f"{text} — {locked.number} {locked.member.full_name}",
        actor=actor,
        source=f"savings.Account:{locked.pk}",
        books=books,
    )
    _audit_tx(actor, kind, tx, entry)
    notices.savings_receipt(tx=tx, entry=entry, koperasi=booking.koperasi)
    return tx


@transaction.atomic
def transfer(
    *,
    source: Account,
    target: Account,
    amount: Any,
    actor: Any,
    idempotency_key: str | None = None,
    memo: str = "",
    value_date: dt.date | None = None,
    confirmed: bool = True,
    approved: bool = False,
) -> tuple[Transaction, Transaction]:
    """Move money between two accounts of the same member (pindah buku), in one entry.

    Like a deposit, above the koperasi's limits it needs confirming or a pengurus's approval
    (:mod:`savings.services.approvals`)."""
    amount = amount_of(amount)
    approvals.check(source.koperasi_id, amount, confirmed=confirmed, approved=approved)
    if source.pk == target.pk:
        raise SavingsError(_("Rekening asal dan tujuan tidak boleh sama."), code="same_account")
    if source.koperasi_id != target.koperasi_id or source.member_id != target.member_id:
        raise SavingsError(
            _("Pindah buku hanya antar rekening milik anggota yang sama."), code="other_member"
        )
    koperasi = source.koperasi
    locked = lock_accounts(koperasi, [source.pk, target.pk])
    src, dst = locked[source.pk], locked[target.pk]
    booking = Booking(koperasi, value_date_of(koperasi, value_date))
    booking.preload_obligations([a.pk for a in (src, dst) if a.kind in (Kind.WAJIB, Kind.POKOK)])
    books = ledger.lock_books(
        koperasi=koperasi, value_date=booking.value_date, idempotency_key=idempotency_key
    )
    if (entry := books.keyed) is not None:
        return (
            _repeat(entry, src, kind=TRANSFER, amount=-amount, cash=ZERO),
            _repeat(entry, dst, kind=TRANSFER, amount=amount, cash=ZERO),
        )
    text = memo or books_text("Pindah buku %(a)s → %(b)s", a=src.number, b=dst.number)
    out = booking.pay_out(src, amount, kind=TxKind.TRANSFER_KELUAR, memo=text)
    into = booking.pay_in(dst, amount, kind=TxKind.TRANSFER_MASUK, memo=text)
    entry = booking.post(
        kind=TRANSFER,
        memo=f"{text} — {src.member.full_name}",
        actor=actor,
        source=f"savings.Account:{src.pk}",
        books=books,
    )
    _audit_tx(actor, TRANSFER, out, entry)
    notices.transfer_receipt(source_tx=out, target=dst, entry=entry, koperasi=koperasi)
    return out, into


# --- the kasir's day ---------------------------------------------------------------------------


def open_session(*, koperasi: Koperasi, kasir: Any) -> CashierSession | None:
    """The kasir's open cash session in ``koperasi`` (every counter page asks: plain SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(CashierSession, 's')} FROM savings_cashiersession s "  # noqa: S608
            "WHERE s.koperasi_id = %s AND s.kasir_id = %s AND s.closed_at IS NULL "
            "ORDER BY s.opened_at DESC LIMIT 1",
            [koperasi.pk, kasir.pk],
        )
        row = cursor.fetchone()
    return None if row is None else instances(row, CashierSession)[0]


@transaction.atomic
def cashier_open(*, koperasi: Koperasi, kasir: Any, count: Any, actor: Any) -> CashierSession:
    """Start the kasir's day with the cash counted in the drawer."""
    amount = amount_of(count, allow_zero=True, label=_("Kas awal"))
    current = open_session(koperasi=koperasi, kasir=kasir)
    if current is not None:
        raise SavingsError(
            _("Sesi kasir Anda sejak %(d)s masih terbuka; tutup dulu dengan menghitung kas.")
            % {"d": timezone.localtime(current.opened_at).strftime("%d/%m/%Y %H:%M")},
            code="session_open",
        )
    session = CashierSession.objects.create(
        koperasi=koperasi,
        kasir=kasir,
        business_date=business_date(koperasi),
        opening_count=amount,
    )
    audit.record(
        actor=actor,
        action="savings.cashier_open",
        obj=session,
        after={"opening_count": str(amount)},
    )
    return session


def session_expected(session: CashierSession) -> Any:
    return expected_cash(session)


@transaction.atomic
def cashier_close(
    *,
    session: CashierSession,
    actor: Any,
    count: Any = None,
    denominations: Mapping[int, int] | None = None,
    note: str = "",
) -> CashierSession:
    """End the day with a count; a difference is posted to ``selisih_kas`` against cash.

    A shortage (count below what the records say) is an expense, a surplus reduces it; both
    show on the manager's list of sessions. With ``denominations`` (pecahan → pieces) the count
    is their total, and they are kept with the session for its summary.
    """
    if denominations is not None:
        pieces = {int(f): int(n) for f, n in denominations.items() if n}
        amount = count_of(pieces)
        if count is not None and amount_of(count, allow_zero=True) != amount:
            raise SavingsError(
                _("Jumlah kas %(count)s berbeda dengan hitungan pecahan %(sum)s.")
                % {"count": rupiah(amount_of(count, allow_zero=True)), "sum": rupiah(amount)},
                code="count_mismatch",
            )
    else:
        pieces = {}
        amount = amount_of(count, allow_zero=True, label=_("Kas akhir"))
    note = " ".join((note or "").split())[:250]
    locked = CashierSession.objects.select_for_update().get(pk=session.pk)
    if locked.closed_at is not None:
        raise SavingsError(_("Sesi kasir ini sudah ditutup."), code="session_closed")
    expected = session_expected(locked)
    difference = amount - expected
    if difference and not note:
        raise SavingsError(
            _(
                "Kas dihitung %(count)s, menurut catatan %(exp)s (selisih %(diff)s). Tulis "
                "keterangan selisih sebelum menutup."
            )
            % {"count": rupiah(amount), "exp": rupiah(expected), "diff": rupiah(difference)},
            code="difference_note",
        )
    koperasi = locked.koperasi
    if difference:
        booking = Booking(koperasi, business_date(koperasi))
        kas, selisih = booking.role("kas"), booking.role("selisih_kas")
        if difference < 0:
            booking.debit(selisih, -difference)
            booking.credit(kas, -difference)
        else:
            booking.debit(kas, difference)
            booking.credit(selisih, difference)
        locked.difference_entry = booking.post(
            kind="savings.cash_difference",
            memo=books_text("Selisih kas %(kasir)s: %(note)s", kasir=locked.kasir, note=note),
            actor=actor,
            idempotency_key=f"cashier-close:{locked.pk}",
            source=f"savings.CashierSession:{locked.pk}",
        )
    locked.closed_at = timezone.now()
    locked.closing_count = amount
    locked.expected = expected
    locked.difference = difference
    locked.note = note
    locked.save()
    Denomination.objects.bulk_create(
        Denomination(session=locked, face=face, pieces=n) for face, n in sorted(pieces.items())
    )
    audit.record(
        actor=actor,
        action="savings.cashier_close",
        obj=locked,
        after={
            "closing_count": str(amount),
            "expected": str(expected),
            "difference": str(difference),
            "pecahan": {str(f): n for f, n in sorted(pieces.items(), reverse=True)},
        },
        note=note,
    )
    return locked


__all__ = [
    "cashier_close",
    "cashier_open",
    "deposit",
    "open_session",
    "session_expected",
    "transfer",
    "withdraw",
]
