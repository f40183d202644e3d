"""The loans demo, small: loans of the three methods, arrears at every kolektibilitas grade
after the real close of business, and ``kopdig ledger verify`` whole afterwards."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.core.management import call_command

from loans import demo
from loans.models import Loan, LoanStatus
from registry.models import Role
from savings import demo as savings_demo
from tests.factories import KoperasiFactory, UserFactory, grant

TODAY = dt.date(2026, 3, 18)
# A tenth of Papagarang's plan: enough for every method and grade, quick in a test.
SMALL = demo.Plan(
    borrowers=20, weekly=6, float_kas=15_000_000, salaries=4_500_000, office=1_000_000
)


def test_a_small_loans_demo_has_every_method_and_grade_and_verifies(db: Any) -> None:
    koperasi = KoperasiFactory.create(code="nelayan-papagarang", name="Koperasi Nelayan")
    for role in (Role.PENGURUS, Role.KASIR):
        grant(UserFactory.create(username=f"{role}.papagarang"), role, koperasi)
    savings_demo.load_koperasi(koperasi, today=TODAY, rng=random.Random(1), members=40, months=2)
    line = demo.load_koperasi(koperasi, today=TODAY, rng=random.Random(1), plan=SMALL)
    assert line is not None and line.startswith("nelayan-papagarang: ")
    loans = Loan.objects.filter(koperasi=koperasi).exclude(disbursed_on=None)
    assert set(loans.values_list("method", flat=True)) == {"flat", "anuitas", "menurun"}
    running = loans.filter(status=LoanStatus.AKTIF)
    grades = set(running.values_list("kolektibilitas", flat=True))
    assert grades == {"lancar", "kurang_lancar", "diragukan", "macet"}
    # In arrears at each grade past Lancar: days past due as the close of business counted.
    for loan in running.exclude(kolektibilitas="lancar"):
        floor = 30 if loan.frequency == "mingguan" else 90
        assert loan.days_past_due > floor, (loan.number, loan.kolektibilitas, loan.days_past_due)
    koperasi.refresh_from_db()
    assert koperasi.business_date == TODAY
    out = io.StringIO()
    call_command("ledger", "verify", "--koperasi", koperasi.code, stdout=out)  # raises if not
    text = out.getvalue()
    assert "rantai hash utuh" in text and "Buku pembantu cocok" in text
    # Loading again changes nothing.
    assert demo.load_koperasi(koperasi, today=TODAY, rng=random.Random(1), plan=SMALL) is None
