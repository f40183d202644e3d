"""Two closes of one koperasi at once, and the kasir working while a close runs
(PostgreSQL: real locks, real threads)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

import pytest

from closing import services
from closing.models import CloseJob, CloseRun, JobStatus
from core.steps import StepOutcome
from ledger import services as ledger
from members.models import Member
from registry.models import Koperasi, Region
from registry.regions import load_regions
from savings import services as savings
from savings.models import Kind
from tests.factories import KoperasiFactory, UserFactory, grant
from tests.savings.books import assert_books_agree, member_fields
from tests.savings.conftest import account, make_products
from tests.threads import at_once

pytestmark = pytest.mark.postgres
D = Decimal
IN_STEP = threading.Event()
LEAVE_STEP = threading.Event()


def slow(*, koperasi: Any, day: dt.date, actor: Any, only: list[int] | None = None) -> StepOutcome:
    """A step that takes its time (and holds no transaction while it does)."""
    IN_STEP.set()
    LEAVE_STEP.wait(5)
    return StepOutcome(done=1)


@pytest.fixture
def rina(transactional_db: Any, settings: Any) -> tuple[Member, Any]:
    if not Region.objects.exists():
        load_regions(Region)
    settings.CLOSING_STEPS = [
        ("lambat", "Lambat", "tests.closing.test_concurrency_pg:slow", "daily")
    ]
    IN_STEP.clear()
    LEAVE_STEP.clear()
    koperasi = KoperasiFactory.create(business_date=dt.date(2025, 1, 27))
    kasir = UserFactory.create(username="kasir-pg")
    grant(kasir, "kasir", koperasi)
    ledger.chart_setup(koperasi=koperasi, actor=kasir)
    make_products(koperasi, kasir)
    member = savings.member_join(
        koperasi=koperasi,
        actor=kasir,
        sukarela_paid=D("500000"),
        **member_fields("Rina Jehamat", 1),
    ).member
    return member, kasir


def test_two_closes_at_once_close_each_day_once(rina: tuple[Member, Any]) -> None:
    member, _kasir = rina
    koperasi = member.koperasi
    LEAVE_STEP.set()  # no waiting: the two race for the lease

    def close() -> CloseJob:
        return services.close_to(
            koperasi=Koperasi.objects.get(pk=koperasi.pk), to=dt.date(2025, 1, 29), actor=None
        )

    results = at_once([close, close, close])
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(r.status for r in results)
    assert JobStatus.SELESAI in statuses
    # Each day closed once, whoever did it; the business date moved exactly three days.
    assert CloseRun.objects.filter(koperasi=koperasi).count() == 3
    koperasi.refresh_from_db()
    assert koperasi.business_date == dt.date(2025, 1, 30)
    for r in results:
        if r.status != JobStatus.SELESAI:
            assert "sedang berjalan" in r.error


def test_the_kasir_is_not_held_up_by_a_close(rina: tuple[Member, Any]) -> None:
    member, kasir = rina
    koperasi = member.koperasi
    sukarela = account(member, Kind.SUKARELA)
    result: list[Any] = []

    def close() -> None:
        try:
            result.append(
                services.close_to(
                    koperasi=Koperasi.objects.get(pk=koperasi.pk),
                    to=dt.date(2025, 1, 27),
                    actor=None,
                )
            )
        finally:
            from django.db import connection

            connection.close()

    worker = threading.Thread(target=close)
    worker.start()
    try:
        assert IN_STEP.wait(5)
        started = time.monotonic()
        savings.deposit(account=sukarela, amount=D("25000"), actor=kasir)
        assert time.monotonic() - started < 2  # not waiting for the close
        # A second close is refused while the first runs.
        busy = services.close_to(
            koperasi=Koperasi.objects.get(pk=koperasi.pk), to=dt.date(2025, 1, 27), actor=None
        )
        assert busy.status == JobStatus.TERHENTI and "sedang berjalan" in busy.error
    finally:
        LEAVE_STEP.set()
        worker.join(10)
    assert result and result[0].status == JobStatus.SELESAI
    sukarela.refresh_from_db()
    assert sukarela.balance == D("525000")
    assert_books_agree(koperasi)
