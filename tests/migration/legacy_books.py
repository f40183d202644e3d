"""A koperasi's legacy books as a workbook, made in code: members with their savings, a savings
sheet, outstanding loans and a trial balance that agrees with them (or, on purpose, does not).

The migration day is 1 December 2026 (the koperasi's business date in these tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tests.factories import make_nik
from tests.migration.workbooks import xlsx

ON = dt.date(2026, 12, 1)
D = Decimal
ZERO = Decimal(0)


def member_rows(count: int = 5, *, broken: dict[int, dict[str, Any]] | None = None) -> list[list]:
    """Members 00001… with pokok 100.000, wajib 50.000 × n, sukarela 10.000 × n; ``broken``
    replaces cells of member n (1-based) by column name."""
    rows: list[list[Any]] = [
        ["KOPERASI SIMPAN PINJAM SINAR HARAPAN"],
        ["DAFTAR ANGGOTA PER 30 NOVEMBER 2026"],
        [],
        ["No. Anggota", "Nama Lengkap", "NIK", "Tgl Masuk", "No HP", "Simp. Pokok",
         "Simp. Wajib", "Simp. Sukarela"],
    ]  # fmt: skip
    for n in range(1, count + 1):
        born = dt.date(1970 + n % 30, n % 12 + 1, n % 27 + 1)
        cells = {
            "number": f"{n:05d}",
            "name": f"Anggota Lama {n}",
            "nik": make_nik(born, "L" if n % 2 else "P", n),
            "joined": "15/01/2015",
            "phone": f"0812{n:08d}",
            "pokok": 100000,
            "wajib": 50000 * n,
            "sukarela": f"Rp {10000 * n:,}".replace(",", "."),
        }
        cells.update((broken or {}).get(n, {}))
        rows.append(list(cells.values()))
    rows.append(["JUMLAH", None, None, None, None, 100000 * count,
                 sum(50000 * n for n in range(1, count + 1)), None])  # fmt: skip
    return rows


def loan_rows(extra: list[list[Any]] | None = None) -> list[list[Any]]:
    """Two loans: 00001's paid six of twelve instalments (on time); 00002's paid four of ten
    and is six instalments behind (oldest unpaid due 15 June 2026: 169 days, kurang lancar)."""
    return [
        ["DAFTAR PINJAMAN BEREDAR"],
        ["No. Anggota", "No. Pinjaman", "Tgl Pencairan", "Plafon", "Jangka Waktu", "Bunga",
         "Metode", "Sisa Pokok", "Tunggakan Pokok"],
        ["00001", "PJ-001", "01/06/2026", "12.000.000", 12, "1,5", "flat", "6.000.000", 0],
        ["00002", "PJ-002", "15/01/2026", 10000000, 10, "1,5", "flat", "6.000.000", "6.000.000"],
        *(extra or []),
    ]  # fmt: skip


def savings_total(count: int, kind: str) -> Decimal:
    per = {"pokok": lambda n: 100000, "wajib": lambda n: 50000 * n, "sukarela": lambda n: 10000 * n}
    return D(sum(per[kind](n) for n in range(1, count + 1)))


def trial_balance_rows(count: int = 5, *, off_by: Decimal = ZERO) -> list[list[Any]]:
    """The legacy neraca saldo agreeing with the members and loans sheets; ``off_by`` adds to
    Kas only (a trial balance that does not balance)."""
    pokok, wajib, sukarela = (savings_total(count, k) for k in ("pokok", "wajib", "sukarela"))
    loans = D(12_000_000)
    kas = D(5_000_000)
    cadangan = kas + loans - pokok - wajib - sukarela
    return [
        ["NERACA SALDO"],
        ["Per 30 November 2026"],
        ["Kode", "Nama Akun", "Debet", "Kredit"],
        ["", "Aset Lancar", None, None],
        ["101", "Kas", kas + off_by, None],
        ["103", "Piutang Anggota", loans, None],
        ["301", "Simpanan Pokok", None, pokok],
        ["302", "Simpanan Wajib", None, wajib],
        ["201", "Simpanan Sukarela", None, sukarela],
        ["3.2.01", "Cadangan", None, cadangan],
        ["", "JUMLAH", kas + off_by + loans, kas + loans],
    ]


def legacy_workbook(
    count: int = 5,
    *,
    broken: dict[int, dict[str, Any]] | None = None,
    loans: bool = True,
    trial_balance: bool = True,
    off_by: Decimal = ZERO,
    extra_loans: list[list[Any]] | None = None,
) -> bytes:
    sheets: dict[str, Sequence[Sequence[Any]]] = {"Anggota": member_rows(count, broken=broken)}
    if loans:
        sheets["Pinjaman"] = loan_rows(extra_loans)
    if trial_balance:
        sheets["Neraca Saldo"] = trial_balance_rows(count, off_by=off_by)
    return xlsx(sheets)
