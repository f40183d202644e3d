"""Repayments at the counter, the payoff quote and early settlement (pelunasan dipercepat).

**Allocation** (per product, DOMAIN.md): *vertical* (the default) pays the oldest instalment
first and, within it, denda → bunga → pokok; *horizontal* pays all denda, then all interest due,
then all principal due. Only instalments that have fallen due (due date ≤ the value date) are
"due"; denda charged by the close of business on any instalment is due.

**Above what is due**, decided here:

* first the **current period's instalment** (the first not yet due) is paid ahead, in the same
  order: a member who pays a few days before the due date is not in arrears on it;
* then, if the product allows prepayment, the rest goes to **principal, from the last
  instalment backwards**: the tenor shortens. An instalment whose principal is thus fully
  prepaid has its unpaid interest cut from the schedule (``interest_cut`` on its allocation:
  that period will not run) and counts as paid.
  A payment that reaches the full payoff (:func:`loan_payoff_quote`) is an early settlement;
  above that, the excess goes to sukarela if the product says so, else it is refused;
* else the excess goes to sukarela if the product says so, else it is refused.

**The last instalment paid before its due date** is the payoff (:func:`final_instalment_quote`),
whatever the product says about prepayment: the member pays the quote (menurun and anuitas:
the interest to the day, not the whole period's; no early-settlement penalty, since nothing
ahead of the schedule is settled) and the loan is lunas. The scheduled amount is not demanded;
a payment above the quote is excess like any other (to sukarela if the product says so, else
refused with the quote in the message), as KSPs settle a loan in its last month.

**Interest paid** consumes the loan's accrued interest first (Cr ``bunga_pinjaman_diterima``,
1.1.05); the rest is income (Cr ``pendapatan_jasa_pinjaman``). Denda paid is income (Cr
``pendapatan_denda``); an early-settlement penalty too (recorded as the movement's ``fees``).
Principal paid is Cr the product's portfolio account. A loan is **lunas** when no principal,
accrued interest or denda is left: its remaining scheduled interest is cut and it closes.

**Early settlement** (:func:`loan_payoff_quote`): menurun and anuitas pay the remaining
principal + interest due and unpaid + the current period's interest to the day (pro rata by
days); flat pays the remaining principal + interest due and unpaid + this period's full interest
+ the product's share of the interest of the later periods; plus the product's penalty on the
remaining principal (not in the last period), and any denda. Never less interest than the loan
has accrued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import money as m
from core.books import books_text
from core.dates import business_date
from core.notify import notices
from ledger import services as ledger
from loans.models import (
    Allocation,
    Instalment,
    InstalmentMovement,
    Loan,
    LoanEvent,
    LoanMethod,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
)
from loans.services._common import (
    REPAY,
    SETTLE,
    ZERO,
    audit_tx,
    check_limits,
    check_via,
    lock_loan,
    lock_session,
    repeat,
    rupiah,
    user_or_none,
)
from loans.services.products import LoansError
from loans.streak import on_time_streak
from savings.models import Account as SavingsAccount
from savings.models import CashierSession, TxKind
from savings.services._common import Booking, amount_of, lock_account
from savings.services.berjangka import sukarela_of


class LoanClosed(LoansError):
    pass


class Overpayment(LoansError):
    pass


def _round(value: Decimal) -> Decimal:
    return m.quantize(value, rounding=ROUND_HALF_UP, unit=m.RUPIAH)


def open_instalments(loan: Loan, *, lock: bool = False) -> list[Instalment]:
    rows = Instalment.objects.filter(loan=loan, superseded=False).order_by("version", "number")
    if lock:
        rows = rows.select_for_update()
    return list(rows)


def _denda_owed(i: Instalment) -> Decimal:
    return i.denda_due - i.denda_waived - i.denda_paid


def _interest_owed(i: Instalment) -> Decimal:
    return i.interest_due - i.interest_paid


def _principal_owed(i: Instalment) -> Decimal:
    return i.principal_due - i.principal_paid


@dataclass(frozen=True)
class PayoffQuote:
    """What settles a loan on ``on``: each part, and the total."""

    on: dt.date
    principal: Decimal
    overdue_interest: Decimal  # interest of instalments already due, unpaid
    current_interest: Decimal  # this period's: to the day (menurun, anuitas) or whole (flat)
    later_interest: Decimal  # flat: the product's share of the later periods' interest
    denda: Decimal
    penalty: Decimal

    @property
    def interest(self) -> Decimal:
        return self.overdue_interest + self.current_interest + self.later_interest

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.denda + self.penalty


def _current(loan: Loan, rows: list[Instalment], on: dt.date) -> tuple[Instalment | None, dt.date]:
    """The first instalment not yet due on ``on`` and the date its period started."""
    start = loan.disbursed_on or on
    for row in rows:
        if row.due_date > on:
            return row, start
        start = row.due_date
    return None, start


def quote_of(loan: Loan, rows: list[Instalment], on: dt.date) -> PayoffQuote:
    terms = loan.terms
    due = [r for r in rows if r.due_date <= on]
    overdue = sum((_interest_owed(r) for r in due), ZERO)
    denda = sum((_denda_owed(r) for r in rows), ZERO)
    current, start = _current(loan, rows, on)
    current_interest = later = ZERO
    if current is not None:
        if loan.method == LoanMethod.FLAT:
            current_interest = _interest_owed(current)
            rest = sum((_interest_owed(r) for r in rows if r.number > current.number), ZERO)
            later = _round(rest * terms.early_interest_share_bp / 10_000)
        else:
            days = max((on - start).days, 0)
            period = max((current.due_date - start).days, 1)
            to_day = _round(current.interest_due * days / period)
            current_interest = max(
                min(to_day - current.interest_paid, _interest_owed(current)), ZERO
            )
    interest = overdue + current_interest + later
    if interest < loan.accrued_interest:
        # Never less than the books hold as earned: the accrual is settled in full.
        current_interest += loan.accrued_interest - interest
    # Paying off in the last period settles nothing ahead of the schedule: no penalty.
    penalty = ZERO
    if not is_final_period(rows, current):
        penalty = _round(loan.outstanding_principal * terms.early_penalty_bp / 10_000)
    return PayoffQuote(
        on=on,
        principal=loan.outstanding_principal,
        overdue_interest=overdue,
        current_interest=current_interest,
        later_interest=later,
        denda=denda,
        penalty=penalty,
    )


def loan_payoff_quote(*, loan: Loan, on: dt.date | None = None) -> PayoffQuote:
    """What the member pays to settle ``loan`` on ``on`` (default the business date)."""
    on = on or business_date(loan.koperasi)
    if loan.status != LoanStatus.AKTIF:
        raise LoanClosed(_("Pinjaman %(n)s tidak sedang berjalan.") % {"n": loan.number})
    return quote_of(loan, open_instalments(loan), on)


def amount_due(loan: Loan, on: dt.date) -> Decimal:
    """Denda, interest and principal fallen due and unpaid on ``on``."""
    total = ZERO
    for row in open_instalments(loan):
        total += _denda_owed(row)
        if row.due_date <= on:
            total += _interest_owed(row) + _principal_owed(row)
    return total


@dataclass
class Part:
    instalment: Instalment
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    denda: Decimal = ZERO
    interest_cut: Decimal = ZERO


@dataclass
class Plan:
    """Where one payment goes: per instalment, the totals, and what is left for sukarela."""

    on: dt.date
    parts: dict[int, Part] = field(default_factory=dict)
    unallocated_interest: Decimal = ZERO  # settlement interest beyond the schedule (accrual)
    penalty: Decimal = ZERO
    to_sukarela: Decimal = ZERO
    settled: bool = False

    def part(self, row: Instalment) -> Part:
        if row.pk not in self.parts:
            self.parts[row.pk] = Part(row)
        return self.parts[row.pk]

    def pay(self, row: Instalment, what: str, amount: Decimal) -> Decimal:
        if amount <= 0:
            return ZERO
        part = self.part(row)
        if what == "denda":
            row.denda_paid += amount
            part.denda += amount
        elif what == "interest":
            row.interest_paid += amount
            part.interest += amount
        else:
            row.principal_paid += amount
            part.principal += amount
        return amount

    def cut(self, row: Instalment) -> None:
        owed = _interest_owed(row)
        if owed > 0:
            row.interest_due -= owed
            self.part(row).interest_cut += owed

    @property
    def principal(self) -> Decimal:
        return sum((p.principal for p in self.parts.values()), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((p.interest for p in self.parts.values()), ZERO) + self.unallocated_interest

    @property
    def denda(self) -> Decimal:
        return sum((p.denda for p in self.parts.values()), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.denda + self.penalty + self.to_sukarela


_OWED = {"denda": _denda_owed, "interest": _interest_owed, "principal": _principal_owed}


def _pay_due(
    plan: Plan, rows: list[Instalment], left: Decimal, allocation: str, current: Instalment | None
) -> Decimal:
    """Denda on any instalment, then interest and principal of the instalments fallen due and of
    the current period's (paid ahead: a member who pays a few days early is not in arrears on
    the due date), in the product's order."""
    on = plan.on

    def payable(row: Instalment, what: str) -> bool:
        return what == "denda" or row.due_date <= on or row is current

    if allocation == Allocation.HORIZONTAL:
        for what in ("denda", "interest", "principal"):
            for row in rows:
                if payable(row, what):
                    left -= plan.pay(row, what, min(left, _OWED[what](row)))
        return left
    for row in rows:
        for what in ("denda", "interest", "principal"):
            if payable(row, what):
                left -= plan.pay(row, what, min(left, _OWED[what](row)))
    return left


def _prepay(
    plan: Plan, rows: list[Instalment], left: Decimal, current: Instalment | None
) -> Decimal:
    """Principal ahead, from the last instalment backwards (the tenor shortens)."""
    for row in reversed(rows):
        if left <= 0 or row.due_date <= plan.on or row is current:
            break
        left -= plan.pay(row, "principal", min(left, _principal_owed(row)))
        if _principal_owed(row) == 0:
            plan.cut(row)
    return left


def _settle(plan: Plan, rows: list[Instalment], quote: PayoffQuote, loan: Loan) -> None:
    """Everything per the quote: denda, interest (due, current, the flat share), principal."""
    on = plan.on
    for row in rows:
        plan.pay(row, "denda", _denda_owed(row))
        if row.due_date <= on:
            plan.pay(row, "interest", _interest_owed(row))
    current, _start = _current(loan, rows, on)
    extra = quote.current_interest
    later = quote.later_interest
    for row in rows:
        if row.due_date <= on:
            continue
        if row is current:
            take = min(extra, _interest_owed(row))
            extra -= plan.pay(row, "interest", take)
        else:
            take = min(later, _interest_owed(row))
            later -= plan.pay(row, "interest", take)
        plan.cut(row)
    plan.unallocated_interest = extra + later
    for row in rows:
        plan.pay(row, "principal", _principal_owed(row))
    plan.penalty = quote.penalty
    plan.settled = True


def is_final_period(rows: list[Instalment], current: Instalment | None) -> bool:
    """Whether ``current`` (the period not yet due) is the last with anything left to pay."""
    if current is None:
        return False
    return not any(
        r.number > current.number and (_principal_owed(r) or _interest_owed(r)) for r in rows
    )


def final_instalment_quote(*, loan: Loan, on: dt.date) -> PayoffQuote | None:
    """On the last period of a running loan, before its due date: the payoff quote that settles
    it (what the kasir asks for instead of the scheduled instalment); else None."""
    if loan.status != LoanStatus.AKTIF:
        return None
    rows = open_instalments(loan)
    current, _start = _current(loan, rows, on)
    if not is_final_period(rows, current):
        return None
    return quote_of(loan, rows, on)


def plan_payment(
    loan: Loan, rows: list[Instalment], amount: Decimal, on: dt.date, *, settle: bool = False
) -> Plan:
    """Where ``amount`` goes (mutating ``rows``, locked by the caller); refused if it cannot go
    anywhere the product allows."""
    terms = loan.terms
    plan = Plan(on=on)
    quote = quote_of(loan, rows, on)
    current, _start = _current(loan, rows, on)
    # The last instalment paid before its due date: what settles the loan is the payoff quote
    # (the interest to the day, not the whole period's), whether or not the product allows
    # prepayment; the scheduled amount is not demanded, a payment above the quote is excess.
    final = is_final_period(rows, current)
    if settle or ((terms.prepayment_allowed or final) and amount >= quote.total):
        if amount < quote.total:
            raise LoansError(
                _("Pelunasan %(n)s pada %(d)s sebesar %(q)s; uang yang diterima %(a)s kurang.")
                % {
                    "n": loan.number,
                    "d": on.strftime("%d/%m/%Y"),
                    "q": rupiah(quote.total),
                    "a": rupiah(amount),
                },
                code="settle_short",
            )
        _settle(plan, rows, quote, loan)
        left = amount - quote.total
    else:
        left = _pay_due(plan, rows, amount, terms.allocation, current)
        if left > 0 and terms.prepayment_allowed:
            left = _prepay(plan, rows, left, current)
    if left > 0:
        if not terms.excess_to_sukarela:
            due = amount - left
            raise Overpayment(
                _(
                    "Pembayaran %(a)s melebihi yang terutang (%(due)s); pelunasan penuh "
                    "%(q)s. Kelebihan %(x)s tidak dapat diterima untuk produk ini."
                )
                % {
                    "a": rupiah(amount),
                    "due": rupiah(due),
                    "q": rupiah(quote.total),
                    "x": rupiah(left),
                },
                code="overpayment",
            )
        plan.to_sukarela = left
    return plan


def _fully_paid(row: Instalment) -> bool:
    return _principal_owed(row) == 0 and _interest_owed(row) == 0


def _needs_sukarela(loan: Loan, via: str) -> bool:
    return via == "sukarela" or loan.terms.excess_to_sukarela


def _lock_sukarela(loan: Loan, via: str, actor: Any, on: dt.date) -> SavingsAccount:
    sukarela = sukarela_of(loan.member, actor=actor, on=on, create=via == "kas")
    if sukarela is None:
        raise LoansError(
            _("%(name)s belum punya simpanan sukarela.") % {"name": loan.member.full_name},
            code="no_sukarela",
        )
    return lock_account(sukarela)


def _book(
    *,
    loan: Loan,
    amount: Any,
    via: str,
    actor: Any,
    session: CashierSession | None,
    on: dt.date | None,
    idempotency_key: str,
    confirmed: bool,
    approved_by: Any,
    settle: bool,
) -> LoanTransaction:
    check_via(via)
    value = amount_of(amount)
    koperasi = loan.koperasi
    on = on or business_date(koperasi)
    kind = SETTLE if settle else REPAY
    if via == "kas" and session is None:
        raise LoansError(_("Buka sesi kasir dulu untuk menerima tunai."), code="session")
    if via == "kas" and value != value.to_integral_value():
        raise LoansError(_("Uang tunai dalam rupiah bulat."), code="cash_sen")
    check_limits(koperasi.pk, value, actor=actor, confirmed=confirmed, approved_by=approved_by)
    # Lock order (loans.services._common): the member's sukarela, then the loan, the session,
    # the instalments, the books — as a member's exit does (savings, then loans).
    sukarela = _lock_sukarela(loan, via, actor, on) if _needs_sukarela(loan, via) else None
    locked = lock_loan(loan)
    if sukarela is None and _needs_sukarela(locked, via):
        sukarela = _lock_sukarela(locked, via, actor, on)  # terms changed meanwhile (rare)
    locked_session = lock_session(session, koperasi.pk) if via == "kas" else None
    rows = open_instalments(locked, lock=True)
    books = ledger.lock_books(koperasi=koperasi, value_date=on, idempotency_key=idempotency_key)
    if (entry := books.keyed) is not None:
        return repeat(entry, locked, kind=kind, total=value)
    if locked.status != LoanStatus.AKTIF:
        raise LoanClosed(
            _("Pinjaman %(n)s tidak sedang berjalan (status: %(s)s); pembayaran ditolak.")
            % {"n": locked.number, "s": locked.get_status_display()},
            code="loan_closed",
        )
    if locked.disbursed_on and on < locked.disbursed_on:
        raise LoansError(_("Tanggal pembayaran sebelum tanggal pencairan."), code="date")
    plan = plan_payment(locked, rows, value, on, settle=settle)
    if via == "sukarela" and plan.to_sukarela:
        raise Overpayment(
            _("Dari simpanan sukarela hanya dipindahkan yang terutang: %(x)s terlalu banyak.")
            % {"x": rupiah(plan.to_sukarela)},
            code="overpayment",
        )
    booking = Booking(koperasi, on)
    member = locked.member
    what = books_text("Pelunasan pinjaman" if plan.settled else "Angsuran pinjaman")
    text = books_text(
        "%(what)s %(n)s — %(name)s", what=what, n=locked.number, name=member.full_name
    )
    # Money in.
    cash = ZERO
    if via == "kas":
        booking.debit(booking.role("kas"), value)
        cash = value
    else:
        assert sukarela is not None
        booking.pay_out(
            sukarela,
            value,
            kind=TxKind.PENARIKAN,
            memo=books_text("%(what)s %(n)s", what=what, n=locked.number),
        )
    # Where it goes.
    interest = plan.interest
    from_accrued = min(locked.accrued_interest, interest)
    booking.credit(locked.product.ledger_account, plan.principal)
    booking.credit(booking.role("bunga_pinjaman_diterima"), from_accrued)
    booking.credit(booking.role("pendapatan_jasa_pinjaman"), interest - from_accrued)
    booking.credit(booking.role("pendapatan_denda"), plan.denda + plan.penalty)
    if plan.to_sukarela:
        assert sukarela is not None
        booking.pay_in(
            sukarela,
            plan.to_sukarela,
            memo=books_text("Kelebihan bayar pinjaman %(n)s", n=locked.number),
        )
    entry = booking.post(
        kind=kind, memo=text, actor=actor, source=f"loans.Loan:{locked.pk}", books=books
    )
    # The loan and its schedule.
    locked.outstanding_principal -= plan.principal
    locked.accrued_interest -= from_accrued
    lunas = (
        locked.outstanding_principal == 0
        and locked.accrued_interest == 0
        and all(_denda_owed(r) == 0 for r in rows)
    )
    if lunas:
        for row in rows:
            plan.cut(row)
    for row in rows:
        if row.pk in plan.parts and _fully_paid(row) and row.paid_on is None:
            row.paid_on = on
    changed = [plan.parts[pk].instalment for pk in plan.parts]
    Instalment.objects.bulk_update(
        changed, ["principal_paid", "interest_paid", "denda_paid", "interest_due", "paid_on"]
    )
    if lunas:
        locked.status = LoanStatus.LUNAS
        locked.closed_on = on
    locked.on_time_streak = on_time_streak(rows, on, version=locked.schedule_version)
    locked.save(
        update_fields=[
            "outstanding_principal",
            "accrued_interest",
            "status",
            "closed_on",
            "on_time_streak",
        ]
    )
    tx = LoanTransaction.objects.create(
        koperasi_id=koperasi.pk,
        loan=locked,
        kind=LoanTxKind.PELUNASAN if plan.settled else LoanTxKind.ANGSURAN,
        value_date=on,
        entry=entry,
        principal=-plan.principal,
        accrued=-from_accrued,
        interest_paid=interest,
        denda_paid=plan.denda,
        fees=plan.penalty,
        cash=cash,
        memo=text[:250],
        actor=user_or_none(actor),
        session=locked_session if cash else None,
    )
    InstalmentMovement.objects.bulk_create(
        InstalmentMovement(
            koperasi_id=koperasi.pk,
            transaction=tx,
            instalment=p.instalment,
            principal=p.principal,
            interest=p.interest,
            denda=p.denda,
            interest_cut=p.interest_cut,
        )
        for p in plan.parts.values()
    )
    if lunas:
        LoanEvent.objects.create(
            koperasi_id=koperasi.pk,
            loan=locked,
            kind="lunas",
            on=on,
            actor=user_or_none(actor),
            data={"entry": entry.number, "settled": plan.settled},
        )
    audit_tx(
        actor,
        kind,
        tx,
        entry,
        amount=value,
        via=via,
        to_sukarela=plan.to_sukarela,
        lunas=lunas,
    )
    notices.loan_receipt(tx=tx, amount=value, koperasi=koperasi)
    return tx


def loan_repay(
    *,
    loan: Loan,
    amount: Any,
    via: str = "kas",
    actor: Any,
    session: CashierSession | None = None,
    on: dt.date | None = None,
    idempotency_key: str,
    confirmed: bool = True,
    approved_by: Any = None,
) -> LoanTransaction:
    """A repayment at the counter (cash into the kasir's drawer, or from the member's sukarela),
    allocated per the product (see the module doc). Atomic; a repeat of ``idempotency_key``
    returns the first result; the counter's limits apply."""
    with transaction.atomic():
        return _book(
            loan=loan,
            amount=amount,
            via=via,
            actor=actor,
            session=session,
            on=on,
            idempotency_key=idempotency_key,
            confirmed=confirmed,
            approved_by=approved_by,
            settle=False,
        )


def loan_settle_early(
    *,
    loan: Loan,
    amount: Any = None,
    via: str = "kas",
    actor: Any,
    session: CashierSession | None = None,
    on: dt.date | None = None,
    idempotency_key: str,
    confirmed: bool = True,
    approved_by: Any = None,
) -> LoanTransaction:
    """Pelunasan dipercepat: the payoff quote in one payment (``amount`` defaults to it; more
    goes to sukarela where the product says so). The loan is lunas after it."""
    with transaction.atomic():
        if amount is None:
            amount = loan_payoff_quote(loan=loan, on=on).total
        return _book(
            loan=loan,
            amount=amount,
            via=via,
            actor=actor,
            session=session,
            on=on,
            idempotency_key=idempotency_key,
            confirmed=confirmed,
            approved_by=approved_by,
            settle=True,
        )


__all__ = [
    "LoanClosed",
    "Overpayment",
    "PayoffQuote",
    "amount_due",
    "final_instalment_quote",
    "is_final_period",
    "loan_payoff_quote",
    "loan_repay",
    "loan_settle_early",
    "open_instalments",
    "plan_payment",
]
