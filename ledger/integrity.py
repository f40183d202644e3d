"""Checks of a koperasi's books from outside the write path: the hash chain, the month totals,
the sub-ledgers and the export.

:func:`verify_chain` walks the journal in chain order, recomputes every hash and reports the
first entry that no longer matches (an amount changed behind Kopdig's back, an entry deleted or
slipped in). :func:`verify_chain_head` checks the chain head against the last entry and
:func:`verify_period_balances` the stored closing balances against the postings.
:func:`verify_subledgers` sets each sub-ledger (members' savings, later loans) beside its control
accounts and returns every difference to the sen. :func:`verify_running_balances`
recomputes the month totals balances are read from. :func:`beancount_text` writes the books in
beancount's format so that another program can check that every entry balances and recompute
every balance.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.money import format_rupiah, from_sen, to_sen
from ledger import chain, subledgers
from ledger.models import (
    Account,
    AccountClass,
    AccountPeriodBalance,
    ChainHead,
    EntryStatus,
    JournalEntry,
    Period,
    PeriodBalance,
    PeriodStatus,
    Posting,
)
from ledger.selectors import trial_balance
from registry.models import Koperasi

BATCH = 2000


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found: ``ok``, how many entries it checked, and else the first
    broken entry (``None`` when the break is at the end of the chain) and why."""

    ok: bool
    checked: int
    entry: JournalEntry | None = None
    reason: str = ""


def _entries(koperasi: Koperasi) -> Iterator[tuple[JournalEntry, list[tuple[int, int, str]]]]:
    last = 0
    while True:
        batch = list(
            JournalEntry.objects.filter(koperasi=koperasi, chain_index__gt=last).order_by(
                "chain_index"
            )[:BATCH]
        )
        if not batch:
            return
        postings: dict[int, list[tuple[int, int, str]]] = {e.pk: [] for e in batch}
        for entry_id, account_id, amount, memo in Posting.objects.filter(
            entry_id__in=postings
        ).values_list("entry_id", "account_id", "amount", "memo"):
            postings[entry_id].append((account_id, to_sen(amount), memo))
        for entry in batch:
            yield entry, postings[entry.pk]
        last = batch[-1].chain_index


def entry_hash(entry: JournalEntry, postings: list[tuple[int, int, str]]) -> str:
    """The hash ``entry`` should carry, recomputed from what is stored."""
    return chain.link(
        entry.prev_hash,
        chain.entry_text(
            koperasi_id=entry.koperasi_id,
            chain_index=entry.chain_index,
            number=entry.number,
            value_date=entry.value_date,
            created_at=chain.timestamp_text(entry.created_at),
            kind=entry.kind,
            memo=entry.memo,
            source=entry.source,
            actor_id=entry.actor_id,
            idempotency_key=entry.idempotency_key,
            reverses_id=entry.reverses_id,
            postings=postings,
        ),
    )


def verify_chain(*, koperasi: Koperasi) -> ChainReport:
    """Recompute the koperasi's chain; stop at the first entry that does not match."""
    expected_index = 1
    prev_hash = chain.GENESIS
    checked = 0
    for entry, postings in _entries(koperasi):
        if entry.chain_index != expected_index:
            return ChainReport(
                False,
                checked,
                entry,
                _("Urutan rantai terputus: jurnal ke-%(n)d hilang sebelum jurnal ini.")
                % {"n": expected_index},
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                entry,
                _("Hash sebelumnya yang dicatat tidak sama dengan hash jurnal sebelumnya."),
            )
        if entry_hash(entry, postings) != entry.hash:
            return ChainReport(
                False,
                checked,
                entry,
                _("Isi jurnal atau postingnya telah berubah: hash tidak cocok."),
            )
        if entry.status != EntryStatus.POSTED:
            return ChainReport(False, checked, entry, _("Jurnal masih berstatus draf."))
        prev_hash = entry.hash
        expected_index += 1
        checked += 1
    return ChainReport(True, checked)


# --- what is stored beside the chain ------------------------------------------------------
# Each check returns every problem it finds, as a sentence for the operator (errors as data);
# an empty list means the check passed.


def verify_chain_head(*, koperasi: Koperasi) -> list[str]:
    """The chain head (which the next entry links to) against the last entry of the chain: an
    edited head, or a last entry deleted behind the head's back."""
    head = ChainHead.objects.filter(koperasi=koperasi).first()
    last = (
        JournalEntry.objects.filter(koperasi=koperasi)
        .order_by("-chain_index")
        .values_list("chain_index", "hash")
        .first()
    )
    last_index, last_hash = last if last is not None else (0, chain.GENESIS)
    if head is None:
        if last is None:
            return []
        return [
            _("Ujung rantai jurnal tidak ada, padahal jurnal terakhir ke-%(m)d.")
            % {"m": last_index}
        ]
    problems = []
    if head.last_index != last_index:
        problems.append(
            _(
                "Ujung rantai mencatat jurnal ke-%(n)d, tetapi jurnal terakhir ke-%(m)d: "
                "jurnal terakhir hilang atau ujung rantai diubah."
            )
            % {"n": head.last_index, "m": last_index}
        )
    if head.last_hash != last_hash:
        problems.append(
            _(
                "Hash di ujung rantai (%(ujung)s) tidak sama dengan hash jurnal terakhir "
                "(%(jurnal)s)."
            )
            % {"ujung": head.last_hash[:12], "jurnal": last_hash[:12]}
        )
    return problems


def verify_period_balances(*, koperasi: Koperasi) -> list[str]:
    """Every closed period's stored closing balances against the postings up to its end; and no
    closing balances stored for an open period. One problem per account and period that differ,
    to the sen."""
    periods = list(Period.objects.filter(koperasi=koperasi).order_by("end_date"))
    stored: dict[int, dict[int, int]] = {p.pk: {} for p in periods}
    for period_id, account_id, amount in PeriodBalance.objects.filter(
        koperasi=koperasi
    ).values_list("period_id", "account_id", "balance"):
        stored.setdefault(period_id, {})[account_id] = to_sen(amount)
    codes = dict(Account.objects.filter(koperasi=koperasi).values_list("pk", "code"))
    problems = []
    running: dict[int, int] = {}
    previous_end: dt.date | None = None
    for period in periods:
        if period.status != PeriodStatus.CLOSED:
            if stored[period.pk]:
                problems.append(
                    ngettext(
                        "Periode %(p)s terbuka, tetapi menyimpan %(n)d saldo penutupan.",
                        "Periode %(p)s terbuka, tetapi menyimpan %(n)d saldo penutupan.",
                        len(stored[period.pk]),
                    )
                    % {"p": _period_name(period), "n": len(stored[period.pk])}
                )
            continue
        window = Posting.objects.filter(
            entry__koperasi=koperasi,
            entry__status=EntryStatus.POSTED,
            entry__value_date__lte=period.end_date,
        )
        if previous_end is not None:
            window = window.filter(entry__value_date__gt=previous_end)
        for account_id, amount in (
            window.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s")
        ):
            running[account_id] = running.get(account_id, 0) + to_sen(amount)
        previous_end = period.end_date
        kept = stored[period.pk]
        for account_id in sorted(set(running) | set(kept), key=lambda a: codes.get(a, "")):
            expected, found = running.get(account_id, 0), kept.get(account_id, 0)
            if expected != found:
                problems.append(
                    _(
                        "Saldo penutupan %(p)s akun %(akun)s tercatat %(simpan)s, "
                        "menurut posting %(hitung)s (selisih %(selisih)s)."
                    )
                    % {
                        "p": _period_name(period),
                        "akun": codes.get(account_id, account_id),
                        "simpan": format_rupiah(from_sen(found), sen=True),
                        "hitung": format_rupiah(from_sen(expected), sen=True),
                        "selisih": format_rupiah(from_sen(found - expected), sen=True),
                    }
                )
    return problems


def _period_name(period: Period) -> str:
    return f"{period.month:02d}/{period.year}"


def verify_subledgers(*, koperasi: Koperasi) -> list[subledgers.ControlCheck]:
    """Every registered sub-ledger against its control accounts (all of them, matching or
    not: a check's ``ok`` says which); see :mod:`ledger.subledgers`."""
    return subledgers.reconcile(koperasi)


# --- month totals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthDifference:
    """One account and month whose stored total is not what its posted postings add up to."""

    account: Account
    month: dt.date
    stored: Decimal
    posted: Decimal

    @property
    def difference(self) -> Decimal:
        return self.stored - self.posted


@dataclass(frozen=True)
class RunningReport:
    """What :func:`verify_running_balances` found: ``ok``, how many account-months it compared,
    and every one that differs."""

    ok: bool
    checked: int
    differences: list[MonthDifference]


def verify_running_balances(*, koperasi: Koperasi) -> RunningReport:
    """Recompute every account's month totals from the posted postings and compare them with
    the stored ones (``AccountPeriodBalance``), which every balance and report is read from.

    The database writes the totals as entries post and refuses any other write (PostgreSQL by
    trigger depth, SQLite by the posting trigger's mark, ``0010_sqlite_month_totals_guard``);
    this is the check for an edit made with those rules set aside (each difference names its
    account and month)."""
    posted: dict[tuple[int, dt.date], int] = {}
    for account_id, month, amount in (
        Posting.objects.filter(koperasi=koperasi, entry__status=EntryStatus.POSTED)
        .annotate(m=TruncMonth("value_date"))
        .values("account_id", "m")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "m", "s")
    ):
        posted[(account_id, month)] = to_sen(amount)
    stored = {
        (account_id, month): to_sen(amount)
        for account_id, month, amount in AccountPeriodBalance.objects.filter(
            koperasi=koperasi
        ).values_list("account_id", "month", "amount")
    }
    keys = sorted(set(posted) | set(stored), key=lambda k: (k[1], k[0]))
    wrong = [k for k in keys if posted.get(k, 0) != stored.get(k, 0)]
    accounts = Account.objects.in_bulk({a for a, _m in wrong})
    differences = [
        MonthDifference(
            account=accounts[a],
            month=m,
            stored=from_sen(stored.get((a, m), 0)),
            posted=from_sen(posted.get((a, m), 0)),
        )
        for a, m in wrong
        if a in accounts
    ]
    return RunningReport(not wrong, len(keys), differences)


# --- beancount ------------------------------------------------------------------------------

ROOTS = {
    AccountClass.ASET: "Assets",
    AccountClass.LIABILITAS: "Liabilities",
    AccountClass.EKUITAS: "Equity",
    AccountClass.PENDAPATAN: "Income",
    AccountClass.BEBAN: "Expenses",
}


def beancount_account(account: Account) -> str:
    """``Assets:1-1-01-Kas``: the class as beancount's root, then the code and the name with
    every character beancount does not allow in a name replaced by a dash."""
    words = re.findall(r"[A-Za-z0-9]+", account.name)
    name = "-".join(w[:1].upper() + w[1:] for w in words)
    code = account.code.replace(".", "-")
    return f"{ROOTS[AccountClass(account.klass)]}:{code}" + (f"-{name}" if name else "")


def _quote(text: str) -> str:
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def beancount_text(*, koperasi: Koperasi, as_of: dt.date | None = None) -> Iterator[str]:
    """The koperasi's posted entries up to ``as_of`` (default: all) as beancount, line by line,
    closed by a ``balance`` assertion per account with Kopdig's own balance, which beancount
    checks."""
    entries = JournalEntry.objects.filter(koperasi=koperasi, status=EntryStatus.POSTED)
    if as_of is not None:
        entries = entries.filter(value_date__lte=as_of)
    first = entries.order_by("value_date").values_list("value_date", flat=True).first()
    last = entries.order_by("-value_date").values_list("value_date", flat=True).first()
    opened = first or as_of or dt.date.today()
    accounts = {
        a.pk: a for a in Account.objects.filter(koperasi=koperasi, is_group=False).order_by("code")
    }
    names = {pk: beancount_account(a) for pk, a in accounts.items()}
    yield f"; {koperasi.name} ({koperasi.code}): ekspor buku besar Kopdig"
    yield f'option "title" {_quote(koperasi.name)}'
    yield 'option "operating_currency" "IDR"'
    yield ""
    for pk in accounts:
        yield f"{opened.isoformat()} open {names[pk]} IDR"
    yield ""
    batch: list[JournalEntry] = []

    def flush() -> Iterator[str]:
        lines: dict[int, list[tuple[int, Decimal, str]]] = {e.pk: [] for e in batch}
        for entry_id, account_id, amount, memo in (
            Posting.objects.filter(entry_id__in=lines)
            .order_by("id")
            .values_list("entry_id", "account_id", "amount", "memo")
        ):
            lines[entry_id].append((account_id, amount, memo))
        for e in batch:
            yield f"{e.value_date.isoformat()} * {_quote(e.memo or e.kind)}"
            yield f"  number: {_quote(e.number)}"
            yield f"  kind: {_quote(e.kind)}"
            yield f"  hash: {_quote(e.hash)}"
            for account_id, amount, memo in lines[e.pk]:
                yield f"  {names[account_id]}  {amount:.2f} IDR" + (
                    f"\n    memo: {_quote(memo)}" if memo else ""
                )
            yield ""
        batch.clear()

    for entry in entries.order_by("value_date", "chain_index").iterator(chunk_size=BATCH):
        batch.append(entry)
        if len(batch) >= BATCH:
            yield from flush()
    yield from flush()
    check_date = (as_of or last or opened) + dt.timedelta(days=1)
    balances = {
        row.account.pk: row.balance for row in trial_balance(koperasi=koperasi, as_of=as_of)
    }
    for pk in accounts:
        amount = from_sen(to_sen(balances.get(pk, Decimal(0))))
        yield f"{check_date.isoformat()} balance {names[pk]}  {amount:.2f} IDR"
