"""A repayment at the counter racing the close of business, and a member's exit racing a
repayment from sukarela (PostgreSQL: real locks, real threads).

Each race is forced in both orders (one side holds its locks while the other starts and waits),
and its end state is compared with the same two actions run one after the other in that order
on a twin koperasi: nothing lost, nothing counted twice — the instalment paid, the day's accrual
and denda booked once, the books balanced and ``kopdig ledger verify`` whole.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum

from ledger.models import Posting
from loans import services
from loans.models import Loan, LoanTransaction
from loans.services import closing
from loans.services.repayment import amount_due, open_instalments
from registry.models import Koperasi, Region
from registry.regions import load_regions
from savings import services as savings
from savings.models import Account as SavingsAccount
from tests.factories import KoperasiFactory, disbursed_loan, loan_staff, savings_products
from tests.loans.life import reconciled
from tests.threads import at_once, errors_of, held_by_another

pytestmark = pytest.mark.postgres
D = Decimal
START = dt.date(2025, 1, 15)  # disbursed; the first instalment falls due on 15 February
DAY = dt.date(2025, 2, 21)  # six days late: denda is charged (three days' grace)
_codes = itertools.count(1)


@pytest.fixture
def regions(transactional_db: Any) -> None:
    if not Region.objects.exists():
        load_regions(Region)


def at(koperasi: Koperasi, day: dt.date) -> None:
    Koperasi.objects.filter(pk=koperasi.pk).update(business_date=day)
    koperasi.business_date = day


def close_day(koperasi: Koperasi, day: dt.date) -> None:
    """The loans steps of the close for ``day``, each in its own transaction, as the close runs
    them."""
    fresh = Koperasi.objects.get(pk=koperasi.pk)
    for _name, step in closing.STEPS:
        outcome = step(koperasi=fresh, day=day, actor=None)
        assert not outcome.failures, outcome.failures


def scenario() -> tuple[Koperasi, Loan, Any, Any]:
    """A flat loan of Rp10.000.000 disbursed on 15 January, closed every day up to ``DAY``
    (its first instalment six days late), and a kasir with an open drawer."""
    koperasi = KoperasiFactory.create(code=f"balap-{next(_codes)}", business_date=START)
    savings_products(koperasi)
    loan = disbursed_loan(koperasi)
    day = START
    while day < DAY:
        at(koperasi, day)
        close_day(koperasi, day)
        day += dt.timedelta(days=1)
    at(koperasi, DAY)
    kasir, _pengurus = loan_staff(koperasi)
    session = savings.cashier_open(koperasi=koperasi, kasir=kasir, count=D("0"), actor=kasir)
    return koperasi, Loan.objects.get(pk=loan.pk), kasir, session


def payment(loan: Loan) -> Decimal:
    """What is due (the first instalment and its denda) and the second instalment's interest
    paid ahead: the day's accrual on that interest must then not be booked as well."""
    rows = open_instalments(loan)
    return amount_due(loan, DAY) + rows[1].interest_due


def repay(loan: Loan, kasir: Any, session: Any, amount: Decimal) -> Callable[[], Any]:
    def run() -> Any:
        return services.loan_repay(
            loan=Loan.objects.get(pk=loan.pk),
            amount=amount,
            via="kas",
            actor=kasir,
            session=session,
            on=DAY,
            idempotency_key=f"balap-{loan.pk}",
        )

    return run


def state(koperasi: Koperasi) -> dict[str, Any]:
    """What the race must leave exactly as the serial run does."""
    loan = Loan.objects.get(koperasi=koperasi)
    return {
        "loan": (loan.status, loan.outstanding_principal, loan.accrued_interest, loan.allowance),
        "grade": (loan.kolektibilitas, loan.days_past_due),
        "instalments": [
            (r.number, r.principal_paid, r.interest_paid, r.interest_due, r.denda_due, r.denda_paid)
            for r in loan.instalments.order_by("version", "number")
        ],
        "books": dict(
            Posting.objects.filter(koperasi=koperasi)
            .values_list("account__code")
            .annotate(s=Sum("amount"))
            .values_list("account__code", "s")
        ),
        "movements": dict(
            LoanTransaction.objects.filter(loan=loan)
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        ),
    }


def whole(koperasi: Koperasi) -> None:
    reconciled(koperasi)
    call_command("ledger", "verify", "--koperasi", koperasi.code)


def wait_until_blocked() -> None:
    """Until another connection waits for a row lock (the second side of the race is queued)."""
    event = threading.Event()
    for _ in range(400):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
        event.wait(0.025)
    raise AssertionError("the other side never waited for a lock")


def race(first: Callable[[], Any], then: Callable[[], Any]) -> Any:
    """``first`` runs and holds its locks; ``then`` starts in another thread and waits for
    them; ``first`` commits, ``then`` goes on. Returns what ``then`` returned (or raised)."""
    result: list[Any] = []

    def second() -> None:
        try:
            result.append(then())
        except Exception as exc:  # handed to the test
            result.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=second)
    with held_by_another(first):
        worker.start()
        wait_until_blocked()
    worker.join(30)
    assert result, "the second side never finished"
    return result[0]


def test_a_repayment_under_way_when_the_close_starts(regions: None) -> None:
    koperasi, loan, kasir, session = scenario()
    amount = payment(loan)
    out = race(repay(loan, kasir, session, amount), lambda: close_day(koperasi, DAY))
    assert not isinstance(out, Exception), out
    twin, twin_loan, twin_kasir, twin_session = scenario()
    assert payment(twin_loan) == amount
    repay(twin_loan, twin_kasir, twin_session, amount)()
    close_day(twin, DAY)
    assert state(koperasi) == state(twin)
    first = Loan.objects.get(pk=loan.pk).instalments.order_by("version", "number")[0]
    assert (first.principal_paid, first.interest_paid) == (first.principal_due, first.interest_due)
    assert first.denda_paid == first.denda_due > 0
    whole(koperasi)


def test_a_close_under_way_when_the_repayment_comes(regions: None) -> None:
    koperasi, loan, kasir, session = scenario()
    amount = payment(loan)
    out = race(lambda: close_day(koperasi, DAY), repay(loan, kasir, session, amount))
    assert not isinstance(out, Exception), out
    twin, twin_loan, twin_kasir, twin_session = scenario()
    close_day(twin, DAY)
    repay(twin_loan, twin_kasir, twin_session, amount)()
    assert state(koperasi) == state(twin)
    whole(koperasi)


def test_a_repayment_and_the_whole_close_at_once(regions: None) -> None:
    """No forced order: whichever wins, the books are whole and the close ran once."""
    koperasi, loan, kasir, session = scenario()
    amount = payment(loan)
    results = at_once([repay(loan, kasir, session, amount), lambda: close_day(koperasi, DAY)])
    assert not errors_of(results), results
    again = state(koperasi)
    close_day(koperasi, DAY)  # the same day again changes nothing
    assert state(koperasi) == again
    whole(koperasi)


# --- a member's exit and a repayment from sukarela: one lock order -----------------------------


def exit_scenario() -> tuple[Koperasi, Loan, Any, SavingsAccount]:
    koperasi, loan, kasir, _session = scenario()
    sukarela = SavingsAccount.objects.get(member=loan.member, product__kind="sukarela")
    savings.deposit(account=sukarela, amount=D("20000000"), actor=None, via="bank")
    return koperasi, loan, kasir, sukarela


def leave(loan: Loan, kasir: Any) -> Callable[[], Any]:
    def run() -> Any:
        return savings.member_exit(
            member=Loan.objects.get(pk=loan.pk).member,
            actor=kasir,
            on=DAY,
            reason="Pindah",
            via="bank",
            idempotency_key=f"keluar-{loan.pk}",
        )

    return run


def from_sukarela(loan: Loan, kasir: Any, amount: Decimal) -> Callable[[], Any]:
    def run() -> Any:
        return services.loan_repay(
            loan=Loan.objects.get(pk=loan.pk),
            amount=amount,
            via="sukarela",
            actor=kasir,
            on=DAY,
            idempotency_key=f"sukarela-{loan.pk}",
        )

    return run


def test_exit_and_repayment_from_sukarela_in_either_order_never_deadlock(regions: None) -> None:
    # The exit first: the repayment waits, then finds the loan settled and is refused.
    koperasi, loan, kasir, _sukarela = exit_scenario()
    out = race(leave(loan, kasir), from_sukarela(loan, kasir, payment(loan)))
    assert isinstance(out, services.LoansError | savings.SavingsError), out
    assert Loan.objects.get(pk=loan.pk).status == "lunas"
    whole(koperasi)
    # The repayment first: the exit waits, then nets what is left.
    koperasi, loan, kasir, _sukarela = exit_scenario()
    amount = payment(loan)
    out = race(from_sukarela(loan, kasir, amount), leave(loan, kasir))
    assert not isinstance(out, Exception), out
    assert Loan.objects.get(pk=loan.pk).status == "lunas"
    kinds = set(LoanTransaction.objects.filter(loan=loan).values_list("kind", flat=True))
    assert {"angsuran", "netting"} <= kinds
    whole(koperasi)


def test_exits_and_repayments_of_many_members_at_once(regions: None) -> None:
    """Unforced: several members each leaving while a repayment from their sukarela runs."""
    jobs: list[Callable[[], Any]] = []
    made = []
    for _ in range(3):
        koperasi, loan, kasir, _sukarela = exit_scenario()
        made.append((koperasi, loan))
        jobs += [leave(loan, kasir), from_sukarela(loan, kasir, payment(loan))]
    results = at_once(jobs)
    deadlocks = [r for r in errors_of(results) if "deadlock" in str(r).lower()]
    assert not deadlocks, deadlocks
    for exited, repaid in zip(results[::2], results[1::2], strict=True):
        assert not isinstance(exited, Exception), exited
        assert not isinstance(repaid, Exception) or isinstance(
            repaid, services.LoansError | savings.SavingsError
        ), repaid
    for koperasi, loan in made:
        assert Loan.objects.get(pk=loan.pk).status == "lunas"
        whole(koperasi)
