"""The sub-ledger registry, with a made-up sub-ledger ("toko.*") so the ledger is tested on its
own: its entries are not reversed by the books, its control account takes no manual journal,
and its reconciliation shows in verify and on the neraca saldo."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse as url_for

from ledger import subledgers
from ledger.integrity import verify_subledgers
from ledger.models import Account
from ledger.selectors import account_for_role, balance
from ledger.services import LedgerError, Line, post, reverse
from registry.models import Koperasi

D = Decimal


class Shop:
    """A toy sub-ledger: what its members owe is ``owed``; its control account is the bank."""

    def __init__(self) -> None:
        self.owed = D("0")

    def control(self, koperasi: Koperasi) -> Account:
        return account_for_role(koperasi=koperasi, role="bank")

    def register(self) -> subledgers.SubLedger:
        def reconcile(koperasi: Koperasi) -> list[subledgers.ControlCheck]:
            account = self.control(koperasi)
            return [
                subledgers.ControlCheck(
                    subledger="toko",
                    account=account,
                    label="piutang toko",
                    subledger_total=self.owed,
                    ledger_balance=subledgers.normal_side_balance(
                        account, balance(account=account)
                    ),
                )
            ]

        shop = subledgers.SubLedger(
            name="toko",
            label=lambda: "toko anggota",
            kind_prefixes=("toko.",),
            undo_page=lambda: "halaman Toko",
            control_accounts=lambda k: {self.control(k).pk: "halaman Toko"},
            reconcile=reconcile,
        )
        subledgers.register(shop)
        return shop


@pytest.fixture
def shop(books: Koperasi) -> Iterator[Shop]:
    toy = Shop()
    toy.register()
    yield toy
    subledgers._REGISTRY.pop("toko", None)


def _sale(books: Koperasi, acc: Any, shop: Shop, amount: str) -> Any:
    shop.owed += D(amount)
    return post(
        koperasi=books,
        lines=[Line(acc.bank, debit=D(amount)), Line(acc.pendapatan_lain, credit=D(amount))],
        kind="toko.penjualan",
        memo="Penjualan",
        actor=None,
    )


def test_an_entry_of_a_sub_ledger_is_not_reversed_by_the_books(books, acc, shop, kasir):
    entry = _sale(books, acc, shop, "75000")
    with pytest.raises(LedgerError, match="Batalkan lewat halaman Toko"):
        reverse(entry=entry, actor=kasir)
    owner = subledgers.owner_of(entry)
    assert owner is not None and owner.name == "toko"
    assert subledgers.owner_of_kind("manual") is None


def test_reconciliation_to_the_sen(books, acc, shop, capsys):
    _sale(books, acc, shop, "75000")
    (check,) = [c for c in verify_subledgers(koperasi=books) if c.subledger == "toko"]
    assert check.ok and check.ledger_balance == D("75000")
    shop.owed += D("0.01")
    (check,) = [c for c in verify_subledgers(koperasi=books) if c.subledger == "toko"]
    assert check.difference == D("-0.01")
    with pytest.raises(CommandError, match="1 akun kontrol tidak cocok"):
        call_command("ledger", "verify", "--koperasi", books.code)
    out = capsys.readouterr().out
    assert "OK sinar-bajo" in out  # the chain section still reports on its own
    assert "selisih -Rp0,01" in out


def test_the_manual_journal_refuses_a_control_account_naming_the_page(
    client, books, acc, shop, pengurus
):
    client.force_login(pengurus)
    response = client.post(
        url_for("ledger:entry_create", kwargs={"kode": books.code}),
        {
            "value_date": books.business_date.isoformat(),
            "memo": "Setor ke bank",
            "idempotency_key": "0b6f1c1d-2b1a-4c55-9a35-3d1f0f7a1b14",
            "baris-TOTAL_FORMS": "2",
            "baris-INITIAL_FORMS": "0",
            "baris-0-account": acc.bank.pk,
            "baris-0-debit": "10.000",
            "baris-1-account": acc.kas.pk,
            "baris-1-credit": "10.000",
        },
    )
    assert response.status_code == 400
    assert "akun kontrol toko anggota" in response.content.decode()
    assert "halaman Toko" in response.content.decode()
