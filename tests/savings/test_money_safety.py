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


def _refused_by(constraint: str) -> Any:
    """Refused by the named money CHECK (both engines name it in the message)."""
    return pytest.raises(DatabaseError, match=constraint)


def _copy(table: str, pk: int, values: dict[str, Any]) -> None:
    """Raw SQL: INSERT a copy of row ``pk`` of ``table`` with ``values`` in place of its own."""
    with connection.cursor() as cursor:
        columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, table)
            if c.name != "id"
        ]
    chosen = ", ".join("%s" if c in values else c for c in columns)
    sql(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {chosen} FROM {table} WHERE id = %s",
        [values[c] for c in columns if c in values] + [pk],
    )


def _out_of_range(
    table: str,
    column: str,
    pk: int,
    constraint: str,
    insert: dict[str, Any] | None = None,
    first: str = "",
    real: float = 5.5,
) -> None:
    """One sen past ±Rp100 triliun, and 2**62, refused by ``constraint`` (or by ``first``, a
    rule of the table's that already implies it); by UPDATE of row ``pk``, or (a table whose
    rows are never updated) by INSERT of a copy with ``insert``."""

    def write(value: Any) -> None:
        if insert is None:
            sql(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])
        else:
            _copy(table, pk, {**insert, column: value})

    for value in (m.MAX_SEN + 1, 2**62):
        with _refused_by(f"{constraint}|{first}" if first else constraint), transaction.atomic():
            write(value)
    # (Below the bound: refused by this CHECK, or first by the column's own sign rule.)
    with pytest.raises(DatabaseError), transaction.atomic():
        write(-(m.MAX_SEN + 1))
    if connection.vendor == "sqlite":  # a REAL is refused too (PostgreSQL's bigint holds none)
        with _refused_by(constraint), transaction.atomic():
            write(real)
    if first:
        return
    # The bound itself is stored.
    with transaction.atomic():
        write(m.MAX_SEN)
        transaction.set_rollback(True)


def test_the_database_refuses_an_out_of_range_void_request(member, kasir):
    from savings.models import VoidRequest

    tx = Transaction.objects.filter(account__member=member).order_by("pk").first()
    assert tx is not None
    request = VoidRequest.objects.create(
        koperasi=member.koperasi,
        entry_id=tx.entry_id,
        transaction=tx,
        amount=tx.amount,
        reason="Salah nominal",
        requested_by=kasir,
    )
    _out_of_range("savings_voidrequest", "amount", request.pk, "savings_void_amount_money")


@pytest.mark.parametrize("column", ["withheld", "amount"])
def test_the_database_refuses_an_out_of_range_tax_deposit(member, pengurus, column):
    import datetime as dt

    from savings.models import TaxDeposit

    entry = JournalEntry.objects.filter(koperasi=member.koperasi).order_by("pk").first()
    assert entry is not None
    deposit = TaxDeposit.objects.create(
        koperasi=member.koperasi,
        period=dt.date(2026, 1, 1),
        withheld=D("43315.07"),
        amount=D("43315"),
        ntpn="0A1B2C3D4E5F6G7H",
        paid_on=dt.date(2026, 2, 10),
        via="kas",
        entry=entry,
        actor=pengurus,
    )
    # A deposit is never updated (a trigger refuses it): the out-of-range row is a new one.
    _out_of_range(
        "savings_taxdeposit",
        column,
        deposit.pk,
        f"savings_tax_deposit_{column}_money",
        insert={"period": dt.date(2026, 2, 1), "ntpn": "1111222233334444"},
    )


@pytest.mark.parametrize(
    "column",
    [
        "min_amount",
        "max_amount",
        "provisi_amount",
        "admin_amount",
        "denda_amount",
        "saving_amount",
    ],
)
def test_the_database_refuses_an_out_of_range_loan_product_term(member, pengurus, column):
    from loans.models import LoanProductTerms
    from savings.models import Product
    from tests.factories import loan_product

    product = loan_product(member.koperasi, pengurus)
    terms = LoanProductTerms.objects.filter(product=product).order_by("pk").first()
    assert terms is not None
    if column.removesuffix("_amount") in ("provisi", "admin", "denda", "saving"):
        # A fixed charge (a percent one holds its amount at 0 by its own rule).
        charge = column.removesuffix("_amount")
        saving = Product.objects.filter(koperasi=member.koperasi).order_by("pk").first()
        assert saving is not None
        sql(
            f"UPDATE loans_loanproductterms SET {charge}_kind = 'tetap', {charge}_bp = 0, "
            f"{column} = 100000, saving_product_id = %s WHERE id = %s",
            [saving.pk if charge == "saving" else terms.saving_product_id, terms.pk],
        )
    # The least loan is at most the largest (loans_terms_amount_range), itself held below the
    # bound: past it, either rule may speak first; a REAL (SQLite) is this column's own CHECK.
    first = "loans_terms_amount_range" if column == "min_amount" else ""
    real = 1e12 + 0.5 if column == "max_amount" else 5.5  # (above the least loan)
    _out_of_range(
        "loans_loanproductterms",
        column,
        terms.pk,
        f"loans_terms_{column}_money",
        first=first,
        real=real,
    )


def test_the_database_refuses_a_month_total_out_of_range(member, kasir):
    """The month totals (``ledger_accountperiodbalance``) are written by the posting trigger
    only; postings each within the bound whose month's sum is not are refused when the entry
    posts (the trigger's write hits the CHECK), on both engines, and nothing is posted."""
    from ledger.models import AccountPeriodBalance, EntryStatus, Posting
    from ledger.selectors import account_for_role
    from tests.ledger.test_db_rules import draft

    koperasi = member.koperasi
    kas = account_for_role(koperasi=koperasi, role="kas")
    other = Account.objects.filter(member=member).order_by("pk").first()
    assert other is not None
    control = other.product.ledger_account
    day = koperasi.business_date
    entries = []
    for _n in range(2):
        entry = draft(koperasi, value_date=day)
        for gl, amount in ((kas, m.MAX_AMOUNT), (control, -m.MAX_AMOUNT)):
            Posting.objects.create(
                koperasi=koperasi, entry=entry, account=gl, amount=amount, value_date=day
            )
        entries.append(entry)
    before = dict(
        AccountPeriodBalance.objects.filter(koperasi=koperasi).values_list("account_id", "amount")
    )
    with _refused_by("ledger_apb_amount_money"), transaction.atomic():
        JournalEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
            status=EntryStatus.POSTED
        )
    after = dict(
        AccountPeriodBalance.objects.filter(koperasi=koperasi).values_list("account_id", "amount")
    )
    assert after == before
    assert not JournalEntry.objects.filter(
        pk__in=[e.pk for e in entries], status=EntryStatus.POSTED
    ).exists()


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
