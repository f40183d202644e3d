"""The database itself refuses what would break the books, when Python is bypassed.

Each test goes around the services (ORM ``.create()``/``.update()``/``.delete()`` or raw SQL)
and shows the database refusing; the same tests run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from ledger.models import JournalEntry, Posting
from ledger.selectors import balance
from ledger.services import Line, period_close, post

D = Decimal
MARCH_2 = dt.date(2026, 3, 2)


@contextmanager
def refused(match: str | None = None) -> Iterator[None]:
    """The statement fails in the database; a savepoint keeps the test's transaction usable."""
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        yield


def draft(koperasi: Any, value_date: dt.date = MARCH_2, **extra: Any) -> JournalEntry:
    """An entry written straight to the table, as a draft, outside the service."""
    n = JournalEntry.objects.filter(koperasi=koperasi).count() + 900
    return JournalEntry.objects.create(
        koperasi=koperasi,
        number=f"X/{n}",
        year=value_date.year,
        seq=n,
        chain_index=n,
        value_date=value_date,
        created_at=timezone.now(),
        kind="manual",
        prev_hash="",
        hash="",
        **extra,
    )


def line(entry: JournalEntry, account: Any, amount: str) -> Posting:
    return Posting.objects.create(
        koperasi=entry.koperasi,
        entry=entry,
        account=account,
        amount=D(amount),
        value_date=entry.value_date,
    )


def make_posted(books: Any, acc: Any, kasir: Any) -> JournalEntry:
    return post(
        koperasi=books,
        lines=[Line(acc.kas, debit=D("500000")), Line(acc.sukarela, credit=D("500000"))],
        kind="savings.deposit",
        memo="Setoran Bapak Fransiskus",
        actor=kasir,
    )


def test_a_balanced_draft_can_be_posted_directly(books, acc):
    entry = draft(books)
    line(entry, acc.kas, "100000")
    line(entry, acc.sukarela, "-100000")
    JournalEntry.objects.filter(pk=entry.pk).update(status="posted")
    assert balance(account=acc.kas) == D("100000")


def test_zero_amount_posting_is_refused(books, acc):
    entry = draft(books)
    with pytest.raises(IntegrityError), transaction.atomic():
        line(entry, acc.kas, "0")


def test_unbalanced_entry_cannot_become_posted(books, acc):
    entry = draft(books)
    line(entry, acc.kas, "100000")
    line(entry, acc.sukarela, "-99999")
    with refused("tidak seimbang"):
        JournalEntry.objects.filter(pk=entry.pk).update(status="posted")
    assert balance(account=acc.kas) == 0  # a draft does not count


def test_entry_with_one_posting_cannot_become_posted(books, acc):
    entry = draft(books)
    line(entry, acc.kas, "100000")
    with refused("sedikitnya dua"):
        JournalEntry.objects.filter(pk=entry.pk).update(status="posted")


def test_entry_cannot_be_inserted_as_already_posted(books):
    with refused("harus berstatus draf"):
        draft(books, status="posted")


def test_posted_entry_cannot_be_updated_or_deleted(books, acc, kasir):
    entry = make_posted(books, acc, kasir)
    with refused("tidak dapat diubah atau dihapus"):
        JournalEntry.objects.filter(pk=entry.pk).update(memo="Setoran Rp5.000.000")
    with refused("tidak dapat diubah atau dihapus"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_journalentry WHERE id = %s", [entry.pk])
    with refused():
        JournalEntry.objects.filter(pk=entry.pk).update(status="draft")


def test_postings_of_a_posted_entry_are_frozen(books, acc, kasir):
    entry = make_posted(books, acc, kasir)
    with refused("tidak dapat diubah"):
        Posting.objects.filter(entry=entry, account=acc.kas).update(amount=D("5000000"))
    with refused("tidak dapat ditambah"):
        Posting.objects.filter(entry=entry).delete()
    with refused("tidak dapat ditambah"):
        line(entry, acc.kas, "1000")
    assert balance(account=acc.kas) == D("500000")


def test_a_draft_changes_only_by_becoming_posted(books, acc):
    entry = draft(books)
    line(entry, acc.kas, "100000")
    line(entry, acc.sukarela, "-100000")
    with refused("sekali"):
        JournalEntry.objects.filter(pk=entry.pk).update(status="posted", memo="diam-diam")


def test_no_posting_into_a_closed_period(books, acc, pengurus):
    period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    entry = draft(books, value_date=dt.date(2026, 2, 27))
    line(entry, acc.kas, "100000")
    line(entry, acc.sukarela, "-100000")
    with refused("sudah ditutup"):
        JournalEntry.objects.filter(pk=entry.pk).update(status="posted")


def test_no_posting_to_another_koperasis_account(books, other_books, acc):
    from ledger.selectors import account_for_role

    their_cash = account_for_role(koperasi=other_books, role="kas")
    entry = draft(books)
    with refused("koperasi lain"):
        line(entry, their_cash, "100000")
    with refused("sesuai dengan jurnalnya"):
        Posting.objects.create(
            koperasi=other_books, entry=entry, account=their_cash, amount=D("1"), value_date=MARCH_2
        )


def test_posting_date_must_be_its_entrys(books, acc):
    entry = draft(books)
    with refused("sesuai dengan jurnalnya"):
        Posting.objects.create(
            koperasi=books,
            entry=entry,
            account=acc.kas,
            amount=D("1"),
            value_date=dt.date(2025, 1, 1),
        )


def test_reversal_must_point_at_own_posted_entry(books, other_books, acc, kasir):
    from ledger.selectors import account_for_role

    theirs = post(
        koperasi=other_books,
        lines=[
            Line(account_for_role(koperasi=other_books, role="kas"), debit=D("1000")),
            Line(
                account_for_role(koperasi=other_books, role="simpanan_sukarela"), credit=D("1000")
            ),
        ],
        kind="savings.deposit",
        memo="Setoran",
        actor=kasir,
    )
    with refused("milik koperasi yang sama"):
        draft(books, reverses=theirs)


def test_an_entry_is_reversed_only_once(books, acc, kasir):
    entry = make_posted(books, acc, kasir)
    first = draft(books, reverses=entry)
    assert first.reverses_id == entry.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        draft(books, reverses=entry)


def test_idempotency_key_is_unique_per_koperasi(books, other_books):
    draft(books, idempotency_key="setor-1")
    draft(other_books, idempotency_key="setor-1")  # another koperasi may use the same key
    with pytest.raises(IntegrityError), transaction.atomic():
        draft(books, idempotency_key="setor-1")
