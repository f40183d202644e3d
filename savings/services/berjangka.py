"""Simpanan berjangka (time deposits): opening, maturity, and early withdrawal with a penalty.

Each placement is its own account with its own term: the rate in force when it opens is
locked on the account for the term. Interest is credited monthly into the placement (month
end, daily-balance on the locked rate) and counted in ``term_interest``. At maturity the whole
balance moves to the member's sukarela, or the placement rolls over for another term at the
rate then in force. Breaking early forfeits the product's penalty — a percentage of the
interest received this term — to ``pendapatan_lain``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core import money as m
from core.books import books_text
from core.dates import business_date
from members.models import Member
from savings.models import (
    Account,
    AtMaturity,
    CloseReason,
    Kind,
    Product,
    ProductTerms,
    Transaction,
    TxKind,
)
from savings.services._common import (
    ZERO,
    Booking,
    SavingsError,
    add_months,
    amount_of,
    check_open,
    check_session,
    existing_entry,
    lock_accounts,
    rupiah,
    terms_in_force,
    whole_rupiah,
)
from savings.services.products import open_account


def sukarela_of(member: Member, *, actor: Any, on: dt.date, create: bool = True) -> Account | None:
    """The member's open sukarela account (the koperasi's default product first); opened if
    they have none and ``create``."""
    found = (
        Account.objects.filter(member=member, kind=Kind.SUKARELA, status=Account.Status.AKTIF)
        .order_by("-product__open_on_join", "pk")
        .first()
    )
    if found is not None or not create:
        return found
    product = (
        Product.objects.filter(koperasi_id=member.koperasi_id, kind=Kind.SUKARELA, is_active=True)
        .order_by("-open_on_join", "pk")
        .first()
    )
    if product is None:
        raise SavingsError(_("Koperasi belum punya produk simpanan sukarela."), code="no_sukarela")
    return open_account(member=member, product=product, actor=actor, on=on)


@transaction.atomic
def berjangka_open(
    *,
    member: Member,
    product: Product,
    amount: Any,
    tenor_months: int,
    actor: Any,
    via: str = "kas",
    at_maturity: str | None = None,
    session: Any = None,
    idempotency_key: str | None = None,
    value_date: dt.date | None = None,
) -> Account:
    """Place ``amount`` for ``tenor_months``, paid in cash/bank or moved from sukarela."""
    amount = amount_of(amount)
    if via not in ("kas", "bank", "sukarela"):
        raise SavingsError(_("Sumber dana harus kas, bank atau simpanan sukarela."))
    koperasi = member.koperasi
    if product.koperasi_id != koperasi.pk or product.kind != Kind.BERJANGKA:
        raise SavingsError(_("Pilih produk simpanan berjangka koperasi ini."), code="product")
    if (entry := existing_entry(koperasi, idempotency_key)) is not None:
        tx = Transaction.objects.filter(entry=entry, account__kind=Kind.BERJANGKA).first()
        if tx is None:
            raise SavingsError(_("Kunci transaksi ini sudah dipakai untuk transaksi lain."))
        return tx.account
    check_session(session, koperasi)
    today = value_date or business_date(koperasi)
    terms = terms_in_force(product, today)
    if tenor_months not in terms.tenors:
        raise SavingsError(
            _("Jangka waktu %(n)s bulan tidak tersedia; pilih %(list)s bulan.")
            % {"n": tenor_months, "list": ", ".join(str(t) for t in terms.tenors)},
            code="tenor",
        )
    if amount < terms.min_balance:
        raise SavingsError(
            _("Simpanan berjangka paling sedikit %(min)s.") % {"min": rupiah(terms.min_balance)},
            code="below_minimum",
        )
    choice = at_maturity or terms.at_maturity
    if choice not in AtMaturity.values:
        raise SavingsError(_("Pilihan saat jatuh tempo tidak dikenal."))
    source = None
    if via == "sukarela":
        source = sukarela_of(member, actor=actor, on=today, create=False)
        if source is None:
            raise SavingsError(_("Anggota ini tidak punya simpanan sukarela."), code="no_sukarela")
    account = open_account(
        member=member,
        product=product,
        actor=actor,
        on=today,
        tenor_months=tenor_months,
        rate_bp=terms.rate_bp,
        term_start=today,
        maturity_date=add_months(today, tenor_months),
        at_maturity=choice,
    )
    locked = lock_accounts(koperasi, [account.pk] + ([source.pk] if source else []))
    booking = Booking(koperasi, today, session=session)
    memo = books_text(
        "Penempatan %(p)s %(n)s bulan, jatuh tempo %(d)s",
        p=product.name,
        n=tenor_months,
        d=account.maturity_date.strftime("%d/%m/%Y") if account.maturity_date else "",
    )
    if source is not None:
        booking.pay_out(locked[source.pk], amount, kind=TxKind.TRANSFER_KELUAR, memo=memo)
    else:
        booking.cash(via, amount)
    booking.pay_in(
        locked[account.pk],
        amount,
        kind=TxKind.SETORAN,
        memo=memo,
        cash=amount if via == "kas" else ZERO,
        opening=True,
    )
    entry = booking.post(
        kind="savings.berjangka_open",
        memo=f"{memo} — {member.full_name}",
        actor=actor,
        idempotency_key=idempotency_key,
        source=f"savings.Account:{account.pk}",
    )
    audit.record(
        actor=actor,
        action="savings.berjangka_open",
        obj=account,
        after={"amount": str(amount), "tenor": tenor_months, "entry": entry.number},
    )
    return locked[account.pk]


def placement_terms(account: Account) -> ProductTerms:
    """The product's terms for the placement's current term: those in force when the term
    started. A placement brought in from legacy books (a migration) may have started before the
    product had terms in Kopdig: it takes the product's first terms."""
    start = account.term_start or account.opened_on
    first = (
        ProductTerms.objects.filter(product_id=account.product_id)
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )
    return terms_in_force(account.product, max(start, first) if first else start)


def early_penalty(account: Account) -> Decimal:
    """What breaking ``account`` today would forfeit: the product's share of this term's
    interest, to the sen (never more than the balance)."""
    terms = placement_terms(account)
    penalty = m.quantize(
        account.term_interest * terms.early_penalty_bp / Decimal(10000), rounding=ROUND_HALF_UP
    )
    return min(penalty, account.balance)


@transaction.atomic
def berjangka_break(
    *,
    account: Account,
    actor: Any,
    to: str = "kas",
    session: Any = None,
    idempotency_key: str | None = None,
) -> Account:
    """Withdraw a placement before maturity; the penalty goes to ``pendapatan_lain``."""
    if to not in ("kas", "bank", "sukarela"):
        raise SavingsError(_("Dana dicairkan ke kas, bank atau simpanan sukarela."))
    koperasi = account.koperasi
    locked = lock_accounts(koperasi, [account.pk])[account.pk]
    if (entry := existing_entry(koperasi, idempotency_key)) is not None:
        if not Transaction.objects.filter(entry=entry, account=locked).exists():
            raise SavingsError(_("Kunci transaksi ini sudah dipakai untuk transaksi lain."))
        return locked
    if locked.kind != Kind.BERJANGKA:
        raise SavingsError(_("Ini bukan rekening simpanan berjangka."), code="not_berjangka")
    check_open(locked)
    check_session(session, koperasi)
    today = business_date(koperasi)
    if locked.maturity_date and today >= locked.maturity_date:
        raise SavingsError(
            _("Simpanan ini sudah jatuh tempo (%(d)s); cairkan sebagai jatuh tempo.")
            % {"d": locked.maturity_date.strftime("%d/%m/%Y")},
            code="matured",
        )
    penalty = early_penalty(locked)
    balance = locked.balance
    booking = Booking(koperasi, today, session=session)
    memo = books_text("Pencairan sebelum jatuh tempo %(n)s", n=locked.number)
    if penalty:
        booking.pay_out(
            locked,
            penalty,
            kind=TxKind.DENDA,
            memo=books_text("Denda pencairan sebelum jatuh tempo"),
            enforce_rules=False,
        )
        booking.credit(booking.role("pendapatan_lain"), penalty)
    payout = balance - penalty
    # Cash is whole rupiah: the placement closes, so the sen of a cash payout go to pembulatan.
    # A transfer (bank, sukarela) keeps them.
    rounding = payout - whole_rupiah(payout) if to == "kas" else ZERO
    if payout:
        cash = -(payout - rounding) if to == "kas" else ZERO
        booking.pay_out(
            locked, payout, kind=TxKind.PENARIKAN, memo=memo, cash=cash, enforce_rules=False
        )
        if to == "sukarela":
            target = sukarela_of(locked.member, actor=actor, on=today)
            assert target is not None
            target = lock_accounts(koperasi, [target.pk])[target.pk]
            booking.pay_in(target, payout, kind=TxKind.TRANSFER_MASUK, memo=memo)
        else:
            booking.cash(to, -(payout - rounding))
            if rounding:
                booking.credit(booking.role("pembulatan"), rounding)
    booking.close(locked, on=today, reason=CloseReason.BROKEN)
    entry = booking.post_if_any(
        kind="savings.berjangka_break",
        memo=f"{memo} — {locked.member.full_name}",
        actor=actor,
        idempotency_key=idempotency_key,
        source=f"savings.Account:{locked.pk}",
    )
    audit.record(
        actor=actor,
        action="savings.berjangka_break",
        obj=locked,
        after={"penalty": str(penalty), "payout": str(payout), "rounding": str(rounding)},
    )
    return locked


@transaction.atomic
def berjangka_mature(*, account: Account, actor: Any) -> Account:
    """Process one placement that has reached maturity (value-dated on its maturity date)."""
    koperasi = account.koperasi
    locked = lock_accounts(koperasi, [account.pk])[account.pk]
    if locked.kind != Kind.BERJANGKA or not locked.is_open or locked.maturity_date is None:
        raise SavingsError(_("Rekening ini bukan simpanan berjangka yang aktif."))
    today = business_date(koperasi)
    due = locked.maturity_date
    if due > today:
        raise SavingsError(
            _("Simpanan ini baru jatuh tempo pada %(d)s.") % {"d": due.strftime("%d/%m/%Y")},
            code="not_due",
        )
    if locked.at_maturity == AtMaturity.ROLL_OVER and locked.member.is_active:
        terms = terms_in_force(locked.product, due)
        before = audit.snapshot(locked, ["term_start", "maturity_date", "rate_bp"])
        # The old term keeps its rate for its days of this month (``prior_rate_bp``).
        tenor = locked.tenor_months or 1
        Account.objects.filter(pk=locked.pk).update(
            term_start=due,
            maturity_date=add_months(due, tenor),
            prior_rate_bp=locked.rate_bp,
            rate_bp=terms.rate_bp,
            term_interest=ZERO,
        )
        locked.refresh_from_db()
        audit.record(
            actor=actor,
            action="savings.berjangka_roll_over",
            obj=locked,
            before=before,
            after=audit.snapshot(locked, ["term_start", "maturity_date", "rate_bp"]),
        )
        return locked
    booking = Booking(koperasi, due)
    memo = books_text("Jatuh tempo %(n)s dipindahkan ke simpanan sukarela", n=locked.number)
    if locked.balance:
        target = sukarela_of(locked.member, actor=actor, on=due)
        assert target is not None
        target = lock_accounts(koperasi, [target.pk])[target.pk]
        booking.pay_out(
            locked, locked.balance, kind=TxKind.JATUH_TEMPO, memo=memo, enforce_rules=False
        )
        booking.pay_in(target, locked.balance, kind=TxKind.TRANSFER_MASUK, memo=memo, check=False)
    booking.close(locked, on=due, reason=CloseReason.MATURED)
    booking.post_if_any(
        kind="savings.berjangka_mature",
        memo=f"{memo} — {locked.member.full_name}",
        actor=actor,
        idempotency_key=f"berjangka-mature:{locked.pk}:{due.isoformat()}",
        source=f"savings.Account:{locked.pk}",
    )
    audit.record(
        actor=actor, action="savings.berjangka_mature", obj=locked, after={"on": due.isoformat()}
    )
    return locked


def matured_due(koperasi: Any, on: dt.date) -> list[Account]:
    return list(
        Account.objects.filter(
            koperasi=koperasi,
            kind=Kind.BERJANGKA,
            status=Account.Status.AKTIF,
            maturity_date__lte=on,
        ).order_by("maturity_date", "pk")
    )


__all__ = [
    "berjangka_break",
    "berjangka_mature",
    "berjangka_open",
    "early_penalty",
    "matured_due",
    "placement_terms",
    "sukarela_of",
]
