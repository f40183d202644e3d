"""Messy legacy workbooks made in code, deterministic, so each test shows its data."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook


def xlsx(
    sheets: Mapping[str, Sequence[Sequence[Any]]], *, merge: dict[str, list[str]] | None = None
) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        for cells in (merge or {}).get(name, []):
            sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, sep: str = ";", encoding: str = "utf-8") -> bytes:
    lines = [sep.join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


MEMBERS: list[list[Any]] = [
    ["KOPERASI SIMPAN PINJAM SINAR HARAPAN BAJO"],
    ["DAFTAR ANGGOTA"],
    ["Per 31 Desember 2021"],
    [],
    ["No", "No. Anggota", "Nama Lengkap", "No. KTP", "Tgl Masuk", "No HP", "Simpanan", None, None],
    [None, None, None, None, None, None, "Pokok", "Wajib", "Sukarela"],
    [1, "00126", "Yohanes Jehaut", "5315012208900001", "22/03/2015", "0812-3456-7890",
     100000, "1.200.000", "Rp 350.000,00"],
    [2, 127, "  Maria   Goreti ", "5315016508910002", 42450, "81234567891", 100000, 600000, 0],
    [3, "00128", "Stefanus Ndun", 5.31501220889e15, "1 Jan 2020", "", 100000, 0, "(5.000)"],
    [4, "00129", "Paulus Jemadu", "5315011203850003", "31/02/2019", "", 100000, "#REF!", 0],
    [None, "JUMLAH", None, None, None, None, 400000, 1800000, 350000],
    ["Catatan: data dari buku induk"],
]  # fmt: skip
