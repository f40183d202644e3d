"""The wizard, browser-free: upload → mapping → plan (a job) → commit (a job) → report, revert;
who may use it, and another koperasi's upload is a 404."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from members.models import Member
from migration.models import BatchStatus, MigrationBatch, MigrationUpload, SavedMapping
from registry.models import Koperasi, Role
from tests.factories import KoperasiFactory, staff_user
from tests.migration.legacy_books import ON, legacy_workbook

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = IMMEDIATE


@pytest.fixture
def koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(
        name="KSP Harapan Lama", code="harapan-lama", business_date=ON,
        digital_stage=Koperasi.Stage.PENDATAAN,
    )  # fmt: skip


@pytest.fixture
def pengurus(koperasi: Koperasi) -> Any:
    return staff_user("pengurus", Role.PENGURUS, koperasi)


BASE = "/k/harapan-lama/migrasi/"


def _upload(client: Client, data: bytes, name: str = "buku-lama.xlsx") -> Any:
    return client.post(BASE, {"file": SimpleUploadedFile(name, data)})


def _mapping_data(page: Any) -> dict[str, Any]:
    form = page.context["form"]
    return {name: field.initial or "" for name, field in form.fields.items() if name != "save_as"}


def test_upload_map_plan_commit_report_and_revert(client: Client, pengurus, koperasi):
    client.force_login(pengurus)
    assert client.get(BASE).status_code == 200
    data = legacy_workbook(broken={3: {"nik": 5.31501220889e15}}, trial_balance=False)
    made = _upload(client, data)
    upload = MigrationUpload.objects.get()
    assert made.status_code == 302 and made["Location"] == f"{BASE}{upload.pk}/"
    assert upload.kinds == {"Anggota": "members", "Pinjaman": "loans"}
    assert upload.mappings["Anggota"]["nik"] == "NIK"

    page = client.get(f"{BASE}{upload.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "Periksa dan buat rencana" in text
    posted = _mapping_data(page) | {"step": "plan", "save_as": "Buku induk lama"}
    assert client.post(f"{BASE}{upload.pk}/", posted).status_code == 302
    upload.refresh_from_db()
    assert upload.state == MigrationUpload.State.PLANNED and Member.objects.count() == 0
    assert upload.result["created"]["members"] == 4 and upload.result["rows_rejected"] == 1
    saved = SavedMapping.objects.get(koperasi=koperasi)
    assert saved.name == "Buku induk lama"
    file = client.get(f"{BASE}pemetaan/{saved.pk}.json")
    assert file.json()["kinds"] == {"Anggota": "members", "Pinjaman": "loans"}
    assert file.json()["mappings"]["Anggota"]["number"] == "No. Anggota"
    text = client.get(f"{BASE}{upload.pk}/").content.decode()
    assert "Rencana impor" in text and "Impor ke buku koperasi" in text
    assert "sehingga digit terakhir NIK" in text  # the damaged NIK, explained

    report = client.get(f"{BASE}{upload.pk}/laporan.xlsx")
    assert report.status_code == 200
    assert "Ringkasan Impor" in load_workbook(io.BytesIO(report.content)).sheetnames

    # Refused while a row is rejected, unless the person accepts the valid rows only.
    client.post(f"{BASE}{upload.pk}/", {"step": "commit"})
    upload.refresh_from_db()
    assert upload.state == MigrationUpload.State.PLANNED and "ditolak" in upload.error
    assert Member.objects.count() == 0
    client.post(f"{BASE}{upload.pk}/", {"step": "commit", "accept_partial": "on"})
    upload.refresh_from_db()
    batch = upload.batch
    assert upload.state == MigrationUpload.State.COMMITTED
    assert batch is not None and batch.status == "committed"
    assert Member.objects.filter(koperasi=koperasi).count() == 4
    assert "Hasil impor" in client.get(f"{BASE}{upload.pk}/").content.decode()

    history = client.get(BASE).content.decode()
    assert f'data-batch="{batch.pk}"' in history and "Batalkan" in history
    done = client.post(f"{BASE}batch/{batch.pk}/batal/", follow=True)
    assert "Migrasi buku-lama.xlsx dibatalkan." in done.content.decode()
    assert MigrationBatch.objects.get(pk=batch.pk).status == BatchStatus.REVERTED
    again = client.post(f"{BASE}batch/{batch.pk}/batal/", follow=True)
    assert "Hanya migrasi yang sudah diimpor" in again.content.decode()


def test_changing_a_sheets_kind_redraws_its_columns(client: Client, pengurus):
    client.force_login(pengurus)
    _upload(client, legacy_workbook(trial_balance=False))
    upload = MigrationUpload.objects.get()
    page = client.get(f"{BASE}{upload.pk}/")
    posted = _mapping_data(page) | {"s1-kind": "unknown"}  # Pinjaman: skipped
    again = client.post(f"{BASE}{upload.pk}/", posted)
    assert again.status_code == 200
    assert "s1-f-loan_number" not in again.context["form"].fields
    # A plan without a required column is refused with the column named.
    posted = _mapping_data(page) | {"s0-f-name": "", "step": "plan"}
    refused = client.post(f"{BASE}{upload.pk}/", posted)
    assert refused.status_code == 400 and "pilih kolom untuk Nama" in refused.content.decode()
    upload.refresh_from_db()
    assert upload.state == MigrationUpload.State.UPLOADED


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"PK\x03\x04 bukan zip", "rusak.xlsx", "rusak"),
        (b"halo", "buku.pdf", "Jenis berkas"),
        ("No. Anggota;Nama\r\n1;Ñ\r\n".encode("utf-16"), "anggota.csv", "dikenali"),
    ],
)
def test_bad_files_get_a_message_and_nothing_is_kept(client: Client, pengurus, data, name, says):
    client.force_login(pengurus)
    page = _upload(client, data, name)
    assert page.status_code == 400 and says in page.content.decode()
    assert MigrationUpload.objects.count() == 0


def test_templates_download(client: Client, pengurus):
    client.force_login(pengurus)
    every = client.get(f"{BASE}templat.xlsx?jenis=semua")
    assert every.status_code == 200
    assert load_workbook(io.BytesIO(every.content)).sheetnames[:2] == ["Anggota", "Simpanan"]
    assert client.get(f"{BASE}templat.xlsx?jenis=loans").status_code == 200
    assert client.get(f"{BASE}templat.xlsx?jenis=registry").status_code == 404


def test_who_may_use_the_wizard(client: Client, pengurus, koperasi):
    client.force_login(staff_user("kasir", Role.KASIR, koperasi))
    assert client.get(BASE).status_code == 403
    client.force_login(staff_user("konsultan", Role.KONSULTAN, koperasi))
    assert client.get(BASE).status_code == 200
    client.force_login(pengurus)
    _upload(client, legacy_workbook(trial_balance=False))
    upload = MigrationUpload.objects.get()
    other = KoperasiFactory.create(code="lain")
    client.force_login(staff_user("pengurus.lain", Role.PENGURUS, other))
    assert client.get(f"/k/lain/migrasi/{upload.pk}/").status_code == 404
    assert client.get(f"/k/lain/migrasi/{upload.pk}/laporan.xlsx").status_code == 404
    assert client.get(f"/k/lain/migrasi/{upload.pk}/progres/").status_code == 404
    assert client.get(f"{BASE}{upload.pk}/").status_code == 404


def test_the_progress_fragment(client: Client, pengurus):
    client.force_login(pengurus)
    _upload(client, legacy_workbook(trial_balance=False))
    upload = MigrationUpload.objects.get()
    MigrationUpload.objects.filter(pk=upload.pk).update(
        state=MigrationUpload.State.PLANNING, done=30, total=120, stage="Anggota"
    )
    fragment = client.get(f"{BASE}{upload.pk}/progres/", headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert 'value="25"' in text and "Anggota" in text and 'hx-trigger="every 2s"' in text
    assert "HX-Refresh" not in fragment
    MigrationUpload.objects.filter(pk=upload.pk).update(state=MigrationUpload.State.PLANNED)
    done = client.get(f"{BASE}{upload.pk}/progres/", headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_from_a_connection_of_its_own(pengurus, settings, tmp_path):
    from migration.uploads import ProgressWriter, live_progress

    settings.DATA_DIR = tmp_path
    made = MigrationUpload.objects.create(
        koperasi=Koperasi.objects.get(code="harapan-lama"), filename="a.xlsx", sha256="0" * 64,
        size=1, content=b"x", state=MigrationUpload.State.COMMITTING,
    )  # fmt: skip
    writer = ProgressWriter(made.pk, every=0)
    writer(40, 160, "Anggota")
    writer.wait()
    seen = live_progress(MigrationUpload.objects.get(pk=made.pk))
    assert (seen.done, seen.total, seen.stage, seen.percent) == (40, 160, "Anggota", 25)
    MigrationUpload.objects.filter(pk=made.pk).update(state=MigrationUpload.State.COMMITTED)
    writer(80, 160, "Pinjaman")  # late: the job has ended, the row keeps its end
    writer.wait()
    seen = live_progress(MigrationUpload.objects.get(pk=made.pk))
    assert seen.stage != "Pinjaman" and seen.done != 80


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_by_the_page_while_the_import_holds_its_transaction(
    koperasi, settings, tmp_path
):
    """The import writes everything in one transaction (on SQLite it holds the database's only
    write lock until it ends); the page polling the job, on a connection of its own, still sees
    each stage as it comes, not "Membaca berkas" until the end. (The poll reads the upload's row
    as the page does; the test database's shared-cache SQLite would refuse the page's join to the
    batches the import is writing, which a real SQLite file in WAL mode reads.)"""
    import threading

    from django.db import connections
    from django.template.loader import render_to_string

    from migration import services
    from migration.uploads import ProgressWriter, live_progress

    settings.DATA_DIR = tmp_path
    upload = MigrationUpload.objects.create(
        koperasi=koperasi, filename="a.xlsx", sha256="0" * 64, size=1, content=b"x",
        state=MigrationUpload.State.PLANNING,
    )  # fmt: skip
    writer = ProgressWriter(upload.pk, every=0)
    seen: list[str] = []

    def poll() -> None:  # the browser's poll, from another thread (its own connection)
        try:
            found = live_progress(MigrationUpload.objects.defer("content").get(pk=upload.pk))
            seen.append(render_to_string("migration/_job.html", {"k": koperasi, "u": found}))
        finally:
            connections.close_all()

    def progress(done: int, total: int, label: str) -> None:
        writer(done, total, label)
        writer.wait()
        if label == "Menulis anggota" and not seen:
            poller = threading.Thread(target=poll)
            poller.start()
            poller.join()

    services.plan(koperasi, legacy_workbook(trial_balance=False), filename="a.xlsx",
                  progress=progress)  # fmt: skip
    assert len(seen) == 1
    assert "Menulis anggota" in seen[0] and "Membaca berkas" not in seen[0]
