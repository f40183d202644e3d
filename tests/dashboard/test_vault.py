"""The vault's cash on the beranda, from the books and the drawers' own records (real moves).

Worked example, KSP Sinar Bajo on 15 January 2025: Rp10.000.000 in kas from the bank; the kasir
opens with Rp1.000.000 counted out of the vault, takes Rp500.000 more, takes a Rp200.000
deposit, hands Rp300.000 back → drawer Rp1.400.000, vault Rp8.800.000; at the close the drawer's
count goes back → vault Rp10.200.000 less a Rp50.000 shortage booked to selisih kas.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.reports import MANUAL_KIND
from members.models import Member
from savings import selectors, services
from tests.savings.conftest import account

D = Decimal


def _cash_from_bank(koperasi: Any, amount: str, actor: Any) -> None:
    kas = ledger_selectors.account_for_role(koperasi=koperasi, role="kas")
    bank = ledger_selectors.account_for_role(koperasi=koperasi, role="bank")
    ledger.post(
        koperasi=koperasi,
        lines=[ledger.Line(kas, debit=D(amount)), ledger.Line(bank, credit=D(amount))],
        kind=MANUAL_KIND,
        memo="Tarik tunai dari bank",
        actor=actor,
    )


def test_the_vault_follows_its_moves_to_and_from_the_drawer(
    client: Any, member: Member, kasir: Any, pengurus: Any
) -> None:
    koperasi = member.koperasi
    at_start = selectors.cash_position(koperasi=koperasi)
    assert at_start.vault == D("600000")  # Rina's pokok and sukarela, paid with no session
    _cash_from_bank(koperasi, "9400000", pengurus)
    assert selectors.cash_position(koperasi=koperasi).vault == D("10000000")

    session = services.cashier_open(koperasi=koperasi, kasir=kasir, count="1000000", actor=kasir)
    services.vault_move(session=session, amount="500000", direction="in", actor=kasir)
    services.deposit(
        account=account(member, "sukarela"), amount="200000", actor=kasir, session=session
    )
    services.vault_move(session=session, amount="300000", direction="out", actor=kasir)
    cash = selectors.cash_position(koperasi=koperasi)
    assert (cash.drawers, cash.vault, cash.open_sessions) == (D("1400000"), D("8800000"), 1)

    client.force_login(pengurus)
    page = client.get(reverse("dashboard:beranda", kwargs={"kode": koperasi.code})).content
    assert 'data-figure="vault">Rp8.800.000<' in page.decode()

    services.cashier_close(session=session, actor=kasir, count="1350000", note="kurang")
    cash = selectors.cash_position(koperasi=koperasi)
    assert (cash.drawers, cash.vault, cash.open_sessions) == (D("0"), D("10150000"), 0)


def test_drawers_the_books_do_not_back_give_no_vault_figure_but_a_warning(
    client: Any, member: Member, kasir: Any, pengurus: Any
) -> None:
    """The drawer opened with more cash than the books hold: the vault's opening balance was
    never booked. A negative vault would be wrong; the beranda says what is missing."""
    koperasi = member.koperasi
    services.cashier_open(koperasi=koperasi, kasir=kasir, count="2000000", actor=kasir)
    cash = selectors.cash_position(koperasi=koperasi)
    assert cash.vault is None and cash.vault_short == D("1400000")
    client.force_login(pengurus)
    page = client.get(reverse("dashboard:beranda", kwargs={"kode": koperasi.code})).content
    assert "Kas di buku kurang Rp1.400.000 dari isi laci" in page.decode()
    assert "-Rp" not in page.decode()
