"""The savings demo, small: members, products and history whose books agree."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from members.models import Member
from registry.models import Role
from savings import demo, selectors
from savings.models import MonthEndRun, Obligation, Product, TaxWithholding
from tests.factories import KoperasiFactory, UserFactory, grant
from tests.savings.books import assert_books_agree

START = dt.date(2026, 1, 1)  # two months before 18 March 2026


def test_a_small_demo_koperasi_has_history_and_its_books_agree(db: Any) -> None:
    koperasi = KoperasiFactory.create(code="nelayan-papagarang", name="Koperasi Nelayan")
    for role in (Role.PENGURUS, Role.KASIR):
        grant(UserFactory.create(username=f"{role}.papagarang"), role, koperasi)
    line = demo.load_koperasi(
        koperasi, today=dt.date(2026, 3, 18), rng=random.Random(1), members=40, months=2
    )
    assert line is not None and line.startswith("nelayan-papagarang: ")
    members = Member.objects.filter(koperasi=koperasi)
    assert members.count() >= 36
    assert all(m.nik.startswith("5315") and len(m.nik) == 16 for m in members)
    # A spouse is the other gender: a woman's is her "suami", a man's his "istri".
    spouses = {
        (m.gender, m.heir_relation) for m in members if m.heir_relation in ("suami", "istri")
    }
    assert spouses and spouses <= {("P", "suami"), ("L", "istri")}
    assert Product.objects.filter(koperasi=koperasi).count() == 4
    assert MonthEndRun.objects.filter(koperasi=koperasi, step="bunga").count() == 2
    assert TaxWithholding.objects.filter(koperasi=koperasi).exists()
    # Members already there with wajib months unpaid before the history starts owe them: the
    # opening entry books them as obligations and a receivable (assert_books_agree counts it).
    before = Obligation.objects.filter(koperasi=koperasi, kind="wajib", period__lt=START)
    assert before.exists()
    assert all(o.created_at <= before[0].created_at for o in before)
    # Every masa past its due date with tax withheld has been deposited, in time.
    masas = selectors.tax_masa_rows(koperasi=koperasi)
    assert "disetor" in [r.status for r in masas] and all(
        r.status in ("disetor", "nihil") for r in masas if r.due_date < dt.date(2026, 3, 18)
    )
    koperasi.refresh_from_db()
    assert koperasi.business_date == dt.date(2026, 3, 18)
    assert_books_agree(koperasi)
    # Loading again changes nothing.
    assert demo.load_koperasi(koperasi, today=dt.date(2026, 3, 18), rng=random.Random(1)) is None
