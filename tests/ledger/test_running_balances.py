"""Month totals per account (``AccountPeriodBalance``): written by the database as entries post,
held against direct writes, recomputed by ``ledger verify``; balances read from them agree with
the postings for every date.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum

from ledger.integrity import verify_running_balances
from ledger.models import AccountPeriodBalance, EntryStatus, Posting
from ledger.selectors import _window, balance, balances, trial_balance
from ledger.services import Line, NewEntry, period_close, post, post_many, reverse
from tests.ledger.test_db_rules import draft, line, make_posted

D = Decimal
JAN_1 = dt.date(2026, 1, 1)
TODAY = dt.date(2026, 3, 16)  # the books fixture's business date


def _brute(account: Any, as_of: dt.date | None = None) -> Decimal:
    """The balance the slow way: every posted posting up to the date."""
    qs = Posting.objects.filter(account=account, entry__status=EntryStatus.POSTED)
    if as_of is not None:
        qs = qs.filter(value_date__lte=as_of)
    return qs.aggregate(s=Sum("amount"))["s"] or D(0)


def _history(books: Any, acc: Any, actor: Any, n: int = 60, seed: int = 7) -> None:
    """``n`` entries from 1 January to today, some backdated into earlier open months."""
    rng = random.Random(seed)
    days = (TODAY - JAN_1).days
    entries = []
    for i in range(n):
        amount = D(rng.randrange(1, 2_000_000)) / 100
        other = rng.choice([acc.sukarela, acc.wajib, acc.jasa, acc.bank])
        day = JAN_1 + dt.timedelta(days=rng.randrange(days + 1))
        lines = [Line(acc.kas, debit=amount), Line(other, credit=amount)]
        if i % 3 == 0:
            lines = [Line(acc.kas, credit=amount), Line(other, debit=amount)]
        entries.append(NewEntry(lines=lines, kind="test", memo=f"#{i}", value_date=day))
    post_many(koperasi=books, entries=entries[: n // 2], actor=actor)
    for entry in entries[n // 2 :]:
        post(
            koperasi=books,
            lines=entry.lines,
            kind=entry.kind,
            memo=entry.memo,
            actor=actor,
            value_date=entry.value_date,
        )


def _totals(books: Any) -> dict[tuple[int, dt.date], Decimal]:
    return {
        (a, m): amount
        for a, m, amount in AccountPeriodBalance.objects.filter(koperasi=books).values_list(
            "account_id", "month", "amount"
        )
        if amount
    }


def test_month_totals_are_the_posted_postings_of_each_month(books, acc, kasir):
    _history(books, acc, kasir)
    report = verify_running_balances(koperasi=books)
    assert report.ok and report.checked > 0
    totals = _totals(books)
    for month in (JAN_1, dt.date(2026, 2, 1), dt.date(2026, 3, 1)):
        end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        posted = Posting.objects.filter(
            account=acc.kas, value_date__gte=month, value_date__lte=end
        ).aggregate(s=Sum("amount"))["s"]
        assert totals.get((acc.kas.pk, month), D(0)) == (posted or D(0))
    out = StringIO()
    call_command("ledger", "verify", "--koperasi", books.code, stdout=out)
    assert "mutasi bulanan" in out.getvalue()


@pytest.mark.parametrize("close_january", [False, True])
def test_balance_as_of_every_day_agrees_with_the_postings(
    books, acc, kasir, pengurus, close_january
):
    _history(books, acc, kasir)
    if close_january:
        period_close(koperasi=books, year=2026, month=1, actor=pengurus)
    reverse(entry=Posting.objects.filter(account=acc.kas).earliest("id").entry, actor=kasir)
    day = JAN_1 - dt.timedelta(days=1)
    while day <= TODAY + dt.timedelta(days=20):
        assert balance(account=acc.kas, as_of=day) == _brute(acc.kas, day), day
        everything = balances(koperasi=books, as_of=day)
        for account in (acc.kas, acc.sukarela, acc.bank):
            assert everything.get(account.pk, D(0)) == _brute(account, day), (day, account)
        day += dt.timedelta(days=1)
    assert balance(account=acc.kas) == _brute(acc.kas)
    assert sum(row.balance for row in trial_balance(koperasi=books)) == 0


@pytest.mark.parametrize(
    "day", [dt.date(2026, 2, d) for d in range(1, 29)] + [dt.date(2024, 2, 29)]
)
def test_a_read_as_of_a_date_reads_at_most_half_of_its_month(day):
    window = _window(day)
    if window.sign == 0:
        assert day.month != (day + dt.timedelta(days=1)).month  # the last day: no posting read
        return
    assert window.tail_from.month == window.tail_to.month == day.month
    assert (window.tail_to - window.tail_from).days < 15
    assert window.tail_from <= day <= window.tail_to or window.tail_from == day + dt.timedelta(1)


def test_today_and_month_ends_read_no_posting():
    assert _window(None).sign == 0
    assert _window(dt.date(2026, 1, 31)).sign == 0
    assert _window(dt.date(2026, 2, 28)).sign == 0


def test_drafts_do_not_count_and_a_raw_post_counts_once(books, acc):
    entry = draft(books)
    line(entry, acc.kas, "700000")
    line(entry, acc.sukarela, "-700000")
    assert not _totals(books)
    assert balance(account=acc.kas) == 0
    # Around the service: the database itself turns it posted and writes the month's total.
    type(entry).objects.filter(pk=entry.pk).update(status=EntryStatus.POSTED)
    assert _totals(books) == {
        (acc.kas.pk, dt.date(2026, 3, 1)): D("700000"),
        (acc.sukarela.pk, dt.date(2026, 3, 1)): D("-700000"),
    }
    assert balance(account=acc.kas) == D("700000")
    assert verify_running_balances(koperasi=books).ok


def test_a_batch_with_one_unbalanced_entry_posts_nothing(books, acc):
    good = draft(books)
    line(good, acc.kas, "100")
    line(good, acc.sukarela, "-100")
    bad = draft(books)
    line(bad, acc.kas, "100")
    line(bad, acc.sukarela, "-99")
    with pytest.raises(DatabaseError, match="tidak seimbang"), transaction.atomic():
        type(good).objects.filter(pk__in=[good.pk, bad.pk]).update(status=EntryStatus.POSTED)
    assert not _totals(books)


def _refused(sql: str, params: list[Any]) -> None:
    with pytest.raises(DatabaseError, match="Mutasi bulanan"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_month_totals_cannot_be_deleted(books, acc, kasir):
    _history(books, acc, kasir, n=6)
    _refused("DELETE FROM ledger_accountperiodbalance WHERE account_id = %s", [acc.kas.pk])
    assert verify_running_balances(koperasi=books).ok


def test_a_month_total_edited_behind_koperasis_back_is_refused_and_named_by_verify(
    books, acc, kasir
):
    _history(books, acc, kasir, n=6)
    month = dt.date(2026, 3, 1)
    update = (
        "UPDATE ledger_accountperiodbalance SET amount = amount + 50000000 "
        "WHERE account_id = %s AND month = %s"
    )
    params = [acc.kas.pk, connection.ops.adapt_datefield_value(month)]
    insert = (
        "INSERT INTO ledger_accountperiodbalance (koperasi_id, account_id, month, amount) "
        "VALUES (%s, %s, %s, %s)"
    )
    insert_params = [books.pk, acc.denda.pk, connection.ops.adapt_datefield_value(JAN_1), 1]
    # The database refuses a write that does not come from posting an entry, on both engines …
    _refused(update, params)
    _refused(insert, insert_params)
    with connection.cursor() as cursor:
        # … and with its rules set aside by the owner, verify still finds the edit.
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE ledger_accountperiodbalance DISABLE TRIGGER ledger_apb_guard"
            )
        else:
            cursor.execute("DROP TRIGGER ledger_apb_insert")
            cursor.execute("DROP TRIGGER ledger_apb_update")
        cursor.execute(update, params)
        cursor.execute(insert, insert_params)
    report = verify_running_balances(koperasi=books)
    assert not report.ok
    found = {(d.account.pk, d.month): d.difference for d in report.differences}
    assert found == {(acc.kas.pk, month): D("500000"), (acc.denda.pk, JAN_1): D("0.01")}
    err = StringIO()
    with pytest.raises(CommandError, match="mutasi bulanan"):
        call_command("ledger", "verify", "--koperasi", books.code, stdout=StringIO(), stderr=err)
    assert "selisih Rp500.000,00" in err.getvalue()


@pytest.mark.sqlite_only  # how SQLite guards; the refusal itself is tested above on both
def test_on_sqlite_the_posting_mark_lets_through_only_the_marked_entrys_postings(books, acc, kasir):
    """SQLite cannot tell a trigger's write from a client's: the posting trigger marks the
    entry it is adding (``ledger_apb_writer``). The mark names a posted entry or nothing, and
    with it set by hand a total still moves only by that entry's postings, in its month."""
    entry = make_posted(books, acc, kasir)
    month = entry.value_date.replace(day=1)
    with pytest.raises(DatabaseError, match="Penanda penulis"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_apb_writer SET entry_id = 999999 WHERE id = 1")
    draft_entry = draft(books)
    with pytest.raises(DatabaseError, match="Penanda penulis"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_apb_writer SET entry_id = %s WHERE id = 1", [draft_entry.pk]
            )
    with pytest.raises(DatabaseError, match="Penanda penulis"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_apb_writer")
    kas_month = [acc.kas.pk, connection.ops.adapt_datefield_value(month)]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_apb_writer SET entry_id = %s WHERE id = 1", [entry.pk])
        # Any other amount, or the entry's amount on another account or month: refused.
        _refused(
            "UPDATE ledger_accountperiodbalance SET amount = amount + 1 "
            "WHERE account_id = %s AND month = %s",
            kas_month,
        )
        _refused(
            "UPDATE ledger_accountperiodbalance SET amount = amount + 50000000 "
            "WHERE account_id = %s AND month = %s",
            [acc.sukarela.pk, kas_month[1]],
        )
        _refused(
            "UPDATE ledger_accountperiodbalance SET month = %s "
            "WHERE account_id = %s AND month = %s",
            [connection.ops.adapt_datefield_value(JAN_1), *kas_month],
        )
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT entry_id FROM ledger_apb_writer")
        assert cursor.fetchone() == (None,)  # cleared after every posting
    assert verify_running_balances(koperasi=books).ok
