"""The KSP chart-of-accounts template (DOMAIN.md, Accounting) and its role mapping.

Pure data: ``(code, name, class, normal side, is_group)``; the parent of ``1.1.01`` is the
longest other code that prefixes it (``1.1``, then ``1``).
"""

from __future__ import annotations

from typing import NamedTuple


class TemplateAccount(NamedTuple):
    code: str
    name: str
    klass: str
    normal_side: str
    is_group: bool = False


def _g(code: str, name: str, klass: str, side: str) -> TemplateAccount:
    return TemplateAccount(code, name, klass, side, True)


def _a(code: str, name: str, klass: str, side: str) -> TemplateAccount:
    return TemplateAccount(code, name, klass, side, False)


A, L, E, P, B = "aset", "liabilitas", "ekuitas", "pendapatan", "beban"
D, K = "debit", "kredit"

KSP_TEMPLATE: tuple[TemplateAccount, ...] = (
    _g("1", "Aset", A, D),
    _g("1.1", "Aset Lancar", A, D),
    _a("1.1.01", "Kas", A, D),
    _a("1.1.02", "Bank", A, D),
    _a("1.1.03", "Pinjaman Anggota", A, D),
    _a("1.1.04", "Penyisihan Penghapusan Pinjaman", A, K),
    _a("1.1.05", "Bunga Pinjaman Masih Harus Diterima", A, D),
    _a("1.1.06", "Piutang Simpanan Wajib", A, D),
    _a("1.1.98", "Selisih Migrasi", A, D),
    _a("1.1.99", "Rekening Kliring Migrasi", A, D),
    _g("1.2", "Aset Tetap", A, D),
    _a("1.2.01", "Tanah dan Bangunan", A, D),
    _a("1.2.02", "Peralatan dan Inventaris", A, D),
    _a("1.2.03", "Akumulasi Penyusutan", A, K),
    _g("2", "Liabilitas", L, K),
    _g("2.1", "Liabilitas Jangka Pendek", L, K),
    _a("2.1.01", "Simpanan Sukarela", L, K),
    _a("2.1.02", "Simpanan Berjangka", L, K),
    _a("2.1.03", "Bunga Simpanan Terutang", L, K),
    _a("2.1.04", "Utang Pajak", L, K),
    _a("2.1.05", "Dana Pengurus", L, K),
    _a("2.1.06", "Dana Karyawan", L, K),
    _a("2.1.07", "Dana Pendidikan", L, K),
    _a("2.1.08", "Dana Sosial", L, K),
    _a("2.1.09", "SHU Anggota Belum Dibayar", L, K),
    _g("2.2", "Liabilitas Jangka Panjang", L, K),
    _a("2.2.01", "Pinjaman Bank", L, K),
    _g("3", "Ekuitas", E, K),
    _g("3.1", "Simpanan Anggota", E, K),
    _a("3.1.01", "Simpanan Pokok", E, K),
    _a("3.1.02", "Simpanan Wajib", E, K),
    _g("3.2", "Cadangan dan Hibah", E, K),
    _a("3.2.01", "Cadangan", E, K),
    _a("3.2.02", "Hibah", E, K),
    _g("3.3", "Sisa Hasil Usaha", E, K),
    _a("3.3.01", "SHU Tahun Berjalan", E, K),
    _a("3.3.02", "SHU Tahun Lalu Belum Dibagi", E, K),
    _g("4", "Pendapatan", P, K),
    _g("4.1", "Pendapatan Usaha Simpan Pinjam", P, K),
    _a("4.1.01", "Jasa Pinjaman Anggota", P, K),
    _a("4.1.02", "Jasa Pinjaman Non-Anggota", P, K),
    _a("4.1.03", "Provisi dan Administrasi", P, K),
    _a("4.1.04", "Denda", P, K),
    _a("4.1.05", "Pemulihan Pinjaman yang Dihapusbukukan", P, K),
    _g("4.2", "Pendapatan Lain", P, K),
    _a("4.2.01", "Bunga Bank", P, K),
    _a("4.2.02", "Pendapatan Lain-lain", P, K),
    _a("4.2.03", "Selisih Pembulatan", P, K),
    _g("5", "Beban", B, D),
    _g("5.1", "Beban Usaha Simpan Pinjam", B, D),
    _a("5.1.01", "Bunga Simpanan", B, D),
    _a("5.1.02", "Penyisihan Penghapusan Pinjaman", B, D),
    _g("5.2", "Beban Operasional", B, D),
    _a("5.2.01", "Gaji dan Tunjangan Karyawan", B, D),
    _a("5.2.02", "Beban Perkoperasian dan RAT", B, D),
    _a("5.2.03", "Beban Umum dan Administrasi", B, D),
    _a("5.2.04", "Beban Penyusutan", B, D),
    _a("5.2.05", "Beban Pajak", B, D),
    _g("5.3", "Beban Lain", B, D),
    _a("5.3.01", "Selisih Kas", B, D),
)

# role → code in the template
KSP_ROLES: dict[str, str] = {
    "kas": "1.1.01",
    "bank": "1.1.02",
    "pinjaman_anggota": "1.1.03",
    "penyisihan_pinjaman": "1.1.04",
    "bunga_pinjaman_diterima": "1.1.05",
    "piutang_simpanan_wajib": "1.1.06",
    "selisih_migrasi": "1.1.98",
    "kliring_migrasi": "1.1.99",
    "simpanan_sukarela": "2.1.01",
    "simpanan_berjangka": "2.1.02",
    "bunga_simpanan_terutang": "2.1.03",
    "utang_pajak": "2.1.04",
    "simpanan_pokok": "3.1.01",
    "simpanan_wajib": "3.1.02",
    "shu_tahun_berjalan": "3.3.01",
    "pendapatan_jasa_pinjaman": "4.1.01",
    "pendapatan_provisi_admin": "4.1.03",
    "pendapatan_denda": "4.1.04",
    "pendapatan_pemulihan_pinjaman": "4.1.05",
    "pendapatan_lain": "4.2.02",
    "pembulatan": "4.2.03",
    "beban_bunga_simpanan": "5.1.01",
    "beban_penyisihan_pinjaman": "5.1.02",
    "selisih_kas": "5.3.01",
}


def parent_code(code: str, codes: set[str]) -> str | None:
    """The longest other code in ``codes`` that is a dotted prefix of ``code``."""
    parts = code.split(".")
    for n in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in codes:
            return candidate
    return None
