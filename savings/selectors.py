"""Reads of savings; every function takes the koperasi (or an object that belongs to one)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from core import money as m
from core.dates import business_date
from ledger.models import Account as LedgerAccount
from members.models import Member
from registry.models import Koperasi
from savings.models import (
    Account,
    CashierSession,
    Kind,
    MonthEndRun,
    Obligation,
    ObligationKind,
    PayrollBatch,
    Product,
    ProductTerms,
    TaxWithholding,
    Transaction,
)
from savings.services._bulk import columns, instances
from savings.services._common import terms_in_force

ZERO = m.ZERO


def product_list(*, koperasi: Koperasi) -> list[Product]:
    """Products with their open accounts' count and balance, and today's terms."""
    rows: list[Product] = list(
        Product.objects.filter(koperasi=koperasi)
        .select_related("ledger_account")
        .annotate(
            open_accounts=Count("accounts", filter=Q(accounts__status="aktif")),
            total=Sum("accounts__balance"),
        )
        .order_by("kind", "code")
    )
    today = business_date(koperasi)
    for product in rows:
        product.current_terms = (  # type: ignore[attr-defined]
            ProductTerms.objects.filter(product=product, effective_from__lte=today)
            .order_by("-effective_from")
            .first()
        )
    return rows


def product_get(*, koperasi: Koperasi, product_id: int) -> Product:
    return get_object_or_404(Product, koperasi=koperasi, pk=product_id)


def account_get(*, koperasi: Koperasi, account_id: int) -> Account:
    """The account with its product (and the product's ledger account) and member, or 404.

    One plain statement: every counter action starts here, and building this four-table query
    through the ORM costs more than the database's work."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(Account, 'a')}, {columns(Product, 'p')}, "  # noqa: S608
            f"{columns(LedgerAccount, 'l')}, {columns(Member, 'm')} "
            "FROM savings_account a "
            "JOIN savings_product p ON p.id = a.product_id "
            "JOIN ledger_account l ON l.id = p.ledger_account_id "
            "JOIN members_member m ON m.id = a.member_id "
            "WHERE a.id = %s AND a.koperasi_id = %s",
            [account_id, koperasi.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404
    account, product, ledger_account, member = instances(
        row, Account, Product, LedgerAccount, Member
    )
    product.ledger_account = ledger_account
    account.product = product
    account.member = member
    account.koperasi = koperasi
    return account


def transaction_get(*, koperasi: Koperasi, transaction_id: int) -> Transaction:
    return get_object_or_404(
        Transaction.objects.select_related(
            "account", "account__product", "account__member", "entry", "actor"
        ),
        koperasi=koperasi,
        pk=transaction_id,
    )


def member_accounts(*, member: Member, include_closed: bool = False) -> list[Account]:
    qs = member.savings_accounts.select_related("product").order_by("kind", "pk")
    if not include_closed:
        qs = qs.filter(status=Account.Status.AKTIF)
    return list(qs)


def member_arrears(*, member: Member) -> list[Obligation]:
    """Unpaid wajib months and pokok instalments due so far, oldest first."""
    return list(
        Obligation.objects.filter(member=member, cancelled=False, paid__lt=F("amount")).order_by(
            "period", "kind"
        )
    )


@dataclass
class StatementRow:
    tx: Transaction
    balance: Decimal


@dataclass
class Statement:
    account: Account
    start: dt.date
    end: dt.date
    opening: Decimal
    closing: Decimal
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def credits(self) -> Decimal:
        return sum((r.tx.amount for r in self.rows if r.tx.amount > 0), ZERO)

    @property
    def debits(self) -> Decimal:
        return sum((-r.tx.amount for r in self.rows if r.tx.amount < 0), ZERO)


def statement(*, account: Account, start: dt.date, end: dt.date) -> Statement:
    """The account's movements from ``start`` to ``end`` with a running balance (mutasi).

    The opening balance is the current balance less everything dated on or after ``start``,
    so no history is summed from the beginning.
    """
    later = (
        Transaction.objects.filter(account=account, value_date__gte=start).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    opening = account.balance - later
    rows = []
    running = opening
    for tx in (
        Transaction.objects.filter(account=account, value_date__gte=start, value_date__lte=end)
        .select_related("entry")
        .order_by("value_date", "pk")
    ):
        running += tx.amount
        rows.append(StatementRow(tx, running))
    return Statement(account, start, end, opening, running, rows)


@dataclass
class ArrearsRow:
    member_id: int
    number: str
    name: str
    phone: str
    months: int
    amount: Decimal
    oldest: dt.date


def arrears_list(*, koperasi: Koperasi, kind: str = ObligationKind.WAJIB) -> list[ArrearsRow]:
    """Members with unpaid wajib (tunggakan), largest first: the collection list."""
    rows = (
        Obligation.objects.filter(
            koperasi=koperasi, kind=kind, cancelled=False, paid__lt=F("amount")
        )
        .values("member_id", "member__number", "member__full_name", "member__phone")
        .annotate(
            months=Count("pk"),
            amount_sum=Sum("amount"),
            paid_sum=Sum("paid"),
            oldest=Min("period"),
        )
    )
    out = [
        ArrearsRow(
            r["member_id"],
            r["member__number"],
            r["member__full_name"],
            r["member__phone"],
            r["months"],
            r["amount_sum"] - r["paid_sum"],
            r["oldest"],
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r.amount, r.number))


def withholdings(*, koperasi: Koperasi, period: dt.date) -> QuerySet[TaxWithholding]:
    return (
        TaxWithholding.objects.filter(koperasi=koperasi, period=period)
        .select_related("member")
        .order_by("member__number")
    )


def withholding_periods(*, koperasi: Koperasi) -> list[dt.date]:
    return list(
        TaxWithholding.objects.filter(koperasi=koperasi)
        .values_list("period", flat=True)
        .distinct()
        .order_by("-period")
    )


def month_end_runs(*, koperasi: Koperasi, limit: int = 48) -> QuerySet[MonthEndRun]:
    return MonthEndRun.objects.filter(koperasi=koperasi).select_related("entry", "actor")[:limit]


def sessions(*, koperasi: Koperasi, limit: int = 100) -> QuerySet[CashierSession]:
    return CashierSession.objects.filter(koperasi=koperasi).select_related(
        "kasir", "difference_entry"
    )[:limit]


def session_get(*, koperasi: Koperasi, session_id: int) -> CashierSession:
    return get_object_or_404(CashierSession, koperasi=koperasi, pk=session_id)


def payroll_batches(*, koperasi: Koperasi) -> QuerySet[PayrollBatch]:
    return PayrollBatch.objects.filter(koperasi=koperasi).select_related("uploaded_by")[:50]


def payroll_get(*, koperasi: Koperasi, batch_id: int) -> PayrollBatch:
    return get_object_or_404(PayrollBatch, koperasi=koperasi, pk=batch_id)


def totals_by_kind(*, koperasi: Koperasi) -> dict[str, Decimal]:
    rows = (
        Account.objects.filter(koperasi=koperasi, status=Account.Status.AKTIF)
        .values("kind")
        .annotate(s=Sum("balance"))
    )
    out = {k.value: ZERO for k in Kind}
    for r in rows:
        out[r["kind"]] = r["s"] or ZERO
    return out


def minimum_of(account: Account, on: dt.date) -> Decimal:
    return terms_in_force(account.product, on).min_balance
