"""What a member sees: their balances, instalments, arrears, movements, receipts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404

from members.models import Member
from portal import selectors
from savings.services import deposit, withdraw
from tests.factories import MemberFactory, disbursed_loan, loan_product, savings_account


def test_beranda_shows_balances_and_the_next_instalment(member: Member) -> None:
    page = selectors.beranda(member=member)
    sukarela = next(a for a in page.accounts if a.kind == "sukarela")
    assert sukarela.balance >= Decimal("150000")
    nxt = page.next_instalment
    assert nxt is not None
    # Rp6.000.000 flat 1% a month over 6: Rp1.000.000 principal + Rp60.000 interest.
    assert nxt.amount == Decimal("1060000")
    assert page.overdue_count == 0


def test_beranda_sums_overdue_instalments_in_rupiah(member: Member) -> None:
    """Two instalments of Rp1.060.000 past due: Rp2.120.000 (the sum of money columns once
    came back in sen, a hundred times too much)."""
    koperasi = member.koperasi
    koperasi.business_date = dt.date(2025, 5, 10)
    koperasi.save(update_fields=["business_date"])
    page = selectors.beranda(member=member)
    assert page.overdue_count == 2
    assert page.overdue_amount == Decimal("2120000")


def test_mutations_page_with_balance_after_each_movement(member: Member) -> None:
    account = next(a for a in selectors.beranda(member=member).accounts if a.kind == "sukarela")
    for _ in range(25):
        deposit(account=account, amount=Decimal("1000"), actor=None)
    withdraw(account=account, amount=Decimal("5000"), actor=None)
    account.refresh_from_db()
    first = selectors.mutations(member=member, account_id=account.pk, page=1)
    assert len(first.rows) == selectors.PAGE_SIZE
    assert first.rows[0].balance == account.balance
    assert first.rows[0].tx.amount == Decimal("-5000")
    assert first.rows[1].balance == account.balance + Decimal("5000")
    second = selectors.mutations(member=member, account_id=account.pk, page=2)
    last = second.rows[-1]
    assert last.balance - last.tx.amount >= 0


def test_another_members_account_loan_and_receipt_are_not_found(
    member: Member, koperasi: Any
) -> None:
    other = MemberFactory.create(koperasi=koperasi)
    account = savings_account(koperasi, member=other)
    tx = deposit(account=account, amount=Decimal("1000"), actor=None)
    loan = disbursed_loan(koperasi, member=other, principal=1_000_000, tenor=3)
    with pytest.raises(Http404):
        selectors.mutations(member=member, account_id=account.pk)
    with pytest.raises(Http404):
        selectors.loan_detail(member=member, loan_id=loan.pk)
    with pytest.raises(Http404):
        selectors.savings_receipt(member=member, transaction_id=tx.pk)
    with pytest.raises(Http404):
        selectors.loan_receipt(member=member, loan_tx_id=loan.transactions.first().pk)


def test_receipts_carry_the_entry_short_hash(member: Member) -> None:
    rows = selectors.receipts(member=member)
    assert {r.kind for r in rows} == {"s", "p"}
    assert all(len(r.short_hash) == 12 for r in rows)


def test_simulation_compares_three_methods(member: Member) -> None:
    product = selectors.product_of(
        koperasi=member.koperasi, product_id=loan_product(member.koperasi).pk
    )
    rows = selectors.simulate(
        koperasi=member.koperasi, product=product, amount=Decimal("6000000"), tenor=12
    )
    assert [r.method for r in rows] == ["flat", "anuitas", "menurun"]
    flat, anuitas, _menurun = rows
    assert flat.rate.annual > anuitas.rate.annual  # flat costs more for the same nominal rate
