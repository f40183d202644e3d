"""The report workbook from a migration's plan or commit: each data row says what happened to
it (would come in, came in, was already there, rejected), and the summary what was imported."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from migration import services
from migration.report import write_report
from migration.table import REPORT_STATUS
from registry.models import Koperasi
from tests.factories import KoperasiFactory
from tests.migration.legacy_books import ON, legacy_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(code="harapan-lama", business_date=ON)


def _statuses(report: bytes, sheet: str) -> dict[int, Any]:
    ws = load_workbook(io.BytesIO(report))[sheet]
    col = next(c.column for row in ws.iter_rows() for c in row if c.value == REPORT_STATUS)
    return {r: ws.cell(r, col).value for r in range(1, ws.max_row + 1)}


def test_plan_commit_and_again(koperasi):
    broken = {3: {"nik": 5.31501220889e15}}  # member 00003's NIK damaged by Excel
    data = legacy_workbook(broken=broken, trial_balance=False)
    plan = services.plan(koperasi, data, filename="buku-lama.xlsx")
    report = write_report(data, "buku-lama.xlsx", plan)
    members = _statuses(report, "Anggota")
    assert members[4] == REPORT_STATUS
    assert [members[r] for r in range(5, 10)] == [
        "Akan diimpor", "Akan diimpor", "Ditolak", "Akan diimpor", "Akan diimpor"
    ]  # fmt: skip
    assert members[10] == "Baris jumlah"
    summary = [
        [c.value for c in row]
        for row in load_workbook(io.BytesIO(report))["Ringkasan Impor"].iter_rows()
    ]
    assert summary[2][0].startswith("Uji coba")

    done = services.commit(
        koperasi, data, filename="buku-lama.xlsx", actor=None, accept_partial=True
    )
    assert done.committed and done.batch is not None
    report = write_report(data, "buku-lama.xlsx", done)
    assert [_statuses(report, "Anggota")[r] for r in (5, 7)] == ["Diimpor", "Ditolak"]
    summary = load_workbook(io.BytesIO(report))["Ringkasan Impor"]
    assert summary["A3"].value == f"Diimpor (batch {done.batch.pk})."

    again = services.plan(koperasi, data, filename="buku-lama.xlsx")
    report = write_report(data, "buku-lama.xlsx", again)
    assert [_statuses(report, "Anggota")[r] for r in (5, 7)] == ["Sudah ada", "Ditolak"]


def test_the_command_writes_the_report(koperasi, tmp_path):
    source = tmp_path / "buku-lama.xlsx"
    source.write_bytes(legacy_workbook(trial_balance=False))
    out = tmp_path / "laporan.xlsx"
    call_command(
        "migration",
        "import",
        str(source),
        "--koperasi",
        koperasi.code,
        "--dry-run",
        "--report",
        str(out),
        stdout=io.StringIO(),
    )  # fmt: skip (exit status 0: nothing rejected)
    statuses = _statuses(out.read_bytes(), "Pinjaman")
    assert [statuses[r] for r in (3, 4)] == ["Akan diimpor", "Akan diimpor"]
