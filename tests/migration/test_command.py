"""``kopdig migration import``: exit status, ``--json``, ``--mapping``, the readable summary."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from members.models import Member
from migration.models import MigrationBatch
from registry.models import Koperasi
from tests.factories import KoperasiFactory
from tests.migration.legacy_books import ON, legacy_workbook
from tests.migration.workbooks import csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(name="KSP Harapan Lama", code="harapan-lama", business_date=ON)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("migration", "import", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_dry_run_json_prints_one_object_and_writes_nothing(koperasi, tmp_path: Path):
    path = tmp_path / "buku-lama.xlsx"
    path.write_bytes(legacy_workbook())
    code, out, _err = run(str(path), "--koperasi", "harapan-lama", "--dry-run", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"batch", "dry_run", "committed", "sheets", "errors", "reconciliation"}
    assert result["dry_run"] is True and result["committed"] is False
    members = result["sheets"][0]
    assert members == {
        "name": "Anggota",
        "kind": "members",
        "header_row": 4,
        "rows_read": 5,
        "rows_imported": 5,
        "rows_rejected": 0,
        "totals": {"pokok": "500000.00", "wajib": "750000.00", "sukarela": "150000.00"},
    }
    assert result["reconciliation"]["pinjaman_anggota"] == {
        "legacy_total": "12000000.00",
        "kopdig_total": "12000000.00",
        "difference": "0.00",
    }
    assert not Member.objects.exists()


def test_rejected_rows_exit_1_and_refuse_unless_partial(koperasi, tmp_path: Path):
    path = tmp_path / "buku-lama.xlsx"
    path.write_bytes(legacy_workbook(broken={2: {"nik": "53150122089"}}))
    code, out, _err = run(str(path), "--koperasi", "harapan-lama", "--json")
    assert code == 1
    result = json.loads(out)
    assert result["committed"] is False and result["sheets"][0]["rows_rejected"] == 1
    error = result["errors"][0]
    assert (error["sheet"], error["row"], error["code"]) == ("Anggota", 6, "nik_length")
    assert error["column"] == "NIK (C)" and error["value"] == "53150122089"
    assert not Member.objects.exists()

    code, out, _err = run(str(path), "--koperasi", "harapan-lama", "--accept-partial")
    assert code == 1
    assert Member.objects.count() == 4
    assert "Selesai: batch" in out and "Rekonsiliasi" in out and "baris 6" in out


def test_a_readable_summary_and_exit_0(koperasi, tmp_path: Path):
    path = tmp_path / "buku-lama.xlsx"
    path.write_bytes(legacy_workbook())
    code, out, _err = run(str(path), "--koperasi", "harapan-lama")
    assert code == 0
    assert "Dibuat: 5 anggota, 15 rekening simpanan, 2 pinjaman, 3 jurnal." in out
    assert "OK      Pinjaman anggota (sisa pokok): Rp12.000.000 → Rp12.000.000 (Rp0)" in out
    assert MigrationBatch.objects.get(status="committed").filename == "buku-lama.xlsx"


def test_a_mapping_file(koperasi, tmp_path: Path):
    data = tmp_path / "anggota.csv"
    data.write_bytes(
        csv_bytes([["Kode", "Nama Anggota", "KTP"], ["A-1", "Yohanes Jehaut", "5315012208900001"]])
    )
    mapping = tmp_path / "pemetaan.json"
    mapping.write_text(
        json.dumps(
            {
                "kinds": {"CSV": "members"},
                "mappings": {"CSV": {"number": "Kode", "name": "Nama Anggota", "nik": "KTP"}},
            }
        )
    )
    code, _out, _err = run(str(data), "--koperasi", "harapan-lama", "--mapping", str(mapping))
    assert code == 0
    assert Member.objects.get(number="A-1").full_name == "Yohanes Jehaut"


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"", "kosong.xlsx", "tidak dapat dibaca"),
        (b"PK\x03\x04 rusak", "rusak.xlsx", "tidak dapat dibaca"),
        ("No. Anggota;Nama\r\n".encode("utf-16"), "anggota.csv", "UTF-16"),
    ],
)
def test_an_unreadable_file_exits_2_with_its_reason(koperasi, tmp_path: Path, content, name, words):
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(str(path), "--koperasi", "harapan-lama")
    assert code == 2 and words in err and out == ""
    code, out, _err = run(str(path), "--koperasi", "harapan-lama", "--json")
    assert code == 2 and words in json.loads(out)["error"]
    assert not MigrationBatch.objects.exists()


def test_a_missing_file_or_koperasi(koperasi, tmp_path: Path):
    code, _out, err = run(str(tmp_path / "tidak-ada.xlsx"), "--koperasi", "harapan-lama")
    assert code == 2 and "tidak dapat dibuka" in err
    with pytest.raises(CommandError) as caught:
        call_command("migration", "import", "x.xlsx", "--koperasi", "tidak-ada")
    assert caught.value.returncode == 2
