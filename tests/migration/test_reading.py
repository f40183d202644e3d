"""Reading messy workbooks: every problem as data, nothing guessed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.spreadsheet import SpreadsheetError
from migration.reading import column_letter, read_workbook
from tests.migration.workbooks import MEMBERS, csv_bytes, xlsx

TODAY = dt.date(2026, 12, 3)


def _read(data: bytes, name: str = "anggota.xlsx", **kw):
    return read_workbook(data, filename=name, today=TODAY, **kw)


def test_members_sheet_read_with_every_problem_named():
    book = _read(xlsx({"Anggota": MEMBERS}, merge={"Anggota": ["G5:I5"]}))
    (sheet,) = book.sheets
    assert sheet.kind == "members" and sheet.header_row == 6
    assert sheet.rows_read == 4  # no title, blank, total or note rows
    first, second, third, fourth = sheet.records
    assert first.row == 7 and first.values["number"] == "00126"
    assert first.values["joined_on"] == dt.date(2015, 3, 22)
    assert first.values["phone"] == "+6281234567890"
    assert first.values["sukarela"] == Decimal("350000")
    assert second.values["number"] == "127" and second.values["name"] == "Maria Goreti"
    assert second.values["joined_on"] == dt.date(2016, 3, 21)  # Excel serial 42450
    assert not first.rejected and not second.rejected
    assert third.rejected and fourth.rejected
    problems = {(p.row, p.code) for p in book.problems}
    assert (9, "nik_excel") in problems  # damaged by Excel, never stored
    assert third.values["nik"] is None
    assert (10, "date_invalid") in problems and (10, "formula_error") in problems
    nik = next(p for p in book.problems if p.code == "nik_excel")
    assert nik.sheet == "Anggota" and nik.column == "No. KTP (D)" and "Excel" in nik.message
    assert nik.value.startswith("5315012208")


def test_a_total_row_that_disagrees_is_a_problem():
    book = _read(xlsx({"Anggota": MEMBERS}))
    mismatches = [p for p in book.problems if p.code == "total_mismatch"]
    # Pokok 400.000 agrees; wajib 1.800.000 vs 1.800.000 read (row 10 had #REF!, not read);
    # sukarela 350.000 stated vs 345.000 read (the (5.000) row).
    assert [(p.row, p.column.split(" (")[0]) for p in mismatches] == [(11, "Simpanan Sukarela")]
    assert "Rp345.000" in mismatches[0].message


def test_csv_with_semicolons_in_windows_1252():
    rows = [
        ["No. Anggota", "Nama", "Desa"],
        ["1", "Agustinus Dalu", "Wae Sano"],
        ["2", "Rénata", "Golo"],
    ]
    book = _read(csv_bytes(rows, encoding="cp1252"), name="anggota.csv")
    names = [r.values["name"] for r in book.sheets[0].records]
    assert names == ["Agustinus Dalu", "Rénata"]


def test_a_saved_mapping_is_applied_and_missing_columns_named():
    rows = [["Kode", "Nama Anggota", "Alamat"], ["A1", "Yohanes", "Labuan Bajo"]]
    book = _read(
        xlsx({"Data": rows}),
        kinds={"Data": "members"},
        mappings={"Data": {"number": "Kode", "name": "Nama Anggota", "nik": "KTP"}},
    )
    sheet = book.sheets[0]
    assert sheet.records[0].values == {"number": "A1", "name": "Yohanes"}
    assert [p.code for p in book.problems] == ["mapping_column_missing"]


def test_a_file_with_nothing_recognisable_is_refused():
    with pytest.raises(SpreadsheetError) as caught:
        _read(xlsx({"Sheet1": [["halo"], ["dunia"]]}))
    assert "tidak ada lembar yang dikenali" in caught.value.messages[0].lower()


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"", "kosong.xlsx"), (b"PK\x03\x04 not a zip", "rusak.xlsx"), (b"\x00" * 10, "x.pdf")],
)
def test_bad_files_get_a_message(data, name):
    with pytest.raises(SpreadsheetError) as caught:
        _read(data, name=name)
    assert caught.value.messages[0]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
