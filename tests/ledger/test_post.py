"""Posting entries: worked examples in Rupiah."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from core.models import AuditEvent
from ledger.models import JournalEntry, Posting
from ledger.selectors import balance, trial_balance
from ledger.services import LedgerError, Line, NewEntry, lock_books, post, post_many, reverse

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
    # A sub-ledger's entry (savings.*) is undone by its own void; the books' own are reversed.
    entry = post(
        koperasi=books,
        lines=[Line(acc.bank, debit=D("200000")), Line(acc.kas, credit=D("200000"))],
        kind="manual",
        memo="Setor kas ke bank keliru",
        actor=kasir,
    )
    undo = reverse(entry=entry, actor=kasir, memo="Salah input nominal")
    assert undo.reverses_id == entry.pk
    assert undo.number == "JU/2026/000002"
    assert balance(account=acc.kas) == 0
    assert balance(account=acc.bank) == 0
    with pytest.raises(LedgerError, match="sudah dibalik"):
        reverse(entry=entry, actor=kasir)


@pytest.mark.parametrize(
    ("debit", "credit", "message"),
    [
        (0.1, D("0.1"), "float"),
        (D("100.005"), D("100.005"), "dua angka desimal"),
        (D("-5000"), D("-5000"), "negatif"),
    ],
)
def test_bad_amounts_are_refused_in_indonesian_and_post_nothing(
    books, acc, kasir, debit, credit, message
):
    with pytest.raises(LedgerError, match=message):
        post(
            koperasi=books,
            lines=[Line(acc.kas, debit=debit), Line(acc.sukarela, credit=credit)],
            kind="savings.deposit",
            memo="Setoran",
            actor=kasir,
        )
    assert not JournalEntry.objects.exists()


def test_a_line_needs_exactly_one_side(books, acc, kasir):
    with pytest.raises(LedgerError, match="tepat satu sisi"):
        post(
            koperasi=books,
            lines=[
                Line(acc.kas, debit=D("1000"), credit=D("1000")),
                Line(acc.sukarela, credit=D("0")),
            ],
            kind="manual",
            memo="Uji",
            actor=kasir,
        )
    with pytest.raises(LedgerError, match="dua baris"):
        post(
            koperasi=books,
            lines=[Line(acc.kas, debit=D("1000"))],
            kind="manual",
            memo="Uji",
            actor=kasir,
        )


def test_another_koperasis_account_is_refused(books, other_books, acc, kasir):
    from ledger.selectors import account_for_role

    with pytest.raises(LedgerError, match="koperasi lain"):
        post(
            koperasi=books,
            lines=[
                Line(account_for_role(koperasi=other_books, role="kas"), debit=D("1000")),
                Line(acc.sukarela, credit=D("1000")),
            ],
            kind="savings.deposit",
            memo="Setoran",
            actor=kasir,
        )
    assert not Posting.objects.exists()


def test_post_many_is_all_or_nothing(books, acc, kasir):
    good = NewEntry(
        lines=[Line(acc.kas, debit=D("10000")), Line(acc.wajib, credit=D("10000"))],
        kind="savings.wajib",
        memo="Wajib",
    )
    bad = NewEntry(
        lines=[Line(acc.kas, debit=D("10000")), Line(acc.wajib, credit=D("1000"))],
        kind="savings.wajib",
        memo="Wajib salah ketik",
    )
    with pytest.raises(LedgerError, match="tidak seimbang"):
        post_many(koperasi=books, entries=[good, good, bad], actor=kasir)
    assert not JournalEntry.objects.exists()


def test_post_many_numbers_in_order_and_honours_keys(books, acc, kasir):
    first = post(
        koperasi=books,
        lines=[Line(acc.kas, debit=D("5000")), Line(acc.wajib, credit=D("5000"))],
        kind="savings.wajib",
        memo="Wajib Januari",
        actor=kasir,
        idempotency_key="wajib-jan",
    )

    def wajib(key: str, amount: str) -> NewEntry:
        return NewEntry(
            lines=[Line(acc.kas, debit=D(amount)), Line(acc.wajib, credit=D(amount))],
            kind="savings.wajib",
            memo=f"Wajib {key}",
            idempotency_key=key,
            value_date=dt.date(2026, 3, 1),
        )

    ids = post_many(
        koperasi=books,
        entries=[
            wajib("wajib-jan", "5000"),
            wajib("wajib-feb", "5000"),
            wajib("wajib-feb", "5000"),
            wajib("wajib-mar", "7500"),
        ],
        actor=kasir,
    )
    assert ids[0] == first.pk and ids[1] == ids[2] and len(set(ids)) == 3
    numbers = list(JournalEntry.objects.order_by("chain_index").values_list("number", flat=True))
    assert numbers == ["JU/2026/000001", "JU/2026/000002", "JU/2026/000003"]
    assert balance(account=acc.wajib) == D("-17500")
    assert AuditEvent.objects.filter(action="ledger.post_many").count() == 1


def test_reversal_of_a_reversal_is_allowed_and_a_repeat_key_returns_the_first(books, acc, kasir):
    entry = post(
        koperasi=books,
        lines=[Line(acc.kas, debit=D("1000")), Line(acc.bank, credit=D("1000"))],
        kind="manual",
        memo="Tarik dari bank",
        actor=kasir,
    )
    undo = reverse(entry=entry, actor=kasir, idempotency_key="batal-1")
    assert reverse(entry=entry, actor=kasir, idempotency_key="batal-1").pk == undo.pk
    redo = reverse(entry=undo, actor=kasir)
    assert redo.reverses_id == undo.pk
    assert balance(account=acc.kas) == D("1000")
    assert [p.amount for p in undo.postings.order_by("id")] == [D("-1000"), D("1000")]


def test_post_many_checks_accounts_against_the_database(books, other_books, acc, kasir):
    from ledger.selectors import account_for_role

    theirs = account_for_role(koperasi=other_books, role="kas")
    entry = NewEntry(
        lines=[Line(theirs, debit=D("1000")), Line(acc.sukarela, credit=D("1000"))],
        kind="savings.deposit",
        memo="Setoran",
    )
    with pytest.raises(LedgerError, match="koperasi lain"):
        post_many(koperasi=books, entries=[entry], actor=kasir)
    assert not JournalEntry.objects.exists()


def test_lock_books_finds_a_used_key_under_the_lock_and_posts_once(books, acc, kasir):
    """A caller that checks its own rules after the key (a double-tapped withdrawal): lock the
    books, see whether the key was used, then post; the books post one entry, then no more."""
    lines = [Line(acc.kas, debit=D("50000")), Line(acc.pinjaman, credit=D("50000"))]
    with transaction.atomic():
        held = lock_books(koperasi=books, idempotency_key="setor-7")
        assert held.keyed is None
        entry = held.post(lines=lines, kind="test.setor", memo="Setoran", actor=kasir)
        with pytest.raises(RuntimeError):
            held.post(lines=lines, kind="test.setor", memo="Setoran", actor=kasir)
    with transaction.atomic():
        again = lock_books(koperasi=books, idempotency_key="setor-7")
        assert again.keyed == entry
        with pytest.raises(RuntimeError):
            again.post(lines=lines, kind="test.setor", memo="Setoran", actor=kasir)
    assert JournalEntry.objects.filter(idempotency_key="setor-7").count() == 1
    assert balance(account=acc.kas) == D("50000.00")


def test_lock_books_needs_the_callers_transaction(transactional_db):
    # Outside a transaction the chain head's lock would end with the statement that took it.
    with pytest.raises(RuntimeError, match="inside a transaction"):
        lock_books(koperasi=None)  # type: ignore[arg-type]


def test_books_post_unaudited_leaves_the_record_to_the_caller(books, acc, kasir):
    with transaction.atomic():
        entry = lock_books(koperasi=books).post(
            lines=[Line(acc.kas, debit=D("1000")), Line(acc.pinjaman, credit=D("1000"))],
            kind="test.setor",
            memo="Setoran",
            actor=kasir,
            audited=False,
        )
    assert entry.status == JournalEntry.Status.POSTED
    assert not AuditEvent.objects.filter(action="ledger.post", object_id=str(entry.pk)).exists()


def test_a_value_date_after_the_business_date_is_refused(books, acc, kasir):
    """Business date 16 March 2026: nothing may be booked on the 17th, by any service."""
    lines = [Line(acc.kas, debit=D("50000")), Line(acc.sukarela, credit=D("50000"))]
    tomorrow = dt.date(2026, 3, 17)
    with pytest.raises(LedgerError, match="17 Maret 2026 belum tiba.*16 Maret 2026"):
        post(koperasi=books, lines=lines, kind="t", memo="", actor=kasir, value_date=tomorrow)
    with pytest.raises(LedgerError, match="belum tiba"):
        post_many(
            koperasi=books,
            entries=[NewEntry(lines=lines, kind="t"), NewEntry(lines, "t", value_date=tomorrow)],
            actor=kasir,
        )
    entry = post(koperasi=books, lines=lines, kind="t", memo="", actor=kasir)
    with pytest.raises(LedgerError, match="belum tiba"):
        reverse(entry=entry, actor=kasir, value_date=tomorrow)
    assert JournalEntry.objects.filter(koperasi=books).count() == 1


def test_the_business_date_is_read_again_when_the_object_in_hand_is_older(books, acc, kasir):
    """A close of business moved the date after this koperasi object was loaded."""
    type(books).objects.filter(pk=books.pk).update(business_date=dt.date(2026, 3, 17))
    entry = post(
        koperasi=books,  # still says 16 March
        lines=[Line(acc.kas, debit=D("50000")), Line(acc.sukarela, credit=D("50000"))],
        kind="t",
        memo="",
        actor=kasir,
        value_date=dt.date(2026, 3, 17),
    )
    assert entry.value_date == dt.date(2026, 3, 17)
