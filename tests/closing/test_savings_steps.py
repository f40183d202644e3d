"""The real savings steps run by the close: berjangka maturities daily (a failing placement is
recorded by account and rerun), the savings month end on the last day of the month only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from closing import savings_steps, services
from closing.models import CloseFailure, CloseRun, JobStatus, RunStatus
from closing.steps import STEPS
from ledger.models import JournalEntry
from members.models import Member
from registry.models import Koperasi
from savings import services as savings
from savings.models import Account, Kind, MonthEndRun, Obligation
from savings.services import SavingsError
from tests.savings.books import assert_books_agree, member_fields
from tests.savings.conftest import make_products

D = Decimal
pytestmark = pytest.mark.django_db
SAVINGS_STEPS = [s for s in STEPS if s.path.startswith("closing.")]


@pytest.fixture
def savings_only(settings: Any) -> None:
    """The real savings steps without the loans steps (not on this branch)."""
    settings.CLOSING_STEPS = SAVINGS_STEPS


@pytest.fixture
def member(books: Koperasi, pengurus: Any, kasir: Any) -> Member:
    make_products(books, pengurus)
    return savings.member_join(
        koperasi=books, actor=kasir, sukarela_paid=D("500000"), **member_fields("Rina Jehamat", 1)
    ).member


def placement(member: Member, kasir: Any, amount: str, maturity: dt.date) -> Account:
    from savings.models import Product

    sb = Product.objects.get(koperasi=member.koperasi, kind=Kind.BERJANGKA)
    account = savings.berjangka_open(
        member=member, product=sb, amount=D(amount), tenor_months=3, actor=kasir
    )
    # Brought forward: the test needs it to mature within the days it closes.
    Account.objects.filter(pk=account.pk).update(maturity_date=maturity)
    account.refresh_from_db()
    return account


def test_maturities_daily_and_savings_month_end_at_month_end(
    books: Koperasi, member: Member, kasir: Any, savings_only: None
) -> None:
    first = placement(member, kasir, "2000000", dt.date(2025, 1, 29))
    job = services.close_to(koperasi=books, to=dt.date(2025, 2, 1), actor=None)
    assert job.status == JobStatus.SELESAI, job.error
    first.refresh_from_db()
    assert (first.status, first.closed_on) == ("ditutup", dt.date(2025, 1, 29))
    day29 = CloseRun.objects.get(koperasi=books, day=dt.date(2025, 1, 29))
    step = day29.steps.get(step="jatuh_tempo_berjangka")
    assert (step.done, step.total) == (1, D("2000000"))
    # Month end only on the 31st: MonthEndRun rows for that date and none other.
    assert set(MonthEndRun.objects.filter(koperasi=books).values_list("date", flat=True)) == {
        dt.date(2025, 1, 31)
    }
    jan31 = CloseRun.objects.get(koperasi=books, day=dt.date(2025, 1, 31))
    assert [s.step for s in jan31.steps.all()] == ["akhir_bulan_simpanan", "jatuh_tempo_berjangka"]
    month_step = jan31.steps.get(step="akhir_bulan_simpanan")
    assert month_step.entries  # wajib billing and interest were posted
    assert Obligation.objects.filter(koperasi=books, period=dt.date(2025, 1, 1)).exists()
    assert CloseRun.objects.get(day=dt.date(2025, 2, 1)).steps_total == 1
    books.refresh_from_db()
    assert books.business_date == dt.date(2025, 2, 2)
    assert_books_agree(books)
    # The same date again: nothing posted.
    entries = JournalEntry.objects.filter(koperasi=books).count()
    again = services.close_to(koperasi=books, to=dt.date(2025, 2, 1), actor=None)
    assert again.days_total == 0
    assert JournalEntry.objects.filter(koperasi=books).count() == entries


def test_the_month_end_step_twice_posts_nothing(
    books: Koperasi, member: Member, pengurus: Any
) -> None:
    books.business_date = dt.date(2025, 1, 31)
    books.save(update_fields=["business_date"])
    day = dt.date(2025, 1, 31)
    first = savings_steps.savings_month_end(koperasi=books, day=day, actor=pengurus)
    assert first.done and first.entry_ids
    second = savings_steps.savings_month_end(koperasi=books, day=day, actor=pengurus)
    assert (second.done, second.entry_ids, second.total) == (0, [], D("0"))


def test_a_placement_that_fails_is_recorded_and_rerun(
    books: Koperasi,
    member: Member,
    kasir: Any,
    pengurus: Any,
    savings_only: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = placement(member, kasir, "1000000", dt.date(2025, 1, 28))
    good = placement(member, kasir, "3000000", dt.date(2025, 1, 28))
    real = savings_steps.berjangka_mature

    def flaky(*, account: Account, actor: Any) -> Account:
        if account.pk == bad.pk:
            raise SavingsError("Rekening sedang diperiksa pengawas.")
        return real(account=account, actor=actor)

    monkeypatch.setattr(savings_steps, "berjangka_mature", flaky)
    job = services.close_to(koperasi=books, to=dt.date(2025, 1, 28), actor=None)
    assert job.status == JobStatus.GAGAL_SEBAGIAN
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == "ditutup" and bad.is_open
    failure = CloseFailure.objects.get(koperasi=books)
    assert failure.object_id == bad.pk
    assert failure.object_label == f"{bad.number} — Rina Jehamat"
    assert failure.message == "Rekening sedang diperiksa pengawas."
    # The day closed anyway: the business date moved on.
    books.refresh_from_db()
    assert books.business_date == dt.date(2025, 1, 29)
    monkeypatch.setattr(savings_steps, "berjangka_mature", real)
    run = CloseRun.objects.get(koperasi=books, day=dt.date(2025, 1, 28))
    result = services.rerun_failures(run=run, actor=pengurus)
    assert (result.tried, result.resolved) == (1, 1)
    bad.refresh_from_db()
    assert bad.status == "ditutup" and bad.closed_on == dt.date(2025, 1, 28)
    run.refresh_from_db()
    assert run.status == RunStatus.SELESAI
    assert_books_agree(books)


def test_with_the_full_list_the_loans_steps_run_and_the_day_closes(
    books: Koperasi, member: Member
) -> None:
    """The real step list, loans included: a day closes through all its steps and the
    business date moves on (no step is reported missing)."""
    job = services.close_to(koperasi=books, to=dt.date(2025, 1, 27), actor=None)
    assert job.status == JobStatus.SELESAI, job.error
    assert "Langkah tidak tersedia" not in (job.error or "")
    books.refresh_from_db()
    assert books.business_date == dt.date(2025, 1, 28)
