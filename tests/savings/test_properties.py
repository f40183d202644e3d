"""Property: whatever a kasir and the month end do, in any order, the books agree.

Random sequences of deposits, withdrawals, transfers, days passing, changes of the sukarela rate
dated mid-month, berjangka placements (one-month terms that roll over or move to sukarela, and
early breaks), month ends and leaving (or dying, with an unmatured placement), for three
members; cash at the kasir's drawer (deposits and payouts in an open session, vault moves in and
out) and voids (asked by the kasir and approved by a second person, a pengurus; or voided by a
pengurus directly); refused actions (too little money, a payout above the drawer, a closed
account, a second void…) are part of the sequence. After every step the ledger balances, every
account's balance equals the sum of its movements, each product's control account equals its
members' balances (``ledger verify``'s sub-ledger check too), the journal's chain, its head and
its month totals are whole, and the drawer's expected cash is never below zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger.integrity import (
    verify_chain,
    verify_chain_head,
    verify_running_balances,
    verify_subledgers,
)
from savings import services
from savings.models import Account, Kind, Transaction
from tests.savings.books import assert_books_agree, member_fields

D = Decimal
AMOUNTS = st.sampled_from([D("1"), D("5000"), D("49999.99"), D("250000"), D("1000000")])
KINDS = st.sampled_from([Kind.POKOK, Kind.WAJIB, Kind.SUKARELA])
WHO = st.integers(min_value=0, max_value=2)
RATES = st.sampled_from([D("0"), D("2.5"), D("6")])
PLACED = st.sampled_from([D("100000"), D("150000.55")])
VAULT = st.sampled_from([D("100000"), D("2000000")])

operations = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), WHO, KINDS, AMOUNTS),
        st.tuples(st.just("withdraw"), WHO, KINDS, AMOUNTS),
        st.tuples(st.just("transfer"), WHO, KINDS, AMOUNTS),
        st.tuples(st.just("month_end"), st.just(0), st.just(""), st.just(D(0))),
        st.tuples(st.just("leave"), WHO, st.sampled_from(["", "died"]), st.just(D(0))),
        st.tuples(st.just("days"), st.just(0), st.just(""), st.sampled_from([D(1), D(9), D(20)])),
        st.tuples(st.just("terms"), st.integers(0, 12), st.just(""), RATES),
        st.tuples(st.just("place"), WHO, st.sampled_from(["perpanjang", "ke_sukarela"]), PLACED),
        st.tuples(st.just("break"), WHO, st.sampled_from(["kas", "sukarela"]), st.just(D(0))),
        # At the drawer (the kasir's open session): cash in and out, the vault both ways.
        st.tuples(st.just("cash_in"), WHO, KINDS, AMOUNTS),
        st.tuples(st.just("cash_out"), WHO, KINDS, AMOUNTS),
        st.tuples(st.just("vault"), st.just(0), st.sampled_from(["in", "out"]), VAULT),
        # Voids of one of the member's latest movements (0 = the latest).
        st.tuples(st.just("void_ask"), WHO, st.sampled_from(["0", "1", "2"]), st.just(D(0))),
        st.tuples(st.just("void_now"), WHO, st.sampled_from(["0", "1", "2"]), st.just(D(0))),
    ),
    max_size=14,
)


def _open(member: Any, kind: str) -> Account | None:
    return Account.objects.filter(member=member, kind=kind, status="aktif").first()


def _latest(member: Any, nth: int) -> Transaction | None:
    """The member's ``nth`` latest counter movement (deposit or withdrawal, not a void)."""
    rows = Transaction.objects.filter(
        account__member=member, voids__isnull=True, kind__in=["setoran", "penarikan"]
    ).order_by("-pk")
    return rows[nth : nth + 1].first()


def _assert_whole(koperasi: Any, session: Any) -> None:
    """What ``ledger verify`` checks, and the drawer."""
    assert_books_agree(koperasi)
    assert verify_chain(koperasi=koperasi).ok
    assert verify_chain_head(koperasi=koperasi) == []
    assert verify_running_balances(koperasi=koperasi).ok
    assert all(check.ok for check in verify_subledgers(koperasi=koperasi))
    assert services.session_expected(session) >= 0


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_books_agree_after_any_sequence(
    products: Any, kasir: Any, pengurus: Any, ops: list
) -> None:
    from savings.services.void import VoidError

    koperasi = products.koperasi
    with transaction.atomic():
        members = [
            services.member_join(
                koperasi=koperasi,
                actor=kasir,
                sukarela_paid=D("300000"),
                **member_fields(f"Anggota {i}", 40 + i),
            ).member
            for i in range(3)
        ]
        # One-month placements, so that roll-overs and maturities happen within a few steps.
        services.product_terms_set(
            product=products.sb,
            actor=pengurus,
            effective_from=koperasi.business_date,
            tenors=[1],
            min_balance=D("100000"),
        )
        month_end = dt.date(2025, 1, 31)
        session = services.cashier_open(
            koperasi=koperasi, kasir=kasir, count=D("100000"), actor=kasir
        )
        for op, who, kind, amount in ops:
            member = members[who % 3]
            try:
                if op == "deposit" and (acc := _open(member, kind)):
                    services.deposit(account=acc, amount=amount, actor=kasir)
                elif op == "withdraw" and (acc := _open(member, kind)):
                    services.withdraw(account=acc, amount=amount, actor=kasir)
                elif op == "transfer":
                    source, target = _open(member, Kind.SUKARELA), _open(member, kind)
                    if source and target:
                        services.transfer(source=source, target=target, amount=amount, actor=kasir)
                elif op == "month_end":
                    koperasi.business_date = month_end
                    koperasi.save(update_fields=["business_date"])
                    services.month_end(koperasi=koperasi, on=month_end, actor=pengurus)
                    koperasi.business_date = month_end + dt.timedelta(days=1)
                    koperasi.save(update_fields=["business_date"])
                    month_end = services.add_months(month_end + dt.timedelta(days=1), 1)
                    month_end -= dt.timedelta(days=1)
                elif op == "leave" and member.status == "aktif":
                    services.member_exit(
                        member=member,
                        actor=kasir,
                        on=koperasi.business_date,
                        reason="Keluar",
                        died=kind == "died",
                    )
                    member.refresh_from_db()
                elif op == "days":
                    later = min(koperasi.business_date + dt.timedelta(days=int(amount)), month_end)
                    koperasi.business_date = later
                    koperasi.save(update_fields=["business_date"])
                elif op == "terms":
                    # A new sukarela rate from a day of this month (today or later).
                    day = min(koperasi.business_date + dt.timedelta(days=who), month_end)
                    services.product_terms_set(
                        product=products.ss, actor=pengurus, effective_from=day, rate_percent=amount
                    )
                elif op == "place" and member.status == "aktif":
                    services.berjangka_open(
                        member=member,
                        product=products.sb,
                        amount=amount,
                        tenor_months=1,
                        actor=kasir,
                        at_maturity=kind,
                    )
                elif op == "break" and (acc := _open(member, Kind.BERJANGKA)):
                    services.berjangka_break(account=acc, actor=kasir, to=kind)
                elif op == "cash_in" and (acc := _open(member, kind)):
                    services.deposit(account=acc, amount=amount, actor=kasir, session=session)
                elif op == "cash_out" and (acc := _open(member, kind)):
                    services.withdraw(account=acc, amount=amount, actor=kasir, session=session)
                elif op == "vault":
                    services.vault_move(session=session, amount=amount, direction=kind, actor=kasir)
                elif op == "void_ask" and (tx := _latest(member, int(kind))):
                    # The kasir asks (their session's transaction) and a second person approves.
                    request = services.void_request(transaction=tx, actor=kasir, reason="Salah")
                    if request.status == "menunggu":
                        with pytest.raises(VoidError, match="orang kedua|pengurus"):
                            services.void_approve(request=request, actor=kasir)
                    services.void_approve(request=request, actor=pengurus)
                elif op == "void_now" and (tx := _latest(member, int(kind))):
                    services.transaction_void(transaction=tx, actor=pengurus, reason="Salah")
            except ValidationError:
                event(f"{op} refused")  # must have changed nothing: the next check covers it
            else:
                event(f"{op} done")
            _assert_whole(koperasi, session)
        transaction.set_rollback(True)
