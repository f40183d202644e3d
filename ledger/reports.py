"""Reads for the ledger pages and exports that :mod:`ledger.selectors` does not offer.

Everything here takes the koperasi explicitly and only reads. The chart is small (tens of
accounts), so the hierarchy is walked in Python; the journal is not, so its lists stay querysets
that the pages paginate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db.models import QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.books import books_text
from core.dates import BULAN, business_date, tanggal
from core.money import ZERO
from ledger import selectors
from ledger.models import (
    Account,
    AccountClass,
    AccountRole,
    EntryStatus,
    JournalEntry,
    Period,
    PeriodStatus,
    Posting,
    RoleMapping,
)
from registry.models import Koperasi

MANUAL_KIND = "manual"

# What the kinds of entry that processes write mean to a person. Every kind any app posts is
# here (tests/ledger/test_kind_labels.py finds them in the code); one not listed shows as
# "Transaksi lain", never as its code.
KIND_LABELS: dict[str, Any] = {
    MANUAL_KIND: gettext_lazy("Jurnal umum (manual)"),
    "reversal": gettext_lazy("Pembalikan"),
    "savings.deposit": gettext_lazy("Setoran simpanan"),
    "savings.withdraw": gettext_lazy("Penarikan simpanan"),
    "savings.transfer": gettext_lazy("Pemindahbukuan simpanan"),
    "savings.cash_difference": gettext_lazy("Selisih kas"),
    "savings.join": gettext_lazy("Simpanan anggota baru"),
    "savings.member_join": gettext_lazy("Anggota baru: simpanan pokok"),
    "savings.member_exit": gettext_lazy("Anggota keluar: pengembalian simpanan"),
    "savings.interest": gettext_lazy("Bunga simpanan"),
    "savings.interest_tax": gettext_lazy("PPh final bunga simpanan"),
    "savings.tax_deposit": gettext_lazy("Setoran PPh ke kas negara"),
    "savings.wajib_billing": gettext_lazy("Tagihan simpanan wajib"),
    "savings.payroll": gettext_lazy("Potong gaji"),
    "savings.opening_balance": gettext_lazy("Saldo awal simpanan"),
    "savings.counter_day": gettext_lazy("Transaksi kasir harian"),
    "savings.berjangka_open": gettext_lazy("Pembukaan simpanan berjangka"),
    "savings.berjangka_break": gettext_lazy("Pencairan awal simpanan berjangka"),
    "savings.berjangka_mature": gettext_lazy("Jatuh tempo simpanan berjangka"),
    "savings.void": gettext_lazy("Pembatalan transaksi simpanan"),
    "loans.disbursement": gettext_lazy("Pencairan pinjaman"),
    "loans.repayment": gettext_lazy("Angsuran pinjaman"),
    "loans.disburse": gettext_lazy("Pencairan pinjaman"),
    "loans.repay": gettext_lazy("Angsuran pinjaman"),
    "loans.settle": gettext_lazy("Pelunasan dipercepat"),
    "loans.void": gettext_lazy("Pembatalan transaksi pinjaman"),
    "loans.restructure": gettext_lazy("Restrukturisasi pinjaman"),
    "loans.writeoff": gettext_lazy("Hapus buku pinjaman"),
    "loans.recover": gettext_lazy("Pemulihan pinjaman hapus buku"),
    "loans.payroll": gettext_lazy("Angsuran potong gaji"),
    "loans.netting": gettext_lazy("Pelunasan dari simpanan saat keluar"),
    "loans.accrual": gettext_lazy("Akrual bunga pinjaman"),
    "loans.accrual_reversal": gettext_lazy("Pembalikan bunga akrual"),
    "loans.ppap": gettext_lazy("Pembentukan PPAP"),
    "migration.opening": gettext_lazy("Saldo awal migrasi"),
}

_ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    if label is None:
        return _("Transaksi lain")
    return str(label)


def zone_name(tz_name: str) -> str:
    return _ZONE_NAMES.get(tz_name, tz_name)


def local_time(koperasi: Koperasi, value: dt.datetime) -> dt.datetime:
    """A stored (UTC) time in the koperasi's own zone, WITA by default."""
    return timezone.localtime(value, ZoneInfo(koperasi.timezone or "Asia/Makassar"))


def has_sen(amounts: Iterable[Decimal | None]) -> bool:
    """Whether any amount has sen, so a page shows ``,00`` only where it carries information."""
    return any(a is not None and a != a.to_integral_value() for a in amounts)


def signed(amount: Decimal, sign: int) -> Decimal:
    """``amount`` or its negation (never a negative zero, which would print as ``-0.00``)."""
    return amount if sign > 0 else -amount


# --- chart of accounts ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChartRow:
    account: Account
    depth: int
    roles: list[str]  # role keys mapped to this account
    balance: Decimal | None  # signed, debit-positive; None for a group account

    @property
    def role_labels(self) -> list[str]:
        return [role_label(r) for r in self.roles]

    @property
    def natural_balance(self) -> Decimal | None:
        """The balance on the account's normal side (a credit account's credit is positive)."""
        if self.balance is None:
            return None
        return self.balance if self.account.normal_side == Account.Side.DEBIT else -self.balance


def _parents(chart: Sequence[Account]) -> dict[int, int | None]:
    """Each account's parent within ``chart``. A loop of parents (nothing in the database
    forbids A under B under A) is cut where it closes, so every walk below ends."""
    ids = {a.pk for a in chart}
    raw = {a.pk: a.parent_id if a.parent_id in ids else None for a in chart}

    def in_loop(pk: int) -> bool:
        seen: set[int] = set()
        node = raw[pk]
        while node is not None and node not in seen:
            if node == pk:
                return True
            seen.add(node)
            node = raw[node]
        return False

    return {pk: None if in_loop(pk) else parent for pk, parent in raw.items()}


def _depths(chart: Sequence[Account]) -> dict[int, int]:
    parents = _parents(chart)
    depths: dict[int, int] = {}

    def depth(pk: int) -> int:
        if pk not in depths:
            parent = parents[pk]
            depths[pk] = 0 if parent is None else depth(parent) + 1
        return depths[pk]

    for a in chart:
        depth(a.pk)
    return depths


def _children(chart: Sequence[Account]) -> dict[int | None, list[Account]]:
    parents = _parents(chart)
    children: dict[int | None, list[Account]] = {}
    for a in sorted(chart, key=lambda a: a.code):
        children.setdefault(parents[a.pk], []).append(a)
    return children


def _tree_order(chart: Sequence[Account]) -> list[Account]:
    """Accounts parent first, children after their parent by code (codes need not nest)."""
    children = _children(chart)
    ordered: list[Account] = []

    def walk(parent: int | None) -> None:
        for a in children.get(parent, []):
            ordered.append(a)
            walk(a.pk)

    walk(None)
    return ordered


def role_labels() -> dict[str, str]:
    return {value: str(label) for value, label in AccountRole.choices}


def role_label(role: str) -> str:
    """``simpanan_sukarela:SIBUHAR`` → ``Simpanan sukarela (SIBUHAR)``."""
    base, _sep, suffix = role.partition(":")
    label = role_labels().get(base, base)
    return f"{label} ({suffix})" if suffix else label


def chart(*, koperasi: Koperasi, with_balances: bool = True) -> list[ChartRow]:
    """The whole chart in tree order, each account with its depth, roles and balance."""
    accounts = list(selectors.accounts(koperasi=koperasi))
    depths = _depths(accounts)
    roles: dict[int, list[str]] = {}
    for role, account_id in RoleMapping.objects.filter(koperasi=koperasi).values_list(
        "role", "account_id"
    ):
        roles.setdefault(account_id, []).append(role)
    amounts = selectors.balances(koperasi=koperasi) if with_balances else {}
    return [
        ChartRow(
            account=a,
            depth=depths[a.pk],
            roles=sorted(roles.get(a.pk, [])),
            balance=None if a.is_group else amounts.get(a.pk, ZERO),
        )
        for a in _tree_order(accounts)
    ]


def role_mappings(*, koperasi: Koperasi) -> list[tuple[str, str, Account | None]]:
    """Every known role (and any refined one in use) with its label and mapped account."""
    mapped = {
        m.role: m.account
        for m in RoleMapping.objects.filter(koperasi=koperasi).select_related("account")
    }
    rows = [(role, str(label), mapped.get(role)) for role, label in AccountRole.choices]
    rows += [(role, role_label(role), account) for role, account in sorted(mapped.items())]
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row[0] not in seen:
            seen.add(row[0])
            unique.append(row)
    return unique


def posting_accounts(*, koperasi: Koperasi) -> QuerySet[Account]:
    """Accounts an entry may post to: active and not a group."""
    return selectors.accounts(koperasi=koperasi, active_only=True).filter(is_group=False)


def group_accounts(*, koperasi: Koperasi) -> QuerySet[Account]:
    return selectors.accounts(koperasi=koperasi).filter(is_group=True)


def suggested_parent(*, koperasi: Koperasi, code: str) -> Account | None:
    """The group account whose code is the longest dotted prefix of ``code`` (1.1 for 1.1.07)."""
    parts = code.split(".")
    prefixes = [".".join(parts[:n]) for n in range(len(parts) - 1, 0, -1)]
    groups = {a.code: a for a in group_accounts(koperasi=koperasi).filter(code__in=prefixes)}
    return next((groups[p] for p in prefixes if p in groups), None)


# --- journal --------------------------------------------------------------------------------


def journal(
    *,
    koperasi: Koperasi,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str | None = None,
    account: Account | None = None,
    search: str | None = None,
) -> QuerySet[JournalEntry]:
    """The journal list (:func:`ledger.selectors.journal_entries`), newest first."""
    return selectors.journal_entries(
        koperasi=koperasi,
        date_from=date_from,
        date_to=date_to,
        kind=kind,
        account=account,
        search=search,
    )


def with_totals(*, koperasi: Koperasi, entries: Iterable[JournalEntry]) -> list[JournalEntry]:
    """One page of entries, each given ``total`` (its debit side), ``reversed`` (a reversal
    undoes it) and ``kind_text``. Two small queries per page, so the page and its count stay
    cheap however long the journal is."""
    page = list(entries)
    ids = [e.pk for e in page]
    totals = dict(
        Posting.objects.filter(entry_id__in=ids, amount__gt=0)
        .values("entry_id")
        .annotate(s=Sum("amount"))
        .values_list("entry_id", "s")
    )
    reversed_ids = set(
        JournalEntry.objects.filter(koperasi=koperasi, reverses_id__in=ids).values_list(
            "reverses_id", flat=True
        )
    )
    for e in page:
        e.total = totals.get(e.pk, ZERO)  # type: ignore[attr-defined]
        e.reversed = e.pk in reversed_ids  # type: ignore[attr-defined]
        e.kind_text = kind_label(e.kind)  # type: ignore[attr-defined]
    return page


def journal_postings(entries: QuerySet[JournalEntry]) -> QuerySet[Posting]:
    """The postings of the given entries, in the entries' order then line order (for exports)."""
    return (
        Posting.objects.filter(entry__in=entries.values("pk"))
        .select_related("entry", "account")
        .order_by("-entry__value_date", "-entry__chain_index", "id")
    )


def entry_kinds(*, koperasi: Koperasi) -> list[tuple[str, str]]:
    """The kinds that occur in this koperasi's journal, with their labels, for the filter."""
    kinds = set(
        JournalEntry.objects.filter(koperasi=koperasi, status=EntryStatus.POSTED)
        .values_list("kind", flat=True)
        .distinct()
    )
    kinds.add(MANUAL_KIND)
    return sorted(((k, kind_label(k)) for k in kinds), key=lambda kv: kv[1].lower())


def entry_with_key(*, koperasi: Koperasi, key: str) -> JournalEntry | None:
    return JournalEntry.objects.filter(koperasi=koperasi, idempotency_key=key).first()


# --- neraca saldo ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialRow:
    account: Account
    depth: int
    debit: Decimal
    credit: Decimal

    @property
    def is_group(self) -> bool:
        return self.account.is_group


@dataclass(frozen=True)
class TrialBalance:
    as_of: dt.date
    rows: list[TrialRow]
    total_debit: Decimal
    total_credit: Decimal

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit


def trial_balance(
    *, koperasi: Koperasi, as_of: dt.date, include_zero: bool = False
) -> TrialBalance:
    """Neraca saldo as of a date, in chart order with the group accounts as headings.

    A group row carries the net of everything under it on its own side; the totals count the
    posting accounts only.
    """
    leaves = {
        r.account.pk: r
        for r in selectors.trial_balance(koperasi=koperasi, as_of=as_of)
        if include_zero or r.balance != 0
    }
    accounts = list(selectors.accounts(koperasi=koperasi))
    depths = _depths(accounts)
    children = _children(accounts)

    nets: dict[int, Decimal] = {}
    shown: dict[int, bool] = {}

    def net(a: Account) -> Decimal:
        if a.pk not in nets:
            leaf = leaves.get(a.pk)
            own = leaf.balance if leaf is not None else ZERO
            below = [net(c) for c in children.get(a.pk, [])]
            nets[a.pk] = own + sum(below, ZERO)
            shown[a.pk] = leaf is not None or any(shown[c.pk] for c in children.get(a.pk, []))
        return nets[a.pk]

    rows = []
    for a in _tree_order(accounts):
        value = net(a)
        if not shown[a.pk]:
            continue
        rows.append(
            TrialRow(
                account=a,
                depth=depths[a.pk],
                debit=value if value > 0 else ZERO,
                credit=-value if value < 0 else ZERO,
            )
        )
    total_debit = sum((r.debit for r in leaves.values()), ZERO)
    total_credit = sum((r.credit for r in leaves.values()), ZERO)
    return TrialBalance(as_of, rows, total_debit, total_credit)


# --- periods and the business date ----------------------------------------------------------


@dataclass(frozen=True)
class PeriodOverview:
    business_date: dt.date
    closed_through: dt.date | None
    latest_closed: Period | None
    next_to_close: tuple[int, int] | None  # (year, month), None when nothing can close yet
    periods: list[Period]


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def period_overview(*, koperasi: Koperasi) -> PeriodOverview:
    """What the periods page shows: the business date, what is closed, what may close next.

    The month that may close next follows the latest closed one; before any close, it is the
    month before the business date's month (a first close also closes everything before it).
    A month closes only once the business date has passed its end.
    """
    today = business_date(koperasi)
    latest = (
        Period.objects.filter(koperasi=koperasi, status=PeriodStatus.CLOSED)
        .select_related("closed_by")
        .order_by("-end_date")
        .first()
    )
    if latest is not None:
        candidate = _next_month(latest.year, latest.month)
    else:
        candidate = _previous_month(today.year, today.month)
    following = _next_month(*candidate)
    month_end = dt.date(following[0], following[1], 1) - dt.timedelta(days=1)
    return PeriodOverview(
        business_date=today,
        closed_through=latest.end_date if latest is not None else None,
        latest_closed=latest,
        next_to_close=candidate if month_end < today else None,
        periods=list(
            selectors.periods(koperasi=koperasi).select_related("closed_by", "reopened_by")
        ),
    )


def period_get(*, koperasi: Koperasi, pk: Any) -> Period | None:
    try:
        return Period.objects.filter(koperasi=koperasi).get(pk=int(pk))
    except (Period.DoesNotExist, TypeError, ValueError):
        return None


def entry_count(*, koperasi: Koperasi) -> int:
    return JournalEntry.objects.filter(koperasi=koperasi, status=EntryStatus.POSTED).count()


def month_name(month: int) -> str:
    return BULAN[month - 1]


def period_label(year: int, month: int) -> str:
    return f"{month_name(month)} {year}"


def describe_date_range(date_from: dt.date | None, date_to: dt.date | None) -> str:
    if date_from and date_to:
        return _("%(a)s s.d. %(b)s") % {"a": tanggal(date_from), "b": tanggal(date_to)}
    if date_from:
        return _("sejak %(a)s") % {"a": tanggal(date_from)}
    if date_to:
        return _("sampai %(b)s") % {"b": tanggal(date_to)}
    return _("semua tanggal")


# --- financial statements (neraca, perhitungan hasil usaha) ----------------------------------
#
# A statement is a document of the koperasi, read by its members, its pengawas, the RAT and the
# Dinas's inspectors, so it is always in Indonesian whatever language the person at the screen
# reads (like the memos of :mod:`core.books`): its text is built here with ``books_text`` and
# the class names under ``translation.override("id")``, once, and the page, the CSV, the XLSX
# and the PDF all print the same :class:`FinancialStatement`.
#
# The comparative column is the previous year-end for the neraca (posisi keuangan per 31
# Desember of the year before) and the same dates one year earlier for the perhitungan hasil
# usaha (1 Januari–16 Maret 2026 beside 1 Januari–16 Maret 2025), the two comparisons SAK EP
# statements and RAT packs use.

STATEMENT_FIRST_DAY = dt.date(1900, 1, 1)
STATEMENT_LAST_DAY = dt.date(2999, 12, 31)

RowStyle = Literal["heading", "data", "group", "extra", "total", "grand"]


@dataclass(frozen=True)
class StatementRow:
    """One printed line. ``amount``/``previous`` are in the section's natural sign (assets and
    expenses debit-positive, the rest credit-positive); a deduction is negative. ``key`` marks
    the line for the page (``data-code``, ``data-line`` or ``data-total``)."""

    code: str
    label: str
    amount: Decimal | None
    previous: Decimal | None
    style: RowStyle = "data"
    depth: int = 0
    key: str = ""


@dataclass(frozen=True)
class Signature:
    body: str  # "Pengurus", "Pengawas"
    title: str  # "Ketua", "Bendahara"
    name: str  # blank when the registry does not hold it: the page prints a line to sign on


@dataclass(frozen=True)
class FinancialStatement:
    report: Literal["neraca", "hasil_usaha"]
    koperasi_name: str
    title: str
    period: str  # "Per 16 Maret 2026" / "1 Januari 2026 s.d. 16 Maret 2026"
    date_from: dt.date | None
    date_to: dt.date
    previous_from: dt.date | None
    previous_to: dt.date | None  # None when there is no earlier year to compare with
    current_label: str  # column headings
    previous_label: str
    comparison: str  # what the comparative column is, in a sentence; "" without one
    rows: list[StatementRow]
    figures: dict[str, Decimal]
    previous_figures: dict[str, Decimal]
    notes: list[str]
    place_date: str
    signatures: list[Signature]

    @property
    def balanced(self) -> bool:
        """For the neraca: Aset = Liabilitas + Ekuitas (after the piutang wajib deduction)."""
        f = self.figures
        return f.get("total_aset") == f.get("total_liabilitas_ekuitas")

    @property
    def has_previous(self) -> bool:
        return self.previous_to is not None

    @property
    def sen(self) -> bool:
        return has_sen([*(r.amount for r in self.rows), *(r.previous for r in self.rows)])


def statement_date_error(*days: dt.date | None) -> str | None:
    """The message for a date a statement cannot be drawn for, or None when all are fine."""
    if all(d is None or STATEMENT_FIRST_DAY <= d <= STATEMENT_LAST_DAY for d in days):
        return None
    return _("Tanggal laporan harus antara %(a)s dan %(b)s.") % {
        "a": tanggal(STATEMENT_FIRST_DAY),
        "b": tanggal(STATEMENT_LAST_DAY),
    }


def _year_earlier(day: dt.date) -> dt.date | None:
    if day.year - 1 < STATEMENT_FIRST_DAY.year:
        return None
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return dt.date(day.year - 1, day.month, day.day)


def _short_date(day: dt.date) -> str:
    return f"{day.day} {BULAN[day.month - 1][:3]} {day.year}"


def signatures(koperasi: Koperasi) -> list[Signature]:
    """Ketua and bendahara sign for the pengurus, the ketua pengawas for the pengawas. The
    registry keeps no officers' names yet, so each is a blank line under its title."""
    names: dict[str, str] = getattr(koperasi, "officer_names", None) or {}
    return [
        Signature(books_text("Pengurus"), books_text("Ketua"), names.get("ketua", "")),
        Signature(books_text("Pengurus"), books_text("Bendahara"), names.get("bendahara", "")),
        Signature(books_text("Pengawas"), books_text("Ketua Pengawas"), names.get("pengawas", "")),
    ]


def place_date(koperasi: Koperasi) -> str:
    today = business_date(koperasi)
    place = koperasi.desa or koperasi.kecamatan
    name = place.name.title() if place is not None else ""
    return f"{name}, {tanggal(today)}" if name else tanggal(today)


@dataclass
class _Column:
    """One statement's lines by account, ready to merge with the comparative one."""

    lines: dict[int, tuple[int, Decimal]]  # account id → (depth, amount)
    totals: dict[str, Decimal]  # section class → total
    figures: dict[str, Decimal]


def _column(statement: selectors.Statement) -> _Column:
    return _Column(
        lines={
            line.account.pk: (line.depth, line.amount)
            for s in statement.sections
            for line in s.lines
        },
        totals={s.klass: s.total for s in statement.sections},
        figures=dict(statement.figures),
    )


def _role_accounts(koperasi: Koperasi, role: str) -> set[int]:
    """Accounts mapped to ``role`` or one of its refinements (``role:PRODUK``)."""
    return {
        account_id
        for mapped, account_id in RoleMapping.objects.filter(koperasi=koperasi).values_list(
            "role", "account_id"
        )
        if mapped.partition(":")[0] == role
    }


def _deduct_piutang_wajib(column: _Column, chart: Sequence[Account], piutang: set[int]) -> Decimal:
    """Take the piutang simpanan wajib out of the assets (its lines, and its amount from every
    group above it); returns the amount, which the neraca deducts from equity instead."""
    parents = _parents(chart)
    below = set(piutang)
    grew = True
    while grew:  # the mapped accounts and anything under them
        more = {pk for pk, parent in parents.items() if parent in below} - below
        below |= more
        grew = bool(more)
    amount = sum((column.lines[pk][1] for pk in piutang if pk in column.lines), ZERO)
    for pk in below:
        column.lines.pop(pk, None)
    if amount:
        for pk in piutang:
            parent = parents.get(pk)
            while parent is not None:
                if parent in column.lines:
                    depth, value = column.lines[parent]
                    column.lines[parent] = (depth, value - amount)
                parent = parents.get(parent)
        column.totals[AccountClass.ASET] -= amount
    return amount


def _merged_lines(
    chart: Sequence[Account], klass: str, current: _Column, previous: _Column | None
) -> list[StatementRow]:
    rows = []
    depths = _depths(chart)
    children = _children(chart)
    kept: list[tuple[Account, Decimal | None, Decimal | None]] = []
    for a in _tree_order(chart):
        if a.klass != klass:
            continue
        now = current.lines.get(a.pk)
        before = previous.lines.get(a.pk) if previous is not None else None
        if now is None and before is None:
            continue
        kept.append(
            (
                a,
                now[1] if now is not None else ZERO,
                (before[1] if before is not None else ZERO) if previous is not None else None,
            )
        )
    shown = {a.pk for a, _now, _before in kept}

    def has_shown_child(a: Account) -> bool:
        return any(c.pk in shown or has_shown_child(c) for c in children.get(a.pk, []))

    for a, amount, earlier in kept:
        if a.is_group and not amount and not earlier and not has_shown_child(a):
            continue  # a group emptied by the piutang deduction
        rows.append(
            StatementRow(
                code=a.code,
                label=a.name,
                amount=amount,
                previous=earlier,
                style="group" if a.is_group else "data",
                depth=depths[a.pk],
                key=a.code,
            )
        )
    return rows


def _class_titles() -> dict[str, str]:
    with translation.override("id"):
        return {value: str(label) for value, label in AccountClass.choices}


def neraca(*, koperasi: Koperasi, as_of: dt.date) -> FinancialStatement:
    """Laporan posisi keuangan per ``as_of`` beside the previous year-end, in Indonesian.

    Unpaid wajib booked as a receivable (the accounts mapped to ``piutang_simpanan_wajib``) is
    not an asset of the koperasi but capital not yet paid in, so it is left out of the assets
    and shown under Ekuitas as "Dikurangi: piutang simpanan wajib", right after the simpanan
    wajib (DOMAIN.md; IFRS for SMEs §22.7(a), SAK EP Bab 22): both totals fall by the same
    amount and the neraca still balances.
    """
    chart = list(selectors.accounts(koperasi=koperasi))
    piutang = _role_accounts(koperasi, AccountRole.PIUTANG_WAJIB)
    wajib = _role_accounts(koperasi, AccountRole.SIMPANAN_WAJIB)
    previous_to = _year_earlier(dt.date(as_of.year, 1, 1))
    if previous_to is not None:
        previous_to = dt.date(previous_to.year, 12, 31)
    with translation.override("id"):
        current = _column(selectors.posisi_keuangan(koperasi=koperasi, as_of=as_of))
        previous = (
            _column(selectors.posisi_keuangan(koperasi=koperasi, as_of=previous_to))
            if previous_to is not None
            else None
        )
    columns = [c for c in (current, previous) if c is not None]
    deductions = [_deduct_piutang_wajib(c, chart, piutang) for c in columns]
    titles = _class_titles()
    has_prev = previous is not None

    def pair(values: list[Decimal]) -> tuple[Decimal, Decimal | None]:
        return values[0], (values[1] if has_prev else None)

    rows: list[StatementRow] = []
    figures: list[dict[str, Decimal]] = [{} for _c in columns]
    for klass in (AccountClass.ASET, AccountClass.LIABILITAS, AccountClass.EKUITAS):
        title = titles[klass]
        rows.append(StatementRow("", title.upper(), None, None, "heading", key=f"h-{klass}"))
        lines = _merged_lines(chart, klass, current, previous)
        totals = [c.totals[klass] for c in columns]
        if klass == AccountClass.EKUITAS:
            extras: list[tuple[str, str, list[Decimal]]] = []
            if any(deductions):
                extras.append(
                    (
                        "piutang-wajib",
                        books_text("Dikurangi: piutang simpanan wajib"),
                        [-d for d in deductions],
                    )
                )
            earlier = [c.figures["shu_tahun_lalu"] for c in columns]
            running = [c.figures["shu_tahun_berjalan"] for c in columns]
            if any(earlier):
                label = _shu_or_defisit(
                    earlier,
                    "SHU tahun lalu yang belum dibagi",
                    "Defisit tahun lalu yang belum ditutup",
                    "SHU (defisit) tahun lalu yang belum dibagi",
                )
                extras.append(("shu-tahun-lalu", label, earlier))
            if any(running):
                label = _shu_or_defisit(
                    running,
                    "SHU tahun berjalan (belum ditutup ke ekuitas)",
                    "Defisit tahun berjalan (belum ditutup ke ekuitas)",
                    "SHU (defisit) tahun berjalan (belum ditutup ke ekuitas)",
                )
                extras.append(("shu-berjalan", label, running))
            wajib_codes = {a.code for a in chart if a.pk in wajib}
            wajib_at = max((i for i, r in enumerate(lines) if r.key in wajib_codes), default=None)
            for key, label, values in extras:
                now, before = pair(values)
                row = StatementRow("", label, now, before, "extra", depth=1, key=key)
                if key == "piutang-wajib" and wajib_at is not None:
                    lines.insert(wajib_at + 1, replace(row, depth=lines[wajib_at].depth))
                else:
                    lines.append(row)
            totals = [
                t - d + c.figures["shu_belum_ditutup"]
                for t, d, c in zip(totals, deductions, columns, strict=True)
            ]
        if not lines:
            rows.append(StatementRow("", books_text("Tidak ada saldo."), None, None, "data"))
        rows.extend(lines)
        now, before = pair(totals)
        rows.append(
            StatementRow("", books_text("Jumlah %(t)s", t=title), now, before, "total", key=klass)
        )
        for f, t in zip(figures, totals, strict=True):
            f[f"total_{klass}"] = t
    for f, c, d in zip(figures, columns, deductions, strict=True):
        f["total_liabilitas_ekuitas"] = f["total_liabilitas"] + f["total_ekuitas"]
        f["piutang_simpanan_wajib"] = d
        f["shu_belum_ditutup"] = c.figures["shu_belum_ditutup"]
    now, before = pair([f["total_liabilitas_ekuitas"] for f in figures])
    rows.append(
        StatementRow(
            "",
            books_text("Jumlah Liabilitas dan Ekuitas"),
            now,
            before,
            "grand",
            key="liabilitas-ekuitas",
        )
    )
    notes = [
        books_text(
            "Pendapatan dikurangi beban yang belum ditutup ke ekuitas tampil dalam ekuitas: "
            "sejak 1 Januari sebagai SHU tahun berjalan, dari tahun-tahun sebelumnya sebagai "
            "SHU yang belum dibagi sampai RAT membaginya."
        )
    ]
    if any(deductions):
        notes.append(
            books_text(
                "Simpanan wajib yang belum dibayar anggota (piutang simpanan wajib) bukan aset "
                "koperasi: disajikan sebagai pengurang ekuitas."
            )
        )
    return FinancialStatement(
        report="neraca",
        koperasi_name=koperasi.name,
        title=books_text("Laporan Posisi Keuangan (Neraca)"),
        period=books_text("Per %(tgl)s", tgl=tanggal(as_of)),
        date_from=None,
        date_to=as_of,
        previous_from=None,
        previous_to=previous_to,
        current_label=_short_date(as_of),
        previous_label=_short_date(previous_to) if previous_to is not None else "",
        comparison=books_text(
            "Pembanding: posisi per akhir tahun buku sebelumnya (%(d)s).",
            d=_short_date(previous_to),
        )
        if previous_to is not None
        else "",
        rows=rows,
        figures=figures[0],
        previous_figures=figures[1] if has_prev else {},
        notes=notes,
        place_date=place_date(koperasi),
        signatures=signatures(koperasi),
    )


def _shu_or_defisit(amounts: Sequence[Decimal], shu: str, defisit: str, both: str) -> str:
    """A loss is a *defisit*, never a negative SHU; a line that is a surplus in one column and
    a loss in the other says both (its negative figure is then the defisit)."""
    if all(a >= 0 for a in amounts):
        return books_text(shu)
    if all(a <= 0 for a in amounts):
        return books_text(defisit)
    return books_text(both)


def shu_label(*amounts: Decimal) -> str:
    return _shu_or_defisit(
        amounts, "Sisa hasil usaha (SHU)", "Defisit hasil usaha", "Sisa hasil usaha (defisit)"
    )


def hasil_usaha(*, koperasi: Koperasi, date_from: dt.date, date_to: dt.date) -> FinancialStatement:
    """Perhitungan hasil usaha for a range beside the same range one year earlier, in
    Indonesian, ending in the SHU or, for a loss, the *defisit*."""
    previous_from, previous_to = _year_earlier(date_from), _year_earlier(date_to)
    if previous_from is None or previous_to is None:
        previous_from = previous_to = None
    with translation.override("id"):
        current = _column(
            selectors.perhitungan_hasil_usaha(
                koperasi=koperasi, date_from=date_from, date_to=date_to
            )
        )
        previous = (
            _column(
                selectors.perhitungan_hasil_usaha(
                    koperasi=koperasi, date_from=previous_from, date_to=previous_to
                )
            )
            if previous_from is not None and previous_to is not None
            else None
        )
    chart = list(selectors.accounts(koperasi=koperasi))
    titles = _class_titles()
    rows: list[StatementRow] = []
    for klass in (AccountClass.PENDAPATAN, AccountClass.BEBAN):
        title = titles[klass]
        rows.append(StatementRow("", title.upper(), None, None, "heading", key=f"h-{klass}"))
        lines = _merged_lines(chart, klass, current, previous)
        if not lines:
            rows.append(StatementRow("", books_text("Tidak ada saldo."), None, None, "data"))
        rows.extend(lines)
        rows.append(
            StatementRow(
                "",
                books_text("Jumlah %(t)s", t=title),
                current.totals[klass],
                previous.totals[klass] if previous is not None else None,
                "total",
                key=klass,
            )
        )
    shu = current.figures["shu"]
    shu_before = previous.figures["shu"] if previous is not None else None
    rows.append(
        StatementRow(
            "",
            shu_label(shu, *([shu_before] if shu_before is not None else [])),
            shu,
            shu_before,
            "grand",
            key="shu",
        )
    )
    span = books_text("%(a)s s.d. %(b)s", a=tanggal(date_from), b=tanggal(date_to))
    previous_label = (
        f"{_short_date(previous_from)} – {_short_date(previous_to)}"
        if previous_from is not None and previous_to is not None
        else ""
    )
    return FinancialStatement(
        report="hasil_usaha",
        koperasi_name=koperasi.name,
        title=books_text("Perhitungan Hasil Usaha"),
        period=span,
        date_from=date_from,
        date_to=date_to,
        previous_from=previous_from,
        previous_to=previous_to,
        current_label=f"{_short_date(date_from)} – {_short_date(date_to)}",
        previous_label=previous_label,
        comparison=books_text(
            "Pembanding: periode yang sama tahun sebelumnya (%(p)s).", p=previous_label
        )
        if previous_label
        else "",
        rows=rows,
        figures=current.figures,
        previous_figures=previous.figures if previous is not None else {},
        notes=[],
        place_date=place_date(koperasi),
        signatures=signatures(koperasi),
    )
