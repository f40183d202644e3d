"""Checks across rows and sheets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from migration.checks import check_book
from migration.reading import read_workbook
from tests.migration.workbooks import xlsx

MEMBERS: list[list[Any]] = [
    ["No. Anggota", "Nama", "NIK", "Simp. Pokok", "Simp. Wajib", "Simp. Sukarela"],
    ["00126", "Yohanes", "5315012208900001", 100000, 600000, 50000],
    ["127", "Maria", "5315016508910002", 100000, 600000, 0],
    ["126", "Yohanes lagi", "5315011203850003", 100000, 0, 0],  # 00126 again
    ["128", "Kembar NIK", "5315016508910002", 100000, 0, 0],  # Maria's NIK
]
SAVINGS: list[list[Any]] = [
    ["No. Anggota", "Jenis Simpanan", "Saldo"],
    ["126", "Simpanan Wajib", 600000],
    ["127", "Simpanan Wajib", 550000],  # the members sheet says 600.000
    ["999", "Simpanan Sukarela", 10000],  # nobody
]
LOANS: list[list[Any]] = [
    [
        "No. Anggota",
        "No. Pinjaman",
        "Tgl Pencairan",
        "Plafon",
        "JW",
        "Bunga",
        "Sisa Pokok",
        "Angsuran ke",
    ],
    ["126", "P-1", "22/03/2022", "10.000.000", 12, "1", "12.000.000", 3],
    ["127", "P-2", "22/03/2022", "5.000.000", 10, "1", "", 11],
    ["127", "P-2", "22/03/2022", "5.000.000", 10, "1", "2.000.000", ""],
    ["127", "P-3", "22/03/2022", "5.000.000", 10, "1", "", ""],
]


def _checked(known=()):
    book = read_workbook(
        xlsx({"Anggota": MEMBERS, "Simpanan": SAVINGS, "Pinjaman": LOANS}),
        filename="data.xlsx",
        today=dt.date(2026, 12, 3),
    )
    check_book(book, known_members=known)
    return book


def _codes(book):
    return {(p.sheet, p.row, p.code) for p in book.problems}


def test_duplicates_are_named_with_the_first_row():
    book = _checked()
    codes = _codes(book)
    assert ("Anggota", 4, "duplicate_member") in codes  # 126 is 00126
    assert ("Anggota", 5, "duplicate_nik") in codes
    dup = next(p for p in book.problems if p.code == "duplicate_member")
    assert "baris 2" in dup.message and "Anggota" in dup.message
    assert ("Pinjaman", 4, "duplicate_loan") in codes


def test_rows_for_unknown_members_are_rejected_unless_the_books_know_them():
    assert ("Simpanan", 4, "unknown_member") in _codes(_checked())
    assert ("Simpanan", 4, "unknown_member") not in _codes(_checked(known=["0999"]))


def test_savings_that_disagree_between_sheets():
    book = _checked()
    problem = next(p for p in book.problems if p.code == "savings_disagree")
    assert (problem.sheet, problem.row) == ("Anggota", 3)
    assert "Rp600.000" in problem.message and "Rp550.000" in problem.message


def test_loans_whose_figures_cannot_be():
    codes = _codes(_checked())
    assert ("Pinjaman", 2, "outstanding_above_principal") in codes
    assert ("Pinjaman", 3, "paid_above_tenor") in codes
    assert ("Pinjaman", 5, "loan_state_missing") in codes
    book = _checked()
    rejected = [r.row for r in book.of_kind("loans")[0].records if r.rejected]
    assert rejected == [2, 3, 4, 5]
