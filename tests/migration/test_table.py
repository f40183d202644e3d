"""Finding the table in sheets as koperasi keep them."""

from __future__ import annotations

from typing import Any

from migration.table import apply_mapping, find_header, match_columns, norm, row_kind

MESSY_MEMBERS: list[list[Any]] = [
    ["KOPERASI SIMPAN PINJAM SINAR HARAPAN BAJO", "", "", "", "", "", ""],
    ["DAFTAR ANGGOTA DAN SIMPANAN", "", "", "", "", "", ""],
    ["Per 31 Desember 2021", "", "", "", "", "", ""],
    ["", "", "", "", "", "", ""],
    ["No", "No. Anggota", "Nama Lengkap", "No. KTP", "Simpanan", "", ""],
    ["", "", "", "", "Pokok", "Wajib", "Sukarela"],
    [1, "00126", "Yohanes Jehaut", "5315012208900001", 100000, 1200000, "Rp 350.000"],
    [2, 127.0, "Maria Goreti", "5315016508910002", 100000, 600000, 0],
    ["", "", "", "", "", "", ""],
    ["", "JUMLAH", "", "", 200000, 1800000, 350000],
    ["Catatan: data dari buku induk", "", "", "", "", "", ""],
    ["", "", "Mengetahui, Ketua", "", "", "", ""],
]


def test_header_found_under_titles_and_merged_cells():
    header = find_header(MESSY_MEMBERS)
    assert header is not None
    assert header.kind == "members"
    assert header.spreadsheet_row == 6 and header.rows == 2
    assert header.columns == {
        "number": 1,
        "name": 2,
        "nik": 3,
        "pokok": 4,
        "wajib": 5,
        "sukarela": 6,
    }
    assert header.labels[4] == "Simpanan Pokok"


def test_rows_are_told_apart():
    header = find_header(MESSY_MEMBERS)
    assert header is not None
    kinds = [row_kind(row, header) for row in MESSY_MEMBERS[header.row + 1 :]]
    assert kinds == ["data", "data", "blank", "total", "note", "note"]


def test_column_names_in_their_variants():
    assert norm("No. Anggota") == "no anggota" and norm("S.Pokok") == "s pokok"
    for label in ("No Agt", "Nomor Anggota", "ID", "NIA"):
        assert match_columns([label, "Nama"], "members") == {"number": 0, "name": 1}
    for label in ("Simp. Pokok", "S. Pokok", "SP", "Simpanan Pokok"):
        assert match_columns(["No. Anggota", label], "members")["pokok"] == 1
    assert match_columns(["Tgl Masuk", "NAMA LENGKAP", "NIK"], "members") == {
        "joined_on": 0,
        "name": 1,
        "nik": 2,
    }


def test_a_loans_sheet_is_recognised_as_loans():
    rows: list[list[Any]] = [
        ["DAFTAR PINJAMAN ANGGOTA"],
        ["No Agt", "Nama", "No. Pinjaman", "Tgl Pencairan", "Plafon", "JW", "Bunga", "Sisa Pokok"],
        ["00126", "Yohanes", "P-001", "22/03/2022", "10.000.000", 12, "1%", "5.000.000"],
    ]
    header = find_header(rows)
    assert header is not None
    assert header.kind == "loans" and header.spreadsheet_row == 2
    assert header.columns["loan_number"] == 2 and header.columns["outstanding"] == 7


def test_a_trial_balance_is_recognised():
    rows: list[list[Any]] = [
        ["NERACA SALDO", "", "", ""],
        ["Kode", "Nama Akun", "Debet", "Kredit"],
        ["1.1.01", "Kas", "2.500.000", ""],
    ]
    header = find_header(rows)
    assert header is not None
    assert header.kind == "trial_balance"
    assert header.columns == {"code": 0, "account_name": 1, "debit": 2, "credit": 3}


def test_no_header_in_a_sheet_of_prose():
    assert find_header([["Laporan tahunan"], ["Koperasi berjalan baik."]]) is None


def test_a_saved_mapping_names_what_the_sheet_no_longer_has():
    columns, missing = apply_mapping(
        ["Nomor", "Nama Anggota", "Alamat"],
        {"number": "nomor", "name": "Nama Anggota", "nik": "KTP"},
    )
    assert columns == {"number": 0, "name": 1}
    assert missing == ["KTP"]
