"""Clean templates for a koperasi that starts its books from scratch (issue 9, item 10).

One xlsx per kind (members, savings, loans, trial balance, transactions, and the Dinas's
registry), or all the koperasi's kinds in one workbook: a sheet per kind with the columns the
reader recognises (each header is one of the names in :data:`migration.table.FIELDS`), cells
that must stay text formatted as text (a NIK typed into a number cell loses its last digit),
data validation where Excel can check a value (dates, whole numbers of zero or more, lists for
the interest method and gender), and an instructions sheet ("Petunjuk") in Indonesian, which
the reader skips.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from migration.table import INSTRUCTIONS_SHEET

LAST_ROW = 100_000  # validation and formats reach this far: 100 000 members fit

# What a column holds: how Excel should check it and how the cells are formatted.
TEXT, NAME, DATE, MONEY, SIGNED, COUNT, RATE, LIST = (
    "text", "name", "date", "money", "signed", "count", "rate", "list"
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # recognised by migration.table for this kind (a test checks each)
    kind: str
    required: bool = False
    help: Any = ""  # lazy Indonesian text
    choices: tuple[str, ...] = ()
    width: int = 16


def _c(field: str, header: str, kind: str, help: Any = "", **kw: Any) -> Column:
    return Column(field, header, kind, help=help, **kw)


DATE_HELP = gettext_lazy("Tanggal, misalnya 22/03/2015.")
MEMBER_NO = gettext_lazy("Nomor anggota di buku lama; kunci agar impor ulang tidak menggandakan.")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "members": (
        _c("number", "No. Anggota", TEXT, MEMBER_NO, required=True),
        _c("name", "Nama Lengkap", NAME, gettext_lazy("Sesuai KTP."), required=True, width=28),
        _c("nik", "NIK", TEXT, gettext_lazy("16 digit, diketik sebagai teks."), width=20),
        _c("birth_place", "Tempat Lahir", NAME),
        _c("birth_date", "Tanggal Lahir", DATE, gettext_lazy("Tanggal, misalnya 22/03/1990.")),
        _c("gender", "Jenis Kelamin", LIST, gettext_lazy("L atau P."), choices=("L", "P")),
        _c("address", "Alamat", NAME, width=30),
        _c("desa", "Desa", NAME),
        _c("phone", "No HP", TEXT, gettext_lazy("Misalnya 081234567890.")),
        _c("joined_on", "Tanggal Masuk", DATE, gettext_lazy("Tanggal menjadi anggota.")),
        _c("pokok", "Simpanan Pokok", MONEY, gettext_lazy("Saldo dalam rupiah, tanpa titik.")),
        _c("wajib", "Simpanan Wajib", MONEY, gettext_lazy("Saldo dalam rupiah, tanpa titik.")),
        _c("sukarela", "Simpanan Sukarela", MONEY,
           gettext_lazy("Saldo dalam rupiah, tanpa titik.")),
        _c("wajib_arrears_months", "Tunggakan Wajib (bulan)", COUNT,
           gettext_lazy("Berapa bulan simpanan wajib belum dibayar sampai bulan sebelum tanggal "
                        "migrasi; menjadi tagihan anggota. Kosongkan bila tidak ada.")),
    ),
    "savings": (
        _c("number", "No. Anggota", TEXT, MEMBER_NO, required=True),
        _c("name", "Nama Anggota", NAME, width=28),
        _c("product", "Jenis Simpanan", NAME,
           gettext_lazy("Misalnya Simpanan Pokok, Simpanan Wajib, Simpanan Sukarela."), width=22),
        _c("account", "No. Rekening", TEXT),
        _c("balance", "Saldo", MONEY, gettext_lazy("Saldo dalam rupiah."), required=True),
    ),
    "loans": (
        _c("number", "No. Anggota", TEXT, MEMBER_NO, required=True),
        _c("name", "Nama Peminjam", NAME, width=28),
        _c("loan_number", "No. Pinjaman", TEXT,
           gettext_lazy("Nomor pinjaman di buku lama; kunci impor ulang."), required=True),
        _c("disbursed_on", "Tanggal Pencairan", DATE, gettext_lazy("Tanggal, misalnya 22/03/2022."),
           required=True),
        _c("principal", "Plafon", MONEY, gettext_lazy("Pokok pinjaman semula, rupiah."),
           required=True),
        _c("tenor", "Jangka Waktu", COUNT, gettext_lazy("Jumlah angsuran, misalnya 12."),
           required=True),
        _c("rate", "Bunga per Bulan", RATE, gettext_lazy("Persen per bulan, misalnya 1,5."),
           required=True),
        _c("method", "Metode", LIST, gettext_lazy("flat, anuitas atau menurun."),
           choices=("flat", "anuitas", "menurun")),
        _c("paid_instalments", "Angsuran Ke", COUNT,
           gettext_lazy("Angsuran yang sudah dibayar. Isi ini atau Sisa Pokok.")),
        _c("outstanding", "Sisa Pokok", MONEY, gettext_lazy("Pokok yang belum dibayar, rupiah.")),
        _c("arrears", "Tunggakan Pokok", MONEY, gettext_lazy("Pokok yang lewat jatuh tempo.")),
        _c("arrears_interest", "Tunggakan Bunga", MONEY,
           gettext_lazy("Bunga yang lewat jatuh tempo.")),
    ),
    "trial_balance": (
        _c("code", "Kode Akun", TEXT, gettext_lazy("Kode perkiraan di buku lama.")),
        _c("account_name", "Nama Akun", NAME, gettext_lazy("Misalnya Kas, Piutang Anggota."),
           required=True, width=32),
        _c("debit", "Debet", MONEY, gettext_lazy("Saldo debet, rupiah.")),
        _c("credit", "Kredit", MONEY, gettext_lazy("Saldo kredit, rupiah.")),
    ),
    "transactions": (
        _c("number", "No. Anggota", TEXT, MEMBER_NO, required=True),
        _c("date", "Tanggal", DATE, gettext_lazy("Tanggal transaksi."), required=True),
        _c("product", "Jenis Simpanan", NAME, width=22),
        _c("kind", "Jenis Transaksi", LIST, gettext_lazy("setor atau tarik."),
           choices=("setor", "tarik")),
        _c("amount", "Nominal", MONEY, gettext_lazy("Rupiah, tanpa tanda minus."), required=True),
        _c("memo", "Uraian", NAME, width=30),
    ),
    "term_deposits": (
        _c("number", "No. Anggota", TEXT, MEMBER_NO, required=True),
        _c("name", "Nama Anggota", NAME, width=28),
        _c("placement_number", "No. Bilyet", TEXT,
           gettext_lazy("Nomor penempatan di buku lama; kunci impor ulang.")),
        _c("product", "Produk", NAME, gettext_lazy("Kode atau nama produk berjangka di Kopdig; "
                                                     "kosongkan untuk produk pertama.")),
        _c("amount", "Nominal", MONEY, gettext_lazy("Pokok penempatan, rupiah."), required=True),
        _c("placed_on", "Tanggal Penempatan", DATE,
           gettext_lazy("Mulai jangka yang sedang berjalan (sesudah perpanjangan terakhir)."),
           required=True),
        _c("term", "Jangka Waktu (bulan)", COUNT, gettext_lazy("Misalnya 3, 6 atau 12."),
           required=True),
        _c("rate", "Bunga per Tahun", RATE,
           gettext_lazy("Persen setahun, terkunci sampai jatuh tempo; paling tinggi 9."),
           required=True),
        _c("at_maturity", "Saat Jatuh Tempo", LIST,
           gettext_lazy("perpanjang atau ke sukarela; kosong: ketentuan produk."),
           choices=("perpanjang", "ke sukarela")),
    ),
    "registry": (
        _c("code", "Kode Singkat", TEXT,
           gettext_lazy("Kode di alamat halaman Kopdig; kosongkan untuk koperasi baru.")),
        _c("name", "Nama Koperasi", NAME, required=True, width=32),
        _c("legal_number", "Nomor Badan Hukum", TEXT, width=24),
        _c("legal_date", "Tanggal Badan Hukum", DATE, DATE_HELP),
        _c("nik_koperasi", "NIK Koperasi", TEXT,
           gettext_lazy("10–20 angka, diketik sebagai teks.")),
        _c("kind", "Jenis Koperasi", LIST, gettext_lazy("Pilih dari daftar."), required=True,
           choices=("Simpan pinjam", "Konsumen", "Produsen", "Pemasaran", "Jasa", "Serba usaha")),
        _c("kecamatan", "Kecamatan", NAME, gettext_lazy("Nama kecamatan di kabupaten ini."),
           required=True),
        _c("desa", "Desa/Kelurahan", NAME,
           gettext_lazy("Harus berada di kecamatan yang disebut.")),
        _c("address", "Alamat", NAME, width=30),
        _c("status", "Status", LIST, choices=("Aktif", "Aktif belum RAT", "Tidak aktif",
                                               "Dalam pembubaran", "Bubar")),
        _c("founded_on", "Tanggal Berdiri", DATE, DATE_HELP),
        _c("last_rat_on", "RAT Terakhir", DATE, gettext_lazy("Tanggal RAT terakhir.")),
        _c("stage", "Tahap Digital", LIST, choices=("Belum digital", "Pendataan", "Migrasi data",
                                                     "Digital", "Aktif digunakan"), width=18),
    ),
}  # fmt: skip

KIND_NAMES = {
    "members": gettext_lazy("Anggota"),
    "savings": gettext_lazy("Simpanan"),
    "loans": gettext_lazy("Pinjaman"),
    "trial_balance": gettext_lazy("Neraca Saldo"),
    "transactions": gettext_lazy("Transaksi"),
    "term_deposits": gettext_lazy("Simpanan Berjangka"),
    "registry": gettext_lazy("Daftar Koperasi"),
}
KOPERASI_KINDS = ("members", "savings", "loans", "trial_balance", "transactions", "term_deposits")


def filename(kind: str) -> str:
    return f"templat-{kind.replace('_', '-')}.xlsx"


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"valign": "top"}
        self.head = book.add_format(
            {"bold": True, "bg_color": "#E1F3E8", "border": 1, "text_wrap": True, **base}
        )
        self.head_required = book.add_format(
            {"bold": True, "bg_color": "#B9E4C9", "border": 1, "text_wrap": True, **base}
        )
        self.cells = {
            TEXT: book.add_format({"num_format": "@"}),
            NAME: book.add_format({"num_format": "@"}),
            LIST: book.add_format({"num_format": "@"}),
            DATE: book.add_format({"num_format": "dd/mm/yyyy"}),
            MONEY: book.add_format({"num_format": "#,##0"}),
            SIGNED: book.add_format({"num_format": "#,##0;-#,##0"}),
            COUNT: book.add_format({"num_format": "0"}),
            RATE: book.add_format({"num_format": "0.00"}),
        }
        self.title = book.add_format({"bold": True, "font_size": 13})
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})


def _validation(column: Column) -> dict[str, Any] | None:
    help_text = str(column.help)[:255]
    common: dict[str, Any] = {"error_title": _("Isi tidak sesuai")[:32]}
    if help_text:
        common |= {"input_title": column.header[:32], "input_message": help_text}
    if column.kind == DATE:
        return common | {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(1900, 1, 1),
            "maximum": dt.date(2999, 12, 31),
            "error_message": _("Isi dengan tanggal, misalnya 22/03/2022."),
        }
    if column.kind == MONEY:
        return common | {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_message": _("Isi dengan jumlah rupiah nol atau lebih, tanpa titik."),
        }
    if column.kind == COUNT:
        return common | {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_message": _("Isi dengan bilangan bulat nol atau lebih."),
        }
    if column.kind == RATE:
        return common | {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 100,
            "error_message": _("Isi dengan persen antara 0 dan 100, misalnya 1,5."),
        }
    if column.kind == LIST:
        return common | {
            "validate": "list",
            "source": list(column.choices),
            "error_message": _("Pilih salah satu: %(c)s.") % {"c": ", ".join(column.choices)},
        }
    if column.field == "nik":
        return common | {
            "validate": "length",
            "criteria": "==",
            "value": 16,
            "error_message": _("NIK terdiri dari 16 digit."),
        }
    if help_text:
        return common | {"validate": "any"}
    return None


def _data_sheet(book: xlsxwriter.Workbook, f: _Formats, kind: str) -> None:
    ws = book.add_worksheet(str(KIND_NAMES[kind])[:31])
    columns = COLUMNS[kind]
    for col, column in enumerate(columns):
        ws.set_column(col, col, column.width, f.cells[column.kind])
        ws.write_string(0, col, column.header, f.head_required if column.required else f.head)
        if (rule := _validation(column)) is not None:
            ws.data_validation(1, col, LAST_ROW, col, rule)
    ws.set_row(0, 32)
    ws.freeze_panes(1, 1)


def _instructions(book: xlsxwriter.Workbook, f: _Formats, kinds: Sequence[str]) -> None:
    ws = book.add_worksheet(INSTRUCTIONS_SHEET)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 70)
    r = 0
    ws.write_string(r, 0, _("Petunjuk mengisi templat impor Kopdig"), f.title)
    for line in (
        _("Isi satu baris untuk setiap data, mulai baris 2, tanpa baris kosong di tengah."),
        _(
            "Jangan ubah atau hapus baris judul kolom. Kolom berwarna lebih gelap wajib diisi; "
            "kolom lain boleh dikosongkan."
        ),
        _(
            "Tanggal ditulis sebagai tanggal (22/03/2022). Jumlah rupiah ditulis sebagai angka "
            "tanpa titik dan tanpa Rp (1500000)."
        ),
        _(
            "NIK, nomor anggota, nomor pinjaman dan nomor HP sudah berformat Teks: ketik apa "
            "adanya. Jangan tempel dari sel berformat angka (Excel memotong NIK 16 digit)."
        ),
        _(
            "Lembar ini (Petunjuk) tidak diimpor. Setelah diunggah, Kopdig memeriksa setiap "
            "baris dan memberi laporan; perbaiki baris yang ditolak lalu unggah lagi."
        ),
    ):
        r += 1
        ws.write_string(r, 0, line)
    for kind in kinds:
        r += 2
        ws.write_string(r, 0, _("Lembar “%(s)s”") % {"s": KIND_NAMES[kind]}, f.bold)
        r += 1
        for col, head in enumerate((_("Kolom"), _("Wajib diisi"), _("Keterangan"))):
            ws.write_string(r, col, head, f.head)
        for column in COLUMNS[kind]:
            r += 1
            ws.write_string(r, 0, column.header)
            ws.write_string(r, 1, _("ya") if column.required else _("tidak"))
            ws.write_string(r, 2, str(column.help), f.wrap)


def template_xlsx(kinds: Sequence[str]) -> bytes:
    """The template workbook for ``kinds`` (e.g. ``["members"]`` or :data:`KOPERASI_KINDS`)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    f = _Formats(book)
    for kind in kinds:
        _data_sheet(book, f, kind)
    _instructions(book, f, kinds)
    book.close()
    return out.getvalue()
