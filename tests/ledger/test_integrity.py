"""Tamper evidence and the outside check: the hash chain, and beancount reading our export."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from ledger.integrity import beancount_account, verify_chain
from ledger.models import JournalEntry, Posting
from ledger.selectors import trial_balance
from ledger.services import Line, period_close, post, reverse

D = Decimal


def _day_of_business(books, acc, kasir) -> list[JournalEntry]:
    """Three members deposit, one repays a loan, one deposit is reversed."""
    entries = [
        post(
            koperasi=books,
            lines=[Line(acc.kas, debit=D("150000")), Line(acc.sukarela, credit=D("150000"))],
            kind="manual",  # the books' own entry: a savings.* one is undone by its void
            memo="Setoran Ibu Maria",
            actor=kasir,
        ),
        post(
            koperasi=books,
            lines=[
                Line(acc.kas, debit=D("933333")),
                Line(acc.pinjaman, credit=D("833333")),
                Line(acc.jasa, credit=D("100000")),
            ],
            kind="loans.repayment",
            memo='Angsuran "ke-1" Bapak Yosef',
            actor=kasir,
        ),
        post(
            koperasi=books,
            lines=[Line(acc.kas, debit=D("75000.50")), Line(acc.sukarela, credit=D("75000.50"))],
            kind="savings.deposit",
            memo="Setoran Ibu Theresia",
            actor=kasir,
        ),
    ]
    entries.append(reverse(entry=entries[0], actor=kasir, memo="Salah nominal"))
    return entries


def _tamper(sql: str, params: list) -> None:
    """What someone with the database file could do: set the rule aside and change a row."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS ledger_posting_update")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE ledger_posting DISABLE TRIGGER ledger_posting_update")
        cursor.execute(sql, params)


def test_untouched_books_verify(books, acc, kasir):
    _day_of_business(books, acc, kasir)
    report = verify_chain(koperasi=books)
    assert report.ok and report.checked == 4
    call_command("ledger", "verify", "--koperasi", books.code)


def test_verify_counts_journals_in_english_one_and_many(books, acc, kasir):
    deposit = [Line(acc.kas, debit=D("150000")), Line(acc.sukarela, credit=D("150000"))]
    for count in (1, 2):
        post(koperasi=books, lines=deposit, kind="savings.deposit", memo="Setoran", actor=kasir)
        out = StringIO()
        with translation.override("en"):
            call_command("ledger", "verify", "--koperasi", books.code, stdout=out)
        noun = "journal" if count == 1 else "journals"
        assert f"OK {books.code}: {count} {noun}, hash chain intact." in out.getvalue()


def test_amount_changed_in_the_database_is_named_by_verify(books, acc, kasir, capsys):
    entries = _day_of_business(books, acc, kasir)
    victim = entries[1]
    cash_line = Posting.objects.get(entry=victim, account=acc.kas)
    # Rp933.333 becomes Rp93.333 on the cash line (and on the loan line, so it still balances).
    _tamper("UPDATE ledger_posting SET amount = amount - 84000000 WHERE id = %s", [cash_line.pk])
    _tamper(
        "UPDATE ledger_posting SET amount = amount + 84000000 "
        "WHERE entry_id = %s AND account_id = %s",
        [victim.pk, acc.pinjaman.pk],
    )

    report = verify_chain(koperasi=books)
    assert not report.ok
    assert report.entry is not None and report.entry.number == victim.number
    assert report.checked == 1
    with pytest.raises(CommandError, match=victim.number.replace("/", "/")):
        call_command("ledger", "verify", "--koperasi", books.code)


def test_entry_removed_from_the_middle_is_found(books, acc, kasir):
    entries = _day_of_business(books, acc, kasir)
    gone = entries[2]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER ledger_posting_delete")
            cursor.execute("DROP TRIGGER ledger_entry_delete")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE ledger_posting DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE ledger_journalentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM ledger_posting WHERE entry_id = %s", [gone.pk])
        cursor.execute("DELETE FROM ledger_journalentry WHERE id = %s", [gone.pk])
    report = verify_chain(koperasi=books)
    assert not report.ok
    assert report.entry is not None and report.entry.pk == entries[3].pk
    assert "hilang" in report.reason


def test_beancount_checks_the_export_and_agrees_to_the_rupiah(books, acc, kasir, tmp_path: Path):
    _day_of_business(books, acc, kasir)
    post(
        koperasi=books,
        lines=[Line(acc.beban_bunga, debit=D("12500")), Line(acc.kas, credit=D("12500"))],
        kind="savings.interest",
        memo="Bunga simpanan Februari",
        actor=kasir,
        value_date=dt.date(2026, 2, 27),
    )
    books.business_date = dt.date(2026, 3, 16)
    period_close(koperasi=books, year=2026, month=2, actor=kasir)
    out = tmp_path / "buku.beancount"

    call_command("ledger", "export-beancount", "--koperasi", books.code, "-o", str(out))

    entries, errors, options = loader.load_file(str(out))
    assert errors == []  # every entry balances, every account is open, every balance holds
    theirs: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                units = posting.units
                assert units is not None and units.currency == "IDR"
                assert isinstance(units.number, Decimal)
                theirs[posting.account] += units.number
    ours = {beancount_account(r.account): r.balance for r in trial_balance(koperasi=books)}
    assert {k: v for k, v in theirs.items() if v} == {k: v for k, v in ours.items() if v}
    assert ours[beancount_account(acc.kas)] == D("1008333.50") - D("12500")
    assert sum(theirs.values()) == 0


def test_beancount_account_names():
    from ledger.models import Account

    assert (
        beancount_account(Account(code="1.1.01", name="Kas", klass="aset")) == "Assets:1-1-01-Kas"
    )
    assert (
        beancount_account(Account(code="4.1.03", name="Provisi & Administrasi", klass="pendapatan"))
        == "Income:4-1-03-Provisi-Administrasi"
    )
