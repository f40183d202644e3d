"""The downloadable templates: recognised columns, text cells for NIKs, data validation, and a
filled template read back with zero problems."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from migration.reading import read_workbook
from migration.table import FIELDS, INSTRUCTIONS_SHEET, find_header, match_columns
from migration.templates_xlsx import COLUMNS, KOPERASI_KINDS, template_xlsx

TODAY = dt.date(2026, 12, 3)

FILLED: dict[str, list[list[Any]]] = {
    "Anggota": [
        ["A-001", "Yohanes Jehaut", "5315012208900001", "Labuan Bajo", dt.date(1990, 8, 22), "L",
         "Jl. Soekarno Hatta", "Gorontalo", "081234567890", dt.date(2015, 3, 22), 100000,
         1200000, 350000, 2],
        ["A-002", "Maria Goreti", "5315016508910002", "Ruteng", dt.date(1991, 8, 25), "P",
         "Kampung Ujung", "Wae Kelambu", "081234567891", dt.date(2016, 3, 21), 100000, 600000, 0],
    ],
    "Simpanan": [
        ["A-001", "Yohanes Jehaut", "Simpanan Sukarela", "SR-001", 350000],
        ["A-002", "Maria Goreti", "Simpanan Wajib", "SW-002", 600000],
    ],
    "Pinjaman": [
        ["A-001", "Yohanes Jehaut", "P-001", dt.date(2025, 3, 22), 10000000, 12, 1.5, "flat", 3,
         7500000, 0, 0],
        ["A-002", "Maria Goreti", "P-002", dt.date(2025, 6, 1), 5000000, 10, 2, "menurun", None,
         3000000, 500000, 60000],
    ],
    "Neraca Saldo": [
        ["101", "Kas", 2500000, None],
        ["301", "Simpanan Pokok", None, 200000],
    ],
    "Transaksi": [
        ["A-001", dt.date(2026, 1, 5), "Simpanan Sukarela", "setor", 50000, "setoran Januari"],
    ],
    "Simpanan Berjangka": [
        ["A-001", "Yohanes Jehaut", "BJ-001", None, 5000000, dt.date(2026, 9, 1), 6, 6,
         "perpanjang"],
    ],
}  # fmt: skip


@pytest.mark.parametrize("kind", KOPERASI_KINDS)
def test_every_header_is_recognised_as_its_field(kind):
    headers = [c.header for c in COLUMNS[kind]]
    found = match_columns(headers, kind)
    assert found == {c.field: i for i, c in enumerate(COLUMNS[kind])}
    assert set(found) <= set(FIELDS[kind])
    header = find_header([headers])
    assert header is not None and header.kind == kind


def test_a_filled_template_reads_back_with_zero_problems():
    wb = load_workbook(io.BytesIO(template_xlsx(KOPERASI_KINDS)))
    assert wb.sheetnames == [*FILLED, INSTRUCTIONS_SHEET]
    for name, rows in FILLED.items():
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                wb[name].cell(r, c, value)
    out = io.BytesIO()
    wb.save(out)
    book = read_workbook(out.getvalue(), filename="templat.xlsx", today=TODAY)
    assert book.problems == [] and book.problem_count == 0
    assert [(s.name, s.kind, s.header_row, s.rows_read) for s in book.sheets] == [
        ("Anggota", "members", 1, 2),
        ("Simpanan", "savings", 1, 2),
        ("Pinjaman", "loans", 1, 2),
        ("Neraca Saldo", "trial_balance", 1, 2),
        ("Transaksi", "transactions", 1, 1),
        ("Simpanan Berjangka", "term_deposits", 1, 1),
    ]
    member = book.sheets[0].records[0].values
    assert member["nik"] == "5315012208900001" and member["phone"] == "+6281234567890"
    assert member["joined_on"] == dt.date(2015, 3, 22) and member["gender"] == "L"
    assert member["wajib_arrears_months"] == 2
    placement = book.sheets[5].records[0].values
    assert placement["term"] == 6 and placement["rate"] == Decimal(6)
    assert placement["placed_on"] == dt.date(2026, 9, 1)
    assert placement["at_maturity"] == "perpanjang"
    loan = book.sheets[2].records[1].values
    assert loan["method"] == "menurun" and loan["tenor"] == 10 and loan["rate"] == Decimal(2)


def test_text_cells_validation_and_instructions():
    wb = load_workbook(io.BytesIO(template_xlsx(["members", "loans"])))
    members, loans = wb["Anggota"], wb["Pinjaman"]
    # NIK and member numbers are text cells, so Excel cannot cut a NIK to 15 digits.
    assert members.column_dimensions["C"].number_format == "@"
    rules = {str(v.sqref): v for v in members.data_validations.dataValidation}
    assert rules["F2:F100001"].type == "list" and rules["F2:F100001"].formula1 == '"L,P"'
    assert rules["E2:E100001"].type == "date"
    assert rules["C2:C100001"].type == "textLength"
    assert rules["K2:K100001"].type == "decimal" and rules["K2:K100001"].operator == (
        "greaterThanOrEqual"
    )
    loan_rules = {str(v.sqref): v for v in loans.data_validations.dataValidation}
    assert loan_rules["H2:H100001"].formula1 == '"flat,anuitas,menurun"'
    assert loan_rules["F2:F100001"].type == "whole"
    texts = [c.value for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value]
    assert "Petunjuk mengisi templat impor Kopdig" in texts
    assert "Tanggal Pencairan" in texts and "ya" in texts
