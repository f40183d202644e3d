"""Simpanan berjangka placements from the legacy sheet (issue 9): each a berjangka account with
its opening balance, its locked rate and its maturity; a matured one refused.

The migration day is 1 December 2026.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ledger import selectors as ledger_selectors
from ledger.integrity import verify_subledgers
from migration import services
from registry.models import Koperasi
from savings.models import Account, AtMaturity
from savings.services.berjangka import early_penalty
from tests.factories import KoperasiFactory
from tests.migration.legacy_books import ON, member_rows, savings_total
from tests.migration.workbooks import xlsx

D = Decimal
pytestmark = pytest.mark.django_db

HEADER = ["No. Anggota", "Nama", "No. Bilyet", "Nominal", "Tanggal Penempatan",
          "Jangka Waktu (bulan)", "Bunga per Tahun", "Saat Jatuh Tempo"]  # fmt: skip
GOOD = [
    ["00001", "Anggota Lama 1", "BJ-001", "10.000.000", "01/09/2026", 6, "6", "ARO"],
    ["00002", "Anggota Lama 2", "BJ-002", 5000000, "15/11/2026", 3, "5,5", None],
]
BAD = [
    ["00003", "Anggota Lama 3", "BJ-003", 2000000, "01/01/2026", 6, 6, None],  # matured 1 July
    ["00004", "Anggota Lama 4", "BJ-004", 1000000, "01/10/2026", 12, 10, None],  # above 9%
]


@pytest.fixture
def koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(name="KSP Harapan Lama", code="harapan-lama", business_date=ON)


def trial_balance(berjangka: Decimal) -> list[list[Any]]:
    """A legacy neraca saldo agreeing with five members' savings and the placements."""
    pokok, wajib, sukarela = (savings_total(5, k) for k in ("pokok", "wajib", "sukarela"))
    kas = pokok + wajib + sukarela + berjangka
    return [
        ["Kode", "Nama Akun", "Debet", "Kredit"],
        ["101", "Kas", kas, None],
        ["301", "Simpanan Pokok", None, pokok],
        ["302", "Simpanan Wajib", None, wajib],
        ["201", "Simpanan Sukarela", None, sukarela],
        ["202", "Simpanan Berjangka", None, berjangka],
    ]


def book(rows: list[list[Any]], *, berjangka_in_tb: Decimal | None = None) -> bytes:
    sheets: dict[str, Any] = {"Anggota": member_rows(5), "Berjangka": [HEADER, *rows]}
    if berjangka_in_tb is not None:
        sheets["Neraca Saldo"] = trial_balance(berjangka_in_tb)
    return xlsx(sheets)


def control(koperasi: Koperasi) -> Decimal:
    account = ledger_selectors.account_for_role(koperasi=koperasi, role="simpanan_berjangka")
    return -ledger_selectors.balance(account=account)


def test_placements_come_in_with_their_locked_rate_and_maturity(koperasi):
    data = book(GOOD, berjangka_in_tb=D("15000000"))
    result = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert result.committed, result.errors
    assert result.created["term_deposits"] == 2
    first = Account.objects.get(koperasi=koperasi, number="BJ-001")
    assert (first.kind, first.balance, first.rate_bp, first.tenor_months) == (
        "berjangka",
        D("10000000"),
        600,
        6,
    )
    assert first.term_start == dt.date(2026, 9, 1)
    assert first.maturity_date == dt.date(2027, 3, 1)
    assert first.at_maturity == AtMaturity.ROLL_OVER
    second = Account.objects.get(koperasi=koperasi, number="BJ-002")
    assert second.rate_bp == 550 and second.maturity_date == dt.date(2027, 2, 15)
    assert second.at_maturity == AtMaturity.TO_SUKARELA  # the product's choice
    assert second.member.number == "00002"
    # Breaking early works on a placement that began before the product had terms in Kopdig.
    assert early_penalty(first) == 0

    # The placements reconcile to the legacy trial balance and to the control account.
    assert control(koperasi) == D("15000000")
    found = {f.name: f for f in result.reconciliation}
    assert found["simpanan_berjangka"].legacy_total == D("15000000")
    assert found["simpanan_berjangka"].kopdig_total == D("15000000")
    assert all(f.difference == 0 for f in result.reconciliation)
    assert all(check.ok for check in verify_subledgers(koperasi=koperasi))

    before = Account.objects.count()
    again = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert again.nothing_new and Account.objects.count() == before
    assert set(again.statuses["Berjangka"].values()) == {services.ALREADY}

    assert result.batch is not None
    services.revert(result.batch, actor=None)
    assert control(koperasi) == 0
    assert not Account.objects.filter(koperasi=koperasi, kind="berjangka", status="aktif")
    assert all(check.ok for check in verify_subledgers(koperasi=koperasi))
    # The fixed books come in again, the placement numbers kept free by the closed accounts.
    back = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert back.committed and back.created["term_deposits"] == 2
    assert control(koperasi) == D("15000000")


def test_a_matured_placement_or_a_rate_above_the_cap_is_refused_with_its_reason(koperasi):
    data = book([*GOOD, *BAD])
    refused = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert not refused.committed
    problems = {p.row: p for p in refused.errors if p.sheet == "Berjangka"}
    assert problems[4].code == "placement_matured"
    assert "01/07/2026" in problems[4].message and "diperpanjang" in problems[4].message
    assert problems[5].code == "rate_above_cap" and "9%" in problems[5].message

    partial = services.commit(
        koperasi, data, filename="buku-lama.xlsx", actor=None, accept_partial=True
    )
    assert partial.committed and partial.created["term_deposits"] == 2
    assert control(koperasi) == D("15000000")
    # What the file states, refused rows included, against what came in: the gap is shown.
    (figure,) = [f for f in partial.reconciliation if f.name == "simpanan_berjangka"]
    assert (figure.legacy_total, figure.difference) == (D("18000000"), D("-3000000"))


def test_a_berjangka_row_on_the_savings_sheet_points_to_the_placements_sheet(koperasi):
    from ledger.services import chart_setup
    from savings.services import product_create

    chart_setup(koperasi=koperasi, actor=None)
    product_create(
        koperasi=koperasi, actor=None, code="SB6", name="Simpanan Berjangka 6 Bulan",
        kind="berjangka", effective_from=ON, rate_percent=D("6"), tenors=[6],
    )  # fmt: skip
    savings: list[list[Any]] = [
        ["No. Anggota", "Jenis Simpanan", "Saldo"],
        ["00001", "SB6", 1000000],
    ]
    data = xlsx({"Anggota": member_rows(2), "Simpanan": savings})
    result = services.plan(koperasi, data, filename="buku-lama.xlsx")
    (problem,) = result.errors
    assert problem.code == "berjangka_not_supported" and "Tanggal Penempatan" in problem.message


def test_the_report_workbook_marks_each_placement_and_reads_back_as_the_file(koperasi):
    import io

    from openpyxl import load_workbook

    from migration.report import write_report
    from migration.table import REPORT_NOTE, REPORT_STATUS

    data = book([*GOOD, *BAD])
    result = services.commit(
        koperasi, data, filename="buku-lama.xlsx", actor=None, accept_partial=True
    )
    report = write_report(data, "buku-lama.xlsx", result)
    sheet = load_workbook(io.BytesIO(report))["Berjangka"]
    header = [cell.value for cell in sheet[1]]
    status, note = header.index(REPORT_STATUS) + 1, header.index(REPORT_NOTE) + 1
    assert [sheet.cell(row, status).value for row in range(2, 6)] == [
        "Diimpor", "Diimpor", "Ditolak", "Ditolak"
    ]  # fmt: skip
    assert "jatuh tempo pada 01/07/2026" in sheet.cell(4, note).value
    # The report imported again is the koperasi's file: what came in is already there.
    again = services.plan(koperasi, report, filename="buku-lama-laporan.xlsx")
    assert again.statuses["Berjangka"] == {
        2: services.ALREADY, 3: services.ALREADY, 4: services.REJECTED, 5: services.REJECTED
    }  # fmt: skip
