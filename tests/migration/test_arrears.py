"""Wajib arrears from the legacy sheet become the members' obligations (issue 9; issue 12 item 7).

The migration day is 1 December 2026; the koperasi's wajib is Rp50.000 a month (the default
product the import makes). Arrears are the latest months before December: 3 months are
September, October and November 2026.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ledger import selectors as ledger_selectors
from ledger.integrity import verify_subledgers
from members.models import Member
from migration import services
from migration.models import BatchStatus
from portal.selectors import wajib_bill
from registry.models import Koperasi
from savings.models import Obligation
from savings.selectors import member_arrears
from tests.factories import KoperasiFactory
from tests.migration.legacy_books import ON, loan_rows, member_rows, trial_balance_rows
from tests.migration.workbooks import xlsx

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(name="KSP Harapan Lama", code="harapan-lama", business_date=ON)


def members_with(columns: dict[str, dict[int, Any]], count: int = 5) -> list[list[Any]]:
    """The legacy members sheet with more columns: header → {member n: value}."""
    rows = member_rows(count)
    rows[3] = rows[3] + list(columns)
    for n in range(1, count + 1):
        rows[3 + n] = rows[3 + n] + [values.get(n) for values in columns.values()]
    rows[-1] = rows[-1] + [None] * len(columns)
    return rows


def book(members: list[list[Any]], **extra: list[list[Any]]) -> bytes:
    return xlsx({"Anggota": members, "Pinjaman": loan_rows(), **extra})


def figures(result: services.MigrationResult) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    return {f.name: (f.legacy_total, f.kopdig_total, f.difference) for f in result.reconciliation}


def piutang(koperasi: Koperasi) -> Decimal:
    account = ledger_selectors.account_for_role(koperasi=koperasi, role="piutang_simpanan_wajib")
    return ledger_selectors.balance(account=account)


def test_months_in_arrears_become_obligations_in_the_bill_and_the_receivable(koperasi):
    data = book(
        members_with({"Tunggakan Wajib (bulan)": {2: 3, 4: "1 bulan"}}),
        **{"Neraca Saldo": trial_balance_rows(5)},
    )
    result = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert result.committed, result.errors

    member = Member.objects.get(koperasi=koperasi, number="00002")
    months = [o.period for o in member_arrears(member=member)]
    assert months == [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    bill = wajib_bill(member=member)
    assert bill.total == D("150000") and len(bill.unpaid) == 3
    assert bill.account is not None and bill.account.balance == D("100000")  # paid stays paid
    other = Member.objects.get(koperasi=koperasi, number="00004")
    assert [o.period for o in member_arrears(member=other)] == [dt.date(2026, 11, 1)]

    # The receivable equals the open obligations; the books' sub-ledgers still agree.
    open_owed = sum(o.outstanding for o in Obligation.objects.filter(koperasi=koperasi))
    assert open_owed == D("200000") == piutang(koperasi)
    assert all(check.ok for check in verify_subledgers(koperasi=koperasi))
    # The legacy trial balance kept wajib on cash: compared on Kopdig's accrual basis, every
    # figure agrees and nothing waits in suspense.
    found = figures(result)
    assert found["piutang_simpanan_wajib"] == (D("200000"), D("200000"), D(0))
    assert found["simpanan_wajib"][2] == 0
    assert all(diff == 0 for _legacy, _kopdig, diff in found.values())

    # The same file again creates nothing; the revert takes the arrears back with the batch.
    before = Obligation.objects.count()
    again = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert again.nothing_new and Obligation.objects.count() == before
    assert result.batch is not None
    services.revert(result.batch, actor=None)
    result.batch.refresh_from_db()
    assert result.batch.status == BatchStatus.REVERTED
    assert not Obligation.objects.filter(koperasi=koperasi).exists()
    assert piutang(koperasi) == 0
    assert all(check.ok for check in verify_subledgers(koperasi=koperasi))


def test_an_amount_must_be_whole_months_and_a_row_that_is_not_waits_with_its_member(koperasi):
    data = book(
        members_with(
            {
                "Tunggakan Wajib": {1: "Rp 100.000", 3: 75000, 5: 3, 2: 100000, 4: 50000},
                "Bulan Tunggak": {2: 2, 4: 2},
            }
        )
    )
    refused = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert not refused.committed
    problems = {p.row: (p.code, p.message) for p in refused.errors if p.sheet == "Anggota"}
    assert problems[7][0] == "arrears_not_whole_months"
    assert "Rp75.000" in problems[7][1] and "Rp50.000" in problems[7][1]
    code, message = problems[9]  # "3" in the rupiah column: months, probably, but not said
    assert code == "arrears_not_whole_months" and "3 bulan" in message
    assert problems[8][0] == "arrears_disagree"  # 2 months is Rp100.000, not Rp50.000

    partial = services.commit(
        koperasi, data, filename="buku-lama.xlsx", actor=None, accept_partial=True
    )
    assert partial.committed and partial.created["members"] == 2
    assert not Member.objects.filter(koperasi=koperasi, number__in=["00003", "00004", "00005"])
    first = Member.objects.get(koperasi=koperasi, number="00001")
    assert [o.amount for o in member_arrears(member=first)] == [D("50000")] * 2
    # What the file states is still the legacy side: the rejected rows' arrears show.
    legacy, kopdig, _diff = figures(partial)["piutang_simpanan_wajib"]
    assert kopdig == D("200000") == piutang(koperasi) and legacy > kopdig


def test_arrears_older_than_the_membership_are_refused(koperasi):
    data = book(members_with({"Tunggakan (bulan)": {1: 200}}))
    result = services.plan(koperasi, data, filename="buku-lama.xlsx")
    (problem,) = [p for p in result.errors if p.sheet == "Anggota"]
    assert problem.code == "arrears_before_joining" and "15/01/2015" in problem.message


def test_arrears_on_the_savings_sheet_belong_to_its_wajib_rows(koperasi):
    members = [row[:6] for row in member_rows(3)]  # no balances on the members sheet
    savings: list[list[Any]] = [
        ["No. Anggota", "Jenis Simpanan", "Saldo", "Tunggakan SW (bulan)"],
        ["00001", "Simpanan Wajib", 0, 2],
        ["00002", "Simpanan Wajib", 250000, None],
        ["00002", "Simpanan Sukarela", 10000, 1],
    ]
    data = xlsx({"Anggota": members, "Simpanan": savings})
    result = services.commit(
        koperasi, data, filename="buku-lama.xlsx", actor=None, accept_partial=True
    )
    assert result.committed
    (problem,) = result.errors
    assert (problem.sheet, problem.row, problem.code) == ("Simpanan", 4, "arrears_not_wajib")
    member = Member.objects.get(koperasi=koperasi, number="00001")
    bill = wajib_bill(member=member)
    assert bill.total == D("100000") and bill.account is not None
    assert bill.account.balance == 0  # the account the arrears are billed to, opened empty
    assert piutang(koperasi) == D("100000")


def test_arrears_stated_on_both_sheets_come_in_once(koperasi):
    members = members_with({"Tunggakan Wajib (bulan)": {1: 2, 2: 0}}, count=2)
    savings: list[list[Any]] = [
        ["No. Anggota", "Jenis Simpanan", "Saldo", "Bulan Tunggak"],
        ["00001", "Simpanan Wajib", 50000, 2],
        ["00002", "Simpanan Wajib", 100000, 1],  # the members sheet says none: they disagree
    ]
    data = xlsx({"Anggota": members, "Simpanan": savings})
    result = services.commit(
        koperasi, data, filename="buku-lama.xlsx", actor=None, accept_partial=True
    )
    assert result.committed
    assert [(p.sheet, p.row, p.code) for p in result.errors] == [("Simpanan", 3, "arrears_twice")]
    assert piutang(koperasi) == D("100000")
    legacy, kopdig, _diff = figures(result)["piutang_simpanan_wajib"]
    # Stated once per member (the members sheet first), not once per sheet.
    assert legacy == kopdig == D("100000")
