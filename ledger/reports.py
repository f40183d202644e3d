"""Reads for the ledger pages and exports that :mod:`ledger.selectors` does not offer.

Everything here takes the koperasi explicitly and only reads. The chart is small (tens of
accounts), so the hierarchy is walked in Python; the journal is not, so its lists stay querysets
that the pages paginate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dates import BULAN, business_date, tanggal
from core.money import ZERO
from ledger import selectors
from ledger.models import (
    Account,
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

# What the kinds that processes write mean to a person; an unknown kind shows as it is.
KIND_LABELS: dict[str, Any] = {
    MANUAL_KIND: gettext_lazy("Jurnal umum (manual)"),
    "reversal": gettext_lazy("Pembalikan"),
    "savings.deposit": gettext_lazy("Setoran simpanan"),
    "savings.withdraw": gettext_lazy("Penarikan simpanan"),
    "savings.transfer": gettext_lazy("Pemindahbukuan simpanan"),
    "savings.cash_difference": gettext_lazy("Selisih kas"),
    "savings.join": gettext_lazy("Simpanan anggota baru"),
    "savings.interest": gettext_lazy("Bunga simpanan"),
    "savings.berjangka_open": gettext_lazy("Pembukaan simpanan berjangka"),
    "savings.berjangka_break": gettext_lazy("Pencairan awal simpanan berjangka"),
    "savings.berjangka_mature": gettext_lazy("Jatuh tempo simpanan berjangka"),
    "savings.void": gettext_lazy("Pembatalan transaksi simpanan"),
    "loans.disbursement": gettext_lazy("Pencairan pinjaman"),
    "loans.repayment": gettext_lazy("Angsuran pinjaman"),
    "migration.opening": gettext_lazy("Saldo awal migrasi"),
}

_ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


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
