"""Savings benchmarks: the month end in bulk, and a deposit through the kasir's page.

1. Month end (``savings.services.month_end``) for a koperasi of **100 000 accounts**: 25 000
   members with pokok, wajib (2%, average balance), sukarela (3%, daily balance, 2 movements a
   month on average) and berjangka (6%). The steps bill 25 000 wajib, compute and credit interest
   on 75 000 accounts, withhold PPh for 25 000 members (records for every one). Target: 30 s on
   SQLite. The second run for the same date (which must post nothing) is timed too.
2. Deposit through the HTTP page (``POST /k/<kode>/kasir/rekening/<id>/setor/``) by **10 kasir at
   once**, each in their own thread, session and cash session, on their own members' accounts.
   Server time per request: the whole Django stack (middleware, login, tenancy, the view, the
   service, the database, including waiting for its write lock), measured around the request
   handler. Target: p95 at most 50 ms. Run twice: a busy counter (each kasir pauses 0.5–2 s
   between deposits, already faster than any person counting cash) and saturation (no pause).

``KOPDIG_BENCH_SCALE=0.1 python -m bench savings`` for a quick look; ``python -m bench
savings.deposit`` (or ``savings.month_end``) runs one part.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from decimal import Decimal
from typing import Any

from bench import figure, koperasi, timer
from bench._counter import Run, kasir_client, kasir_run, report, write_floor

SCALE = float(os.environ.get("KOPDIG_BENCH_SCALE", "1"))
MEMBERS = max(250, int(25_000 * SCALE))
KASIR = 10
DEPOSITS_EACH = max(10, int(60 * SCALE))
MONTH_END = dt.date(2026, 1, 31)
D = Decimal


def _koperasi(code: str) -> Any:
    return koperasi(code, MONTH_END)


def _products(koperasi: Any) -> dict[str, Any]:
    from ledger.services import chart_setup
    from savings.services import product_create

    chart_setup(koperasi=koperasi, actor=None)
    start = dt.date(2020, 1, 1)
    common = {"koperasi": koperasi, "actor": None, "effective_from": start}
    return {
        "pokok": product_create(
            **common, code="SP", name="Simpanan Pokok", kind="pokok", pokok_amount=D("100000")
        ),
        "wajib": product_create(
            **common,
            code="SW",
            name="Simpanan Wajib",
            kind="wajib",
            wajib_amount=D("50000"),
            rate_percent=D("2"),
            interest_method="rata_rata",
            open_on_join=True,
        ),
        "sukarela": product_create(
            **common,
            code="SS",
            name="Simpanan Sukarela",
            kind="sukarela",
            rate_percent=D("3"),
            interest_method="harian",
            min_balance=D("10000"),
            open_on_join=True,
        ),
        "berjangka": product_create(
            **common,
            code="SB",
            name="Simpanan Berjangka",
            kind="berjangka",
            rate_percent=D("6"),
            tenors=[3, 6, 12],
            min_balance=D("1000000"),
        ),
    }


def _populate(koperasi: Any, products: dict[str, Any], members: int, rng: random.Random) -> int:
    """Members, their four accounts with opening balances, and a month of sukarela movements,
    written in bulk with one ledger entry for the openings and one for the month."""
    from ledger.selectors import account_for_role
    from ledger.services import Line, post
    from members.models import Member
    from savings.models import Account, Transaction
    from savings.services._bulk import insert_rows, now
    from savings.services._common import BOOKED_FIELDS
    from savings.services.opening import book_opening_balances

    created = now()
    born = dt.date(1980, 1, 1)
    insert_rows(
        Member,
        (
            "koperasi_id",
            "number",
            "full_name",
            "nik",
            "birth_date",
            "gender",
            "join_date",
            "status",
            "phone",
            "address",
            "occupation",
            "heir_name",
            "heir_relation",
            "left_reason",
            "created_at",
            "updated_at",
        ),
        (
            (
                koperasi.pk,
                f"{n:06d}",
                f"Anggota Bench {n}",
                f"53{15 + n // 9999 % 80:02d}05{born:%d%m%y}{n % 9999 + 1:04d}",
                born,
                "L",
                dt.date(2020, 1, 6),
                "aktif",
                "",
                "",
                "",
                "",
                "",
                "",
                created,
                created,
            )
            for n in range(1, members + 1)
        ),
    )
    member_ids = list(
        Member.objects.filter(koperasi=koperasi).order_by("pk").values_list("pk", flat=True)
    )
    opening_day = dt.date(2025, 12, 31)
    berjangka_terms = (12, 600, dt.date(2025, 6, 1), dt.date(2026, 6, 1), "ke_sukarela")
    rows = []
    for n, member_id in enumerate(member_ids):
        balances = {
            "pokok": D("100000"),
            "wajib": D(50000 * rng.randrange(6, 60)),
            "sukarela": D(rng.randrange(20, 5000) * 1000),
            "berjangka": D(rng.randrange(1, 50) * 1_000_000),
        }
        for kind, balance in balances.items():
            term = berjangka_terms if kind == "berjangka" else (None, None, None, None, "")
            rows.append(
                (
                    koperasi.pk,
                    member_id,
                    products[kind].pk,
                    kind,
                    f"{n:06d}-{products[kind].code}",
                    balance,
                    D("10000") if kind == "sukarela" else D(0),
                    "aktif",
                    dt.date(2020, 1, 6),
                    "",
                    D(0),
                    D(0),
                    *term,
                    created,
                )
            )
    insert_rows(
        Account,
        (
            "koperasi_id",
            "member_id",
            "product_id",
            "kind",
            "number",
            "balance",
            "floor",
            "status",
            "opened_on",
            "close_reason",
            "prepaid",
            "term_interest",
            "tenor_months",
            "rate_bp",
            "term_start",
            "maturity_date",
            "at_maturity",
            "created_at",
        ),
        rows,
    )
    book_opening_balances(
        koperasi=koperasi,
        on=opening_day,
        actor=None,
        kind="bench.opening",
        memo="Saldo awal",
        movement_memo="Saldo awal",
    )
    accounts = list(Account.objects.filter(koperasi=koperasi).values_list("pk", "kind", "balance"))
    kas = account_for_role(koperasi=koperasi, role="kas")
    # January: about two sukarela movements per member, deposits and withdrawals.
    moves = []
    by_account: dict[int, D] = {}
    for pk, kind, balance in accounts:
        if kind != "sukarela":
            continue
        for _ in range(rng.choice((0, 1, 2, 3, 4))):
            amount = D(rng.randrange(5, 500) * 1000)
            if rng.random() < 0.3 and balance - amount >= D("10000"):
                amount = -amount
            balance += amount
            by_account[pk] = by_account.get(pk, D(0)) + amount
            moves.append((pk, amount, dt.date(2026, 1, rng.randrange(1, 32))))
    net = sum(by_account.values(), D(0))
    month = post(
        koperasi=koperasi,
        lines=[Line(kas, debit=net), Line(products["sukarela"].ledger_account, credit=net)],
        kind="bench.january",
        memo="Mutasi Januari",
        actor=None,
        value_date=dt.date(2026, 1, 15),
    )
    insert_rows(
        Transaction,
        BOOKED_FIELDS,
        (
            (
                koperasi.pk,
                pk,
                "setoran" if amt > 0 else "penarikan",
                amt,
                day,
                created,
                month.pk,
                "",
                0,
            )
            for pk, amt, day in moves
        ),
    )
    changed = list(Account.objects.filter(pk__in=list(by_account)))
    for account in changed:
        account.balance += by_account[account.pk]
    Account.objects.bulk_update(changed, ["balance"], batch_size=2000)
    return len(rows)


def bench_month_end() -> None:
    from django.db import transaction

    from savings.services import month_end

    rng = random.Random(20260131)
    koperasi = _koperasi("bench-akhir-bulan")
    products = _products(koperasi)
    with timer() as made, transaction.atomic():
        accounts = _populate(koperasi, products, MEMBERS, rng)
    figure("setup: accounts written in bulk", accounts, "accounts", f"{made():.1f} s")
    cpu = time.process_time()
    with timer() as t:
        results = month_end(koperasi=koperasi, on=MONTH_END, actor=None)
    cpu = time.process_time() - cpu
    for r in results:
        figure(f"  {r.step}: rows", r.count, "rows")
    figure(
        f"month end, {accounts} accounts",
        t(),
        "s",
        f"target ≤ 30 s; cpu {cpu:.1f} s",
    )
    with timer() as again:
        month_end(koperasi=koperasi, on=MONTH_END, actor=None)
    figure("month end again (posts nothing)", again() * 1000, "ms")


def _statements(koperasi: Any, user: Any, account_id: int) -> int:
    """How many SQL statements one deposit request runs (session and login included)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    url = reverse(
        "savings:deposit", kwargs={"kode": koperasi.code, "savings_account_id": account_id}
    )
    client.post(url, {"amount": "1000", "memo": "", "idempotency_key": "statements-0"})  # warm up
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"amount": "1000", "memo": "", "idempotency_key": "statements"})
    assert response.status_code == 302, response.status_code
    return len(queries)


RUNS = (
    ("busy counter: each kasir 0.5-2 s between requests", (0.5, 2.0), "busy"),
    ("saturation: no pause between requests", (0.0, 0.0), "flat"),
)


def bench_http_deposit() -> None:
    from registry.models import Role
    from savings import services
    from savings.models import Account
    from tests.factories import UserFactory, grant

    koperasi = _koperasi("bench-kasir")
    products = _products(koperasi)
    _populate(koperasi, products, max(KASIR * 20, 250), random.Random(7))
    sukarela = list(
        Account.objects.filter(koperasi=koperasi, kind="sukarela").values_list("pk", flat=True)
    )
    users = []
    for n in range(KASIR):
        user = UserFactory.create(username=f"bench-kasir-{n}")
        grant(user, Role.KASIR, koperasi)
        services.cashier_open(koperasi=koperasi, kasir=user, count=D("5000000"), actor=user)
        users.append(user)
    # Baseline on this machine: one primary-key query through the ORM (CPU time).
    probes = []
    for pk in sukarela[:200]:
        started = time.thread_time()
        Account.objects.filter(pk=pk).first()
        probes.append(time.thread_time() - started)
    baseline = statistics.median(probes) * 1000
    figure("baseline: one ORM primary-key query", baseline, "ms CPU")
    figure("SQL statements per deposit request", _statements(koperasi, users[0], sukarela[0]))
    floor = write_floor(
        Account._meta.db_table, "balance", sukarela, threads=KASIR, each=DEPOSITS_EACH
    )
    figure("floor: one row updated per transaction, raw SQL, p95", floor, "ms", f"{KASIR} at once")
    for label, think, tag in RUNS:
        times, cpu, elapsed, failed = _kasir_run(koperasi, users, sukarela, think, tag)
        run = Run(times, cpu, elapsed, failed)
        report(label, run, kasir=KASIR, floor_ms=floor, what="deposit")
        median_cpu = statistics.median(run.cpu) * 1000
        figure("  median CPU / one ORM primary-key query", median_cpu / baseline, "×")


def _kasir_client(user: Any, koperasi: Any) -> Any:
    """A logged-in kasir's browser that has opened the counter (which sets the CSRF cookie)."""
    from django.urls import reverse

    return kasir_client(user, reverse("savings:counter", kwargs={"kode": koperasi.code}))


def _kasir_run(
    koperasi: Any, users: list[Any], sukarela: list[int], think: tuple[float, float], tag: str
) -> tuple[list[float], list[float], float, int]:
    """Every kasir posts deposits on their own members' sukarela (:func:`bench._counter.kasir_run`);
    returns server wall and CPU seconds per request, the elapsed time and the failures."""
    from django.urls import reverse

    def request_for(n: int, i: int, rng: random.Random) -> tuple[str, dict[str, str]]:
        own = sukarela[n :: len(users)]
        url = reverse(
            "savings:deposit",
            kwargs={"kode": koperasi.code, "savings_account_id": own[i % len(own)]},
        )
        data = {
            "amount": f"{rng.randrange(10, 500) * 1000}",
            "memo": "",
            "idempotency_key": f"{tag}-{n}-{i}",
        }
        return url, data

    run = kasir_run(
        users,
        request_for,
        counter_url="",
        each=DEPOSITS_EACH,
        think=think,
        tag=tag,
        client=lambda user: _kasir_client(user, koperasi),
    )
    return run.times, run.cpu, run.elapsed, run.failures


PARTS = {"month_end": bench_month_end, "deposit": bench_http_deposit}


def run() -> None:
    for part in PARTS.values():
        part()
