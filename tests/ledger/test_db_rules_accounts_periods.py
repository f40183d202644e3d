"""Accounts, role mappings, periods, closing balances and the chain head, tampered with by raw
SQL on SQLite and on PostgreSQL: the database refuses, or ``kopdig ledger verify`` names it.

Each case was found open: an account with postings moved to another koperasi or changed in
class, a role mapped to another koperasi's account, a closed period reopened by UPDATE, a
closing balance inserted, the chain head edited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from core.models import AuditEvent
from ledger.integrity import verify_chain_head, verify_period_balances
from ledger.models import Account, Period, PeriodBalance
from ledger.selectors import account_for_role, balance
from ledger.services import LedgerError, Line, period_close, period_reopen, post

D = Decimal
FEB_20 = dt.date(2026, 2, 20)


@contextmanager
def refused(match: str) -> Iterator[None]:
    """The statement fails in the database; a savepoint keeps the test's transaction usable."""
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        yield


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def deposit(books: Any, acc: Any, kasir: Any, amount: str = "500000", **extra: Any) -> None:
    post(
        koperasi=books,
        lines=[Line(acc.kas, debit=D(amount)), Line(acc.sukarela, credit=D(amount))],
        kind="savings.deposit",
        memo="Setoran Ibu Maria",
        actor=kasir,
        **extra,
    )


def closed_february(books: Any, acc: Any, kasir: Any, pengurus: Any) -> Period:
    deposit(books, acc, kasir, value_date=FEB_20)
    return period_close(koperasi=books, year=2026, month=2, actor=pengurus)


def verify_fails(books: Any, *expected: str) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("ledger", "verify", "--koperasi", books.code)
    text = str(failure.value)
    for words in expected:
        assert words in text
    return text


# --- accounts -------------------------------------------------------------------------------


def test_account_with_postings_cannot_move_to_another_koperasi(books, other_books, acc, kasir):
    deposit(books, acc, kasir)
    with refused("koperasi lain"):
        sql(
            "UPDATE ledger_account SET koperasi_id = %s WHERE id = %s",
            [other_books.pk, acc.sukarela.pk],
        )
    # Nor one without postings: its roles, parent and closing balances name its koperasi.
    with refused("koperasi lain"):
        sql(
            "UPDATE ledger_account SET koperasi_id = %s WHERE id = %s",
            [other_books.pk, acc.denda.pk],
        )
    assert Account.objects.get(pk=acc.sukarela.pk).koperasi_id == books.pk
    assert balance(account=acc.sukarela) == D("-500000")


def test_account_class_and_side_are_fixed_once_it_has_postings(books, acc, kasir):
    # Before any posting the chart can still be put right.
    sql("UPDATE ledger_account SET klass = 'ekuitas' WHERE id = %s", [acc.sukarela.pk])
    sql("UPDATE ledger_account SET klass = 'liabilitas' WHERE id = %s", [acc.sukarela.pk])
    deposit(books, acc, kasir)
    with refused("tidak dapat diubah setelah akun dipakai"):
        sql("UPDATE ledger_account SET klass = 'pendapatan' WHERE id = %s", [acc.sukarela.pk])
    with refused("tidak dapat diubah setelah akun dipakai"):
        sql("UPDATE ledger_account SET normal_side = 'debit' WHERE id = %s", [acc.sukarela.pk])
    with refused("tidak dapat diubah setelah akun dipakai"):
        sql("UPDATE ledger_account SET is_group = %s WHERE id = %s", [True, acc.kas.pk])
    # Its name is not part of the books' meaning.
    sql(
        "UPDATE ledger_account SET name = 'Simpanan Sukarela Umum' WHERE id = %s",
        [acc.sukarela.pk],
    )
    stored = Account.objects.get(pk=acc.sukarela.pk)
    assert (stored.klass, stored.normal_side, stored.name) == (
        "liabilitas",
        "kredit",
        "Simpanan Sukarela Umum",
    )


# --- role mappings --------------------------------------------------------------------------


def test_role_cannot_point_at_another_koperasis_account(books, other_books, acc):
    theirs = account_for_role(koperasi=other_books, role="kas")
    with refused("koperasi yang sama"):
        sql(
            "UPDATE ledger_rolemapping SET account_id = %s WHERE koperasi_id = %s AND role = 'kas'",
            [theirs.pk, books.pk],
        )
    with refused("koperasi yang sama"):
        sql(
            "INSERT INTO ledger_rolemapping (koperasi_id, role, account_id) VALUES (%s, %s, %s)",
            [books.pk, "simpanan_sukarela:SIBUHAR", theirs.pk],
        )
    assert account_for_role(koperasi=books, role="kas") == acc.kas
    # Its own account is fine.
    sql(
        "INSERT INTO ledger_rolemapping (koperasi_id, role, account_id) VALUES (%s, %s, %s)",
        [books.pk, "simpanan_sukarela:SIBUHAR", acc.bank.pk],
    )


# --- periods --------------------------------------------------------------------------------


def test_closed_period_cannot_be_reopened_by_update(books, acc, kasir, pengurus):
    closed_february(books, acc, kasir, pengurus)
    with refused("jejak audit"):
        sql("UPDATE ledger_period SET status = 'open' WHERE koperasi_id = %s", [books.pk])
    with refused("hanya berubah melalui penutupan"):  # nor end earlier to free its last days
        sql(
            "UPDATE ledger_period SET end_date = %s WHERE koperasi_id = %s",
            [dt.date(2026, 2, 10), books.pk],
        )
    with refused("tidak dapat dihapus"):
        sql("DELETE FROM ledger_period WHERE koperasi_id = %s", [books.pk])
    # Still closed: February takes no posting.
    with pytest.raises(LedgerError, match="ditutup"):
        deposit(books, acc, kasir, value_date=FEB_20)


def test_period_cannot_be_closed_by_insert_or_update(books, acc, kasir):
    with refused("harus berstatus terbuka"):
        sql(
            "INSERT INTO ledger_period (koperasi_id, year, month, start_date, end_date, status, "
            "reopen_reason) VALUES (%s, 2026, 1, %s, %s, 'closed', '')",
            [books.pk, dt.date(2026, 1, 1), dt.date(2026, 1, 31)],
        )
    sql(
        "INSERT INTO ledger_period (koperasi_id, year, month, start_date, end_date, status, "
        "reopen_reason) VALUES (%s, 2026, 1, %s, %s, 'open', '')",
        [books.pk, dt.date(2026, 1, 1), dt.date(2026, 1, 31)],
    )
    with refused("jejak audit"):
        sql("UPDATE ledger_period SET status = 'closed' WHERE koperasi_id = %s", [books.pk])
    deposit(books, acc, kasir, value_date=dt.date(2026, 1, 15))  # January is still open


def test_close_and_reopen_go_through_their_audited_path(books, acc, kasir, pengurus, pengawas):
    feb = closed_february(books, acc, kasir, pengurus)
    period_reopen(period=feb, actor=pengawas, reason="Setoran terlewat")
    deposit(books, acc, kasir, "25000", value_date=FEB_20)
    period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    actions = list(
        AuditEvent.objects.filter(object_type="ledger.Period", object_id=str(feb.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["ledger.period_close", "ledger.period_reopen", "ledger.period_close"]
    assert PeriodBalance.objects.get(period=feb, account=acc.kas).balance == D("525000")
    assert verify_period_balances(koperasi=books) == []


def test_a_reopening_by_hand_leaves_its_audit_event_for_good(books, acc, kasir, pengurus):
    """What the rule guarantees: no status change without an event in the append-only trail.
    Someone with the application's database rights can write that event too, and then it stays."""
    feb = closed_february(books, acc, kasir, pengurus)
    sql(
        "INSERT INTO core_auditevent (at, koperasi_id, action, object_type, object_id, "
        "object_repr, note) VALUES (%s, %s, 'ledger.period_reopen', 'ledger.Period', %s, "
        "'2026-02', 'diam-diam')",
        [dt.datetime(2026, 3, 16, tzinfo=dt.UTC), books.pk, str(feb.pk)],
    )
    sql("UPDATE ledger_period SET status = 'open' WHERE id = %s", [feb.pk])
    with refused("tidak dapat diubah atau dihapus"):
        sql("DELETE FROM core_auditevent WHERE note = 'diam-diam'")
    assert AuditEvent.objects.filter(note="diam-diam").exists()
    # The hand-made reopening left February's closing balances behind: verify names them.
    verify_fails(books, "Periode 02/2026 terbuka, tetapi menyimpan 2 saldo penutupan.")


# --- closing balances -----------------------------------------------------------------------


def test_closing_balance_cannot_be_inserted_edited_or_deleted(books, acc, kasir, pengurus):
    feb = closed_february(books, acc, kasir, pengurus)
    with refused("hanya dicatat oleh penutupan"):
        sql(
            "INSERT INTO ledger_periodbalance (koperasi_id, period_id, account_id, balance) "
            "VALUES (%s, %s, %s, %s)",
            [books.pk, feb.pk, acc.bank.pk, 100000000],
        )
    with refused("tidak dapat diubah"):
        sql(
            "UPDATE ledger_periodbalance SET balance = balance + 100000000 WHERE period_id = %s",
            [feb.pk],
        )
    with refused("tidak dapat dihapus"):
        sql("DELETE FROM ledger_periodbalance WHERE period_id = %s", [feb.pk])
    assert balance(account=acc.kas, as_of=dt.date(2026, 2, 28)) == D("500000")
    assert verify_period_balances(koperasi=books) == []


def test_closing_balance_of_another_koperasis_account_is_refused(books, other_books):
    sql(
        "INSERT INTO ledger_period (koperasi_id, year, month, start_date, end_date, status, "
        "reopen_reason) VALUES (%s, 2026, 1, %s, %s, 'open', '')",
        [books.pk, dt.date(2026, 1, 1), dt.date(2026, 1, 31)],
    )
    january = Period.objects.get(koperasi=books, year=2026, month=1)
    theirs = account_for_role(koperasi=other_books, role="kas")
    with refused("hanya dicatat oleh penutupan"):
        sql(
            "INSERT INTO ledger_periodbalance (koperasi_id, period_id, account_id, balance) "
            "VALUES (%s, %s, %s, %s)",
            [books.pk, january.pk, theirs.pk, 100],
        )


def _set_rules_aside(table: str) -> None:
    """What someone with the database file or the owner's rights could do."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{event}")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")


def test_verify_names_each_closing_balance_that_differs_from_the_postings(
    books, acc, kasir, pengurus
):
    feb = closed_february(books, acc, kasir, pengurus)
    call_command("ledger", "verify", "--koperasi", books.code)
    _set_rules_aside("ledger_periodbalance")
    sql(
        "UPDATE ledger_periodbalance SET balance = balance + 100000000 "
        "WHERE period_id = %s AND account_id = %s",
        [feb.pk, acc.kas.pk],
    )
    sql(
        "INSERT INTO ledger_periodbalance (koperasi_id, period_id, account_id, balance) "
        "VALUES (%s, %s, %s, %s)",
        [books.pk, feb.pk, acc.bank.pk, 5000050],
    )
    problems = verify_period_balances(koperasi=books)
    assert problems == [
        f"Saldo penutupan 02/2026 akun {acc.kas.code} tercatat Rp1.500.000,00, "
        "menurut posting Rp500.000,00 (selisih Rp1.000.000,00).",
        f"Saldo penutupan 02/2026 akun {acc.bank.code} tercatat Rp50.000,50, "
        "menurut posting Rp0,00 (selisih Rp50.000,50).",
    ]
    text = verify_fails(books, *problems)
    assert text.count(f"RUSAK {books.code}:") == 2


# --- the chain head -------------------------------------------------------------------------


def test_verify_names_an_edited_chain_head(books, acc, kasir):
    deposit(books, acc, kasir)
    deposit(books, acc, kasir, "25000")
    assert verify_chain_head(koperasi=books) == []
    sql("UPDATE ledger_chainhead SET last_index = 1 WHERE koperasi_id = %s", [books.pk])
    verify_fails(books, "Ujung rantai mencatat jurnal ke-1, tetapi jurnal terakhir ke-2")
    sql(
        "UPDATE ledger_chainhead SET last_index = 2, last_hash = %s WHERE koperasi_id = %s",
        ["0" * 64, books.pk],
    )
    verify_fails(books, "Hash di ujung rantai (000000000000) tidak sama")


def test_verify_names_a_last_entry_deleted_behind_the_heads_back(books, acc, kasir):
    deposit(books, acc, kasir)
    deposit(books, acc, kasir, "25000")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER ledger_posting_delete")
            cursor.execute("DROP TRIGGER ledger_entry_delete")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE ledger_posting DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE ledger_journalentry DISABLE TRIGGER USER")
        cursor.execute(
            "DELETE FROM ledger_posting WHERE entry_id IN (SELECT id FROM ledger_journalentry "
            "WHERE koperasi_id = %s AND chain_index = 2)",
            [books.pk],
        )
        cursor.execute(
            "DELETE FROM ledger_journalentry WHERE koperasi_id = %s AND chain_index = 2",
            [books.pk],
        )
    verify_fails(books, "jurnal terakhir hilang", "Hash di ujung rantai")
