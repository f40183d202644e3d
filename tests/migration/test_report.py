"""The report workbook: the koperasi's own file back with a status and a message on every row,
a summary first and every problem listed, and importable again as it is."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import load_workbook

from migration import reading
from migration.checks import check_book
from migration.reading import read_workbook
from migration.report import _unique_names, write_report
from migration.table import REPORT_NOTE, REPORT_SHEETS, REPORT_STATUS
from tests.migration.workbooks import MEMBERS, csv_bytes, xlsx

TODAY = dt.date(2026, 12, 3)


def _report(data: bytes, name: str = "anggota.xlsx") -> tuple[reading.ReadBook, Any]:
    book = read_workbook(data, filename=name, today=TODAY)
    check_book(book)
    out = write_report(data, name, book)
    return book, load_workbook(io.BytesIO(out))


def _column(ws: Any, title: str) -> int:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == title:
                return cell.column
    raise AssertionError(title)


def test_every_row_gets_a_status_and_its_problems():
    data = xlsx({"Anggota": MEMBERS}, merge={"Anggota": ["G5:I5"]})
    _book, wb = _report(data)
    assert wb.sheetnames == ["Ringkasan Impor", "Anggota", "Daftar Masalah"]
    ws = wb["Anggota"]
    status, note = _column(ws, REPORT_STATUS), _column(ws, REPORT_NOTE)
    assert status == 10 and note == 11  # after the table's nine columns, nothing moved
    statuses = [ws.cell(r, status).value for r in range(1, 13)]
    assert statuses == [
        "Judul", "Judul", "Judul", "Kosong", "Judul kolom", REPORT_STATUS,  # a two-row header
        "OK", "OK", "Ditolak", "Ditolak", "Baris jumlah", "Catatan",
    ]  # fmt: skip
    assert "Excel" in ws.cell(9, note).value and ws.cell(9, note).value.startswith("No. KTP (D)")
    assert "#REF!" in ws.cell(10, note).value and "bukan tanggal" in ws.cell(10, note).value
    assert "Rp345.000" in ws.cell(11, note).value  # the total row that disagrees
    assert ws.cell(7, note).value is None
    # The original cells as they were: text stays text, numbers numbers.
    assert ws.cell(7, 2).value == "00126" and ws.cell(7, 9).value == "Rp 350.000,00"
    assert ws.cell(8, 5).value == 42450


def test_the_header_row_labels_the_added_columns():
    data = xlsx({"Anggota": MEMBERS})
    _book, wb = _report(data)
    ws = wb["Anggota"]
    assert ws.cell(6, 10).value == REPORT_STATUS and ws.cell(6, 11).value == REPORT_NOTE


def test_summary_counts_rows_and_problems():
    data = xlsx({"Anggota": MEMBERS, "Catatan": [["Ini hanya catatan rapat"]]})
    book, wb = _report(data)
    ws = wb["Ringkasan Impor"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "Laporan impor: anggota.xlsx"
    assert rows[2][0].startswith("Hasil pemeriksaan berkas")
    assert rows[5][:6] == ["Anggota", "Anggota", 6, 4, 2, 2]
    assert rows[6][:4] == ["Catatan", "Tidak dikenali", None, 0]
    count = next(r for r in rows if r[0] == "Jumlah masalah")
    assert count[1] == book.problem_count
    assert any(r[0] == "Catatan" and "tidak dikenali" in (r[1] or "") for r in rows[8:])
    # The unrecognised sheet is copied as it was.
    assert wb["Catatan"]["A1"].value == "Ini hanya catatan rapat"


def test_the_list_of_problems_is_never_cut_short(monkeypatch):
    monkeypatch.setattr(reading, "MAX_PROBLEMS_KEPT", 3)
    rows: list[list[Any]] = [["No. Anggota", "Nama", "Tgl Masuk"]]
    rows += [[str(n), f"Anggota {n}", "31/02/2020"] for n in range(1, 41)]
    book, wb = _report(xlsx({"Anggota": rows}))
    assert len(book.problems) == 3 and book.problem_count == 40
    listed = list(wb["Daftar Masalah"].iter_rows(min_row=2, values_only=True))
    assert len(listed) == 40
    assert [r[1] for r in listed] == [str(n) for n in range(2, 42)]  # links show the row
    assert {r[3] for r in listed} == {"date_invalid"}
    ws = wb["Anggota"]
    assert ws.cell(41, 4).value == "Ditolak" and "bukan tanggal" in ws.cell(41, 5).value


def test_the_report_imports_again_as_the_file_it_was_made_from():
    data = xlsx({"Anggota": MEMBERS}, merge={"Anggota": ["G5:I5"]})
    book, _wb = _report(data)
    again = write_report(data, "anggota.xlsx", book)
    second = read_workbook(again, filename="laporan.xlsx", today=TODAY)
    check_book(second)
    assert [s.name for s in second.sheets if s.kind != "unknown"] == ["Anggota"]
    first_sheet, second_sheet = book.sheets[0], second.of_kind("members")[0]
    assert second_sheet.header_row == first_sheet.header_row
    assert [(r.row, r.values, r.rejected) for r in second_sheet.records] == [
        (r.row, r.values, r.rejected) for r in first_sheet.records
    ]
    assert sorted((p.row or 0, p.code) for p in second.problems) == sorted(
        (p.row or 0, p.code) for p in book.problems
    )


def test_a_csv_becomes_a_sheet_with_its_rows():
    rows = [
        ["Daftar anggota", ""],  # Excel's CSV pads a title line with separators
        ["No. Anggota", "Nama", "Tgl Masuk"],
        ["1", "Agustinus", "22/03/2022"],
        ["2", "Rénata", "kemarin"],
    ]
    _book, wb = _report(csv_bytes(rows, encoding="cp1252"), name="anggota.csv")
    ws = wb["CSV"]
    assert ws.cell(2, 4).value == REPORT_STATUS  # measured past the one-cell title line
    assert [ws.cell(r, 4).value for r in (1, 3, 4)] == ["Judul", "OK", "Ditolak"]
    assert ws.cell(4, 2).value == "Rénata"


def test_sheet_names_follow_excel_rules_and_stay_apart():
    names = _unique_names(
        ["Anggota", "ANGGOTA", "Data [2021]: simpanan/pinjaman per anggota", "Daftar Masalah"],
        list(REPORT_SHEETS),
    )
    assert names == {
        "Anggota": "Anggota",
        "ANGGOTA": "ANGGOTA (2)",
        "Data [2021]: simpanan/pinjaman per anggota": "Data _2021__ simpanan_pinjaman",
        "Daftar Masalah": "Daftar Masalah (2)",
    }
    assert all(len(n) <= 31 for n in names.values())


def test_the_reports_own_sheets_are_skipped_when_it_comes_back():
    data = xlsx({"Anggota": MEMBERS})
    book, _wb = _report(data)
    again = read_workbook(write_report(data, "a.xlsx", book), filename="a.xlsx", today=TODAY)
    assert [s.name for s in again.sheets] == ["Anggota"]
    assert not [p for p in again.problems if p.code == "no_header"]
