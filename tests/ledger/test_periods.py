"""Month-end close, reopening by a second person, balances from stored closings, business date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.models import AuditEvent
from ledger.models import Period, PeriodBalance
from ledger.selectors import balance, balances, closed_through, trial_balance
from ledger.services import (
    LedgerError,
    Line,
    business_date_advance,
    business_date_set,
    period_close,
    period_reopen,
    post,
)

D = Decimal


def deposit(books: Any, acc: Any, actor: Any, amount: str, day: dt.date) -> Any:
    return post(
        koperasi=books,
        lines=[Line(acc.kas, debit=D(amount)), Line(acc.sukarela, credit=D(amount))],
        kind="savings.deposit",
        memo="Setoran",
        actor=actor,
        value_date=day,
    )


def test_close_stores_closing_balances_and_reads_use_them(books, acc, kasir, pengurus):
    deposit(books, acc, kasir, "100000", dt.date(2026, 1, 10))
    deposit(books, acc, kasir, "250000", dt.date(2026, 2, 5))
    period_close(koperasi=books, year=2026, month=1, actor=pengurus)
    period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    deposit(books, acc, kasir, "40000", dt.date(2026, 3, 3))

    feb = Period.objects.get(koperasi=books, year=2026, month=2)
    assert PeriodBalance.objects.get(period=feb, account=acc.kas).balance == D("350000")
    assert balance(account=acc.kas, as_of=dt.date(2026, 1, 31)) == D("100000")
    assert balance(account=acc.kas, as_of=dt.date(2026, 2, 4)) == D("100000")
    assert balance(account=acc.kas, as_of=dt.date(2026, 2, 28)) == D("350000")
    assert balance(account=acc.kas) == D("390000")
    assert balance(account=acc.sukarela) == D("-390000")
    assert balance(account=acc.kas, as_of=dt.date(2025, 12, 31)) == 0
    assert closed_through(koperasi=books) == dt.date(2026, 2, 28)
    assert sum(r.balance for r in trial_balance(koperasi=books, as_of=dt.date(2026, 2, 10))) == 0


def test_posting_into_a_closed_month_is_refused_in_indonesian(books, acc, kasir, pengurus):
    period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    with pytest.raises(LedgerError, match="sudah ditutup"):
        deposit(books, acc, kasir, "100000", dt.date(2026, 2, 27))
    with pytest.raises(LedgerError, match="sudah ditutup"):
        deposit(
            books, acc, kasir, "100000", dt.date(2025, 7, 1)
        )  # the first close covers all before
    assert balance(account=acc.kas) == 0


def test_months_close_in_order_and_only_after_they_end(books, pengurus):
    with pytest.raises(LedgerError, match="belum berakhir"):
        period_close(koperasi=books, year=2026, month=3, actor=pengurus)  # business date 16 March
    business_date_set(koperasi=books, on=dt.date(2026, 5, 2), actor=pengurus)
    period_close(koperasi=books, year=2026, month=1, actor=pengurus)
    with pytest.raises(LedgerError, match="Tutup dulu periode 02/2026"):
        period_close(koperasi=books, year=2026, month=3, actor=pengurus)
    with pytest.raises(LedgerError, match="sudah ditutup"):
        period_close(koperasi=books, year=2026, month=1, actor=pengurus)
    period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    period_close(koperasi=books, year=2026, month=3, actor=pengurus)
    assert closed_through(koperasi=books) == dt.date(2026, 3, 31)


def test_reopen_needs_a_second_person_and_leaves_an_audit_record(
    books, acc, kasir, pengurus, pengawas
):
    deposit(books, acc, kasir, "100000", dt.date(2026, 2, 5))
    feb = period_close(koperasi=books, year=2026, month=2, actor=pengurus)

    with pytest.raises(LedgerError, match="orang lain"):
        period_reopen(period=feb, actor=pengurus, reason="Setoran tertinggal")
    with pytest.raises(LedgerError, match="Alasan"):
        period_reopen(period=feb, actor=pengawas, reason="  ")
    feb.refresh_from_db()
    assert feb.status == Period.Status.CLOSED

    period_reopen(period=feb, actor=pengawas, reason="Setoran tanggal 27 tertinggal")
    feb.refresh_from_db()
    assert feb.status == Period.Status.OPEN and feb.reopened_by == pengawas
    assert not PeriodBalance.objects.filter(period=feb).exists()
    event = AuditEvent.objects.get(action="ledger.period_reopen")
    assert event.actor == pengawas and event.note == "Setoran tanggal 27 tertinggal"

    deposit(books, acc, kasir, "20000", dt.date(2026, 2, 27))  # now it may be booked
    period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    assert balance(account=acc.kas, as_of=dt.date(2026, 2, 28)) == D("120000")


def test_only_the_latest_closed_month_can_be_reopened(books, pengurus, pengawas):
    jan = period_close(koperasi=books, year=2026, month=1, actor=pengurus)
    period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    with pytest.raises(LedgerError, match="02/2026|2026-02"):
        period_reopen(period=jan, actor=pengawas, reason="Koreksi")


def test_reopen_by_a_signed_out_process_is_refused(books, pengurus):
    feb = period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    with pytest.raises(LedgerError, match="pengguna"):
        period_reopen(period=feb, actor=None, reason="otomatis")


def test_business_date_moves_and_is_audited(books, pengurus):
    business_date_advance(koperasi=books, actor=pengurus)
    books.refresh_from_db()
    assert books.business_date == dt.date(2026, 3, 17)
    business_date_set(koperasi=books, on=dt.date(2026, 4, 1), actor=pengurus)
    books.refresh_from_db()
    assert books.business_date == dt.date(2026, 4, 1)
    events = AuditEvent.objects.filter(action="ledger.business_date").order_by("id")
    assert [(e.after or {}).get("business_date") for e in events] == ["2026-03-17", "2026-04-01"]


def test_business_date_cannot_go_into_a_closed_month(books, pengurus):
    period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    with pytest.raises(LedgerError, match="sudah ditutup"):
        business_date_set(koperasi=books, on=dt.date(2026, 2, 20), actor=pengurus)
    books.refresh_from_db()
    assert books.business_date == dt.date(2026, 3, 16)


def test_balances_are_exact_to_the_sen(books, acc, kasir):
    for amount in ("0.10", "0.20", "0.30"):
        deposit(books, acc, kasir, amount, dt.date(2026, 3, 1))
    assert balances(koperasi=books)[acc.kas.pk] == D("0.60")
