"""Property: whatever a kasir and the month end do, in any order, the books agree.

Random sequences of deposits, withdrawals, transfers, month ends and leaving, for three
members; refused actions (too little money, a closed account…) are part of the sequence. After
every step the ledger balances, every account's balance equals the sum of its movements, and
each product's control account equals its members' balances.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from savings import services
from savings.models import Account, Kind
from tests.savings.books import assert_books_agree, member_fields

D = Decimal
AMOUNTS = st.sampled_from([D("1"), D("5000"), D("49999.99"), D("250000"), D("1000000")])
KINDS = st.sampled_from([Kind.POKOK, Kind.WAJIB, Kind.SUKARELA])
WHO = st.integers(min_value=0, max_value=2)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), WHO, KINDS, AMOUNTS),
        st.tuples(st.just("withdraw"), WHO, KINDS, AMOUNTS),
        st.tuples(st.just("transfer"), WHO, KINDS, AMOUNTS),
        st.tuples(st.just("month_end"), st.just(0), st.just(""), st.just(D(0))),
        st.tuples(st.just("leave"), WHO, st.just(""), st.just(D(0))),
    ),
    max_size=10,
)


def _open(member: Any, kind: str) -> Account | None:
    return Account.objects.filter(member=member, kind=kind, status="aktif").first()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_books_agree_after_any_sequence(
    products: Any, kasir: Any, pengurus: Any, ops: list
) -> None:
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
        month_end = dt.date(2025, 1, 31)
        for op, who, kind, amount in ops:
            member = members[who]
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
                        member=member, actor=kasir, on=koperasi.business_date, reason="Keluar"
                    )
                    member.refresh_from_db()
            except ValidationError:
                pass  # refused: must have changed nothing, which the next check also covers
            assert_books_agree(koperasi)
        transaction.set_rollback(True)
