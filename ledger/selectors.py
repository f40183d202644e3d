"""Reads of the books. Every function takes the koperasi (or an account, which names it).

Balances never scan history: the latest closed period at or before the date gives each
account's stored closing balance, the database's month totals carry it to the date's month, and
at most that one month's postings are read (see :func:`balance`). Amounts are signed,
debit-positive, like postings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.money import ZERO, from_sen
from ledger import services
from ledger.models import (
    Account,
    AccountClass,
    EntryStatus,
    JournalEntry,
    Period,
    Posting,
    RoleMapping,
)
from ledger.services import LedgerError
from registry.models import Koperasi

__all__ = [
    "GeneralLedger",
    "GeneralLedgerRow",
    "Statement",
    "StatementLine",
    "StatementSection",
    "TrialBalanceRow",
    "account_for_role",
    "accounts",
    "balance",
    "balances",
    "closed_through",
    "entry_get",
    "general_ledger",
    "journal_entries",
    "perhitungan_hasil_usaha",
    "periods",
    "posisi_keuangan",
    "trial_balance",
]


def account_for_role(*, koperasi: Koperasi, role: str) -> Account:
    """The account a process uses for ``role``; ``role:suffix`` falls back to ``role``."""
    candidates = [role]
    if ":" in role:
        candidates.append(role.split(":", 1)[0])
    found = {
        m.role: m.account
        for m in RoleMapping.objects.filter(koperasi=koperasi, role__in=candidates).select_related(
            "account"
        )
    }
    for candidate in candidates:
        if candidate in found:
            return found[candidate]
    raise LedgerError(
        _("Peran akun %(peran)s belum dipetakan ke akun di koperasi ini.") % {"peran": role}
    )


def closed_through(*, koperasi: Koperasi) -> dt.date | None:
    """The end of the koperasi's latest closed month (nothing on or before it can be posted)."""
    return services.closed_through(koperasi.pk)


def accounts(*, koperasi: Koperasi, active_only: bool = False) -> QuerySet[Account]:
    qs = Account.objects.filter(koperasi=koperasi).order_by("code")
    return qs.filter(is_active=True) if active_only else qs


def periods(*, koperasi: Koperasi) -> QuerySet[Period]:
    return Period.objects.filter(koperasi=koperasi).order_by("-start_date")


# A balance as of a date D is read in one round trip from three stored things, and never from
# more than one month of postings:
#   the closing balance of the latest closed period ending on or before D (``base``),
# + the month totals (``ledger_accountperiodbalance``) of the months after ``base`` up to D's,
#   all but D's own month when D falls in its first half,
# ± the posted postings of D's month on the side of D that is shorter: after D (subtracted from
#   the month's total) or from the 1st up to D (added, the month's total left out).
# A read as of the last day of a month, or of today (nothing is posted ahead of the business
# date), reads no posting at all. (D's month is never closed when postings are read: a closed
# month's end is ``base`` itself, and a date inside a closed month starts from the month before.)

_BALANCE_SQL = """
WITH base AS (
    SELECT id, end_date FROM ledger_period
    WHERE koperasi_id = %(koperasi)s AND status = 'closed' AND end_date <= %(until)s
    ORDER BY end_date DESC LIMIT 1
)
SELECT
    (SELECT pb.balance FROM ledger_periodbalance pb
     WHERE pb.period_id = (SELECT id FROM base) AND pb.account_id = %(account)s),
    (SELECT SUM(m.amount) FROM ledger_accountperiodbalance m
     WHERE m.account_id = %(account)s
       AND m.month > COALESCE((SELECT end_date FROM base), %(min)s)
       AND m.month <= %(months_to)s),
    (SELECT SUM(p.amount) FROM ledger_posting p
     JOIN ledger_journalentry e ON e.id = p.entry_id
     WHERE p.account_id = %(account)s
       AND p.value_date >= %(tail_from)s AND p.value_date <= %(tail_to)s
       AND e.status = 'posted')
"""


@dataclass(frozen=True)
class _Window:
    """How a read as of a date splits: month totals up to ``months_to`` (a month's first day),
    then ``sign`` × the postings dated ``tail_from`` … ``tail_to`` (none when ``sign`` is 0)."""

    months_to: dt.date
    sign: int
    tail_from: dt.date
    tail_to: dt.date


def _window(as_of: dt.date | None) -> _Window:
    if as_of is None or as_of >= dt.date.max - dt.timedelta(days=31):
        return _Window(dt.date.max, 0, dt.date.max, dt.date.min)
    first = as_of.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    if as_of == last:
        return _Window(first, 0, dt.date.max, dt.date.min)
    if (as_of - first).days < (last - as_of).days:
        # First half: the months before, plus the 1st … D.
        return _Window(first - dt.timedelta(days=1), 1, first, as_of)
    # Second half: the months up to D's, less D+1 … the month's end.
    return _Window(first, -1, as_of + dt.timedelta(days=1), last)


def _params(koperasi_id: int, as_of: dt.date | None) -> tuple[_Window, dict[str, Any]]:
    ops = connection.ops
    window = _window(as_of)
    return window, {
        "koperasi": koperasi_id,
        "until": ops.adapt_datefield_value(as_of or dt.date.max),
        "min": ops.adapt_datefield_value(dt.date.min),
        "months_to": ops.adapt_datefield_value(window.months_to),
        "tail_from": ops.adapt_datefield_value(window.tail_from),
        "tail_to": ops.adapt_datefield_value(window.tail_to),
    }


def balance(*, account: Account, as_of: dt.date | None = None) -> Decimal:
    """The account's balance at the end of ``as_of`` (default: everything posted)."""
    window, params = _params(account.koperasi_id, as_of)
    params["account"] = account.pk
    with connection.cursor() as cursor:
        cursor.execute(_BALANCE_SQL, params)
        stored, months, tail = cursor.fetchone()
    return from_sen(int(stored or 0) + int(months or 0) + window.sign * int(tail or 0))


# The same for every account of a koperasi: the tail's postings are found through the entries'
# (koperasi_id, value_date) index.
_BALANCES_SQL = """
WITH base AS (
    SELECT id, end_date FROM ledger_period
    WHERE koperasi_id = %(koperasi)s AND status = 'closed' AND end_date <= %(until)s
    ORDER BY end_date DESC LIMIT 1
)
SELECT account_id, SUM(amount) FROM (
    SELECT pb.account_id AS account_id, pb.balance AS amount FROM ledger_periodbalance pb
    WHERE pb.period_id = (SELECT id FROM base)
    UNION ALL
    SELECT m.account_id, m.amount FROM ledger_accountperiodbalance m
    WHERE m.koperasi_id = %(koperasi)s
      AND m.month > COALESCE((SELECT end_date FROM base), %(min)s)
      AND m.month <= %(months_to)s
    UNION ALL
    SELECT p.account_id, %(sign)s * p.amount FROM ledger_journalentry e
    JOIN ledger_posting p ON p.entry_id = e.id
    WHERE e.koperasi_id = %(koperasi)s
      AND e.value_date >= %(tail_from)s AND e.value_date <= %(tail_to)s
      AND e.status = 'posted'
) AS movements
GROUP BY account_id
"""


def balances(*, koperasi: Koperasi, as_of: dt.date | None = None) -> dict[int, Decimal]:
    """Every account's non-zero balance at the end of ``as_of``, by account id."""
    window, params = _params(koperasi.pk, as_of)
    params["sign"] = window.sign
    with connection.cursor() as cursor:
        cursor.execute(_BALANCES_SQL, params)
        rows = cursor.fetchall()
    return {int(a): from_sen(int(s)) for a, s in rows if s}


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    balance: Decimal  # signed, debit-positive

    @property
    def debit(self) -> Decimal:
        return self.balance if self.balance > 0 else ZERO

    @property
    def credit(self) -> Decimal:
        return -self.balance if self.balance < 0 else ZERO


def trial_balance(*, koperasi: Koperasi, as_of: dt.date | None = None) -> list[TrialBalanceRow]:
    """One row per posting account that is active or has a balance, by code. Σ balance = 0."""
    amounts = balances(koperasi=koperasi, as_of=as_of)
    return [
        TrialBalanceRow(account=a, balance=amounts.get(a.pk, ZERO))
        for a in Account.objects.filter(koperasi=koperasi, is_group=False).order_by("code")
        if a.is_active or a.pk in amounts
    ]


# --- journal --------------------------------------------------------------------------------


def journal_entries(
    *,
    koperasi: Koperasi,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str | None = None,
    account: Account | None = None,
    search: str | None = None,
    source: str | None = None,
) -> QuerySet[JournalEntry]:
    """Posted entries, newest first, filtered by value-date range, kind, an account they touch,
    text in the number or memo, or a source prefix (``savings.Transaction:``)."""
    qs = JournalEntry.objects.filter(koperasi=koperasi, status=EntryStatus.POSTED)
    if date_from is not None:
        qs = qs.filter(value_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(value_date__lte=date_to)
    if kind:
        qs = qs.filter(kind=kind)
    if account is not None:
        qs = qs.filter(
            pk__in=Posting.objects.filter(koperasi=koperasi, account=account).values("entry_id")
        )
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(memo__icontains=search))
    if source:
        qs = qs.filter(source__startswith=source)
    return qs.select_related("actor", "reverses").order_by("-value_date", "-chain_index")


def entry_get(*, koperasi: Koperasi, pk: int) -> JournalEntry:
    """One entry of this koperasi with its postings (and accounts) and any reversal of it;
    ``JournalEntry.DoesNotExist`` for another koperasi's entry."""
    return (
        JournalEntry.objects.filter(koperasi=koperasi)
        .select_related("actor", "reverses")
        .prefetch_related("postings__account", "reversals")
        .get(pk=pk)
    )


@dataclass(frozen=True)
class GeneralLedgerRow:
    posting: Posting
    entry: JournalEntry
    debit: Decimal
    credit: Decimal
    running: Decimal  # signed, debit-positive, after this posting


@dataclass(frozen=True)
class GeneralLedger:
    account: Account
    date_from: dt.date
    date_to: dt.date
    opening: Decimal
    rows: list[GeneralLedgerRow]
    closing: Decimal
    total_debit: Decimal
    total_credit: Decimal


def general_ledger(
    *, koperasi: Koperasi, account: Account, date_from: dt.date, date_to: dt.date
) -> GeneralLedger:
    """An account's postings in a date range with the running balance (buku besar)."""
    if account.koperasi_id != koperasi.pk:
        raise LedgerError(_("Akun %(akun)s milik koperasi lain.") % {"akun": account})
    opening = balance(account=account, as_of=date_from - dt.timedelta(days=1))
    postings = (
        Posting.objects.filter(
            account=account,
            value_date__gte=date_from,
            value_date__lte=date_to,
            entry__status=EntryStatus.POSTED,
        )
        .select_related("entry")
        .order_by("value_date", "entry__chain_index", "id")
    )
    running = opening
    rows = []
    total_debit = total_credit = ZERO
    for p in postings:
        running += p.amount
        debit = p.amount if p.amount > 0 else ZERO
        credit = -p.amount if p.amount < 0 else ZERO
        total_debit += debit
        total_credit += credit
        rows.append(GeneralLedgerRow(p, p.entry, debit, credit, running))
    return GeneralLedger(
        account, date_from, date_to, opening, rows, running, total_debit, total_credit
    )


# --- statements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    account: Account
    depth: int
    amount: Decimal  # in the class's natural sign: assets and expenses debit, others credit


@dataclass
class StatementSection:
    klass: str
    title: str
    lines: list[StatementLine] = field(default_factory=list)
    total: Decimal = ZERO


@dataclass
class Statement:
    title: str
    date_from: dt.date | None
    date_to: dt.date
    sections: list[StatementSection]
    figures: dict[str, Decimal]


_CREDIT_CLASSES = {AccountClass.LIABILITAS, AccountClass.EKUITAS, AccountClass.PENDAPATAN}


def _sections(
    chart: Iterable[Account], amounts: dict[int, Decimal], classes: Iterable[str]
) -> list[StatementSection]:
    """Accounts grouped by class in chart order; a group line carries its children's total.
    Accounts that are zero (with all their children) are left out."""
    by_parent: dict[int | None, list[Account]] = {}
    for a in chart:
        by_parent.setdefault(a.parent_id, []).append(a)

    def natural(a: Account, value: Decimal) -> Decimal:
        return -value if a.klass in _CREDIT_CLASSES else value

    sections = []
    labels = dict(AccountClass.choices)
    for klass in classes:
        section = StatementSection(klass=klass, title=str(labels[klass]))

        def walk(a: Account, depth: int, section: StatementSection = section) -> Decimal:
            index = len(section.lines)
            own = natural(a, amounts.get(a.pk, ZERO))
            section.lines.append(StatementLine(a, depth, ZERO))
            total = own + sum((walk(c, depth + 1) for c in by_parent.get(a.pk, [])), ZERO)
            if own == 0 and len(section.lines) == index + 1:
                del section.lines[index:]  # nothing here and nothing below
            else:
                section.lines[index] = StatementLine(a, depth, total)
            return total

        for root in by_parent.get(None, []):
            if root.klass == klass:
                section.total += walk(root, 0)
        sections.append(section)
    return sections


def posisi_keuangan(*, koperasi: Koperasi, as_of: dt.date) -> Statement:
    """Neraca (laporan posisi keuangan) at the end of ``as_of``, grouped by the chart.

    Income and expense not yet closed into equity appear in equity, so that total assets =
    total liabilities + equity, as two lines: ``shu_tahun_berjalan`` (moved since 1 January of
    ``as_of``'s year) and ``shu_tahun_lalu`` (earlier years, until the RAT's entry divides it);
    ``shu_belum_ditutup`` is their sum.
    """
    amounts = balances(koperasi=koperasi, as_of=as_of)
    before_year = balances(koperasi=koperasi, as_of=dt.date(as_of.year, 1, 1) - dt.timedelta(1))
    chart = list(Account.objects.filter(koperasi=koperasi).order_by("code"))
    sections = _sections(
        chart, amounts, [AccountClass.ASET, AccountClass.LIABILITAS, AccountClass.EKUITAS]
    )
    pl = [a.pk for a in chart if a.klass in (AccountClass.PENDAPATAN, AccountClass.BEBAN)]
    unclosed = -sum((amounts.get(pk, ZERO) for pk in pl), ZERO)
    earlier = -sum((before_year.get(pk, ZERO) for pk in pl), ZERO)
    total_aset, total_liab, total_ekuitas = (s.total for s in sections)
    return Statement(
        title=_("Laporan Posisi Keuangan"),
        date_from=None,
        date_to=as_of,
        sections=sections,
        figures={
            "total_aset": total_aset,
            "total_liabilitas": total_liab,
            "total_ekuitas": total_ekuitas + unclosed,
            "shu_belum_ditutup": unclosed,
            "shu_tahun_lalu": earlier,
            "shu_tahun_berjalan": unclosed - earlier,
            "total_liabilitas_ekuitas": total_liab + total_ekuitas + unclosed,
        },
    )


def perhitungan_hasil_usaha(
    *, koperasi: Koperasi, date_from: dt.date, date_to: dt.date
) -> Statement:
    """Perhitungan hasil usaha for a date range: income and expense moved in the range, grouped
    by the chart, and the SHU (income − expense)."""
    if date_from > date_to:
        raise LedgerError(_("Tanggal awal tidak boleh sesudah tanggal akhir."))
    end = balances(koperasi=koperasi, as_of=date_to)
    start = balances(koperasi=koperasi, as_of=date_from - dt.timedelta(days=1))
    moved = {a: end.get(a, ZERO) - start.get(a, ZERO) for a in set(end) | set(start)}
    chart = list(Account.objects.filter(koperasi=koperasi).order_by("code"))
    sections = _sections(chart, moved, [AccountClass.PENDAPATAN, AccountClass.BEBAN])
    pendapatan, beban = (s.total for s in sections)
    return Statement(
        title=_("Perhitungan Hasil Usaha"),
        date_from=date_from,
        date_to=date_to,
        sections=sections,
        figures={"total_pendapatan": pendapatan, "total_beban": beban, "shu": pendapatan - beban},
    )
