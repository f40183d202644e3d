"""Reads of savings; every function takes the koperasi (or an object that belongs to one)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, Min, Q, QuerySet, Sum, When
from django.http import Http404
from django.shortcuts import get_object_or_404

from core import money as m
from core.dates import business_date
from core.fields import MoneyField
from core.validators import phone_display
from ledger import selectors as ledger_selectors
from ledger.models import Account as LedgerAccount
from ledger.services import LedgerError
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
    TaxDeposit,
    TaxWithholding,
    Transaction,
    VoidRequest,
)
from savings.services._bulk import columns, instances
from savings.services._common import terms_in_force
from savings.services.drawer import expected_cash
from savings.services.tax import amount_due, tax_due_date

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

    @property
    def phone_display(self) -> str:
        """``0812-3456-7890``, as a collector dials it (and no ``+`` for a spreadsheet)."""
        return phone_display(self.phone)


@dataclass(frozen=True)
class ArrearsTotals:
    members: int
    amount: Decimal


def _unpaid(koperasi: Koperasi, kind: str) -> QuerySet[Obligation]:
    return Obligation.objects.filter(
        koperasi=koperasi, kind=kind, cancelled=False, paid__lt=F("amount")
    )


def _matching_members(koperasi: Koperasi, q: str) -> QuerySet[Member, Any]:
    """The members a search text finds (number, name, NIK, phone), as the member list finds
    them; a subquery, so a list filtered by it stays one statement."""
    from members.selectors import member_list

    return member_list(koperasi=koperasi, q=q).order_by().values("pk")


def arrears_rows(
    *, koperasi: Koperasi, kind: str = ObligationKind.WAJIB, q: str = ""
) -> QuerySet[Obligation, Any]:
    """One row (a dict) per member with unpaid ``kind``, largest arrears first, optionally only
    the members ``q`` finds. Ordered and counted by the database, so a page of it reads 50 rows,
    not the whole list; :func:`arrears_row` turns a row into an :class:`ArrearsRow`."""
    qs = _unpaid(koperasi, kind)
    if q.strip():
        qs = qs.filter(member__in=_matching_members(koperasi, q))
    return (
        qs.values("member_id", "member__number", "member__full_name", "member__phone")
        .annotate(
            months=Count("pk"),
            unpaid=Sum(F("amount") - F("paid"), output_field=MoneyField()),
            oldest=Min("period"),
        )
        .order_by("-unpaid", "member__number")
    )


def arrears_row(r: dict[str, Any]) -> ArrearsRow:
    return ArrearsRow(
        r["member_id"],
        r["member__number"],
        r["member__full_name"],
        r["member__phone"],
        r["months"],
        m.money(r["unpaid"]),
        r["oldest"],
    )


def arrears_list(
    *, koperasi: Koperasi, kind: str = ObligationKind.WAJIB, q: str = "", limit: int | None = None
) -> list[ArrearsRow]:
    """Members with unpaid wajib (tunggakan), largest first: the collection list."""
    rows = arrears_rows(koperasi=koperasi, kind=kind, q=q)
    if limit is not None:
        rows = rows[:limit]
    return [arrears_row(r) for r in rows]


def arrears_totals(*, koperasi: Koperasi, kind: str = ObligationKind.WAJIB) -> ArrearsTotals:
    """How many members are in arrears and by how much in all, whatever page is shown."""
    totals = _unpaid(koperasi, kind).aggregate(
        members=Count("member_id", distinct=True), amount=Sum("amount"), paid=Sum("paid")
    )
    return ArrearsTotals(totals["members"], (totals["amount"] or ZERO) - (totals["paid"] or ZERO))


@dataclass(frozen=True)
class WithholdingTotals:
    members: int
    withheld_members: int
    gross: Decimal
    tax: Decimal


def withholdings(
    *, koperasi: Koperasi, period: dt.date, q: str = "", withheld_only: bool = False
) -> QuerySet[TaxWithholding]:
    """The month's bukti potong: those with PPh withheld first (the lines of the SPT Masa),
    then the 0% ones, each by member number."""
    qs = TaxWithholding.objects.filter(koperasi=koperasi, period=period)
    if withheld_only:
        qs = qs.filter(tax__gt=0)
    if q.strip():
        qs = qs.filter(member__in=_matching_members(koperasi, q))
    return qs.select_related("member").order_by(
        Case(When(tax__gt=0, then=0), default=1), "member__number", "pk"
    )


def withholding_totals(*, koperasi: Koperasi, period: dt.date) -> WithholdingTotals:
    """The month's totals over every member (the SPT Masa figures), whatever page is shown."""
    t = TaxWithholding.objects.filter(koperasi=koperasi, period=period).aggregate(
        n=Count("pk"), withheld=Count("pk", filter=Q(tax__gt=0)), gross=Sum("gross"), tax=Sum("tax")
    )
    return WithholdingTotals(t["n"], t["withheld"], t["gross"] or ZERO, t["tax"] or ZERO)


def withholding_periods(*, koperasi: Koperasi) -> list[dt.date]:
    return list(
        TaxWithholding.objects.filter(koperasi=koperasi)
        .values_list("period", flat=True)
        .distinct()
        .order_by("-period")
    )


def month_end_dates(*, koperasi: Koperasi) -> QuerySet[MonthEndRun, dt.date]:
    """Every month-end date the koperasi has run a step for, newest first (for paging)."""
    return (
        MonthEndRun.objects.filter(koperasi=koperasi)
        .order_by("-date")
        .values_list("date", flat=True)
        .distinct()
    )


@dataclass
class MonthEndRow:
    """One month end: its steps by name (``MonthEndStep`` value → run), and who ran them."""

    date: dt.date
    steps: dict[str, MonthEndRun] = field(default_factory=dict)

    @property
    def actors(self) -> list[Any]:
        return list(dict.fromkeys(r.actor for r in self.steps.values() if r.actor))


def month_end_history(*, koperasi: Koperasi, dates: list[dt.date]) -> list[MonthEndRow]:
    """The month ends on ``dates`` (a page of :func:`month_end_dates`), in that order."""
    rows = {d: MonthEndRow(d) for d in dates}
    for run in MonthEndRun.objects.filter(koperasi=koperasi, date__in=dates).select_related(
        "entry", "actor"
    ):
        rows[run.date].steps[run.step] = run
    return list(rows.values())


def sessions(*, koperasi: Koperasi) -> QuerySet[CashierSession]:
    """Every kasir session, newest first (the model's order); the page shows them by pages."""
    return CashierSession.objects.filter(koperasi=koperasi).select_related(
        "kasir", "difference_entry"
    )


def sessions_with_difference(*, koperasi: Koperasi) -> int:
    return (
        CashierSession.objects.filter(koperasi=koperasi, difference__isnull=False)
        .exclude(difference=0)
        .count()
    )


def session_get(*, koperasi: Koperasi, session_id: int) -> CashierSession:
    return get_object_or_404(CashierSession, koperasi=koperasi, pk=session_id)


def payroll_batches(*, koperasi: Koperasi) -> QuerySet[PayrollBatch]:
    return (
        PayrollBatch.objects.filter(koperasi=koperasi)
        .select_related("uploaded_by")
        .defer("errors", "error_report")[:50]
    )


def payroll_get(*, koperasi: Koperasi, batch_id: int) -> PayrollBatch:
    return get_object_or_404(
        PayrollBatch.objects.defer("error_report"), koperasi=koperasi, pk=batch_id
    )


def payroll_error_report(*, koperasi: Koperasi, batch_id: int) -> tuple[str, bytes]:
    """A batch's file name and the gzipped CSV of every problem found in it (404 if none)."""
    batch = get_object_or_404(
        PayrollBatch.objects.only("pk", "filename", "error_report"), koperasi=koperasi, pk=batch_id
    )
    if not batch.error_report:
        raise Http404
    return batch.filename, bytes(batch.error_report)


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


def pokok_left(account: Account, on: dt.date) -> Decimal:
    """What is still to pay into a pokok account (zero: paid up, the counter offers no
    deposit)."""
    return max(terms_in_force(account.product, on).pokok_amount - account.balance, Decimal(0))


# --- voids (pembatalan) ------------------------------------------------------------------------


def void_requests(*, koperasi: Koperasi, status: str | None = None) -> QuerySet[VoidRequest]:
    qs = VoidRequest.objects.filter(koperasi=koperasi).select_related(
        "entry",
        "void_entry",
        "member",
        "requested_by",
        "decided_by",
        "session__kasir",
        "transaction__account__member",
        "transaction__account__product",
    )
    return qs if status is None else qs.filter(status=status)


def void_get(*, koperasi: Koperasi, void_id: int) -> VoidRequest:
    return get_object_or_404(void_requests(koperasi=koperasi), pk=void_id)


def void_of_transaction(*, transaction: Transaction) -> VoidRequest | None:
    """The void asked or done for ``transaction``'s entry (for a payroll batch, its member's
    row); a refused request does not count."""
    from savings.services.void import ROW_KINDS

    member = transaction.account.member if transaction.entry.kind in ROW_KINDS else None
    return (
        VoidRequest.objects.filter(entry_id=transaction.entry_id, member=member)
        .exclude(status=VoidRequest.Status.DITOLAK)
        .select_related("void_entry", "requested_by", "decided_by")
        .first()
    )


def session_voids(*, session: CashierSession) -> list[VoidRequest]:
    """Every void asked in the session, in order, with who asked and who decided."""
    return list(
        void_requests(koperasi=session.koperasi).filter(session=session).order_by("requested_at")
    )


@dataclass
class TaxMasa:
    """One masa on the tax page: what was withheld, what is due by when, what was deposited."""

    period: dt.date
    withheld: Decimal
    due: Decimal
    due_date: dt.date
    deposit: TaxDeposit | None
    today: dt.date

    @property
    def status(self) -> str:
        """``nihil`` (nothing withheld), ``disetor``, ``disetor_terlambat``, ``terlambat``
        (not deposited and past the due date) or ``belum`` (not yet due)."""
        if self.deposit is not None:
            return "disetor_terlambat" if self.deposit.paid_on > self.due_date else "disetor"
        if self.withheld <= 0:
            return "nihil"
        return "terlambat" if self.today > self.due_date else "belum"

    @property
    def is_late(self) -> bool:
        return self.status in ("terlambat", "disetor_terlambat")

    @property
    def can_deposit(self) -> bool:
        return self.deposit is None and self.withheld > 0


def tax_masa_rows(*, koperasi: Koperasi) -> list[TaxMasa]:
    """Every masa with withholdings, newest first, with its deposit (one query each)."""
    withheld = dict(
        TaxWithholding.objects.filter(koperasi=koperasi)
        .values_list("period")
        .annotate(s=Sum("tax"))
        .order_by()
    )
    deposits = {d.period: d for d in TaxDeposit.objects.filter(koperasi=koperasi)}
    today = business_date(koperasi)
    return [
        TaxMasa(
            period=period,
            withheld=withheld.get(period) or ZERO,
            due=amount_due(withheld.get(period) or ZERO),
            due_date=tax_due_date(period),
            deposit=deposits.get(period),
            today=today,
        )
        for period in sorted(set(withheld) | set(deposits), reverse=True)
    ]


@dataclass(frozen=True)
class CashPosition:
    """Where the koperasi's cash is: in the kasir's open drawers and in the vault (kas besar).

    ``vault`` is None when the books cannot say: no chart yet, or the books' cash is less than
    the drawers hold (the drawers' opening cash came from a vault whose balance was never
    booked, e.g. the opening kas balance of a koperasi that just went digital); ``vault_short``
    is then by how much.
    """

    drawers: Decimal
    open_sessions: int
    vault: Decimal | None
    vault_short: Decimal = m.ZERO


def cash_position(*, koperasi: Koperasi) -> CashPosition:
    """The chart keeps one ``kas`` account for the vault and every drawer, and a vault move
    posts nothing: the vault holds the ``kas`` balance less what is out in
    the open drawers, each one's opening cash (counted out of the vault), its vault moves (in −
    out) and the cash of its movements (:func:`savings.services.drawer.expected_cash`). A closed
    session's cash is back in the vault by its closing count (a difference was booked to
    ``selisih_kas`` at the close)."""
    sessions = list(CashierSession.objects.filter(koperasi=koperasi, closed_at__isnull=True))
    drawers = sum((expected_cash(s) for s in sessions), m.ZERO)
    try:
        kas = ledger_selectors.account_for_role(koperasi=koperasi, role="kas")
    except LedgerError:
        return CashPosition(drawers=drawers, open_sessions=len(sessions), vault=None)
    vault = ledger_selectors.balance(account=kas) - drawers
    if vault < 0:
        return CashPosition(
            drawers=drawers, open_sessions=len(sessions), vault=None, vault_short=-vault
        )
    return CashPosition(drawers=drawers, open_sessions=len(sessions), vault=vault)
