"""A void racing a withdrawal on the same account (PostgreSQL: real locks, real threads).

Rina has Rp500.000 in sukarela (minimum Rp10.000) and deposits Rp300.000 by mistake: Rp800.000.
The void wants the Rp300.000 back while she withdraws Rp700.000. Whichever takes the account
first wins; the other, reading the balance the first left, is refused. Nothing is lost, the
account never goes below its minimum, and the books agree with the accounts to the sen.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from ledger import services as ledger
from members.models import Member
from registry.models import Region
from registry.regions import load_regions
from savings import services
from savings.models import Kind, Transaction, VoidRequest
from tests.factories import KoperasiFactory, UserFactory, grant
from tests.savings.books import assert_books_agree, member_fields
from tests.savings.conftest import account, make_products
from tests.threads import at_once, held_by_another

pytestmark = pytest.mark.postgres
D = Decimal


@pytest.fixture
def rina(transactional_db: Any) -> tuple[Member, Any, Any, Transaction]:
    if not Region.objects.exists():
        load_regions(Region)
    koperasi = KoperasiFactory.create(business_date=dt.date(2025, 1, 15))
    kasir = UserFactory.create(username="kasir-void-pg")
    grant(kasir, "kasir", koperasi)
    pengurus = UserFactory.create(username="pengurus-void-pg")
    grant(pengurus, "pengurus", koperasi)
    ledger.chart_setup(koperasi=koperasi, actor=kasir)
    make_products(koperasi, kasir)
    member = services.member_join(
        koperasi=koperasi, actor=kasir, sukarela_paid=D("500000"), **member_fields("Rina", 1)
    ).member
    mistake = services.deposit(
        account=account(member, Kind.SUKARELA), amount=D("300000"), actor=kasir, via="bank"
    )
    return member, kasir, pengurus, mistake


def _void(tx: Transaction, pengurus: Any) -> Any:
    return services.transaction_void(transaction=tx, actor=pengurus, reason="Salah setor")


def _withdraw(member: Member, kasir: Any) -> Any:
    return services.withdraw(
        account=account(member, Kind.SUKARELA), amount=D("700000"), actor=kasir, via="bank"
    )


def _after(member: Member) -> Decimal:
    balance = account(member, Kind.SUKARELA).balance
    assert balance >= D("10000")
    assert_books_agree(member.koperasi)
    return balance


def test_a_void_racing_a_withdrawal_lets_one_win(rina: Any) -> None:
    member, kasir, pengurus, mistake = rina
    voided, withdrawn = at_once(
        [lambda: _void(mistake, pengurus), lambda: _withdraw(member, kasir)]
    )
    won = [r for r in (voided, withdrawn) if not isinstance(r, Exception)]
    refused = [r for r in (voided, withdrawn) if isinstance(r, services.BelowMinimum)]
    assert (len(won), len(refused)) == (1, 1), (voided, withdrawn)
    balance = _after(member)
    if isinstance(voided, VoidRequest):
        assert balance == D("500000")
    else:
        assert balance == D("100000")
        assert not VoidRequest.objects.filter(status="dibatalkan").exists()


def test_a_void_waiting_for_a_withdrawal_in_flight_is_refused(rina: Any) -> None:
    member, kasir, pengurus, mistake = rina
    result: dict[str, Any] = {}

    def void_now() -> None:
        try:
            result["void"] = _void(mistake, pengurus)
        except Exception as exc:
            result["void"] = exc
        finally:
            connection.close()

    with held_by_another(lambda: _withdraw(member, kasir)):  # holds Rina's account
        waiting = threading.Thread(target=void_now)
        waiting.start()
    waiting.join()
    assert isinstance(result["void"], services.BelowMinimum), result
    assert _after(member) == D("100000")


def test_a_withdrawal_waiting_for_a_void_in_flight_sees_the_balance_it_left(rina: Any) -> None:
    member, kasir, pengurus, mistake = rina
    result: dict[str, Any] = {}

    def withdraw_now() -> None:
        try:
            result["withdraw"] = _withdraw(member, kasir)
        except Exception as exc:
            result["withdraw"] = exc
        finally:
            connection.close()

    with held_by_another(lambda: _void(mistake, pengurus)):
        waiting = threading.Thread(target=withdraw_now)
        waiting.start()
    waiting.join()
    assert isinstance(result["withdraw"], services.BelowMinimum), result
    assert _after(member) == D("500000")
    assert Transaction.objects.filter(voids=mistake).count() == 1
