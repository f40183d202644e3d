"""What every savings write shares: errors, amounts, locks and the :class:`Booking`.

A :class:`Booking` gathers one ledger entry's lines and the savings movements that go with it,
applying the product rules to each movement (a wajib payment settles the oldest arrears first,
a pokok payment settles instalments, a withdrawal never goes below the minimum balance). It is
used on rows already locked with ``select_for_update``; :meth:`Booking.post` writes the entry,
the movements (each referencing the entry) and the new balances in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from core import money as m
from core.dates import business_date
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.models import Account as LedgerAccount
from ledger.models import JournalEntry
from registry.models import Koperasi
from savings.models import (
    Account,
    CashierSession,
    Kind,
    Obligation,
    ObligationKind,
    Product,
    ProductTerms,
    Transaction,
    TxKind,
    Withdrawable,
)
from savings.services._bulk import (
    columns,
    insert_row,
    insert_rows,
    instances,
    now,
    update_row,
    update_rows,
)

ZERO = m.ZERO
BULK = 20  # above this many accounts or obligations, a booking writes them in bulk
# A movement written in bulk by a batch step (month end, opening balances): no kasir, no session.
BOOKED_FIELDS = (
    "koperasi_id",
    "account_id",
    "kind",
    "amount",
    "value_date",
    "created_at",
    "entry_id",
    "memo",
    "cash",
)
MOVEMENT_FIELDS = (
    "koperasi_id",
    "account_id",
    "kind",
    "amount",
    "value_date",
    "created_at",
    "entry_id",
    "memo",
    "actor_id",
    "session_id",
    "cash",
)


class SavingsError(ValidationError):
    """A savings write refused; the message is for the kasir (Indonesian)."""


class AmountError(SavingsError):
    pass


class AccountClosed(SavingsError):
    pass


class NotWithdrawable(SavingsError):
    pass


class BelowMinimum(SavingsError):
    pass


class RateAboveCap(SavingsError):
    pass


class IdempotencyConflict(SavingsError):
    pass


def rupiah(amount: Decimal) -> str:
    return m.format_rupiah(amount, sen=amount != amount.to_integral_value())


def amount_of(value: Any, *, allow_zero: bool = False, label: str = "") -> Decimal:
    """An amount typed by a person or passed by code: ``Decimal``, ``int`` or Indonesian text.

    Text goes through :func:`core.money.parse_rupiah` (``1.500.000,50``); anything else that is
    not money, a negative, (unless allowed) a zero amount or one above what can be stored
    (:data:`core.money.MAX_AMOUNT`) is refused with a message.
    """
    try:
        if isinstance(value, str):
            amount = m.parse_rupiah(value)
        else:
            amount = m.money(value)
        m.check_stored(amount)
    except m.InvalidAmount as exc:
        raise AmountError(str(exc), code="amount_invalid") from exc
    prefix = f"{label}: " if label else ""
    if amount < 0:
        raise AmountError(prefix + _("Jumlah tidak boleh negatif."), code="amount_negative")
    if amount == 0 and not allow_zero:
        raise AmountError(prefix + _("Jumlah harus lebih dari nol."), code="amount_zero")
    return amount


def whole_rupiah(amount: Decimal) -> Decimal:
    """The cash part of ``amount``: no note or coin below Rp1 exists, so a cash payout is whole
    rupiah and the sen stay on the account (or, when it closes, go to ``pembulatan``)."""
    return m.quantize(amount, rounding=ROUND_FLOOR, unit=m.RUPIAH)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Jan + 1 →
    28/29 Feb)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def fit_memo(text: str, limit: int = 250) -> str:
    """``text`` within the memo column: a longer one (a kasir's note with the member's number
    and name added) is cut visibly, ending in "…", never silently."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def terms_in_force(product: Product, on: dt.date) -> ProductTerms:
    # One plain statement (every counter action reads it): by the (product, effective_from) key.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(ProductTerms, 't')} FROM savings_productterms t "  # noqa: S608
            "WHERE t.product_id = %s AND t.effective_from <= %s "
            "ORDER BY t.effective_from DESC LIMIT 1",
            [product.pk, connection.ops.adapt_datefield_value(on)],
        )
        row = cursor.fetchone()
    if row is None:
        raise SavingsError(
            _("Produk %(p)s belum punya ketentuan yang berlaku pada %(d)s.")
            % {"p": product.name, "d": on.strftime("%d/%m/%Y")},
            code="no_terms",
        )
    (terms,) = instances(row, ProductTerms)
    terms.product = product
    return terms


def role_account(koperasi: Koperasi, role: str) -> LedgerAccount:
    """The ledger account mapped to ``role``: :func:`ledger.selectors.account_for_role`, with a
    plain statement first for a role mapped by its own name (``kas`` on every counter action);
    anything else (a ``role:suffix`` falling back, an unmapped role's message) is the ledger's."""
    if ":" not in role:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns(LedgerAccount, 'l')} FROM ledger_rolemapping r "  # noqa: S608
                "JOIN ledger_account l ON l.id = r.account_id "
                "WHERE r.koperasi_id = %s AND r.role = %s",
                [koperasi.pk, role],
            )
            row = cursor.fetchone()
        if row is not None:
            (account,) = instances(row, LedgerAccount)
            return account  # type: ignore[no-any-return]
    return ledger_selectors.account_for_role(koperasi=koperasi, role=role)


def lock_accounts(koperasi: Koperasi, ids: Iterable[int]) -> dict[int, Account]:
    """Lock accounts (by id order, so two writers never deadlock) and return them fresh.

    Only the account rows are locked (``of``): their product, ledger account and member are
    read with them, not held."""
    wanted = sorted(set(ids))
    locked = {
        a.pk: a
        for a in Account.objects.select_for_update(no_key=True, of=("self",))
        .filter(koperasi=koperasi, pk__in=wanted)
        .select_related("product__ledger_account", "member")
        .order_by("pk")
    }
    missing = [i for i in wanted if i not in locked]
    if missing:
        raise SavingsError(_("Rekening tidak ditemukan di koperasi ini."), code="not_found")
    return locked


def lock_account(
    account: Account, *, session: CashierSession | None = None, drawer: bool = False
) -> Account:
    """Lock one account the caller has read, and return its row as it is under the lock.

    Its product, member and koperasi are taken from the caller's copy (a member who left
    meanwhile shows in the locked row: leaving closes every account under the same lock).
    One plain statement (the counter runs this on every deposit) that locks the account's own
    row and no other. With ``session`` the same statement also holds the kasir's session
    (``FOR SHARE`` on PostgreSQL) and reads whether it is still open: closing the session locks
    it for update first, so a close either waits for this deposit (and counts it) or comes
    first (and the deposit, reading the row the close left, is refused). With ``drawer`` (a
    cash payout) the session is held ``FOR NO KEY UPDATE`` instead: payouts from one drawer are
    counted one after the other, after the deposits under way.
    """
    postgres = connection.features.has_select_for_no_key_update
    if session is None:
        sql = (
            f"SELECT {columns(Account, 'a')}, NULL "  # noqa: S608
            "FROM savings_account a WHERE a.id = %s AND a.koperasi_id = %s"
            + (" FOR NO KEY UPDATE" if postgres else "")
        )
        params = [account.pk, account.koperasi_id]
    else:
        sql = (
            f"SELECT {columns(Account, 'a')}, s.closed_at IS NULL "  # noqa: S608
            "FROM savings_account a, savings_cashiersession s "
            "WHERE a.id = %s AND a.koperasi_id = %s AND s.id = %s"
            + (
                (
                    " FOR NO KEY UPDATE OF a, s"
                    if drawer
                    else " FOR NO KEY UPDATE OF a FOR SHARE OF s"
                )
                if postgres
                else ""
            )
        )
        params = [account.pk, account.koperasi_id, session.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise SavingsError(_("Rekening tidak ditemukan di koperasi ini."), code="not_found")
    if session is not None and not row[-1]:
        raise _session_closed()
    (fresh,) = instances(row, Account)
    fresh.product = account.product
    fresh.member = account.member
    fresh.koperasi = account.koperasi
    return fresh


def existing_entry(koperasi: Koperasi, key: str | None) -> JournalEntry | None:
    if not key:
        return None
    found = (
        JournalEntry.objects.filter(koperasi=koperasi, idempotency_key=key)
        .order_by()  # by the unique index: at most one row, no join for the model's ordering
        .values_list("pk", flat=True)[:1]
    )
    return next((JournalEntry.objects.get(pk=pk) for pk in found), None)


def _session_closed() -> SavingsError:
    return SavingsError(
        _("Sesi kasir sudah ditutup; buka sesi baru dengan menghitung kas."), code="session"
    )


def check_session(session: CashierSession | None, koperasi: Koperasi, *, read: bool = True) -> None:
    """Refuse another koperasi's session and (``read``) one closed since the caller read it;
    ``read=False`` when the caller reads that under its lock (:func:`lock_account`)."""
    if session is None:
        return
    if session.koperasi_id != koperasi.pk:
        raise SavingsError(_("Sesi kasir milik koperasi lain."), code="session")
    if not read:
        return
    fresh = CashierSession.objects.filter(pk=session.pk).values_list("closed_at", flat=True).get()
    if fresh is not None:
        raise _session_closed()


def check_open(account: Account) -> None:
    if not account.is_open:
        raise AccountClosed(
            _("Rekening %(n)s sudah ditutup pada %(d)s.")
            % {
                "n": account.number,
                "d": account.closed_on.strftime("%d/%m/%Y") if account.closed_on else "—",
            },
            code="account_closed",
        )
    if not account.member.is_active:
        raise AccountClosed(
            _("%(name)s bukan anggota aktif lagi.") % {"name": account.member.full_name},
            code="member_not_active",
        )


def not_withdrawable_message(account: Account) -> str:
    product = account.product
    if product.kind == Kind.POKOK:
        return _(
            "Simpanan pokok tidak dapat ditarik selama masih menjadi anggota; simpanan pokok "
            "dikembalikan saat anggota keluar."
        )
    if product.kind == Kind.WAJIB:
        return _(
            "Simpanan wajib tidak dapat ditarik selama masih menjadi anggota; simpanan wajib "
            "dikembalikan saat anggota keluar."
        )
    if product.kind == Kind.BERJANGKA:
        return _(
            "Simpanan berjangka hanya dicairkan saat jatuh tempo, atau lewat pencairan sebelum "
            "jatuh tempo dengan denda."
        )
    if product.withdrawable == Withdrawable.ON_LEAVING:
        return _("%(p)s hanya dapat ditarik saat anggota keluar.") % {"p": product.name}
    return _("%(p)s tidak dapat ditarik.") % {"p": product.name}


@dataclass
class _Change:
    account: Account
    delta: Decimal = ZERO
    floor: Decimal | None = None
    prepaid_delta: Decimal = ZERO
    term_interest_delta: Decimal = ZERO
    close: tuple[dt.date, str] | None = None


@dataclass
class Booking:
    """One entry's worth of lines and movements, built on locked accounts, then posted."""

    koperasi: Koperasi
    value_date: dt.date
    session: CashierSession | None = None
    lines: dict[tuple[int, str], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    ledger_accounts: dict[int, LedgerAccount] = field(default_factory=dict)
    movements: list[Transaction] = field(default_factory=list)
    changes: dict[int, _Change] = field(default_factory=dict)
    obligations: list[Obligation] = field(default_factory=list)
    _open_obligations: dict[tuple[int, str], list[Obligation]] = field(default_factory=dict)
    _terms: dict[int, ProductTerms] = field(default_factory=dict)
    _touched: set[int] = field(default_factory=set)
    _roles: dict[str, LedgerAccount] = field(default_factory=dict)
    # Called with the posted entry, in the same transaction (another app's hook, e.g. the loans
    # netted on a member's exit, records its own rows against the entry).
    after_post: list[Callable[[JournalEntry], None]] = field(default_factory=list)

    def terms(self, product: Product) -> ProductTerms:
        """The product's terms on the value date (looked up once per booking)."""
        if product.pk not in self._terms:
            self._terms[product.pk] = terms_in_force(product, self.value_date)
        return self._terms[product.pk]

    def preload_obligations(self, account_ids: Iterable[int]) -> None:
        """Fetch (and lock) the open obligations of many accounts in one query (batches)."""
        ids = list(account_ids)
        for kind in ObligationKind.values:
            for account_id in ids:
                self._open_obligations.setdefault((account_id, kind), [])
        for obligation in (
            Obligation.objects.select_for_update()
            .filter(account_id__in=ids, cancelled=False, paid__lt=F("amount"))
            .order_by("period")
        ):
            self._open_obligations[(obligation.account_id, obligation.kind)].append(obligation)

    def _open(self, account: Account, kind: str) -> list[Obligation]:
        key = (account.pk, kind)
        if key not in self._open_obligations:
            self._open_obligations[key] = list(
                Obligation.objects.select_for_update()
                .filter(account=account, kind=kind, cancelled=False, paid__lt=F("amount"))
                .order_by("period")
            )
        return self._open_obligations[key]

    # --- ledger side --------------------------------------------------------------------------

    def role(self, role: str) -> LedgerAccount:
        if role not in self._roles:
            self._roles[role] = role_account(self.koperasi, role)
        account = self._roles[role]
        self.ledger_accounts[account.pk] = account
        return account

    def debit(self, account: LedgerAccount, amount: Decimal) -> None:
        if amount:
            self.ledger_accounts[account.pk] = account
            self.lines[(account.pk, "d")] += amount

    def credit(self, account: LedgerAccount, amount: Decimal) -> None:
        if amount:
            self.ledger_accounts[account.pk] = account
            self.lines[(account.pk, "k")] += amount

    def cash(self, via: str, amount: Decimal) -> None:
        """Money into (+) or out of (−) the koperasi through ``via`` (``kas`` or ``bank``)."""
        account = self.role(via)
        if amount > 0:
            self.debit(account, amount)
        else:
            self.credit(account, -amount)

    # --- savings side -------------------------------------------------------------------------

    def _change(self, account: Account) -> _Change:
        if account.pk not in self.changes:
            self.changes[account.pk] = _Change(account)
        return self.changes[account.pk]

    def balance_of(self, account: Account) -> Decimal:
        change = self.changes.get(account.pk)
        return account.balance + (change.delta if change else ZERO)

    def _movement(
        self, account: Account, amount: Decimal, kind: str, memo: str, cash: Decimal
    ) -> Transaction:
        tx = Transaction(
            koperasi=self.koperasi,
            account=account,
            kind=kind,
            amount=amount,
            value_date=self.value_date,
            memo=fit_memo(memo),
            session=self.session if cash else None,
            cash=cash,
        )
        self.movements.append(tx)
        return tx

    def pay_in(
        self,
        account: Account,
        amount: Decimal,
        *,
        kind: str = TxKind.SETORAN,
        memo: str = "",
        cash: Decimal = ZERO,
        check: bool = True,
        opening: bool = False,
    ) -> Transaction:
        """Money into a member's account, with the product's rules (see the module doc).

        ``opening`` is the first placement of a berjangka account (which takes no top-ups).
        """
        product = account.product
        if check:
            check_open(account)
        change = self._change(account)
        ledger_account = product.ledger_account
        if account.kind == Kind.BERJANGKA and not opening:
            raise SavingsError(
                _(
                    "Simpanan berjangka tidak menerima setoran tambahan; buka simpanan berjangka "
                    "baru untuk menambah."
                ),
                code="berjangka_no_deposit",
            )
        if account.kind == Kind.POKOK:
            terms = self.terms(product)
            remaining = max(terms.pokok_amount - self.balance_of(account), ZERO)
            if remaining == 0:
                raise SavingsError(
                    _("Simpanan pokok %(name)s sudah lunas (%(amt)s).")
                    % {"name": account.member.full_name, "amt": rupiah(terms.pokok_amount)},
                    code="pokok_paid",
                )
            if amount > remaining:
                raise SavingsError(
                    _("Setoran melebihi sisa simpanan pokok yang belum dibayar (%(amt)s).")
                    % {"amt": rupiah(remaining)},
                    code="pokok_over",
                )
            self._settle(account, amount, ObligationKind.POKOK)
            self.credit(ledger_account, amount)
        elif account.kind == Kind.WAJIB:
            arrears_paid = self._settle(account, amount, ObligationKind.WAJIB)
            if arrears_paid:
                self.credit(self.role("piutang_simpanan_wajib"), arrears_paid)
            self.credit(ledger_account, amount - arrears_paid)
            change.prepaid_delta += amount - arrears_paid
        else:
            self.credit(ledger_account, amount)
        if self.balance_of(account) + amount > m.MAX_AMOUNT:
            raise AmountError(
                _("Saldo rekening akan melebihi %(max)s, batas yang dapat dicatat.")
                % {"max": rupiah(m.MAX_AMOUNT)},
                code="balance_too_large",
            )
        change.delta += amount
        if account.kind == Kind.SUKARELA:
            terms = self.terms(product)
            change.floor = min(terms.min_balance, self.balance_of(account))
        if kind == TxKind.BUNGA and account.kind == Kind.BERJANGKA:
            change.term_interest_delta += amount
        return self._movement(account, amount, kind, memo, cash)

    def _settle(self, account: Account, amount: Decimal, kind: str) -> Decimal:
        """Settle ``account``'s open obligations of ``kind``, oldest first; return the total."""
        left = amount
        settled = ZERO
        for obligation in self._open(account, kind):
            if left <= 0:
                break
            part = min(obligation.outstanding, left)
            if part <= 0:
                continue
            obligation.paid += part
            if obligation.paid == obligation.amount:
                obligation.settled_on = self.value_date
            if id(obligation) not in self._touched:
                self._touched.add(id(obligation))
                self.obligations.append(obligation)
            left -= part
            settled += part
        return settled

    def pay_out(
        self,
        account: Account,
        amount: Decimal,
        *,
        kind: str = TxKind.PENARIKAN,
        memo: str = "",
        cash: Decimal = ZERO,
        enforce_rules: bool = True,
    ) -> Transaction:
        """Money out of a member's account: withdrawal rules unless closing or netting."""
        product = account.product
        if enforce_rules:
            check_open(account)
            if product.withdrawable != Withdrawable.ANY_TIME:
                raise NotWithdrawable(not_withdrawable_message(account), code="not_withdrawable")
            terms = self.terms(product)
            balance = self.balance_of(account)
            after = balance - amount
            if after < terms.min_balance:
                most = max(balance - terms.min_balance, ZERO)
                raise BelowMinimum(
                    _(
                        "Saldo tidak cukup: saldo %(bal)s, saldo minimum %(min)s. Paling banyak "
                        "dapat ditarik %(most)s."
                    )
                    % {
                        "bal": rupiah(balance),
                        "min": rupiah(terms.min_balance),
                        "most": rupiah(most),
                    },
                    code="below_minimum",
                )
            self._change(account).floor = terms.min_balance
        elif self.balance_of(account) - amount < 0:
            raise BelowMinimum(_("Saldo rekening tidak cukup."), code="below_zero")
        self.debit(product.ledger_account, amount)
        change = self._change(account)
        change.delta -= amount
        if change.floor is not None and change.floor > self.balance_of(account):
            change.floor = self.balance_of(account)
        return self._movement(account, -amount, kind, memo, cash)

    def book(self, account: Account, amount: Decimal, *, kind: str, memo: str) -> Transaction:
        """A movement without the product's payment rules: interest credited (+) or tax withheld
        (−) on leaving. The product's control account moves with the account; interest on a
        placement counts in its ``term_interest``."""
        if amount > 0:
            self.credit(account.product.ledger_account, amount)
        else:
            self.debit(account.product.ledger_account, -amount)
        change = self._change(account)
        change.delta += amount
        if kind == TxKind.BUNGA and account.kind == Kind.BERJANGKA:
            change.term_interest_delta += amount
        return self._movement(account, amount, kind, memo, ZERO)

    def close(self, account: Account, *, on: dt.date, reason: str) -> None:
        self._change(account).close = (on, reason)

    # --- writing ------------------------------------------------------------------------------

    def ledger_lines(self) -> list[ledger.Line]:
        out = []
        for (account_id, side), amount in sorted(self.lines.items()):
            if amount == 0:
                continue
            account = self.ledger_accounts[account_id]
            if side == "d":
                out.append(ledger.Line(account=account, debit=amount))
            else:
                out.append(ledger.Line(account=account, credit=amount))
        return out

    def post(
        self,
        *,
        kind: str,
        memo: str,
        actor: Any,
        idempotency_key: str | None = None,
        source: str = "",
        books: ledger.Books | None = None,
    ) -> JournalEntry:
        """Write the entry, the movements and the new balances.

        With ``books`` (from :func:`ledger.lock_books`, its key already found unused by the
        caller) the entry is posted under those books and the caller records the audit event
        for the whole action, naming the entry; ``idempotency_key`` is then the books' own."""
        if books is not None:
            entry = books.post(
                lines=self.ledger_lines(),
                kind=kind,
                memo=fit_memo(memo),
                actor=actor,
                source=source,
                audited=False,
            )
        else:
            entry = ledger.post(
                koperasi=self.koperasi,
                lines=self.ledger_lines(),
                kind=kind,
                memo=fit_memo(memo),
                actor=actor,
                value_date=self.value_date,
                idempotency_key=idempotency_key,
                source=source,
            )
            if idempotency_key and Transaction.objects.filter(entry=entry).exists():
                # The key was already used (a repeat racing past the caller's check, or the same
                # key for another action): the first result stands and nothing more is written.
                raise IdempotencyConflict(
                    _("Kunci transaksi ini sudah dipakai; muat ulang formulir."),
                    code="idempotency_conflict",
                )
        if self.session is not None:
            self._check_drawer(self.session)
        user = actor if getattr(actor, "is_authenticated", False) else None
        for tx in self.movements:
            tx.entry = entry
            tx.actor = user
        if len(self.movements) > BULK:
            # A batch (payroll, a counter day): tuples, not model saves; the objects keep no pk.
            created = now()
            insert_rows(
                Transaction,
                MOVEMENT_FIELDS,
                (self._movement_row(t, created) for t in self.movements),
            )
        elif len(self.movements) == 1:
            # The counter's case: one plain INSERT, the object gets its id and timestamp.
            tx = self.movements[0]
            tx.created_at = now()
            tx.pk = insert_row(Transaction, MOVEMENT_FIELDS, self._movement_row(tx, tx.created_at))
            tx._state.adding = False
            tx._state.db = connection.alias
        else:
            Transaction.objects.bulk_create(self.movements)
        if len(self.changes) > BULK and all(c.close is None for c in self.changes.values()):
            self._apply_bulk()
        else:
            for change in self.changes.values():
                self._apply(change)
        if len(self.obligations) > BULK:
            update_rows(
                Obligation,
                ("paid", "settled_on"),
                ((o.paid, o.settled_on, o.pk) for o in self.obligations),
            )
        else:
            for obligation in self.obligations:
                obligation.save(update_fields=["paid", "settled_on"])
        for hook in self.after_post:
            hook(entry)
        return entry

    def _check_drawer(self, session: CashierSession) -> None:
        """No cash payout beyond what the kasir's drawer holds (``savings.services.drawer``)."""
        out = -sum((tx.cash for tx in self.movements), ZERO)
        if out > 0:
            from savings.services import drawer

            drawer.lock_drawer(session)
            drawer.check_payout(session, out)

    def post_if_any(self, **post: Any) -> JournalEntry | None:
        """:meth:`post` when there is money to book; otherwise (closing accounts that hold
        nothing) only the account changes are written: no entry, no movement."""
        if self.ledger_lines():
            return self.post(**post)
        for change in self.changes.values():
            self._apply(change)
        return None

    @staticmethod
    def _movement_row(t: Transaction, created: dt.datetime) -> tuple[Any, ...]:
        return (
            t.koperasi_id,
            t.account_id,
            t.kind,
            t.amount,
            t.value_date,
            created,
            t.entry_id,
            t.memo,
            t.actor_id,
            t.session_id,
            t.cash,
        )

    def _apply_bulk(self) -> None:
        """Many accounts (a payroll batch, a day's demo history): absolute values in a few
        UPDATEs. Safe because every account here was locked by the caller before it was read."""
        rows = []
        for change in self.changes.values():
            account = change.account
            account.balance += change.delta
            account.prepaid += change.prepaid_delta
            account.term_interest += change.term_interest_delta
            if change.floor is not None:
                account.floor = max(change.floor, ZERO)
            rows.append(
                (account.balance, account.prepaid, account.term_interest, account.floor, account.pk)
            )
        update_rows(Account, ("balance", "prepaid", "term_interest", "floor"), rows)

    @staticmethod
    def _apply(change: _Change) -> None:
        account = change.account
        # Increments in SQL (integer sen), so nothing written meanwhile is lost.
        increments = {
            "balance": change.delta,
            "prepaid": change.prepaid_delta,
            "term_interest": change.term_interest_delta,
        }
        values: dict[str, Any] = {}
        if change.close is not None:
            values = {
                "status": Account.Status.DITUTUP.value,
                "closed_on": change.close[0],
                "close_reason": change.close[1],
                "floor": ZERO,
                "prepaid": ZERO,
            }
            del increments["prepaid"]
        elif change.floor is not None:
            values = {"floor": max(change.floor, ZERO)}
        increments = {name: delta for name, delta in increments.items() if delta}
        if increments or values:
            update_row(Account, account.pk, increments=increments, values=values)
        # The row is locked by the caller, so what it holds now is known without reading it.
        account.balance += change.delta
        account.prepaid += change.prepaid_delta
        account.term_interest += change.term_interest_delta
        if change.close is not None:
            account.status = Account.Status.DITUTUP
            account.closed_on, account.close_reason = change.close
            account.floor = account.prepaid = ZERO
        elif change.floor is not None:
            account.floor = max(change.floor, ZERO)


def value_date_of(koperasi: Koperasi, value_date: dt.date | None) -> dt.date:
    return value_date or business_date(koperasi)
