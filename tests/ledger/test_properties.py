"""Random sequences of postings, reversals, business-date moves and month closes.

After every step: the trial balance sums to zero, every balance equals the sum of its postings
(the model below keeps that sum independently), every stored closing balance equals the sum of
the postings up to its month's end, and the hash chain verifies.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ledger import services
from ledger.integrity import verify_chain, verify_chain_head, verify_period_balances
from ledger.models import Account, EntryStatus, JournalEntry, PeriodBalance, Posting
from ledger.selectors import balance, closed_through, trial_balance
from registry.models import Koperasi
from tests.factories import KoperasiFactory, UserFactory

START = dt.date(2026, 1, 20)
amounts = st.integers(min_value=1, max_value=5_000_000_00).map(lambda sen: Decimal(sen) / 100)


class Books(RuleBasedStateMachine):
    @initialize()
    def open_books(self) -> None:
        self.actor = UserFactory.create()
        self.koperasi: Koperasi = KoperasiFactory.create(business_date=START)
        services.chart_setup(koperasi=self.koperasi, actor=self.actor)
        self.accounts = list(
            Account.objects.filter(koperasi=self.koperasi, is_group=False).order_by("code")[:8]
        )
        self.expected: dict[int, Decimal] = {a.pk: Decimal(0) for a in self.accounts}
        self.entries: list[tuple[JournalEntry, dict[int, Decimal]]] = []
        self.reversed: set[int] = set()

    def _today(self) -> dt.date:
        self.koperasi.refresh_from_db()
        assert self.koperasi.business_date is not None
        return self.koperasi.business_date

    def _open_day(self, offset: int) -> dt.date:
        closed = closed_through(koperasi=self.koperasi)
        first = (closed + dt.timedelta(days=1)) if closed else START - dt.timedelta(days=60)
        span = (self._today() - first).days
        return first + dt.timedelta(days=offset % (span + 1))

    @rule(
        data=st.lists(st.tuples(st.integers(0, 7), amounts, st.booleans()), min_size=1, max_size=3),
        balancing=st.integers(0, 7),
        offset=st.integers(0, 400),
    )
    def post(self, data: list[tuple[int, Decimal, bool]], balancing: int, offset: int) -> None:
        lines = []
        effect: dict[int, Decimal] = {}
        for index, amount, is_debit in data:
            account = self.accounts[index]
            signed = amount if is_debit else -amount
            lines.append(
                services.Line(account, debit=amount)
                if is_debit
                else services.Line(account, credit=amount)
            )
            effect[account.pk] = effect.get(account.pk, Decimal(0)) + signed
        rest = -sum(effect.values(), Decimal(0))
        if rest == 0:
            return
        other = self.accounts[balancing]
        lines.append(
            services.Line(other, debit=rest) if rest > 0 else services.Line(other, credit=-rest)
        )
        effect[other.pk] = effect.get(other.pk, Decimal(0)) + rest
        entry = services.post(
            koperasi=self.koperasi,
            lines=lines,
            kind="uji",
            memo="Transaksi acak",
            actor=self.actor,
            value_date=self._open_day(offset),
        )
        for pk, amount in effect.items():
            self.expected[pk] += amount
        self.entries.append((entry, effect))

    @rule(amount=amounts, offset=st.integers(0, 400))
    def unbalanced_is_refused(self, amount: Decimal, offset: int) -> None:
        with pytest.raises(services.LedgerError):
            services.post(
                koperasi=self.koperasi,
                lines=[
                    services.Line(self.accounts[0], debit=amount),
                    services.Line(self.accounts[1], credit=amount + Decimal("0.01")),
                ],
                kind="uji",
                memo="Tidak seimbang",
                actor=self.actor,
                value_date=self._open_day(offset),
            )

    @precondition(lambda self: bool(self.entries))
    @rule(pick=st.integers(0, 10_000))
    def reverse(self, pick: int) -> None:
        entry, effect = self.entries[pick % len(self.entries)]
        if entry.pk in self.reversed:
            with pytest.raises(services.LedgerError, match="sudah dibalik"):
                services.reverse(entry=entry, actor=self.actor)
            return
        undo = services.reverse(entry=entry, actor=self.actor)
        self.reversed.add(entry.pk)
        for pk, amount in effect.items():
            self.expected[pk] -= amount
        self.entries.append((undo, {pk: -a for pk, a in effect.items()}))

    @rule(days=st.integers(1, 45))
    def advance(self, days: int) -> None:
        services.business_date_advance(koperasi=self.koperasi, actor=self.actor, days=days)

    @rule()
    def close_next_month(self) -> None:
        closed = closed_through(koperasi=self.koperasi)
        month = (closed + dt.timedelta(days=1)) if closed else START.replace(day=1)
        end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        if end >= self._today():
            with pytest.raises(services.LedgerError, match="belum berakhir"):
                services.period_close(
                    koperasi=self.koperasi, year=month.year, month=month.month, actor=self.actor
                )
            return
        services.period_close(
            koperasi=self.koperasi, year=month.year, month=month.month, actor=self.actor
        )

    @invariant()
    def trial_balance_sums_to_zero(self) -> None:
        if hasattr(self, "koperasi"):
            assert sum((r.balance for r in trial_balance(koperasi=self.koperasi)), Decimal(0)) == 0

    @invariant()
    def every_balance_is_the_sum_of_its_postings(self) -> None:
        if hasattr(self, "koperasi"):
            for account in self.accounts:
                assert balance(account=account) == self.expected[account.pk]

    @invariant()
    def stored_closings_equal_their_postings(self) -> None:
        if not hasattr(self, "koperasi"):
            return
        for stored in PeriodBalance.objects.filter(koperasi=self.koperasi).select_related("period"):
            total = Posting.objects.filter(
                account_id=stored.account_id,
                value_date__lte=stored.period.end_date,
                entry__status=EntryStatus.POSTED,
            ).aggregate(s=Sum("amount"))["s"]
            assert stored.balance == total
            mid = stored.period.start_date + dt.timedelta(days=9)
            assert balance(account=stored.account, as_of=mid) == (
                Posting.objects.filter(
                    account_id=stored.account_id,
                    value_date__lte=mid,
                    entry__status=EntryStatus.POSTED,
                ).aggregate(s=Sum("amount"))["s"]
                or 0
            )

    @invariant()
    def chain_verifies(self) -> None:
        if hasattr(self, "koperasi"):
            assert verify_chain(koperasi=self.koperasi).ok
            assert verify_chain_head(koperasi=self.koperasi) == []
            assert verify_period_balances(koperasi=self.koperasi) == []


Books.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_books_stay_balanced_under_random_operations(db: Any) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(Books, settings=Books.TestCase.settings)
