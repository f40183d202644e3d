"""The Dinas imports its own registry spreadsheet: read with the migration's machinery, each row
creates or updates a koperasi through the registry services; a bad row changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from core.models import AuditEvent
from migration.registry_import import registry_import
from migration.templates_xlsx import template_xlsx
from registry.models import DigitalStageChange, Koperasi, Role, StatusChange
from tests.factories import KoperasiFactory, staff_user
from tests.migration.workbooks import csv_bytes, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["No", "Nama Koperasi", "No. Badan Hukum", "NIK Koperasi", "Jenis", "Kecamatan",
          "Desa/Kel", "Status", "Tgl Berdiri", "Tahap Digital"]  # fmt: skip
TITLE = [["DAFTAR KOPERASI KABUPATEN MANGGARAI BARAT"], ["Keadaan 31 Desember 2025"], []]


def rows(*data: list[Any]) -> bytes:
    return xlsx({"Registri": [*TITLE, HEADER, *data, ["Jumlah koperasi: 2"]]})


GOOD = [
    [1, "KSP Harapan Baru", "123/BH/XXIV/2015", "5315050000001", "KSP", "Komodo", "Gorontalo",
     "Aktif", "22/03/2015", "Pendataan"],
    [2, "Koperasi Nelayan Ponto", "77/BH/2019", "", "Produsen", "Lembor", "Ponto Ara",
     "Tidak aktif", "1 Mei 2019", ""],
]  # fmt: skip


@pytest.fixture
def admin(db: Any) -> Any:
    return staff_user("dinas", Role.DINAS_ADMIN)


def _import(data: bytes, admin: Any, *, dry_run: bool = False, name: str = "registri.xlsx", **kw):
    return registry_import(data, filename=name, actor=admin, dry_run=dry_run, **kw)


def _state() -> tuple[Any, ...]:
    return (
        sorted(Koperasi.objects.values_list("code", "name", "status", "digital_stage", "desa")),
        DigitalStageChange.objects.count(),
        StatusChange.objects.count(),
        AuditEvent.objects.count(),
    )


def test_new_koperasi_are_registered_with_their_region_and_stage(admin):
    result = _import(rows(*GOOD), admin)
    assert result.committed and [r.action for r in result.rows] == ["create", "create"]
    assert [r.row for r in result.rows] == [5, 6]  # as the spreadsheet numbers them
    ksp = Koperasi.objects.get(legal_number="123/BH/XXIV/2015")
    assert ksp.name == "KSP Harapan Baru" and ksp.kind == Koperasi.Kind.SIMPAN_PINJAM
    assert ksp.kecamatan.name == "Komodo" and str(ksp.desa) == "Gorontalo"
    assert ksp.nik_koperasi == "5315050000001" and ksp.founded_on == dt.date(2015, 3, 22)
    assert ksp.digital_stage == Koperasi.Stage.PENDATAAN and ksp.code == "ksp-harapan-baru"
    nelayan = Koperasi.objects.get(code="koperasi-nelayan")
    assert nelayan.status == Koperasi.Status.TIDAK_AKTIF
    assert nelayan.digital_stage == Koperasi.Stage.BELUM_DIGITAL
    assert AuditEvent.objects.filter(action="koperasi.create").count() == 2


def test_the_same_file_again_changes_nothing_and_a_changed_row_updates(admin):
    _import(rows(*GOOD), admin)
    before = _state()
    again = _import(rows(*GOOD), admin)
    assert [r.action for r in again.rows] == ["same", "same"] and _state() == before
    changed = [list(GOOD[0]), list(GOOD[1])]
    changed[0][7] = "Aktif belum RAT"  # found again by its nomor badan hukum
    changed[0][9] = "Digital"
    changed[1][1] = "Kop. Nelayan Ponto Ara"  # renamed: found by its nomor badan hukum
    result = _import(rows(*changed), admin)
    assert [r.action for r in result.rows] == ["update", "update"]
    assert result.rows[0].changes == ["Status", "Tahap digital"]
    ksp = Koperasi.objects.get(code="ksp-harapan-baru")
    assert ksp.status == Koperasi.Status.AKTIF_BELUM_RAT and ksp.digital_stage == "digital"
    assert ksp.stage_changes.filter(note="Impor daftar koperasi").exists()
    assert Koperasi.objects.get(code="koperasi-nelayan").name == "Kop. Nelayan Ponto Ara"
    assert Koperasi.objects.count() == 2


def test_an_existing_koperasi_is_found_by_its_name_in_its_kecamatan(admin):
    existing = KoperasiFactory.create(name="KSP Harapan Baru", code="harapan")
    result = _import(rows(GOOD[0]), admin)
    assert result.rows[0].action == "update" and result.rows[0].code == "harapan"
    existing.refresh_from_db()
    assert existing.legal_number == "123/BH/XXIV/2015" and Koperasi.objects.count() == 1


def test_bad_rows_change_nothing_and_each_is_named(admin):
    bad = [
        [3, "KSP Salah Desa", "9/BH/2020", "", "KSP", "Komodo", "Ponto Ara", "Aktif",
         "01/02/2020", ""],  # Ponto Ara lies in Lembor
        [4, "KSP Entah", "10/BH/2020", "", "Koperasi Unit Desa", "Atlantis", "", "Hidup",
         "31/02/2020", "Canggih"],
        [5, "", "11/BH/2020", "", "Jasa", "Komodo", "", "Aktif", "", ""],
    ]  # fmt: skip
    before = _state()
    result = _import(rows(*GOOD, *bad), admin)
    assert not result.committed and _state() == before
    assert [r.action for r in result.rows] == ["create", "create", "rejected", "rejected",
                                               "rejected"]  # fmt: skip
    codes = {(p.row, p.code) for p in result.problems}
    assert (7, "desa_outside") in codes
    assert {(8, "kind_invalid"), (8, "kecamatan_unknown"), (8, "status_invalid"),
            (8, "date_invalid"), (8, "stage_invalid")} <= codes  # fmt: skip
    assert (9, "required") in codes
    outside = next(p for p in result.problems if p.code == "desa_outside")
    assert outside.message == (
        "Desa Ponto Ara tidak berada di Kecamatan Komodo, tetapi di Kecamatan Lembor."
    )
    assert outside.column == "Desa/Kel (G)" and outside.value == "Ponto Ara"


def test_accepting_partial_imports_only_the_good_rows(admin):
    bad = [3, "KSP Salah Desa", "9/BH/2020", "", "KSP", "Komodo", "Ponto Ara", "Aktif", "", ""]
    result = _import(rows(*GOOD, bad), admin, accept_partial=True)
    assert result.committed
    assert sorted(Koperasi.objects.values_list("code", flat=True)) == [
        "koperasi-nelayan",
        "ksp-harapan-baru",
    ]


def test_a_dry_run_writes_nothing_and_says_what_a_commit_would_do(admin):
    before = _state()
    result = _import(rows(*GOOD), admin, dry_run=True)
    assert _state() == before and not result.committed
    assert [(r.action, r.code) for r in result.rows] == [
        ("create", "ksp-harapan-baru"),
        ("create", "koperasi-nelayan"),
    ]


def test_a_row_twice_in_the_file_is_rejected(admin):
    twice = [list(GOOD[0]), list(GOOD[0])]
    twice[1][0] = 2
    result = _import(rows(*twice), admin)
    assert [r.action for r in result.rows] == ["create", "rejected"]
    assert "sudah disebut di baris 5" in result.rows[1].messages[0]
    assert not result.committed and Koperasi.objects.count() == 0


def test_a_csv_registry_and_a_filled_template(admin):
    data = csv_bytes([HEADER, *GOOD], sep=";")
    assert _import(data, admin, name="registri.csv").committed
    wb = load_workbook(io.BytesIO(template_xlsx(["registry"])))
    ws = wb["Daftar Koperasi"]
    values = ["", "Koperasi Konsumen Wae Wako", "5/BH/2021", "5315030000009", "Konsumen",
              "Lembor", "Wae Wako", "Aktif", dt.date(2021, 7, 1), dt.date(2025, 6, 30),
              "Migrasi data"]  # fmt: skip
    columns = {ws.cell(1, c).value: c for c in range(1, 14)}
    for header, value in zip(
        ["Kode Singkat", "Nama Koperasi", "Nomor Badan Hukum", "NIK Koperasi", "Jenis Koperasi",
         "Kecamatan", "Desa/Kelurahan", "Status", "Tanggal Berdiri", "RAT Terakhir",
         "Tahap Digital"],
        values,
        strict=True,
    ):  # fmt: skip
        ws.cell(2, columns[header], value)
    out = io.BytesIO()
    wb.save(out)
    result = _import(out.getvalue(), admin)
    assert result.problems == [] and result.committed
    made = Koperasi.objects.get(legal_number="5/BH/2021")
    assert str(made.desa) == "Wae Wako" and made.digital_stage == Koperasi.Stage.MIGRASI
    assert made.last_rat_on == dt.date(2025, 6, 30)


# --- the page ---------------------------------------------------------------------------------


def _upload(client: Client, data: bytes, name: str = "registri.xlsx") -> Any:
    return client.post(
        "/dinas/impor-koperasi/",
        {"step": "preview", "file": _file(data, name)},
    )


def _file(data: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_page_preview_then_commit(client: Client, admin):
    client.force_login(admin)
    assert client.get("/dinas/impor-koperasi/").status_code == 200
    page = _upload(client, rows(*GOOD))
    assert page.status_code == 200 and Koperasi.objects.count() == 0
    text = page.content.decode()
    assert "KSP Harapan Baru" in text and "ksp-harapan-baru" in text
    sha = page.context["sha"]
    done = client.post("/dinas/impor-koperasi/", {"step": "commit", "sha": sha})
    assert done.status_code == 302 and Koperasi.objects.count() == 2


def test_page_bad_rows_shown_and_commit_refused(client: Client, admin):
    client.force_login(admin)
    bad = [3, "KSP Salah Desa", "9/BH/2020", "", "KSP", "Komodo", "Ponto Ara", "Aktif", "", ""]
    page = _upload(client, rows(*GOOD, bad))
    assert "tidak berada di Kecamatan Komodo" in page.content.decode()
    refused = client.post("/dinas/impor-koperasi/", {"step": "commit", "sha": page.context["sha"]})
    assert refused.status_code == 400 and Koperasi.objects.count() == 0
    assert "1 baris ditolak" in refused.content.decode()


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"", "kosong.xlsx", "kosong"),
        (b"PK\x03\x04 bukan zip", "rusak.xlsx", "rusak"),
        ("Nama;Kecamatan\r\nKSP Ñ;Komodo\r\n".encode("utf-16"), "utf16.csv", "dikenali"),
        (b"halo", "berkas.pdf", "Jenis berkas"),
    ],
)
def test_page_bad_files_get_a_message_and_change_nothing(client: Client, admin, data, name, says):
    client.force_login(admin)
    page = _upload(client, data, name)
    assert page.status_code == 400 and says in page.content.decode()
    assert Koperasi.objects.count() == 0


def test_page_is_for_the_dinas_admin_only(client: Client, admin):
    client.force_login(staff_user("staf.dinas", Role.DINAS_STAFF))
    assert client.get("/dinas/impor-koperasi/").status_code == 403
    assert client.get("/dinas/impor-koperasi/templat.xlsx").status_code == 403
    client.force_login(admin)
    template = client.get("/dinas/impor-koperasi/templat.xlsx")
    assert template.status_code == 200 and template["Content-Type"].endswith("sheet")
