"""Issue 12, items 2 and 4: absurd amounts and reused keys, as the review found them.

Amounts: a deposit of Rp9.999.999.999.999.999 was booked and printed; two deposits of Rp50
kuadriliun pushed a balance past 2**63 sen (SQLite stored it as a float, PostgreSQL answered
500). Now Python refuses them with a message, and the database holds every money column to an
integer within ±Rp100 triliun even when Python is bypassed (raw SQL), on both engines.

Keys: a deposit's key reused for a withdrawal or another amount showed the first receipt.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from core import money as m
from ledger.models import JournalEntry
from savings import services
from savings.models import Account, Kind, Transaction
from tests.savings.books import assert_books_agree
from tests.savings.conftest import account

D = Decimal


@contextmanager
def refused() -> Iterator[None]:
    with pytest.raises(DatabaseError), transaction.atomic():
        yield


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# --- amounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["9.999.999.999.999.999", "9999999999999999", "50.000.000.000.000.000"]
)
def test_an_absurd_deposit_is_refused_with_the_most_that_can_be_stored(member, kasir, typed):
    sukarela = account(member, Kind.SUKARELA)
    entries = JournalEntry.objects.count()
    with pytest.raises(services.AmountError, match=r"terlalu besar: paling banyak Rp100\.000"):
        services.deposit(account=sukarela, amount=typed, actor=kasir)
    assert JournalEntry.objects.count() == entries
    assert account(member, Kind.SUKARELA).balance == D("500000")


def test_two_rp50_kuadriliun_deposits_cannot_overflow_a_balance(member, kasir):
    sukarela = account(member, Kind.SUKARELA)
    for key in ("besar-1", "besar-2"):
        with pytest.raises(services.AmountError, match="terlalu besar"):
            services.deposit(
                account=sukarela, amount=D("50000000000000000"), actor=kasir, idempotency_key=key
            )
    fresh = account(member, Kind.SUKARELA)
    assert fresh.balance == D("500000")
    assert isinstance(fresh.balance, Decimal)
    assert_books_agree(member.koperasi)


def test_deposits_that_would_carry_a_balance_past_the_bound_are_refused(member, kasir, pengurus):
    """Each deposit within the bound, their sum not: the second is refused in Python, by
    message, before the database would refuse the balance (a koperasi whose ceiling is the
    bound itself)."""
    services.limits_set(
        koperasi=member.koperasi,
        confirm_above=m.MAX_AMOUNT,
        approval_threshold=m.MAX_AMOUNT,
        ceiling=m.MAX_AMOUNT,
        actor=pengurus,
    )
    sukarela = account(member, Kind.SUKARELA)
    big = m.MAX_AMOUNT - D("1000000")
    services.deposit(account=sukarela, amount=big, actor=kasir, approved=True)
    with pytest.raises(services.AmountError, match="Saldo rekening akan melebihi"):
        services.deposit(account=account(member, Kind.SUKARELA), amount=D("2000000"), actor=kasir)
    assert account(member, Kind.SUKARELA).balance == big + D("500000")
    assert_books_agree(member.koperasi)


def test_money_refuses_to_store_past_the_bound():
    assert m.to_sen(m.MAX_AMOUNT) == m.MAX_SEN
    with pytest.raises(m.InvalidAmount, match="terlalu besar"):
        m.to_sen(m.MAX_AMOUNT + m.SEN)
    with pytest.raises(m.InvalidAmount, match="terlalu besar"):
        m.to_sen(-m.MAX_AMOUNT - m.SEN)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("savings_account", "balance"),
        ("savings_account", "prepaid"),
        ("savings_account", "term_interest"),
        ("savings_transaction", "amount"),
        ("savings_transaction", "cash"),
    ],
)
def test_the_database_refuses_an_out_of_range_amount(member, table, column):
    """Raw SQL, around Python: one sen past ±Rp100 triliun is refused on both engines."""
    row = Transaction.objects.filter(account__member=member).order_by("pk").first()
    assert row is not None
    pk = row.account_id if table == "savings_account" else row.pk
    for value in (m.MAX_SEN + 1, 2**62):
        with refused():
            sql(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


def test_the_database_refuses_an_out_of_range_posting(member):
    entry = JournalEntry.objects.filter(koperasi=member.koperasi).order_by("pk").first()
    assert entry is not None
    posting = entry.postings.order_by("pk").first()
    assert posting is not None
    with refused():
        sql(
            "INSERT INTO ledger_posting (koperasi_id, entry_id, account_id, amount, memo, "
            "value_date) VALUES (%s, %s, %s, %s, '', %s)",
            [posting.koperasi_id, entry.pk, posting.account_id, m.MAX_SEN + 1, entry.value_date],
        )


def test_a_real_never_lands_in_a_money_column(member):
    """SQLite stores a REAL in any column unless told not to: 1e19 (what an overflowing SUM
    became) is refused on both engines; 5.5 is refused on SQLite (PostgreSQL's bigint column
    holds integers only, by its type)."""
    pk = account(member, Kind.SUKARELA).pk
    with refused():
        sql("UPDATE savings_account SET balance = 1.0000000000127937e19 WHERE id = %s", [pk])
    if connection.vendor == "sqlite":
        with refused():
            sql("UPDATE savings_account SET balance = 5.5 WHERE id = %s", [pk])
        typeof = "typeof(balance)"
    else:
        typeof = "pg_typeof(balance)::text"
    # A whole number written as a REAL is converted by the column to an integer, and kept.
    sql("UPDATE savings_account SET balance = 50000001.0 WHERE id = %s", [pk])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {typeof} FROM savings_account WHERE id = %s", [pk])
        assert cursor.fetchone()[0] in ("integer", "bigint")
    assert account(member, Kind.SUKARELA).balance == D("500000.01")


# --- keys --------------------------------------------------------------------------------------


def test_a_deposit_key_reused_for_a_withdrawal_is_refused(member, kasir):
    sukarela = account(member, Kind.SUKARELA)
    services.deposit(account=sukarela, amount=D("1000"), actor=kasir, idempotency_key="k1")
    with pytest.raises(services.IdempotencyConflict, match="sudah dipakai untuk transaksi lain"):
        services.withdraw(
            account=account(member, Kind.SUKARELA),
            amount=D("1000"),
            actor=kasir,
            idempotency_key="k1",
        )
    assert account(member, Kind.SUKARELA).balance == D("501000")


def test_a_key_reused_for_another_amount_is_refused(member, kasir):
    sukarela = account(member, Kind.SUKARELA)
    first = services.deposit(account=sukarela, amount=D("1000"), actor=kasir, idempotency_key="k2")
    with pytest.raises(services.IdempotencyConflict, match=r"setoran Rp1\.000"):
        services.deposit(account=sukarela, amount=D("9000"), actor=kasir, idempotency_key="k2")
    again = services.deposit(account=sukarela, amount=D("1000"), actor=kasir, idempotency_key="k2")
    assert again.pk == first.pk
    assert account(member, Kind.SUKARELA).balance == D("501000")


def test_a_transfer_key_reused_for_another_amount_is_refused(member, kasir):
    sukarela, wajib = account(member, Kind.SUKARELA), account(member, Kind.WAJIB)
    services.transfer(
        source=sukarela, target=wajib, amount=D("50000"), actor=kasir, idempotency_key="t1"
    )
    with pytest.raises(services.IdempotencyConflict):
        services.transfer(
            source=sukarela, target=wajib, amount=D("60000"), actor=kasir, idempotency_key="t1"
        )
    assert account(member, Kind.SUKARELA).balance == D("450000")


def test_the_counter_page_gives_a_fresh_form_after_a_reused_key(client, member, kasir):
    koperasi = member.koperasi
    services.cashier_open(koperasi=koperasi, kasir=kasir, count=D("1000000"), actor=kasir)
    client.force_login(kasir)
    sukarela = account(member, Kind.SUKARELA)
    url = reverse(
        "savings:deposit", kwargs={"kode": koperasi.code, "savings_account_id": sukarela.pk}
    )
    first = client.post(url, {"amount": "1.000", "memo": "", "idempotency_key": "page-1"})
    assert first.status_code == 302
    again = client.post(url, {"amount": "9.000", "memo": "", "idempotency_key": "page-1"})
    assert again.status_code == 400
    page = again.content.decode()
    assert "sudah dipakai untuk transaksi lain" in page
    assert 'value="page-1"' not in page
    assert Account.objects.get(pk=sukarela.pk).balance == D("501000")
