"""The money of joining and leaving: simpanan pokok on joining, the refund on leaving.

:func:`member_join` wraps ``members.services.member_register`` and :func:`member_exit` wraps
``member_leave``/``member_death`` in one transaction each, so the register and the money never
disagree: a refused payment leaves no member behind, a refused exit leaves the member active.

What a leaving member owes is netted in the same entry as the refund:

* wajib arrears: the billed-but-unpaid wajib is a receivable (``piutang_simpanan_wajib``)
  against the simpanan wajib control account; on leaving that receivable is cleared against
  the wajib equity. The member's own wajib balance holds only what they paid, so the cash
  refunded is pokok + wajib + sukarela (+ berjangka) as paid.
* anything registered through :func:`register_exit_netting` — the hook the loans app uses to
  net an outstanding loan (it adds its own credit lines to the booking and returns the amount,
  which reduces the cash paid out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core import money as m
from core.books import books_text
from core.dates import business_date
from ledger.models import JournalEntry
from members import services as members
from members.models import Member
from registry.models import Koperasi
from savings import interest
from savings.models import (
    Account,
    CloseReason,
    Kind,
    MonthEndRun,
    MonthEndStep,
    Obligation,
    ObligationKind,
    Product,
    TaxWithholding,
    Transaction,
    TxKind,
)
from savings.services._common import (
    ZERO,
    Booking,
    SavingsError,
    add_months,
    amount_of,
    check_session,
    existing_entry,
    lock_accounts,
    month_start,
    rupiah,
    terms_in_force,
    whole_rupiah,
)
from savings.services.berjangka import placement_terms
from savings.services.counter import _check_via
from savings.services.month_end import accrued_interest, month_name
from savings.services.products import open_account

# (member, booking, on) → amount netted; the hook adds its own lines and domain changes.
ExitNetting = Callable[[Member, Booking, dt.date], Decimal]
_EXIT_NETTING: list[ExitNetting] = []


def register_exit_netting(hook: ExitNetting) -> None:
    """Let another app (loans) net what a leaving member owes it against the refund."""
    if hook not in _EXIT_NETTING:
        _EXIT_NETTING.append(hook)


@dataclass
class JoinResult:
    member: Member
    warnings: list[str]
    accounts: list[Account]
    entry: JournalEntry | None
    transactions: list[Transaction] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((t.amount for t in self.transactions), ZERO)


@dataclass
class ExitResult:
    member: Member
    entry: JournalEntry | None
    refunded: list[tuple[Account, Decimal]]
    arrears_netted: Decimal
    other_netted: Decimal
    payout: Decimal  # what the member is paid (in cash: whole rupiah)
    transactions: list[Transaction] = field(default_factory=list)
    interest: Decimal = ZERO  # the partial month's interest (and a matured placement's last)
    tax: Decimal = ZERO  # PPh final withheld from it
    penalty: Decimal = ZERO  # early-break penalty of unmatured placements
    rounding: Decimal = ZERO  # the sen of a cash refund, to pembulatan


def pokok_instalments(total: Decimal, count: int) -> list[Decimal]:
    """``total`` in ``count`` instalments, whole rupiah where possible; the first absorbs any
    remainder (largest remainder, earlier parts first)."""
    unit = m.RUPIAH if total == total.to_integral_value() else m.SEN
    return m.allocate(total, [1] * count, unit=unit)


def _join_products(koperasi: Koperasi) -> tuple[Product, list[Product]]:
    pokok = Product.objects.filter(koperasi=koperasi, kind=Kind.POKOK, is_active=True).first()
    if pokok is None:
        raise SavingsError(
            _("Koperasi belum punya produk simpanan pokok; buat dulu di menu Produk simpanan."),
            code="no_pokok",
        )
    others = list(
        Product.objects.filter(koperasi=koperasi, is_active=True, open_on_join=True)
        .exclude(kind__in=[Kind.POKOK, Kind.BERJANGKA])
        .order_by("kind", "code")
    )
    return pokok, others


def _result_of(entry: JournalEntry) -> JoinResult:
    txs = list(Transaction.objects.filter(entry=entry).select_related("account", "account__member"))
    member = txs[0].account.member
    return JoinResult(
        member=member,
        warnings=[],
        accounts=list(member.savings_accounts.order_by("pk")),
        entry=entry,
        transactions=txs,
    )


@transaction.atomic
def member_join(
    *,
    koperasi: Koperasi,
    actor: Any,
    pokok_paid: Any = None,
    wajib_paid: Any = ZERO,
    sukarela_paid: Any = ZERO,
    via: str = "kas",
    session: Any = None,
    idempotency_key: str | None = None,
    **member_fields: Any,
) -> JoinResult:
    """Register a member and take simpanan pokok (all at once or the first instalment), plus
    an optional first wajib and sukarela, in one entry; open the accounts new members get.

    ``pokok_paid`` defaults to what the koperasi's rule asks on joining (the whole pokok, or
    its first instalment); more may be paid, never less, never above the pokok.
    """
    _check_via(via)
    wajib = amount_of(wajib_paid, allow_zero=True, label=_("Simpanan wajib"))
    sukarela = amount_of(sukarela_paid, allow_zero=True, label=_("Simpanan sukarela"))
    paid = None if pokok_paid in (None, "") else amount_of(pokok_paid, label=_("Simpanan pokok"))
    if (entry := existing_entry(koperasi, idempotency_key)) is not None:
        return _result_of(entry)
    check_session(session, koperasi)
    today = business_date(koperasi)
    pokok_product, others = _join_products(koperasi)
    terms = terms_in_force(pokok_product, today)
    parts = pokok_instalments(terms.pokok_amount, terms.pokok_instalments)
    if paid is None:
        paid = parts[0]
    if paid < parts[0]:
        raise SavingsError(
            _("Simpanan pokok yang dibayar saat masuk paling sedikit %(min)s.")
            % {"min": rupiah(parts[0])}
            if len(parts) > 1
            else _("Simpanan pokok harus dibayar penuh saat masuk: %(amt)s.")
            % {"amt": rupiah(terms.pokok_amount)},
            code="pokok_too_little",
        )
    if paid > terms.pokok_amount:
        raise SavingsError(
            _("Simpanan pokok hanya %(amt)s.") % {"amt": rupiah(terms.pokok_amount)},
            code="pokok_too_much",
        )
    wajib_product = next((p for p in others if p.kind == Kind.WAJIB), None)
    sukarela_product = next((p for p in others if p.kind == Kind.SUKARELA), None)
    if wajib and wajib_product is None:
        raise SavingsError(_("Koperasi belum punya produk simpanan wajib untuk anggota baru."))
    if sukarela and sukarela_product is None:
        raise SavingsError(_("Koperasi belum punya produk simpanan sukarela untuk anggota baru."))

    try:
        member, warnings = members.member_register(koperasi=koperasi, actor=actor, **member_fields)
    except members.DuplicateNik:
        # Two taps of the same form racing: the first one's result stands.
        if (entry := existing_entry(koperasi, idempotency_key)) is not None:
            return _result_of(entry)
        raise
    accounts = [
        open_account(member=member, product=p, actor=actor, on=today)
        for p in [pokok_product, *others]
    ]
    by_product = {a.product_id: a for a in accounts}
    pokok_account = by_product[pokok_product.pk]
    if len(parts) > 1:
        _pokok_charge(
            koperasi=koperasi, member=member, account=pokok_account, parts=parts, on=today
        )
    locked = lock_accounts(koperasi, by_product_ids := [a.pk for a in accounts])
    del by_product_ids
    booking = Booking(koperasi, today, session=session)
    txs = []
    is_cash = via == "kas"
    for product, amount in (
        (pokok_product, paid),
        (wajib_product, wajib),
        (sukarela_product, sukarela),
    ):
        if product is None or not amount:
            continue
        account = locked[by_product[product.pk].pk]
        txs.append(
            booking.pay_in(
                account,
                amount,
                memo=books_text("Setoran %(p)s saat masuk", p=product.name),
                cash=amount if is_cash else ZERO,
            )
        )
    total = paid + wajib + sukarela
    booking.cash(via, total)
    entry = booking.post(
        kind="savings.member_join",
        memo=books_text("Anggota baru %(n)s %(name)s", n=member.number, name=member.full_name),
        actor=actor,
        idempotency_key=idempotency_key,
        source=f"members.Member:{member.pk}",
    )
    audit.record(
        actor=actor,
        action="savings.member_join",
        obj=member,
        after={
            "pokok": str(paid),
            "wajib": str(wajib),
            "sukarela": str(sukarela),
            "entry": entry.number,
        },
    )
    return JoinResult(
        member=member,
        warnings=warnings,
        accounts=[locked[a.pk] for a in accounts],
        entry=entry,
        transactions=txs,
    )


def _pokok_charge(
    *, koperasi: Koperasi, member: Member, account: Account, parts: list[Decimal], on: dt.date
) -> list[Obligation]:
    """What the member owes on pokok, as obligations (one a month from ``on``'s month).

    Pokok is recorded when paid (the module's ledger has no pokok receivable, as
    :class:`~savings.models.Obligation` says), so the charge is rows, not an entry: the first
    payment at the counter settles it and posts Dr kas / Cr simpanan pokok.
    """
    start = month_start(on)
    return Obligation.objects.bulk_create(
        Obligation(
            koperasi=koperasi,
            account=account,
            member=member,
            kind=ObligationKind.POKOK,
            period=add_months(start, i),
            amount=part,
        )
        for i, part in enumerate(parts)
    )


@transaction.atomic
def member_enrol(*, koperasi: Koperasi, actor: Any, **member_fields: Any) -> JoinResult:
    """Register a member without taking money (the Anggota page): the same accounts as
    :func:`member_join` opens, and the whole simpanan pokok charged (in its instalments), to
    be paid at the counter. No member is ever left without accounts.
    """
    today = business_date(koperasi)
    pokok_product, others = _join_products(koperasi)
    terms = terms_in_force(pokok_product, today)
    parts = pokok_instalments(terms.pokok_amount, terms.pokok_instalments)
    member, warnings = members.member_register(koperasi=koperasi, actor=actor, **member_fields)
    accounts = [
        open_account(member=member, product=p, actor=actor, on=today)
        for p in [pokok_product, *others]
    ]
    charged = [p for p in parts if p > 0]
    if charged:
        _pokok_charge(
            koperasi=koperasi, member=member, account=accounts[0], parts=charged, on=today
        )
    audit.record(
        actor=actor,
        action="savings.member_enrol",
        obj=member,
        after={"pokok_owed": str(sum(charged, ZERO)), "accounts": len(accounts)},
    )
    return JoinResult(member=member, warnings=warnings, accounts=accounts, entry=None)


def exit_preview(*, member: Member, died: bool = False) -> dict[str, Any]:
    """What leaving would pay out today (no lock, nothing written): for the confirmation page.
    ``payout`` is what the member is owed (a transfer pays it to the sen); ``cash`` is the
    whole-rupiah cash of a refund from the drawer."""
    accounts = list(
        member.savings_accounts.filter(status=Account.Status.AKTIF).select_related("product")
    )
    arrears = _wajib_arrears(member)
    total = sum((a.balance for a in accounts), ZERO)
    amounts = exit_amounts(accounts, business_date(member.koperasi), died=died)
    earned = sum(amounts.earned.values(), ZERO)
    tax = sum(amounts.tax.values(), ZERO)
    penalty = sum(amounts.penalty.values(), ZERO)
    payout = total + earned - tax - penalty
    return {
        "accounts": accounts,
        "total": total,
        "arrears": arrears,
        "interest": earned,
        "tax": tax,
        "penalty": penalty,
        "payout": payout,
        "cash": whole_rupiah(payout),
    }


def _wajib_arrears(member: Member) -> Decimal:
    rows = Obligation.objects.filter(
        member=member, kind=ObligationKind.WAJIB, cancelled=False
    ).values_list("amount", "paid")
    return sum((a - p for a, p in rows), ZERO)


@transaction.atomic
def member_exit(
    *,
    member: Member,
    actor: Any,
    on: dt.date,
    reason: str = "",
    died: bool = False,
    via: str = "kas",
    session: Any = None,
    idempotency_key: str | None = None,
) -> ExitResult:
    """End a membership (leaving or death) and refund every savings balance in one entry,
    netting what the member owes (see the module docstring). All accounts are closed; unpaid
    pokok instalments are cancelled; closed accounts earn no interest for the month.
    """
    _check_via(via)
    koperasi = member.koperasi
    if (entry := existing_entry(koperasi, idempotency_key)) is not None:
        txs = list(
            Transaction.objects.filter(entry=entry, kind=TxKind.PENUTUPAN).select_related("account")
        )
        if not txs or txs[0].account.member_id != member.pk:
            raise SavingsError(_("Kunci transaksi ini sudah dipakai untuk transaksi lain."))
        fresh = Member.objects.get(pk=member.pk)
        return ExitResult(
            member=fresh,
            entry=entry,
            refunded=[(t.account, -t.amount) for t in txs],
            arrears_netted=ZERO,
            other_netted=ZERO,
            payout=-sum((t.cash for t in txs), ZERO),
            transactions=txs,
        )
    check_session(session, koperasi)
    ids = list(
        Account.objects.filter(member=member, status=Account.Status.AKTIF).values_list(
            "pk", flat=True
        )
    )
    locked = lock_accounts(koperasi, ids)
    current = Member.objects.get(pk=member.pk)
    if not current.is_active and current.status == (
        Member.Status.MENINGGAL if died else Member.Status.KELUAR
    ):
        # Already recorded as left in the register (members pages): refund what is still held.
        ended = current
    elif died:
        ended = members.member_death(member=member, actor=actor, on=on, note=reason)
    else:
        ended = members.member_leave(member=member, actor=actor, on=on, reason=reason)
    today = business_date(koperasi)
    booking = Booking(koperasi, today, session=session)
    close_reason = CloseReason.DIED if died else CloseReason.LEFT
    memo = (
        _("Pengembalian simpanan kepada ahli waris %(name)s")
        if died
        else _("Pengembalian simpanan %(name)s (keluar)")
    ) % {"name": ended.full_name}

    # Wajib arrears: clear the receivable against the wajib it was billed into.
    open_obligations = list(
        Obligation.objects.select_for_update()
        .filter(member=member, cancelled=False, settled_on__isnull=True)
        .select_related("account__product")
    )
    arrears = ZERO
    for obligation in open_obligations:
        if obligation.kind == ObligationKind.WAJIB and obligation.outstanding:
            booking.debit(obligation.account.product.ledger_account, obligation.outstanding)
            arrears += obligation.outstanding
        obligation.cancelled = True
        obligation.settled_on = today
    if arrears:
        booking.credit(booking.role("piutang_simpanan_wajib"), arrears)

    earned, tax, penalty = _exit_interest(booking, locked, ended, today, died=died)

    refunded: list[tuple[Account, Decimal]] = []
    balances = ZERO
    for account in locked.values():
        held = booking.balance_of(account)
        if held > 0:
            refunded.append((account, held))
            balances += held
    other = ZERO
    for hook in _EXIT_NETTING:
        other += hook(ended, booking, today)
    payout = balances - other
    if payout < 0:
        raise SavingsError(
            _(
                "Simpanan %(name)s (%(sav)s) tidak cukup untuk melunasi kewajibannya (%(owed)s); "
                "selesaikan kekurangan %(short)s dulu."
            )
            % {
                "name": ended.full_name,
                "sav": rupiah(balances),
                "owed": rupiah(other),
                "short": rupiah(-payout),
            },
            code="owes_more",
        )
    # Cash is whole rupiah: the sen of a cash refund go to pembulatan (the accounts close).
    paid = whole_rupiah(payout) if via == "kas" else payout
    rounding = payout - paid
    cash_left = paid if via == "kas" else ZERO
    txs = []
    for account, amount in refunded:
        cash = min(amount, cash_left)
        cash_left -= cash
        txs.append(
            booking.pay_out(
                account,
                amount,
                kind=TxKind.PENUTUPAN,
                memo=memo,
                cash=-cash,
                enforce_rules=False,
            )
        )
    for account in locked.values():
        booking.close(account, on=today, reason=close_reason)
    if paid:
        booking.cash(via, -paid)
    if rounding:
        booking.credit(booking.role("pembulatan"), rounding)
    entry = booking.post_if_any(
        kind="savings.member_exit",
        memo=f"{memo} — {ended.number}",
        actor=actor,
        idempotency_key=idempotency_key,
        source=f"members.Member:{member.pk}",
    )
    for obligation in open_obligations:
        obligation.save(update_fields=["cancelled", "settled_on"])
    audit.record(
        actor=actor,
        action="savings.member_exit",
        obj=ended,
        after={
            "payout": str(paid),
            "interest": str(earned),
            "tax": str(tax),
            "penalty": str(penalty),
            "rounding": str(rounding),
            "arrears_netted": str(arrears),
            "other_netted": str(other),
            "entry": entry.number if entry else None,
        },
        note=reason,
    )
    return ExitResult(
        member=ended,
        entry=entry,
        refunded=refunded,
        arrears_netted=arrears,
        other_netted=other,
        payout=paid,
        transactions=txs,
        interest=earned,
        tax=tax,
        penalty=penalty,
        rounding=rounding,
    )


@dataclass
class ExitAmounts:
    """What leaving today adds to and takes from each account (account id → amount)."""

    earned: dict[int, Decimal]
    tax: dict[int, Decimal]
    penalty: dict[int, Decimal]


def exit_amounts(accounts: list[Account], today: dt.date, *, died: bool) -> ExitAmounts:
    """What a leaving member's accounts earned this month up to the day before they leave (the
    exit day's closing balance is nil, as for a placement on its maturity date): a placement
    that matured before the exit earns up to its maturity date, with no penalty; one that has
    not matured is broken early with the product's penalty on this term's interest (including
    this month's), except on death. The month's PPh final on that interest is judged on the
    member's whole interest of the month. Nothing is written."""
    start = month_start(today)
    until = today - dt.timedelta(days=1)
    earned: dict[int, Decimal] = {}
    if not accounts:
        return ExitAmounts({}, {}, {})
    koperasi_id = accounts[0].koperasi_id
    month_paid = MonthEndRun.objects.filter(
        koperasi_id=koperasi_id, step=MonthEndStep.BUNGA, date__gte=start
    ).exists()
    if until >= start and not month_paid:
        for account in accounts:
            last = until
            if account.kind == Kind.BERJANGKA and account.maturity_date:
                last = min(until, account.maturity_date - dt.timedelta(days=1))
            if last < start:
                continue
            amount = accrued_interest(account, last)
            if amount > 0:
                earned[account.pk] = amount
    tax = interest.pph_final_split(earned) if earned else {}
    penalty: dict[int, Decimal] = {}
    if not died:
        for account in accounts:
            if account.kind != Kind.BERJANGKA or not account.maturity_date:
                continue
            if account.maturity_date <= today:
                continue
            terms = placement_terms(account)
            received = account.term_interest + earned.get(account.pk, ZERO)
            amount = m.quantize(
                received * terms.early_penalty_bp / Decimal(10000), rounding=ROUND_HALF_UP
            )
            held = account.balance + earned.get(account.pk, ZERO) - tax.get(account.pk, ZERO)
            amount = min(amount, held)
            if amount > 0:
                penalty[account.pk] = amount
    return ExitAmounts(earned, tax, penalty)


def _exit_interest(
    booking: Booking, locked: dict[int, Account], member: Member, today: dt.date, *, died: bool
) -> tuple[Decimal, Decimal, Decimal]:
    """Book :func:`exit_amounts` (with the member's bukti potong for the month); returns
    (interest, tax, penalty)."""
    amounts = exit_amounts(list(locked.values()), today, died=died)
    memo = books_text("Bunga %(m)s sampai keluar", m=month_name(today))
    for account_id, amount in amounts.earned.items():
        booking.book(locked[account_id], amount, kind=TxKind.BUNGA, memo=memo)
    gross = sum(amounts.earned.values(), ZERO)
    if gross:
        booking.debit(booking.role("beban_bunga_simpanan"), gross)
    tax_memo = books_text("PPh final bunga %(m)s", m=month_name(today))
    for account_id, share in amounts.tax.items():
        if share:
            booking.book(locked[account_id], -share, kind=TxKind.PAJAK, memo=tax_memo)
    tax = sum(amounts.tax.values(), ZERO)
    if tax:
        booking.credit(booking.role("utang_pajak"), tax)
    if amounts.earned:
        TaxWithholding.objects.create(
            koperasi=booking.koperasi,
            member=member,
            period=month_start(today),
            gross=gross,
            tax=tax,
            rate_bp=int(interest.PPH_RATE_PERCENT * 100) if tax else 0,
            run=None,
        )
    for account_id, amount in amounts.penalty.items():
        booking.pay_out(
            locked[account_id],
            amount,
            kind=TxKind.DENDA,
            memo=books_text("Denda pencairan sebelum jatuh tempo"),
            enforce_rules=False,
        )
    penalty = sum(amounts.penalty.values(), ZERO)
    if penalty:
        booking.credit(booking.role("pendapatan_lain"), penalty)
    return gross, tax, penalty


__all__ = [
    "ExitAmounts",
    "ExitResult",
    "JoinResult",
    "exit_amounts",
    "exit_preview",
    "member_exit",
    "member_join",
    "pokok_instalments",
    "register_exit_netting",
]
