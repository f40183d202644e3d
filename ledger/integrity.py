"""Checks of a koperasi's books from outside the write path: the hash chain, the month totals
and the export.

:func:`verify_chain` walks the journal in chain order, recomputes every hash and reports the
first entry that no longer matches (an amount changed behind Kopdig's back, an entry deleted or
slipped in). :func:`verify_running_balances` recomputes the month totals balances are read from.
:func:`beancount_text` writes the books in beancount's format so that another
program can check that every entry balances and recompute every balance.
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

from core.money import from_sen, to_sen
from ledger import chain
from ledger.models import (
    Account,
    AccountClass,
    AccountPeriodBalance,
    ChainHead,
    EntryStatus,
    JournalEntry,
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
    head = ChainHead.objects.filter(koperasi=koperasi).first()
    last_index = head.last_index if head else 0
    last_hash = head.last_hash if head else chain.GENESIS
    if last_index != checked or last_hash != prev_hash:
        return ChainReport(
            False,
            checked,
            None,
            ngettext(
                "Ujung rantai mencatat %(n)d jurnal, tetapi ada %(m)d: jurnal terakhir hilang.",
                "Ujung rantai mencatat %(n)d jurnal, tetapi ada %(m)d: jurnal terakhir hilang.",
                last_index,
            )
            % {"n": last_index, "m": checked},
        )
    return ChainReport(True, checked)


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

    The database writes the totals as entries post; on PostgreSQL it also refuses any other
    write, on SQLite this is the check that an edit behind Kopdig's back would fail."""
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
