"""A payroll upload cannot take the server down: errors capped, refusals early, no write lock held
while a file is checked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from core.db import empty_database
from core.spreadsheet import SpreadsheetError, report_lines
from savings import services
from savings.models import Kind, PayrollBatch
from savings.services import payroll
from tests.savings.conftest import account

D = Decimal


def hostile_csv(rows: int, columns: int) -> bytes:
    """The issue's 1,3 MB file: every row an unknown member with a bad amount in every column."""
    header = "nomor_anggota" + ",SS" * columns + "\n"
    body = "".join(f"X{i}" + ",x" * columns + "\n" for i in range(rows))
    return (header + body).encode()


def test_a_file_with_an_error_in_every_cell_keeps_200_errors_counts_all_and_reports_all(
    client: Any, products: Any, pengurus: Any
) -> None:
    koperasi = products.koperasi
    content = hostile_csv(20_000, 30)
    assert 1_200_000 < len(content) < 1_400_000
    batch = services.payroll_preview(
        koperasi=koperasi, actor=pengurus, filename="gaji buruk.csv", content=content
    )
    assert batch.error_count == 20_000 * 31 == 620_000
    assert len(batch.errors) == 200
    assert batch.errors[0] == {
        "sheet": "CSV",
        "row": 2,
        "column": "A",
        "code": "anggota_tidak_dikenal",
        "message": "Nomor anggota X0 tidak terdaftar di koperasi ini.",
        "text": "X0",
    }
    assert batch.error_report is not None
    assert len(bytes(batch.error_report)) < 5 * 1024 * 1024  # every error, gzipped

    client.force_login(pengurus)
    page = client.get(reverse("savings:payroll_batch", args=[koperasi.code, batch.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert len(page.content) < 250_000  # the page was 203 MB
    assert "Ditampilkan 200 kesalahan pertama dari 620.000." in body
    listing = client.get(reverse("savings:payroll", args=[koperasi.code]))
    assert ">620000<" in listing.content.decode()

    download = client.get(reverse("savings:payroll_errors", args=[koperasi.code, batch.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="kesalahan-gaji_buruk.csv"'
    report = b"".join(download.streaming_content)  # type: ignore[arg-type]
    lines = report.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 620_000
    assert lines[-1] == (
        'CSV,20001,AE,jumlah_tidak_sah,"“x” bukan jumlah rupiah yang sah. Tulis misalnya '
        '1500000 atau 1.500.000 atau 1.500.000,50.",x'
    )

    with pytest.raises(services.SavingsError, match="Ada 620000 kesalahan"):
        services.payroll_post(batch=batch, actor=pengurus)


def test_a_clean_file_has_no_report_to_download(client: Any, member: Any, pengurus: Any) -> None:
    koperasi = member.koperasi
    content = f"nomor_anggota;SS\n{member.number};25.000\n".encode()
    batch = services.payroll_preview(
        koperasi=koperasi, actor=pengurus, filename="gaji.csv", content=content
    )
    assert (batch.error_count, batch.errors, batch.error_report) == (0, [], None)
    client.force_login(pengurus)
    url = reverse("savings:payroll_errors", args=[koperasi.code, batch.pk])
    assert client.get(url).status_code == 404
    posted = services.payroll_post(batch=batch, actor=pengurus)
    assert posted.total == D("25000")


def test_duplicates_are_flagged_on_every_row_across_chunks(
    products: Any, member: Any, pengurus: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(payroll, "CHUNK_ROWS", 2)
    n = member.number
    content = f"nomor_anggota;SS\n{n};1000\nX1;1000\nX2;1000\n{n};2000\n".encode()
    batch = services.payroll_preview(
        koperasi=member.koperasi, actor=pengurus, filename="gaji.csv", content=content
    )
    assert batch.rows == []
    assert sorted((e["row"], e["code"]) for e in batch.errors) == [
        (2, "baris_ganda"),
        (3, "anggota_tidak_dikenal"),
        (4, "anggota_tidak_dikenal"),
        (5, "baris_ganda"),
    ]


def test_the_upload_page_refuses_a_file_too_big_with_its_reason(
    client: Any, products: Any, pengurus: Any, monkeypatch: Any
) -> None:
    """Through the page, with the limit lowered so the test stays small: the file is refused
    by its size, no batch is kept, and the form says why."""
    monkeypatch.setattr(
        payroll, "LIMITS", payroll.Limits(max_bytes=1024 * 1024, max_rows=payroll.MAX_ROWS)
    )
    koperasi = products.koperasi
    client.force_login(pengurus)
    upload = SimpleUploadedFile("gaji.csv", b"nomor_anggota;SS\n" + b"1;1\n" * 300_000)
    response = client.post(
        reverse("savings:payroll", args=[koperasi.code]),
        {"file": upload, "via": "bank", "value_date": "2025-01-15"},
    )
    assert response.status_code == 400
    assert "Berkas terlalu besar: 1,1 MB, paling besar 1 MB." in response.content.decode()
    assert not PayrollBatch.objects.filter(koperasi=koperasi).exists()


def test_a_spreadsheet_refusal_is_a_validation_error_the_form_shows(
    products: Any, pengurus: Any
) -> None:
    with pytest.raises(SpreadsheetError, match="Jenis berkas tidak dikenal"):
        services.payroll_preview(
            koperasi=products.koperasi, actor=pengurus, filename="gaji.pdf", content=b"%PDF"
        )


@pytest.fixture
def committed(transactional_db: Any) -> Iterator[None]:
    """Data other connections can see. Emptied afterwards with ``empty_database``: on SQLite the
    test runner's ``flush`` is a DELETE, which the audit trail's append-only triggers refuse."""
    yield
    empty_database()


@pytest.mark.django_db(transaction=True)
def test_a_deposit_goes_through_while_a_payroll_file_is_being_checked(
    committed: None, member: Any, kasir: Any, pengurus: Any, monkeypatch: Any
) -> None:
    """The issue's case: while a big file was parsed, SQLite's write lock was held and the
    kasir's deposit failed with "database is locked". The check is paused in the middle of the
    file (in another thread, with its own connection) while the kasir deposits."""
    koperasi = member.koperasi
    sukarela = account(member, Kind.SUKARELA)
    checking, deposited = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}
    read_amount = payroll._cell_amount

    def paused(value: Any) -> Any:
        if not checking.is_set():
            seen["in_transaction"] = connection.in_atomic_block
            checking.set()
            deposited.wait(30)
        return read_amount(value)

    monkeypatch.setattr(payroll, "_cell_amount", paused)
    payroll._amount_or_message.cache_clear()
    content = (
        f"nomor_anggota;SS\n{member.number};25.000\n" + "".join(f"X{i};1\n" for i in range(3000))
    ).encode()

    def check_file() -> None:
        try:
            seen["batch"] = services.payroll_preview(
                koperasi=koperasi, actor=pengurus, filename="gaji.csv", content=content
            )
        except Exception as exc:  # handed back to the test
            seen["batch"] = exc
        finally:
            checking.set()
            connection.close()

    checker = threading.Thread(target=check_file)
    checker.start()
    try:
        assert checking.wait(30)
        services.deposit(account=sukarela, amount=D("100000"), actor=kasir)
    finally:
        deposited.set()
        checker.join()
    assert account(member, Kind.SUKARELA).balance == D("600000")
    assert seen["in_transaction"] is False
    batch = seen["batch"]
    assert isinstance(batch, PayrollBatch), batch
    assert (len(batch.rows), batch.error_count) == (1, 3000)
    assert batch.error_report is not None
    assert b"X2999" in b"".join(report_lines(bytes(batch.error_report)))
