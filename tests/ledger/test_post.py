"""Posting entries: worked examples in Rupiah."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.models import AuditEvent
from ledger.models import JournalEntry, Posting
from ledger.selectors import balance, trial_balance
from ledger.services import LedgerError, Line, post, reverse

D = Decimal


def test_member_pays_flat_instalment(books, acc, kasir):
    """Member pays Rp933.333 instalment 1 → cash +933.333, loan −833.333, interest −100.000."""
    entry = post(
        koperasi=books,
        lines=[
            Line(acc.kas, debit=D("933333")),
            Line(acc.pinjaman, credit=D("833333")),
            Line(acc.jasa, credit=D("100000")),
        ],
        kind="loans.repayment",
        memo="Angsuran ke-1 pinjaman P-0001",
        actor=kasir,
        source="loans.Repayment:1",
    )
    assert entry.number == "JU/2026/000001"
    assert entry.value_date == dt.date(2026, 3, 16)
    assert entry.status == JournalEntry.Status.POSTED
    assert balance(account=acc.kas) == D("933333.00")
    assert balance(account=acc.pinjaman) == D("-833333.00")
    assert balance(account=acc.jasa) == D("-100000.00")
    assert sum(r.balance for r in trial_balance(koperasi=books)) == 0
    assert AuditEvent.objects.filter(action="ledger.post", object_id=str(entry.pk)).exists()


def test_numbers_are_gap_free_per_year(books, acc, kasir):
    def deposit(day: dt.date) -> JournalEntry:
        return post(
            koperasi=books,
            lines=[Line(acc.kas, debit=D("50000")), Line(acc.sukarela, credit=D("50000"))],
            kind="savings.deposit",
            memo="Setoran",
            actor=kasir,
            value_date=day,
        )

    numbers = [
        deposit(dt.date(2025, 12, 30)).number,
        deposit(dt.date(2026, 1, 2)).number,
        deposit(dt.date(2025, 12, 31)).number,
        deposit(dt.date(2026, 1, 3)).number,
    ]
    assert numbers == ["JU/2025/000001", "JU/2026/000001", "JU/2025/000002", "JU/2026/000002"]


def test_unbalanced_entry_is_refused_and_posts_nothing(books, acc, kasir):
    with pytest.raises(LedgerError, match="tidak seimbang"):
        post(
            koperasi=books,
            lines=[Line(acc.kas, debit=D("100000")), Line(acc.sukarela, credit=D("99999"))],
            kind="savings.deposit",
            memo="Setoran salah",
            actor=kasir,
        )
    assert not JournalEntry.objects.exists()
    assert not Posting.objects.exists()


def test_repeat_with_same_idempotency_key_posts_once(books, acc, kasir):
    kwargs = dict(
        koperasi=books,
        lines=[Line(acc.kas, debit=D("25000")), Line(acc.wajib, credit=D("25000"))],
        kind="savings.wajib",
        memo="Simpanan wajib Maret",
        actor=kasir,
        idempotency_key="hp-andi-7f3a",
    )
    first = post(**kwargs)
    again = post(**kwargs)
    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 1
    assert balance(account=acc.kas) == D("25000.00")


def test_reversal_mirrors_the_entry_and_links_to_it(books, acc, kasir):
    entry = post(
        koperasi=books,
        lines=[Line(acc.kas, debit=D("200000")), Line(acc.sukarela, credit=D("200000"))],
        kind="savings.deposit",
        memo="Setoran keliru",
        actor=kasir,
    )
    undo = reverse(entry=entry, actor=kasir, memo="Salah input nominal")
    assert undo.reverses_id == entry.pk
    assert undo.number == "JU/2026/000002"
    assert balance(account=acc.kas) == 0
    assert balance(account=acc.sukarela) == 0
    with pytest.raises(LedgerError, match="sudah dibalik"):
        reverse(entry=entry, actor=kasir)
