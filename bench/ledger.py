"""Ledger benchmarks: batch and single posting through the services, and balance reads.

1. Batch: 100 000 entries (2–4 postings each) through ``post_many`` in chunks of 10 000 (one
   transaction each), against two baselines with the same rows, tables and database rules
   (entries as drafts, postings, one UPDATE to posted):
   - SQLite "raw executemany": the service's own statements, prepared beforehand. It costs the
     engine what the service costs it, so service / raw measures the Python overhead only;
   - PostgreSQL "raw COPY": the service's own statements too (it sends batches by COPY), which
     is the fastest the engine takes the rows with its rules held: the floor (target ≥ 0.5).
2. Single: interactive entries through ``post``, one transaction each, against the engine's
   durable-commit floor measured in the same run: one single-row INSERT and COMMIT per
   transaction into a plain table (on PostgreSQL each COMMIT waits for the WAL to reach the
   disk, so the disk's flush rate caps any interactive posting, ours or a one-line INSERT).
3. Balance read at 10 000 and at 1 000 000 postings. Both koperasi book the same volume a
   month (10 000 postings); the large one has 100 months of history, first all of it in one
   open (never closed) stretch, then with 99 months closed. A read costs at most the stored
   closing balance, the month totals and one month's postings, so each ratio should stay near 1.

Sizes can be lowered for a quick look: ``KOPDIG_BENCH_SCALE=0.1 python -m bench ledger``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench import engine, figure, koperasi, load, timer

SCALE = float(os.environ.get("KOPDIG_BENCH_SCALE", "1"))
BATCH_ENTRIES = int(100_000 * SCALE)
CHUNK = 10_000
SINGLE_ENTRIES = max(200, int(3_000 * SCALE))
SMALL_POSTINGS = 10_000
LARGE_POSTINGS = int(1_000_000 * SCALE)
MONTHLY_POSTINGS = 10_000


def _koperasi(code: str, business_date: dt.date) -> Any:
    from ledger import services

    books = koperasi(code, business_date)
    services.chart_setup(koperasi=books, actor=None)
    return books


def _actor() -> Any:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench")
    return user


def _leaf_accounts(koperasi: Any) -> list[Any]:
    from ledger.models import Account

    return list(Account.objects.filter(koperasi=koperasi, is_group=False).order_by("code"))


def _shapes(rng: random.Random, count: int, n_accounts: int) -> list[list[tuple[int, int]]]:
    """``count`` balanced entries as lists of (account index, signed rupiah); account 0 (kas)
    is in most of them. 2, 3 or 4 lines each."""
    shapes = []
    for _ in range(count):
        n = rng.choice((2, 2, 3, 3, 4))
        picks = [0] if rng.random() < 0.7 else []
        while len(picks) < n:
            i = rng.randrange(n_accounts)
            if i not in picks:
                picks.append(i)
        credits = [rng.randrange(1, 5_000) * 500 for _ in range(n - 1)]
        lines = [(picks[0], sum(credits))]
        lines += [(a, -c) for a, c in zip(picks[1:], credits, strict=True)]
        if rng.random() < 0.5:
            lines = [(a, -s) for a, s in lines]
        shapes.append(lines)
    return shapes


def _new_entries(
    shapes: list[list[tuple[int, int]]], accounts: list[Any], dates: list[dt.date]
) -> list[Any]:
    from ledger.services import Line, NewEntry

    out = []
    for i, shape in enumerate(shapes):
        lines = [
            Line(accounts[a], debit=Decimal(s)) if s > 0 else Line(accounts[a], credit=Decimal(-s))
            for a, s in shape
        ]
        out.append(NewEntry(lines=lines, kind="bench", memo=f"Transaksi {i}", value_date=dates[i]))
    return out


def _spread(count: int, first: dt.date, days: int) -> list[dt.date]:
    return [first + dt.timedelta(days=(i * days) // max(count, 1)) for i in range(count)]


# --- 1. batch -------------------------------------------------------------------------------


def _batch() -> None:
    from django.db import connection, transaction

    from ledger import services

    rng = random.Random(1)
    actor = _actor()
    kop = _koperasi("bench-batch", dt.date(2026, 4, 1))
    raw = _koperasi("bench-raw", dt.date(2026, 4, 1))
    accounts = _leaf_accounts(kop)
    raw_accounts = [a.pk for a in _leaf_accounts(raw)]
    shapes = _shapes(rng, BATCH_ENTRIES, len(accounts))
    dates = _spread(BATCH_ENTRIES, dt.date(2026, 1, 1), 90)
    entries = _new_entries(shapes, accounts, dates)
    postings = sum(len(s) for s in shapes)

    with timer() as service:
        for start in range(0, len(entries), CHUNK):
            services.post_many(koperasi=kop, entries=entries[start : start + CHUNK], actor=actor)

    n = len(entries)
    print(f"  batch: {n:,} entries, {postings:,} postings, chunks of {CHUNK:,}")
    target = "target ≥ 8 000" if connection.vendor == "postgresql" else "no worse than before"
    figure("post_many through the service", n / service.wall, "entries/s", target)
    figure("post_many, per CPU-second of this process", n / service.cpu, "entries/s")
    if connection.vendor == "postgresql":
        # The service sends its rows by COPY: the same statements, raw, are the engine's floor.
        copy_time = _copy_floor(actor, dates, shapes)
        figure(
            "raw COPY, same rows, rules held (floor)",
            n / copy_time,
            "entries/s",
            "the engine's floor",
        )
        figure("service / raw COPY", copy_time / service.wall, "", "target ≥ 0.5")
        return

    # SQLite: the service's own executemany statements with the rows prepared beforehand.
    ops = connection.ops
    now = ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
    entry_rows = [
        (
            raw.pk,
            f"JU/2026/{i + 1:06d}",
            2026,
            i + 1,
            i + 1,
            ops.adapt_datefield_value(d),
            now,
            "bench",
            f"Transaksi {i}",
            "",
            actor.pk,
            None,
            None,
            "draft",
            "0" * 64,
            "f" * 64,
        )
        for i, d in enumerate(dates)
    ]
    with timer() as raw_time:
        for start in range(0, len(entry_rows), CHUNK):
            chunk = entry_rows[start : start + CHUNK]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(services._INSERT_ENTRY, chunk)
                cursor.execute(
                    "SELECT chain_index, id FROM ledger_journalentry "
                    "WHERE koperasi_id = %s AND chain_index >= %s",
                    [raw.pk, start + 1],
                )
                ids = dict(cursor.fetchall())
                cursor.executemany(
                    services._INSERT_POSTING,
                    [
                        (raw.pk, ids[start + 1 + n], raw_accounts[a], s * 100, "", row[5])
                        for n, row in enumerate(chunk)
                        for a, s in shapes[start + n]
                    ],
                )
                cursor.execute(
                    "UPDATE ledger_journalentry SET status = 'posted' "
                    "WHERE koperasi_id = %s AND chain_index >= %s",
                    [raw.pk, start + 1],
                )

    figure(
        "raw executemany, same SQL, rules and rows",
        n / raw_time.wall,
        "entries/s",
        "Python overhead only",
    )
    figure("service / raw executemany", raw_time.wall / service.wall, "")
    figure("raw executemany, per CPU-second", n / raw_time.cpu, "entries/s")
    figure("service / raw executemany, CPU time", raw_time.cpu / service.cpu, "")


def _copy_floor(actor: Any, dates: list[dt.date], shapes: list[list[tuple[int, int]]]) -> float:
    """The same rows into a koperasi of their own by COPY, with the database's rules (statement
    triggers, constraints) held: seconds taken."""
    from django.db import connection, transaction

    from ledger import services

    kop = _koperasi("bench-copy", dt.date(2026, 4, 1))
    accounts = [a.pk for a in _leaf_accounts(kop)]
    now = dt.datetime.now(dt.UTC)
    rows = [
        (kop.pk, f"JU/2026/{i + 1:06d}", 2026, i + 1, i + 1, d, now, "bench", f"Transaksi {i}")
        + ("", actor.pk, None, None, "draft", "0" * 64, "f" * 64)
        for i, d in enumerate(dates)
    ]
    with timer() as copy_time:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            with transaction.atomic(), connection.cursor() as cursor:
                with cursor.copy(services._COPY_ENTRIES) as copy:
                    for row in chunk:
                        copy.write_row(row)
                cursor.execute(
                    "SELECT chain_index, id FROM ledger_journalentry "
                    "WHERE koperasi_id = %s AND chain_index >= %s",
                    [kop.pk, start + 1],
                )
                ids = dict(cursor.fetchall())
                with cursor.copy(services._COPY_POSTINGS) as copy:
                    for n, row in enumerate(chunk):
                        for a, amount in shapes[start + n]:
                            copy.write_row(
                                (kop.pk, ids[start + 1 + n], accounts[a], amount * 100, "", row[5])
                            )
                cursor.execute(
                    "UPDATE ledger_journalentry SET status = 'posted' "
                    "WHERE koperasi_id = %s AND chain_index >= %s",
                    [kop.pk, start + 1],
                )
    return copy_time.wall


# --- 2. single ------------------------------------------------------------------------------


def _single() -> None:
    from ledger import services
    from ledger.selectors import account_for_role

    kop = _koperasi("bench-single", dt.date(2026, 3, 16))
    actor = _actor()
    kas = account_for_role(koperasi=kop, role="kas")
    sukarela = account_for_role(koperasi=kop, role="simpanan_sukarela")
    amounts = [Decimal(random.Random(2).randrange(1, 2000) * 1000) for _ in range(SINGLE_ENTRIES)]
    with timer() as single:
        for i, amount in enumerate(amounts):
            services.post(
                koperasi=kop,
                lines=[
                    services.Line(kas, debit=amount),
                    services.Line(sukarela, credit=amount),
                ],
                kind="savings.deposit",
                memo="Setoran tunai",
                actor=actor,
                idempotency_key=f"setoran-{i}",
            )
    figure(
        f"single post, one transaction each ({SINGLE_ENTRIES:,})",
        SINGLE_ENTRIES / single.wall,
        "entries/s",
        "target ≥ 500",
    )
    figure("single post, per CPU-second of this process", SINGLE_ENTRIES / single.cpu, "entries/s")
    # Kasir of several koperasi at once: each koperasi's chain takes one entry at a time, but
    # the engine flushes the commits of different koperasi together.
    threads = 8
    per_thread = max(50, SINGLE_ENTRIES // threads)
    books = [_koperasi(f"bench-single-{n}", dt.date(2026, 3, 16)) for n in range(threads)]
    with timer() as together:
        _at_once([_poster(k, actor, per_thread) for k in books])
    figure(
        f"single post, {threads} koperasi at once ({threads * per_thread:,})",
        threads * per_thread / together.wall,
        "entries/s",
        "target ≥ 500",
    )
    floor = _commit_floor(SINGLE_ENTRIES)
    figure("one-row INSERT + COMMIT each (durable-commit floor)", floor, "entries/s")
    figure("single post / floor", SINGLE_ENTRIES / single.wall / floor, "")
    if engine() == "postgresql":
        # Each durable commit waits for the disk's flush, whose rate on this shared machine
        # moves between ~150 and ~2 000/s from one minute to the next. The same posts and the
        # same floor with the commit not waiting for the flush (not durable, a diagnostic only)
        # show what the code and the engine cost by themselves.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        try:
            kop2 = _koperasi("bench-single-nosync", dt.date(2026, 3, 16))
            with timer() as nosync:
                _poster(kop2, actor, SINGLE_ENTRIES)()
            nosync_floor = _commit_floor(SINGLE_ENTRIES)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        figure(
            "single post, commit not waiting for the disk (diagnostic)",
            SINGLE_ENTRIES / nosync.wall,
            "entries/s",
        )
        figure("one-row INSERT + COMMIT, the same (diagnostic)", nosync_floor, "entries/s")
        figure(
            "single post / that floor (diagnostic)",
            SINGLE_ENTRIES / nosync.wall / nosync_floor,
            "",
        )
    print(f"  ({load()})")


def _poster(kop: Any, actor: Any, n: int) -> Callable[[], None]:
    from ledger import services
    from ledger.selectors import account_for_role

    kas = account_for_role(koperasi=kop, role="kas")
    sukarela = account_for_role(koperasi=kop, role="simpanan_sukarela")

    def post_all() -> None:
        for i in range(n):
            amount = Decimal((i % 1999 + 1) * 1000)
            services.post(
                koperasi=kop,
                lines=[services.Line(kas, debit=amount), services.Line(sukarela, credit=amount)],
                kind="savings.deposit",
                memo="Setoran tunai",
                actor=actor,
                idempotency_key=f"setoran-{i}",
            )

    return post_all


def _at_once(jobs: list[Callable[[], None]]) -> None:
    """Run the jobs in threads, each with its own database connection; raise the first error."""
    import threading

    from django.db import connection

    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # re-raised below, in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _commit_floor(n: int) -> float:
    """Transactions per second of the simplest durable write: one row INSERT, then COMMIT."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commit_floor (id INTEGER PRIMARY KEY, amount BIGINT)")
    try:
        with timer() as t:
            for i in range(n):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO bench_commit_floor (id, amount) VALUES (%s, %s)", [i, i * 1000]
                    )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_commit_floor")
    return n / t.wall


# --- 3. balance read ------------------------------------------------------------------------


def _month_start(first: dt.date, n: int) -> dt.date:
    y, m = divmod(first.month - 1 + n, 12)
    return dt.date(first.year + y, m + 1, 1)


def _books_with_history(code: str, postings: int) -> tuple[Any, dt.date, list[dt.date]]:
    """A koperasi with about ``postings`` postings, MONTHLY_POSTINGS a month, none of its months
    closed yet. Returns it, a date inside its last month, and the first day of each month."""
    from ledger import services

    months = max(1, round(postings / MONTHLY_POSTINGS))
    first = _month_start(dt.date(2026, 4, 1), -(months - 1))
    kop = _koperasi(code, _month_start(first, months))
    actor = _actor()
    accounts = _leaf_accounts(kop)
    rng = random.Random(3)
    starts = []
    for n in range(months):
        start = _month_start(first, n)
        starts.append(start)
        shapes = []
        count = 0
        while count < MONTHLY_POSTINGS:
            shape = _shapes(rng, 1, len(accounts))[0]
            shapes.append(shape)
            count += len(shape)
        days = (_month_start(first, n + 1) - start).days
        entries = _new_entries(shapes, accounts, _spread(len(shapes), start, days))
        services.post_many(koperasi=kop, entries=entries, actor=actor)
    return kop, _month_start(first, months - 1) + dt.timedelta(days=14), starts


def _close_all_but_last(kop: Any, starts: list[dt.date]) -> None:
    from ledger import services

    actor = _actor()
    for start in starts[:-1]:
        services.period_close(koperasi=kop, year=start.year, month=start.month, actor=actor)


def _per_read(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(repeat):
            fn()
        samples.append((time.perf_counter() - t0) / repeat)
    return statistics.median(samples)


def _reads(kop: Any, mid: dt.date) -> tuple[float, float, float]:
    from ledger.selectors import account_for_role, balance, trial_balance

    kas = account_for_role(koperasi=kop, role="kas")
    return (
        _per_read(lambda: balance(account=kas), 20),
        _per_read(lambda: balance(account=kas, as_of=mid), 20),
        _per_read(lambda: trial_balance(koperasi=kop), 5),
    )


def _balances() -> None:
    from ledger.models import Posting

    with timer() as built:
        small, small_mid, _starts = _books_with_history("bench-10k", SMALL_POSTINGS)
        large, large_mid, starts = _books_with_history("bench-1m", LARGE_POSTINGS)
    n_small = Posting.objects.filter(koperasi=small).count()
    n_large = Posting.objects.filter(koperasi=large).count()
    print(f"  balance: built {n_small:,} and {n_large:,} postings in {built.wall:.0f} s")
    baseline = _reads(small, small_mid)  # the floor: one open month of 10 000 postings
    results = {"open": _reads(large, large_mid)}
    with timer() as closing:
        _close_all_but_last(large, starts)
    print(f"  ({len(starts) - 1} months closed in {closing.wall:.1f} s)")
    results["closed"] = _reads(large, large_mid)
    names = ("balance(kas), now", "balance(kas) as of mid-month", "trial balance, now")
    shapes = {
        "open": f"{n_large:,} postings, one open period",
        "closed": f"{n_large:,} postings, {len(starts) - 1} months closed",
    }
    for i, name in enumerate(names):
        s = baseline[i] * 1000
        figure(f"{name} at {n_small:,} postings (floor)", s, "ms")
        for shape, label in shapes.items():
            big = results[shape][i] * 1000
            figure(f"{name} at {label}", big, "ms")
            figure(f"  ratio to the floor ({shape})", big / s, "", "target ≤ 2")


PARTS = {"batch": _batch, "single": _single, "balances": _balances}


def run() -> None:
    for part in PARTS.values():
        part()
