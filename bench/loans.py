"""Loans benchmark: the loans steps of the close of business for **100 000 active loans**.

The loans are written in bulk (25 000 members with four loans each; monthly loans of 12
instalments, one in twenty weekly over 26 weeks; flat, anuitas and menurun; disbursed over the
year before), most paid up to date and one in ten behind by 1 to 400 days, with one ledger
entry for all disbursements (and one for the repayments). Then the four steps
(``loans.services.closing``: accrual, denda, kolektibilitas, PPAP) run for

* a first close (15 March 2026: every loan is graded for the first time),
* an ordinary day (16 March 2026), then the same day again (must change nothing),
* a month-end day (31 March 2026: the PPAP entry for every loan), then again.

Target: each day at most 30 s on SQLite. The baseline, measured in the same run, is raw SQL
doing the least any such close must do: read every open instalment once (the oldest unpaid per
loan) and write one column of every active loan (an ``executemany`` UPDATE). The close's time is
printed as a ratio to it.

``KOPDIG_BENCH_SCALE=0.1 python -m bench loans`` for a quick look.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from decimal import Decimal
from typing import Any

from bench import figure, koperasi, load, timer
from bench._counter import kasir_run, report, write_floor

SCALE = float(os.environ.get("KOPDIG_BENCH_SCALE", "1"))
LOANS = max(1_000, int(100_000 * SCALE))
FIRST = dt.date(2026, 3, 15)
ORDINARY = dt.date(2026, 3, 16)
MONTH_END = dt.date(2026, 3, 31)
D = Decimal
KASIR = 10
REPAYMENTS_EACH = max(10, int(60 * SCALE))
RUNS = (
    ("busy counter: each kasir 0.5-2 s between requests", (0.5, 2.0), "busy"),
    ("saturation: no pause between requests", (0.0, 0.0), "flat"),
)


def _populate(k: Any, rng: random.Random, count: int = LOANS) -> int:
    from django.contrib.auth import get_user_model

    from ledger.selectors import account_for_role
    from ledger.services import Line, chart_setup, post
    from loans import schedule
    from loans.models import Instalment, Loan, LoanTransaction
    from loans.services import product_create
    from members.models import Member
    from savings.services._bulk import insert_rows, now

    chart_setup(koperasi=k, actor=None)
    product = product_create(
        koperasi=k,
        actor=None,
        code="PU",
        name="Pinjaman Umum",
        effective_from=dt.date(2020, 1, 1),
        method="flat",
        rate_percent=D("1"),
        rate_per="bulan",
        frequency="bulanan",
        min_tenor=3,
        max_tenor=36,
        min_amount=D("500000"),
        max_amount=D("50000000"),
        denda_kind="persen",
        denda_percent=D("0.1"),
    )
    terms = product.terms.get()
    users = get_user_model()
    maker = users.objects.create(username=f"{k.code}.maker")
    checker = users.objects.create(username=f"{k.code}.checker")
    created = now()
    members = count // 4
    born = dt.date(1980, 1, 1)
    insert_rows(
        Member,
        (
            "koperasi_id", "number", "full_name", "nik", "birth_date", "gender", "join_date",
            "status", "phone", "address", "occupation", "heir_name", "heir_relation",
            "left_reason", "created_at", "updated_at",
        ),
        (
            (
                k.pk, f"{n:06d}", f"Anggota Bench {n}",
                f"53{15 + n // 9999 % 80:02d}05{born:%d%m%y}{n % 9999 + 1:04d}",
                born, "L", dt.date(2020, 1, 6), "aktif", "", "", "", "", "", "", created, created,
            )
            for n in range(members)
        ),
    )  # fmt: skip
    member_ids = list(Member.objects.filter(koperasi=k).values_list("pk", flat=True))
    shapes: dict[tuple[str, int, str, int], schedule.Schedule] = {}
    loans = []
    plans = []
    for n in range(count):
        method = ("flat", "anuitas", "menurun")[n % 3]
        weekly = n % 20 == 0
        frequency = "mingguan" if weekly else "bulanan"
        tenor = 26 if weekly else 12
        principal = rng.choice((1, 2, 3, 5, 8, 10, 15, 20)) * 1_000_000
        disbursed = FIRST - dt.timedelta(days=rng.randint(1, 340 if not weekly else 170))
        key = (method, tenor, frequency, principal)
        if key not in shapes:
            shapes[key] = schedule.build(
                method=method,
                principal=D(principal),
                rate=terms.period_rate
                if not weekly
                else schedule.period_rate(
                    D(1), basis=schedule.RateBasis.PER_MONTH, frequency=schedule.Frequency.WEEKLY
                ),
                periods=tenor,
                start=dt.date(2026, 1, 1),
                frequency=frequency,
            )
        made = shapes[key]
        dates = schedule.due_dates(disbursed, tenor, schedule.Frequency(frequency))
        behind = rng.randint(1, 400) if n % 10 == 0 else 0
        paid_until = FIRST - dt.timedelta(days=behind)  # instalments due before it are paid
        paid_principal = sum(
            (i.principal for i, due in zip(made, dates, strict=True) if due < paid_until), D(0)
        )
        outstanding = D(principal) - paid_principal
        if outstanding <= 0:
            outstanding = D(principal)
            paid_until = disbursed  # a fully paid loan would not be active: leave it unpaid
        loans.append(
            (
                k.pk, member_ids[n % members], product.pk, terms.pk, f"PJ/B/{n:06d}", "aktif",
                D(principal), method, 100, "bulan", frequency, tenor, 0, "", "", False,
                disbursed, maker.pk, checker.pk, created, False, "", disbursed, dates[-1],
                D(0), D(0), outstanding, D(0), D(0), D(0), D(0), 0, "lancar", "", "", 0, 0, 1,
                created,
            )
        )  # fmt: skip
        plans.append((made, dates, paid_until))
    fields = (
        "koperasi_id", "member_id", "product_id", "terms_id", "number", "status", "principal",
        "method", "rate_bp", "rate_per", "frequency", "tenor", "grace", "purpose", "collateral",
        "related_party", "applied_on", "applied_by_id", "approved_by_id", "approved_at",
        "rate_cap_acknowledged", "decision_note", "disbursed_on", "maturity_date", "fees",
        "saving_taken", "outstanding_principal", "accrued_interest", "allowance", "written_off",
        "recovered", "days_past_due", "kolektibilitas", "grade_override", "override_reason",
        "restructured_count", "on_time_streak", "schedule_version", "created_at",
    )  # fmt: skip
    insert_rows(Loan, fields, loans)
    ids = list(Loan.objects.filter(koperasi=k).order_by("pk").values_list("pk", flat=True))

    def instalments() -> Any:
        for loan_id, (made, dates, paid_until) in zip(ids, plans, strict=True):
            for inst, due in zip(made, dates, strict=True):
                paid = due < paid_until
                yield (
                    k.pk, loan_id, 1, inst.number, due, inst.principal, inst.interest,
                    inst.principal if paid else D(0), inst.interest if paid else D(0),
                    D(0), D(0), D(0), due if paid else None, False,
                )  # fmt: skip

    rows = insert_rows(
        Instalment,
        (
            "koperasi_id", "loan_id", "version", "number", "due_date", "principal_due",
            "interest_due", "principal_paid", "interest_paid", "denda_due", "denda_paid",
            "denda_waived", "paid_on", "superseded",
        ),
        instalments(),
    )  # fmt: skip
    lent = sum((row[6] for row in loans), D(0))
    owed = sum((row[26] for row in loans), D(0))
    kas = account_for_role(koperasi=k, role="kas")
    disbursement = post(
        koperasi=k,
        lines=[Line(product.ledger_account, debit=lent), Line(kas, credit=lent)],
        kind="loans.disbursement",
        memo="Pencairan (bench)",
        actor=None,
        value_date=FIRST - dt.timedelta(days=1),
    )
    repaid = lent - owed
    repayment = post(
        koperasi=k,
        lines=[Line(kas, debit=repaid), Line(product.ledger_account, credit=repaid)],
        kind="loans.repayment",
        memo="Angsuran (bench)",
        actor=None,
        value_date=FIRST - dt.timedelta(days=1),
    )
    tx_fields = (
        "koperasi_id", "loan_id", "kind", "value_date", "created_at", "entry_id", "principal",
        "accrued", "allowance", "interest_paid", "denda_paid", "fees", "cash", "memo",
    )  # fmt: skip
    insert_rows(
        LoanTransaction,
        tx_fields,
        (
            (k.pk, loan_id, kind, FIRST - dt.timedelta(days=1), created, entry, amount,
             D(0), D(0), D(0), D(0), D(0), -amount, "")
            for loan_id, row in zip(ids, loans, strict=True)
            for kind, entry, amount in (
                ("pencairan", disbursement.pk, row[6]),
                ("angsuran", repayment.pk, row[26] - row[6]),
            )
            if amount
        ),
    )  # fmt: skip
    return rows


def _baseline(k: Any) -> float:
    """Raw SQL: the oldest unpaid instalment of every loan, and one column of every loan
    written back (executemany)."""
    from django.db import connection, transaction

    with timer() as t, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT loan_id, MIN(due_date) FROM loans_instalment WHERE koperasi_id = %s "
            "AND superseded = %s AND due_date < %s AND (principal_paid < principal_due "
            "OR interest_paid < interest_due) GROUP BY loan_id",
            [k.pk, False, ORDINARY],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT id, days_past_due FROM loans_loan WHERE koperasi_id = %s AND status = %s",
            [k.pk, "aktif"],
        )
        rows = cursor.fetchall()
        cursor.executemany(
            "UPDATE loans_loan SET days_past_due = %s WHERE id = %s", [(d, i) for i, d in rows]
        )
    return t()


def _close(k: Any, day: dt.date, label: str) -> float:
    from loans.services import closing

    k.business_date = day
    k.save(update_fields=["business_date"])
    total = 0.0
    cpu = time.process_time()
    for name, step in closing.STEPS:
        with timer() as t:
            out = step(koperasi=k, day=day, actor=None)
        total += t()
        figure(
            f"  {label} {name}",
            t(),
            "s",
            f"cpu {t.cpu:.2f} s; {out.done} loans, {len(out.entry_ids)} entries, "
            f"{len(out.failures)} failures",
        )
    figure(f"{label}: four steps", total, "s", f"cpu {time.process_time() - cpu:.1f} s")
    return total


def bench_close() -> None:
    from django.db import transaction

    from ledger.models import JournalEntry
    from loans.models import LoanTransaction

    print(f"loans close of business, {LOANS} active loans ({load()})")
    k = koperasi("bench-pinjaman", FIRST)
    with timer() as made, transaction.atomic():
        instalments = _populate(k, random.Random(20260315))
    figure("setup: loans and instalments written in bulk", LOANS, "loans",
           f"{instalments} instalments, {made():.1f} s")  # fmt: skip
    base = _baseline(k)
    figure("baseline: raw SQL read instalments, write every loan", base, "s")
    _close(k, FIRST, "first close")
    for day, label in ((ORDINARY, "ordinary day"), (MONTH_END, "month end")):
        seconds = _close(k, day, label)
        figure(f"{label}: ratio to the baseline", seconds / base, "×", "target ≤ 30 s")
        entries = JournalEntry.objects.filter(koperasi=k).count()
        moves = LoanTransaction.objects.filter(koperasi=k).count()
        again = _close(k, day, f"{label} again")
        same = (
            JournalEntry.objects.filter(koperasi=k).count() == entries
            and LoanTransaction.objects.filter(koperasi=k).count() == moves
        )
        figure(f"{label} again: changed nothing", float(same), "", "1 = yes")
        del again


def _statements(k: Any, user: Any, loan_id: int) -> int:
    """How many SQL statements one repayment request runs (session and login included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench._counter import kasir_client, post_form

    client = kasir_client(user, reverse("loans:counter", kwargs={"kode": k.code}))
    url = reverse("loans:loan_repay", kwargs={"kode": k.code, "loan_id": loan_id})
    data = {"amount": "1000", "via": "kas", "confirmed": "on", "key": "statements-0"}
    post_form(client, url, data)  # warm up
    with CaptureQueriesContext(connection) as queries:
        response = post_form(client, url, {**data, "key": "statements"})
    assert response.status_code == 302, response.status_code
    return len(queries)


def bench_http_repayment() -> None:
    """A repayment through the kasir's page (``POST /k/<kode>/pinjaman/<id>/bayar/``) by 10 kasir
    at once, each on their own members' loans, in cash into their own drawer: the machinery of
    the deposit benchmark (:mod:`bench._counter`). Target: p95 at most 50 ms; printed with its
    ratio to the floor (one row updated per transaction, raw SQL, at the same concurrency)."""
    from django.db import transaction
    from django.urls import reverse

    from loans.models import Loan
    from registry.models import Role
    from savings import services
    from tests.factories import UserFactory, grant

    k = koperasi("bench-angsuran", FIRST)
    with transaction.atomic():
        _populate(k, random.Random(11), count=max(KASIR * REPAYMENTS_EACH, 1_000))
    loans = list(Loan.objects.filter(koperasi=k).order_by("pk").values_list("pk", flat=True))
    users = []
    for n in range(KASIR):
        user = UserFactory.create(username=f"bench-angsuran-{n}")
        grant(user, Role.KASIR, k)
        services.cashier_open(koperasi=k, kasir=user, count=D("5000000"), actor=user)
        users.append(user)
    floor = write_floor(Loan._meta.db_table, "days_past_due", loans, threads=KASIR,
                        each=REPAYMENTS_EACH)  # fmt: skip
    figure("floor: one row updated per transaction, raw SQL, p95", floor, "ms", f"{KASIR} at once")
    figure("SQL statements per repayment request", _statements(k, users[0], loans[-1]))
    counter_url = reverse("loans:counter", kwargs={"kode": k.code})
    for label, think, tag in RUNS:

        def request_for(
            n: int, i: int, rng: random.Random, tag: str = tag
        ) -> tuple[str, dict[str, str]]:
            own = loans[n::KASIR]
            # Each run on loans of its own: a partial payment, below any instalment.
            loan_id = own[(i + (REPAYMENTS_EACH if tag == "flat" else 0)) % len(own)]
            url = reverse("loans:loan_repay", kwargs={"kode": k.code, "loan_id": loan_id})
            data = {
                "amount": f"{rng.randrange(10, 50) * 1000}",
                "via": "kas",
                "confirmed": "on",
                "key": f"{tag}-{n}-{i}",
            }
            return url, data

        run = kasir_run(
            users, request_for, counter_url=counter_url, each=REPAYMENTS_EACH, think=think, tag=tag
        )
        report(label, run, kasir=KASIR, floor_ms=floor, what="repayment")


PARTS = {"close": bench_close, "repayment": bench_http_repayment}


def run() -> None:
    for part in PARTS.values():
        part()
