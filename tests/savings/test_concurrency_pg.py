"""Kasir racing kasir, and a kasir racing the month end (PostgreSQL: real locks, real threads)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction

from ledger import services as ledger
from members.models import Member
from registry.models import Region
from registry.regions import load_regions
from savings import services
from savings.models import Account, Kind, Transaction
from savings.services._common import lock_account
from tests.factories import KoperasiFactory, UserFactory, grant
from tests.savings.books import assert_books_agree, member_fields
from tests.savings.conftest import account, make_products
from tests.threads import at_once, held_by_another

pytestmark = pytest.mark.postgres
D = Decimal


@pytest.fixture
def rina(transactional_db: Any) -> tuple[Member, Any]:
    # A transactional test empties every table afterwards, the regions loaded by a data
    # migration included: put them back for the koperasi factory.
    if not Region.objects.exists():
        load_regions(Region)
    koperasi = KoperasiFactory.create(business_date=dt.date(2025, 1, 15))
    kasir = UserFactory.create(username="kasir-pg")
    grant(kasir, "kasir", koperasi)
    ledger.chart_setup(koperasi=koperasi, actor=kasir)
    make_products(koperasi, kasir)
    member = services.member_join(
        koperasi=koperasi,
        actor=kasir,
        sukarela_paid=D("500000"),
        **member_fields("Rina Jehamat", 1),
    ).member
    return member, kasir


def test_racing_withdrawals_never_go_below_the_minimum(rina: tuple[Member, Any]) -> None:
    member, kasir = rina
    sukarela = account(member, Kind.SUKARELA)  # Rp500.000, minimum Rp10.000

    def take(amount: str) -> Callable[[], Any]:
        return lambda: services.withdraw(account=sukarela, amount=D(amount), actor=kasir)

    results = at_once([take("400000"), take("400000"), take("90000"), take("90000")])
    done = [r for r in results if isinstance(r, Transaction)]
    refused = [r for r in results if isinstance(r, services.BelowMinimum)]
    assert len(done) + len(refused) == 4, results
    balance = account(member, Kind.SUKARELA).balance
    assert balance >= D("10000")
    assert balance == D("500000") + sum((t.amount for t in done), D(0))
    assert_books_agree(member.koperasi)


def test_a_double_tap_racing_itself_posts_once(rina: tuple[Member, Any]) -> None:
    member, kasir = rina
    sukarela = account(member, Kind.SUKARELA)

    def tap() -> Any:
        return services.deposit(
            account=sukarela, amount=D("25000"), actor=kasir, idempotency_key="tap-tap"
        )

    results = at_once([tap, tap, tap])
    assert all(isinstance(r, Transaction) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert account(member, Kind.SUKARELA).balance == D("525000")


def test_deposit_racing_month_end_loses_nothing(rina: tuple[Member, Any]) -> None:
    member, kasir = rina
    koperasi = member.koperasi
    koperasi.business_date = dt.date(2025, 1, 31)
    koperasi.save(update_fields=["business_date"])
    sukarela = account(member, Kind.SUKARELA)

    results = at_once(
        [
            lambda: services.deposit(account=sukarela, amount=D("100000"), actor=kasir),
            lambda: services.month_end(koperasi=koperasi, on=dt.date(2025, 1, 31), actor=kasir),
        ]
    )
    assert not any(isinstance(r, Exception) for r in results), results
    final = Account.objects.get(pk=sukarela.pk)
    interest = Transaction.objects.get(account=sukarela, kind="bunga").amount
    assert interest > 0
    assert final.balance == D("500000") + D("100000") + interest
    assert_books_agree(koperasi)


def test_the_counters_account_lock_holds_no_other_row(rina: tuple[Member, Any]) -> None:
    """While a deposit holds Rina's account, the koperasi (its business date), the product and
    Rina herself stay free for others: the lock takes the account row alone."""
    member, _kasir = rina
    sukarela = account(member, Kind.SUKARELA)
    with held_by_another(lambda: lock_account(sukarela)):
        with transaction.atomic(), connection.cursor() as cursor:
            for table, pk in (
                ("registry_koperasi", member.koperasi_id),
                ("savings_product", sukarela.product_id),
                ("members_member", member.pk),
            ):
                cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
            with pytest.raises(OperationalError):  # the account itself is held
                cursor.execute(
                    "SELECT id FROM savings_account WHERE id = %s FOR UPDATE NOWAIT", [sukarela.pk]
                )


def test_closing_the_kasir_session_waits_for_a_deposit_and_refuses_the_next(
    rina: tuple[Member, Any],
) -> None:
    """A deposit in flight holds the kasir's session: the close waits for it and counts it.
    A deposit that comes while the close holds the session waits, then is refused."""
    member, kasir = rina
    sukarela = account(member, Kind.SUKARELA)
    session = services.cashier_open(
        koperasi=member.koperasi, kasir=kasir, count=D("1000000"), actor=kasir
    )
    # The deposit's first write step, in flight: the close would have to wait.
    with held_by_another(lambda: lock_account(sukarela, session=session)):
        with transaction.atomic(), connection.cursor() as cursor:
            with pytest.raises(OperationalError):
                cursor.execute(
                    "SELECT id FROM savings_cashiersession WHERE id = %s FOR UPDATE NOWAIT",
                    [session.pk],
                )

    closing, closed = threading.Event(), threading.Event()

    def close() -> None:
        try:
            with transaction.atomic():
                services.cashier_close(session=session, count=D("1000000"), actor=kasir)
                closing.set()
                closed.wait(10)  # the close has not committed yet
        finally:
            connection.close()

    def late_deposit() -> Any:
        assert closing.wait(10)
        threading.Timer(0.3, closed.set).start()  # the close commits while this one waits
        return services.deposit(account=sukarela, amount=D("50000"), actor=kasir, session=session)

    closer = threading.Thread(target=close)
    closer.start()
    (result,) = at_once([late_deposit])
    closer.join()
    assert isinstance(result, services.SavingsError)
    assert "Sesi kasir sudah ditutup" in str(result)
    assert account(member, Kind.SUKARELA).balance == D("500000")
    assert_books_agree(member.koperasi)
