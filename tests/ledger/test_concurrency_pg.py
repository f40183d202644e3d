"""Several tellers at once (PostgreSQL): no lost update, no duplicate or missing number.

Each thread has its own database connection and posts to the same cash and savings accounts
at the same moment (a barrier releases them together).
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

import pytest

from ledger import services
from ledger.integrity import verify_chain
from ledger.models import JournalEntry
from ledger.selectors import account_for_role, balance, trial_balance
from registry.models import Koperasi
from tests.factories import KoperasiFactory, UserFactory
from tests.threads import at_once, errors_of

THREADS = 6
PER_THREAD = 15


def run_together(work: Any, count: int) -> list[Exception]:
    return errors_of(at_once([functools.partial(work, n) for n in range(count)]))


@pytest.mark.django_db(transaction=True)
def test_tellers_posting_at_once_lose_nothing() -> None:
    koperasi: Koperasi = KoperasiFactory.create(business_date=dt.date(2026, 3, 16))
    boss = UserFactory.create()
    services.chart_setup(koperasi=koperasi, actor=boss)
    tellers = [UserFactory.create() for _ in range(THREADS)]
    kas = account_for_role(koperasi=koperasi, role="kas")
    sukarela = account_for_role(koperasi=koperasi, role="simpanan_sukarela")

    def teller(n: int) -> None:
        for i in range(PER_THREAD):
            amount = Decimal(1000 * (n + 1) + i)  # Rp1.000 … Rp6.014, each one different
            services.post(
                koperasi=koperasi,
                lines=[services.Line(kas, debit=amount), services.Line(sukarela, credit=amount)],
                kind="savings.deposit",
                memo=f"Setoran teller {n}",
                actor=tellers[n],
                idempotency_key=f"t{n}-{i}",
            )
        # Everyone retries the same phone request: it must post once.
        services.post(
            koperasi=koperasi,
            lines=[
                services.Line(kas, debit=Decimal("50000")),
                services.Line(sukarela, credit=Decimal("50000")),
            ],
            kind="savings.deposit",
            memo="Setoran dari HP (dikirim ulang)",
            actor=tellers[n],
            idempotency_key="hp-maria-001",
        )

    errors = run_together(teller, THREADS)
    assert errors == []

    expected = sum(
        Decimal(1000 * (n + 1) + i) for n in range(THREADS) for i in range(PER_THREAD)
    ) + Decimal("50000")
    assert balance(account=kas) == expected
    assert balance(account=sukarela) == -expected
    assert sum(r.balance for r in trial_balance(koperasi=koperasi)) == 0
    entries = JournalEntry.objects.filter(koperasi=koperasi)
    assert entries.filter(idempotency_key="hp-maria-001").count() == 1
    count = THREADS * PER_THREAD + 1
    assert sorted(entries.values_list("seq", flat=True)) == list(range(1, count + 1))
    assert verify_chain(koperasi=koperasi).ok


@pytest.mark.django_db(transaction=True)
def test_batches_and_single_posts_interleave_safely() -> None:

    koperasi: Koperasi = KoperasiFactory.create(business_date=dt.date(2026, 3, 16))
    actor = UserFactory.create()
    services.chart_setup(koperasi=koperasi, actor=actor)
    kas = account_for_role(koperasi=koperasi, role="kas")
    bank = account_for_role(koperasi=koperasi, role="bank")

    def work(n: int) -> None:
        if n % 2:
            services.post_many(
                koperasi=koperasi,
                entries=[
                    services.NewEntry(
                        lines=[
                            services.Line(bank, debit=Decimal("2500")),
                            services.Line(kas, credit=Decimal("2500")),
                        ],
                        kind="cash.to_bank",
                        memo="Setor kas ke bank",
                    )
                    for _ in range(20)
                ],
                actor=actor,
            )
        else:
            for _ in range(20):
                services.post(
                    koperasi=koperasi,
                    lines=[
                        services.Line(kas, debit=Decimal("1000")),
                        services.Line(bank, credit=Decimal("1000")),
                    ],
                    kind="bank.to_cash",
                    memo="Tarik bank ke kas",
                    actor=actor,
                )

    assert run_together(work, 4) == []
    assert balance(account=bank) == 2 * 20 * Decimal("2500") - 2 * 20 * Decimal("1000")
    assert balance(account=kas) == -balance(account=bank)
    assert verify_chain(koperasi=koperasi).ok
