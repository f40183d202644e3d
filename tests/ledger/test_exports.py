"""Every ledger list downloads as CSV and XLSX with the figures the page shows.

Worked example: Rina deposits Rp1.500.000 (kas debit, simpanan sukarela credit) on 2 March 2026,
the koperasi receives Rp100.000 loan interest on 5 March; business date 16 March 2026.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ledger.models import JournalEntry
from ledger.services import Line, post
from registry.models import Koperasi

D = Decimal


def url(name: str, koperasi: Koperasi, **kwargs: Any) -> str:
    return reverse(f"ledger:{name}", kwargs={"kode": koperasi.code, **kwargs})


@pytest.fixture
def entries(books: Koperasi, acc: Any, kasir: Any) -> list[JournalEntry]:
    return [
        post(
            koperasi=books,
            lines=[Line(acc.kas, debit=D("1500000")), Line(acc.sukarela, credit=D("1500000"))],
            kind="savings.deposit",
            memo="Setoran sukarela Rina",
            actor=kasir,
            value_date=dt.date(2026, 3, 2),
        ),
        post(
            koperasi=books,
            lines=[Line(acc.kas, debit=D("100000")), Line(acc.jasa, credit=D("100000"))],
            kind="loans.repayment",
            memo='=HYPERLINK("http://contoh")',  # typed by someone; must stay text
            actor=kasir,
            value_date=dt.date(2026, 3, 5),
        ),
    ]


def get_csv(client: Any, path: str, **query: str) -> list[list[str]]:
    response = client.get(path, {**query, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    raw = response.content
    assert raw.startswith("\ufeff".encode())  # Excel reads UTF-8 with the BOM
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def get_xlsx(client: Any, path: str, **query: str) -> Any:
    response = client.get(path, {**query, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    return load_workbook(io.BytesIO(response.content)).active


def rows_from(sheet: Any, header: str) -> list[list[Any]]:
    """The sheet's rows from the header row (first cell ``header``) on."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == header)
    return rows[start:]


def test_chart_exports(client: Any, books: Koperasi, entries: Any, kasir: Any) -> None:
    client.force_login(kasir)
    rows = get_csv(client, url("chart", books))
    assert rows[0] == [
        "Kode",
        "Nama akun",
        "Golongan",
        "Saldo normal",
        "Jenis",
        "Status",
        "Peran",
        "Saldo",
    ]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["1.1.01"] == [
        "1.1.01",
        "Kas",
        "Aset",
        "Debit",
        "Akun",
        "Aktif",
        "Kas",
        "1600000.00",
    ]
    assert by_code["2.1.01"][7] == "1500000.00"  # a credit account, on its normal side
    assert by_code["1"][4:] == ["Kelompok", "Aktif", "", ""]

    sheet = get_xlsx(client, url("chart", books))
    assert sheet["A1"].value == "KSP Sinar Bajo"
    table = rows_from(sheet, "Kode")
    kas = next(r for r in table if r[0] == "1.1.01")
    assert kas[7] == 1600000
    cell = next(c for c in sheet["H"] if c.value == 1600000)
    assert "Rp" in cell.number_format


def test_journal_exports_every_line(client: Any, books: Koperasi, entries: Any, kasir: Any) -> None:
    client.force_login(kasir)
    rows = get_csv(client, url("journal", books))
    assert rows[0][:8] == [
        "Nomor",
        "Tanggal buku",
        "Jenis",
        "Keterangan",
        "Kode akun",
        "Nama akun",
        "Debit",
        "Kredit",
    ]
    assert [r[:8] for r in rows[1:]] == [
        [
            "JU/2026/000002",
            "2026-03-05",
            "Angsuran pinjaman",
            '\'=HYPERLINK("http://contoh")',
            "1.1.01",
            "Kas",
            "100000.00",
            "",
        ],
        [
            "JU/2026/000002",
            "2026-03-05",
            "Angsuran pinjaman",
            '\'=HYPERLINK("http://contoh")',
            "4.1.01",
            "Jasa Pinjaman Anggota",
            "",
            "100000.00",
        ],
        [
            "JU/2026/000001",
            "2026-03-02",
            "Setoran simpanan",
            "Setoran sukarela Rina",
            "1.1.01",
            "Kas",
            "1500000.00",
            "",
        ],
        [
            "JU/2026/000001",
            "2026-03-02",
            "Setoran simpanan",
            "Setoran sukarela Rina",
            "2.1.01",
            "Simpanan Sukarela",
            "",
            "1500000.00",
        ],
    ]
    assert rows[3][9] == entries[0].hash[:12]

    # The page's filters apply to the download.
    filtered = get_csv(client, url("journal", books), kind="savings.deposit")
    assert {r[0] for r in filtered[1:]} == {"JU/2026/000001"}

    sheet = get_xlsx(client, url("journal", books), date_to="2026-03-03")
    table = rows_from(sheet, "Nomor")
    assert [(r[0], r[1], r[4], r[6], r[7]) for r in table[1:]] == [
        ("JU/2026/000001", dt.datetime(2026, 3, 2), "1.1.01", 1500000, None),
        ("JU/2026/000001", dt.datetime(2026, 3, 2), "2.1.01", None, 1500000),
    ]
    assert sheet["A3"].value == "sampai 3 Maret 2026"
    debit = next(c for c in sheet["G"] if c.value == 1500000)
    assert debit.data_type == "n"  # a number, not text
    assert debit.number_format == '"Rp"#,##0;-"Rp"#,##0;"Rp"0'


def test_general_ledger_exports(
    client: Any, books: Koperasi, acc: Any, entries: Any, kasir: Any
) -> None:
    client.force_login(kasir)
    path = url("general_ledger", books, account_id=acc.kas.pk)
    rows = get_csv(client, path, date_from="2026-03-03", date_to="2026-03-16")
    assert rows == [
        ["Tanggal", "Nomor", "Keterangan", "Debit", "Kredit", "Saldo (debit)"],
        ["2026-03-03", "", "Saldo awal", "", "", "1500000.00"],
        [
            "2026-03-05",
            "JU/2026/000002",
            '\'=HYPERLINK("http://contoh")',
            "100000.00",
            "",
            "1600000.00",
        ],
        ["2026-03-16", "", "Saldo akhir", "100000.00", "0.00", "1600000.00"],
    ]
    sheet = get_xlsx(client, url("general_ledger", books, account_id=acc.sukarela.pk))
    assert sheet["A2"].value == "Buku Besar 2.1.01 Simpanan Sukarela"
    table = rows_from(sheet, "Tanggal")
    assert table[0][5] == "Saldo (kredit)"
    assert [r[2:] for r in table[1:]] == [
        ["Saldo awal", None, None, 0],
        ["Setoran sukarela Rina", None, 1500000, 1500000],
        ["Saldo akhir", 0, 1500000, 1500000],
    ]


def test_trial_balance_exports(client: Any, books: Koperasi, entries: Any, kasir: Any) -> None:
    client.force_login(kasir)
    rows = get_csv(client, url("trial_balance", books), as_of="2026-03-16")
    leaves = {r[0]: r[2:] for r in rows[1:] if r[0].count(".") == 2}
    assert leaves == {
        "1.1.01": ["1600000.00", ""],
        "2.1.01": ["", "1500000.00"],
        "4.1.01": ["", "100000.00"],
    }
    assert rows[-1] == ["", "Jumlah", "1600000.00", "1600000.00"]

    sheet = get_xlsx(client, url("trial_balance", books), as_of="2026-03-03")
    assert sheet["A3"].value == "Per 3 Maret 2026"
    total = rows_from(sheet, "Kode")[-1]
    assert total == [None, "Jumlah", 1500000, 1500000]


def test_statement_exports(client: Any, books: Koperasi, entries: Any, kasir: Any) -> None:
    client.force_login(kasir)
    rows = get_csv(client, url("posisi_keuangan", books), as_of="2026-03-16")
    lines = {r[1]: r[2] for r in rows[1:]}
    assert lines["Kas"] == "1600000.00"
    assert lines["Jumlah Aset"] == "1600000.00"
    assert lines["Jumlah Liabilitas"] == "1500000.00"
    assert lines["SHU tahun berjalan (belum ditutup ke ekuitas)"] == "100000.00"
    assert lines["Jumlah Ekuitas"] == "100000.00"
    assert lines["Jumlah Liabilitas dan Ekuitas"] == "1600000.00"

    sheet = get_xlsx(
        client, url("hasil_usaha", books), date_from="2026-03-01", date_to="2026-03-31"
    )
    assert sheet["A2"].value == "Perhitungan Hasil Usaha"
    assert sheet["A3"].value == "1 Maret 2026 s.d. 31 Maret 2026"
    table = {r[1]: r[2] for r in rows_from(sheet, "Kode")[1:]}
    assert table["Jasa Pinjaman Anggota"] == 100000
    assert table["Jumlah Pendapatan"] == 100000
    assert table["Jumlah Beban"] == 0
    assert table["Sisa hasil usaha (SHU)"] == 100000


def test_sen_show_in_the_xlsx_format_only_when_present(
    client: Any, books: Koperasi, acc: Any, kasir: Any
) -> None:
    post(
        koperasi=books,
        lines=[Line(acc.beban_bunga, debit=D("1234.56")), Line(acc.kas, credit=D("1234.56"))],
        kind="savings.interest",
        memo="Bunga",
        actor=None,
    )
    client.force_login(kasir)
    sheet = get_xlsx(client, url("trial_balance", books))
    cell = next(c for c in sheet["C"] if c.value == 1234.56)
    assert cell.number_format == '"Rp"#,##0.00;-"Rp"#,##0.00;"Rp"0'
    assert get_csv(client, url("trial_balance", books))[-1][2] == "1234.56"
