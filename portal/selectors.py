"""Reads of the members' app: everything scoped to one member (another's object is a 404).

Balances, schedules and simulations come from the savings and loans apps' own rows and
selectors; this module only chooses what one member may see and shapes it for a small screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, Sum
from django.http import Http404
from django.utils import timezone

from core import money as m
from core.dates import business_date
from core.fields import MoneyField
from loans import selectors as loan_selectors
from loans.end_selectors import MEMBER_KINDS, PAYMENT_KINDS, total_paid
from loans.end_selectors import schedule as loan_schedule
from loans.models import Instalment, Loan, LoanProduct, LoanStatus, LoanTransaction
from members.models import Member
from portal.models import LoanRequest, MemberLogin, PhoneChange, PhoneChangeStatus
from registry.models import Koperasi
from savings.models import Account, Obligation, ObligationKind, Transaction

ZERO = m.ZERO
PAGE_SIZE = 20
SHOWN_LOANS = (
    LoanStatus.DIAJUKAN,
    LoanStatus.DISETUJUI,
    LoanStatus.AKTIF,
    LoanStatus.LUNAS,
    LoanStatus.DITOLAK,
)


def login_of(*, member_id: int) -> MemberLogin | None:
    """The login (with its member and koperasi) a member's session names, if still usable."""
    return (
        MemberLogin.objects.select_related("member", "member__koperasi")
        .filter(member_id=member_id, member__status=Member.Status.AKTIF)
        .first()
    )


# --- Beranda -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextInstalment:
    loan: Loan
    due_date: dt.date
    amount: Decimal  # what is still owed on it


@dataclass
class Beranda:
    member: Member
    today: dt.date
    accounts: list[Account]
    total_savings: Decimal
    next_instalment: NextInstalment | None
    overdue_count: int
    overdue_amount: Decimal
    wajib_months: int
    wajib_amount: Decimal
    pending_applications: int
    as_of: dt.datetime = field(default_factory=timezone.now)


def beranda(*, member: Member) -> Beranda:
    """The first screen: each simpanan's balance, the next instalment, and any arrears."""
    today = business_date(member.koperasi)
    accounts = list(
        Account.objects.filter(member=member, status=Account.Status.AKTIF)
        .select_related("product")
        .order_by("kind", "pk")
    )
    unpaid = Instalment.objects.filter(
        loan__member=member, loan__status=LoanStatus.AKTIF, superseded=False, paid_on=None
    ).select_related("loan")
    owed = (
        F("principal_due")
        - F("principal_paid")
        + F("interest_due")
        - F("interest_paid")
        + F("denda_due")
        - F("denda_waived")
        - F("denda_paid")
    )
    # The sums are of money columns (integer sen): read back as money, not as a bare number.
    overdue = unpaid.filter(due_date__lt=today).aggregate(
        n=Count("pk"), s=Sum(owed, output_field=MoneyField())
    )
    upcoming = unpaid.order_by("due_date", "pk").first()
    next_instalment = (
        NextInstalment(upcoming.loan, upcoming.due_date, upcoming.owed) if upcoming else None
    )
    wajib = Obligation.objects.filter(
        member=member,
        kind=ObligationKind.WAJIB,
        cancelled=False,
        paid__lt=F("amount"),
        period__lte=today,
    ).aggregate(n=Count("pk"), s=Sum(F("amount") - F("paid"), output_field=MoneyField()))
    return Beranda(
        member=member,
        today=today,
        accounts=accounts,
        total_savings=sum((a.balance for a in accounts), ZERO),
        next_instalment=next_instalment,
        overdue_count=overdue["n"] or 0,
        overdue_amount=overdue["s"] or ZERO,
        wajib_months=wajib["n"] or 0,
        wajib_amount=wajib["s"] or ZERO,
        pending_applications=Loan.objects.filter(
            member=member, status__in=(LoanStatus.DIAJUKAN, LoanStatus.DISETUJUI)
        ).count(),
    )


# --- Savings -------------------------------------------------------------------------------


def account_of(*, member: Member, account_id: int) -> Account:
    found = (
        Account.objects.filter(member=member, koperasi_id=member.koperasi_id, pk=account_id)
        .select_related("product")
        .first()
    )
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class Mutation:
    tx: Transaction
    balance: Decimal  # the balance after this movement


@dataclass
class Mutations:
    account: Account
    page: Page[Any]
    rows: list[Mutation]


def mutations(*, member: Member, account_id: int, page: Any = 1) -> Mutations:
    """The account's movements, newest first, :data:`PAGE_SIZE` a page, each with the balance
    after it (from the current balance backwards: no history summed from the start)."""
    account = account_of(member=member, account_id=account_id)
    txs = Transaction.objects.filter(account=account).select_related("entry")
    paged = Paginator(txs.order_by("-value_date", "-pk"), PAGE_SIZE).get_page(page)
    rows: list[Mutation] = []
    items = list(paged.object_list)
    if items:
        first = items[0]
        newer = txs.filter(
            Q(value_date__gt=first.value_date) | Q(value_date=first.value_date, pk__gt=first.pk)
        ).aggregate(s=Sum("amount"))["s"]
        balance = account.balance - (newer or ZERO)
        for tx in items:
            rows.append(Mutation(tx, balance))
            balance -= tx.amount
    return Mutations(account, paged, rows)


@dataclass
class WajibBill:
    account: Account | None
    unpaid: list[Obligation]
    total: Decimal
    paid_recently: list[Obligation]


def wajib_bill(*, member: Member) -> WajibBill:
    """The member's simpanan wajib: the months still unpaid and the last ones paid."""
    today = business_date(member.koperasi)
    account = (
        Account.objects.filter(member=member, kind=ObligationKind.WAJIB)
        .select_related("product")
        .order_by("pk")
        .first()
    )
    rows = Obligation.objects.filter(member=member, kind=ObligationKind.WAJIB, cancelled=False)
    unpaid = list(rows.filter(paid__lt=F("amount"), period__lte=today).order_by("period"))
    paid = list(rows.filter(paid=F("amount")).order_by("-period")[:12])
    return WajibBill(account, unpaid, sum((o.outstanding for o in unpaid), ZERO), paid)


# --- Loans ---------------------------------------------------------------------------------


def loans(*, member: Member) -> list[Loan]:
    """The member's loans: applications first, then running, then ended."""
    order: dict[str, int] = {str(s): i for i, s in enumerate(SHOWN_LOANS)}
    found = list(
        Loan.objects.filter(member=member, status__in=SHOWN_LOANS).select_related("product")
    )
    return sorted(found, key=lambda loan: (order[loan.status], -loan.pk))


@dataclass
class LoanDetail:
    loan: Loan
    instalments: list[Instalment]
    paid_count: int
    total_paid: Decimal
    from_app: bool


def loan_detail(*, member: Member, loan_id: int) -> LoanDetail:
    loan = (
        Loan.objects.filter(member=member, koperasi_id=member.koperasi_id, pk=loan_id)
        .select_related("product")
        .first()
    )
    if loan is None:
        raise Http404
    rows = loan_schedule(loan=loan)
    return LoanDetail(
        loan=loan,
        instalments=rows,
        paid_count=sum(1 for r in rows if r.paid_on is not None),
        total_paid=total_paid(loan=loan) if loan.disbursed_on else ZERO,
        from_app=LoanRequest.objects.filter(loan=loan).exists(),
    )


def products(*, koperasi: Koperasi) -> list[LoanProduct]:
    """The koperasi's active loan products with terms in force today (``current_terms``)."""
    today = business_date(koperasi)
    return [
        p
        for p in loan_selectors.product_list(koperasi=koperasi, on=today)
        if p.is_active and getattr(p, "current_terms", None) is not None
    ]


def product_of(*, koperasi: Koperasi, product_id: Any) -> LoanProduct:
    try:
        pk = int(product_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    for product in products(koperasi=koperasi):
        if product.pk == pk:
            return product
    raise Http404


def simulate(
    *, koperasi: Koperasi, product: LoanProduct, amount: Decimal, tenor: int
) -> list[loan_selectors.Simulation]:
    """The same loan under flat, anuitas and menurun side by side (the product's own method
    first), each with its effective annual rate (:mod:`loans.rates`)."""
    terms = getattr(product, "current_terms", None) or loan_selectors.terms_in_force(
        product=product, on=business_date(koperasi)
    )
    if terms is None:
        return []
    return loan_selectors.simulate_methods(
        terms=terms, amount=amount, tenor=tenor, start=business_date(koperasi)
    )


# --- Receipts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    kind: str  # "s" (savings) or "p" (loan)
    pk: int
    on: dt.date
    label: str
    what: str  # the account or loan it concerns
    amount: Decimal
    short_hash: str


def _savings_receipt(tx: Transaction) -> Receipt:
    return Receipt(
        "s",
        tx.pk,
        tx.value_date,
        tx.get_kind_display(),
        tx.account.product.name,
        tx.amount,
        tx.entry.short_hash,
    )


def _loan_paid(tx: LoanTransaction) -> Decimal:
    if tx.kind in PAYMENT_KINDS:
        return -tx.principal + tx.interest_paid + tx.denda_paid + tx.fees
    return -tx.principal if tx.kind != "pencairan" else tx.principal


def _loan_receipt(tx: LoanTransaction) -> Receipt:
    return Receipt(
        "p",
        tx.pk,
        tx.value_date,
        tx.get_kind_display(),
        tx.loan.number,
        _loan_paid(tx),
        tx.entry.short_hash,
    )


def receipts(*, member: Member, limit: int = 50) -> list[Receipt]:
    """The member's latest receipts (savings movements and loan payments), newest first, each
    with its ledger entry's short hash to check against the koperasi's books."""
    saved = (
        Transaction.objects.filter(account__member=member, koperasi_id=member.koperasi_id)
        .select_related("entry", "account__product")
        .order_by("-value_date", "-pk")[:limit]
    )
    lent = (
        LoanTransaction.objects.filter(
            loan__member=member,
            koperasi_id=member.koperasi_id,
            kind__in=[*PAYMENT_KINDS, "pencairan"],
        )
        .select_related("entry", "loan")
        .order_by("-value_date", "-pk")[:limit]
    )
    rows = [_savings_receipt(t) for t in saved] + [_loan_receipt(t) for t in lent]
    rows.sort(key=lambda r: (r.on, r.kind, r.pk), reverse=True)
    return rows[:limit]


def savings_receipt(*, member: Member, transaction_id: int) -> Receipt:
    tx = (
        Transaction.objects.filter(
            account__member=member, koperasi_id=member.koperasi_id, pk=transaction_id
        )
        .select_related("entry", "account__product")
        .first()
    )
    if tx is None:
        raise Http404
    return _savings_receipt(tx)


def loan_receipt(*, member: Member, loan_tx_id: int) -> Receipt:
    tx = (
        LoanTransaction.objects.filter(
            loan__member=member, koperasi_id=member.koperasi_id, pk=loan_tx_id
        )
        .filter(kind__in=MEMBER_KINDS)
        .select_related("entry", "loan")
        .first()
    )
    if tx is None:
        raise Http404
    return _loan_receipt(tx)


def pending_phone_change(*, member: Member) -> PhoneChange | None:
    return PhoneChange.objects.filter(member=member, status=PhoneChangeStatus.MENUNGGU).first()


def phone_changes(*, koperasi: Koperasi) -> list[PhoneChange]:
    """The koperasi's phone-number changes waiting for confirmation (a staff page)."""
    return list(
        PhoneChange.objects.filter(koperasi=koperasi, status=PhoneChangeStatus.MENUNGGU)
        .select_related("member")
        .order_by("requested_at")
    )


def phone_change_get(*, koperasi: Koperasi, phone_change_id: int) -> PhoneChange:
    found = (
        PhoneChange.objects.filter(koperasi=koperasi, pk=phone_change_id)
        .select_related("member", "member__koperasi")
        .first()
    )
    if found is None:
        raise Http404
    return found


def login_status(*, member: Member) -> MemberLogin | None:
    """The member's app login for the staff page (activated? locked?)."""
    return MemberLogin.objects.filter(member=member).first()
