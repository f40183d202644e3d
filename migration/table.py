"""Finding the table in a legacy sheet: its header among title rows, its columns by name, and
which rows are data, blank, totals or notes.

A koperasi's sheet rarely starts at A1. Above the header sit title rows ("KOPERASI SIMPAN
PINJAM …", "Per 31 Desember 2021"); a header may span two rows under merged cells ("Simpanan"
over "Pokok | Wajib | Sukarela"); blank rows separate groups; "JUMLAH", "TOTAL" and "Sub Total"
rows are not data but are kept as a check on the sum; notes follow the table ("Catatan: …",
"Mengetahui, Ketua"). Everything here is pure: rows in, positions and kinds out.

Columns are matched by name against :data:`FIELDS`, each field with its Indonesian and English
names and the abbreviations koperasi use ("No. Anggota", "No Agt", "Nomor Anggota", "ID"; "Simp.
Pokok", "S. Pokok", "SP"). A person confirms or corrects the mapping; a saved mapping (field →
header text) is applied with :func:`apply_mapping`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from migration.cells import cell_text, is_empty

HEADER_SEARCH_ROWS = 30  # a header further down than this is not a header


def norm(text: Any) -> str:
    """A header cell reduced for matching: lower case, no accents, no punctuation, single spaces
    (``"No. Anggota"`` → ``"no anggota"``, ``"S.Pokok"`` → ``"s pokok"``)."""
    value = cell_text(text)
    if not value.isascii():  # NFKD and dropping what is not ASCII change only such text
        value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return " ".join(_NOT_WORD.sub(" ", value.lower()).split())


_NOT_WORD = re.compile(r"[^a-z0-9]+")


MEMBER_NUMBER = (
    "no anggota", "no agt", "nomor anggota", "id anggota", "kode anggota", "no induk",
    "no induk anggota", "member no", "member number", "nia",
)  # fmt: skip

# Unpaid wajib months before the migration date (migration.services.arrears), on the members
# sheet or on a savings sheet's wajib rows: as an amount, or as a number of months.
WAJIB_ARREARS: dict[str, tuple[str, ...]] = {
    "wajib_arrears": (
        "tunggakan wajib", "tunggakan sw", "tunggakan simpanan wajib", "tunggakan simp wajib",
        "tunggakan s wajib", "tunggakan wajib rp", "tunggakan sw rp",
        "tunggakan simpanan wajib rp", "wajib arrears",
    ),
    "wajib_arrears_months": (
        "tunggakan wajib bulan", "tunggakan sw bulan", "tunggakan simpanan wajib bulan",
        "tunggakan wajib bln", "tunggakan bulan", "tunggakan bln", "bulan tunggak",
        "bulan tunggakan", "bln tunggak", "jumlah bulan tunggakan", "jml bulan tunggakan",
        "wajib arrears months",
    ),
}  # fmt: skip

# kind → field → names (already normalised by :func:`norm`). The first field of each kind that
# is marked required must be found for a sheet to be recognised as that kind.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "members": {
        "number": (
            "no anggota", "no agt", "nomor anggota", "no induk", "no induk anggota", "id",
            "id anggota", "kode anggota", "member no", "member number", "nia",
        ),
        "name": ("nama", "nama anggota", "nama lengkap", "name", "full name", "nama sesuai ktp"),
        "nik": ("nik", "no ktp", "nomor ktp", "no nik", "ktp", "nomor induk kependudukan"),
        "birth_date": ("tgl lahir", "tanggal lahir", "tgl lhr", "birth date", "date of birth"),
        "birth_place": ("tempat lahir", "tmp lahir", "place of birth"),
        "gender": ("jenis kelamin", "jk", "l p", "kelamin", "gender", "sex"),
        "address": ("alamat", "address", "alamat rumah"),
        "desa": ("desa", "kelurahan", "desa kelurahan", "desa kel", "village"),
        "phone": ("no hp", "hp", "no telp", "telepon", "no telepon", "phone", "no wa", "wa"),
        "joined_on": ("tgl masuk", "tanggal masuk", "tgl daftar", "tanggal daftar", "join date",
                      "tgl gabung", "mulai menjadi anggota"),
        "pokok": ("simp pokok", "s pokok", "sp", "simpanan pokok", "pokok"),
        "wajib": ("simp wajib", "s wajib", "sw", "simpanan wajib", "wajib"),
        "sukarela": ("simp sukarela", "s sukarela", "ss", "simpanan sukarela", "sukarela",
                     "tabungan"),
        **WAJIB_ARREARS,
    },
    "savings": {
        "number": MEMBER_NUMBER,
        "name": ("nama", "nama anggota", "nama lengkap", "name"),
        "product": ("produk", "jenis simpanan", "jenis", "product"),
        "account": ("no rekening", "no rek", "nomor rekening", "rekening", "account"),
        "balance": ("saldo", "saldo akhir", "balance", "jumlah", "nominal"),
        **WAJIB_ARREARS,
    },
    "loans": {
        "number": MEMBER_NUMBER,
        "name": ("nama", "nama anggota", "nama peminjam", "name"),
        "loan_number": ("no pinjaman", "nomor pinjaman", "no pinj", "no kredit", "no spk",
                        "loan no", "loan number", "no rek pinjaman"),
        "disbursed_on": ("tgl pencairan", "tanggal pencairan", "tgl cair", "tgl realisasi",
                         "tanggal realisasi", "tgl pinjam", "disbursement date"),
        "principal": ("plafon", "plafond", "pokok pinjaman", "jumlah pinjaman", "pinjaman",
                      "principal", "nilai pinjaman"),
        "tenor": ("jangka waktu", "jw", "tenor", "lama", "jangka", "jml angsuran", "term"),
        "rate": ("bunga", "suku bunga", "jasa", "bunga per bulan", "rate", "bunga bln"),
        "method": ("metode", "sistem bunga", "jenis bunga", "method"),
        "paid_instalments": ("angsuran ke", "sudah diangsur", "angs ke", "jml angsuran dibayar",
                             "instalments paid"),
        "outstanding": ("sisa pokok", "sisa pinjaman", "outstanding", "baki debet", "saldo pokok",
                        "sisa"),
        "arrears": ("tunggakan", "tunggakan pokok", "arrears", "tunggakan angsuran"),
        "arrears_interest": ("tunggakan bunga", "tunggakan jasa"),
    },
    "trial_balance": {
        "code": ("kode", "kode akun", "no akun", "no perkiraan", "kode perkiraan", "account code",
                 "kode rek", "no rek"),
        "account_name": ("nama akun", "nama perkiraan", "uraian", "keterangan", "akun",
                         "perkiraan", "account", "account name", "nama rekening"),
        "debit": ("debet", "debit", "d"),
        "credit": ("kredit", "credit", "k"),
        "balance": ("saldo", "jumlah", "balance"),
    },
    "transactions": {
        "number": MEMBER_NUMBER,
        "date": ("tanggal", "tgl", "date"),
        "product": ("produk", "jenis", "jenis simpanan", "product"),
        "amount": ("jumlah", "nominal", "amount"),
        "kind": ("jenis transaksi", "transaksi", "setor tarik", "kind", "d k"),
        "memo": ("keterangan", "uraian", "memo"),
    },
    # Simpanan berjangka placements (migration.services.term_deposits).
    "term_deposits": {
        "number": MEMBER_NUMBER,
        "name": ("nama", "nama anggota", "nama lengkap", "name"),
        "placement_number": ("no bilyet", "nomor bilyet", "no deposito", "nomor deposito",
                             "no penempatan", "nomor penempatan", "no sertifikat",
                             "no rek berjangka", "no rekening berjangka",
                             "no simpanan berjangka", "placement no", "deposit no"),
        "product": ("produk", "jenis simpanan", "product"),
        "amount": ("nominal", "jumlah penempatan", "nilai penempatan", "pokok penempatan",
                   "jumlah simpanan", "saldo", "jumlah", "amount"),
        "placed_on": ("tgl penempatan", "tanggal penempatan", "tgl buka", "tanggal buka",
                      "tgl setor", "tanggal setor", "tgl valuta", "tanggal valuta",
                      "placement date", "start date"),
        "term": ("jangka waktu", "jangka waktu bulan", "jw", "jw bulan", "tenor",
                 "tenor bulan", "lama bulan", "term", "term months"),
        "rate": ("bunga", "suku bunga", "bunga per tahun", "bunga pa", "bunga p a",
                 "bunga tahun", "bunga thn", "bunga setahun", "rate"),
        "maturity_on": ("tgl jatuh tempo", "tanggal jatuh tempo", "jatuh tempo",
                        "maturity date"),
        "at_maturity": ("saat jatuh tempo", "perpanjangan", "perpanjang otomatis", "aro",
                        "roll over", "diperpanjang", "at maturity"),
    },
    # The Dinas's own list of the district's koperasi (issue 11), read only when asked for.
    "registry": {
        "code": ("kode singkat", "kode koperasi", "kode"),
        "name": ("nama koperasi", "nama", "koperasi", "name"),
        "legal_number": ("nomor badan hukum", "no badan hukum", "no bh", "nomor bh",
                         "badan hukum", "no ahu", "nomor ahu", "no sk badan hukum"),
        "legal_date": ("tanggal badan hukum", "tgl badan hukum", "tgl bh", "tanggal bh",
                       "tanggal ahu"),
        "nik_koperasi": ("nik koperasi", "nik", "nomor induk koperasi", "no induk koperasi"),
        "kind": ("jenis koperasi", "jenis", "jenis usaha", "kelompok koperasi"),
        "kecamatan": ("kecamatan", "kec"),
        "desa": ("desa", "kelurahan", "desa kelurahan", "desa kel", "kel desa"),
        "address": ("alamat", "alamat koperasi", "alamat kantor"),
        "status": ("status", "status koperasi", "keaktifan", "status keaktifan"),
        "founded_on": ("tanggal berdiri", "tgl berdiri", "tanggal pendirian", "tgl pendirian"),
        "last_rat_on": ("rat terakhir", "tanggal rat terakhir", "tgl rat terakhir", "tgl rat"),
        "stage": ("tahap digital", "tahap digitalisasi", "status digital", "digitalisasi",
                  "tahap"),
    },
}  # fmt: skip

# Kinds a koperasi's workbook may hold, found without being asked for; "registry" only when
# the Dinas imports its list (its "Nama" and "Desa" must not make a members sheet a registry).
KOPERASI_KINDS = ("members", "savings", "loans", "trial_balance", "transactions", "term_deposits")

# What a sheet must have to be taken as that kind.
REQUIRED: dict[str, tuple[str, ...]] = {
    "members": ("number", "name"),
    "savings": ("number", "balance"),
    "loans": ("number", "principal"),
    "trial_balance": ("account_name",),
    "transactions": ("number", "date", "amount"),
    "term_deposits": ("number", "amount", "placed_on"),
    "registry": ("name", "kecamatan"),
}

_TOTAL = re.compile(r"^(sub ?total|grand ?total|total|jumlah|jml|total keseluruhan)\b")
_NOTE = re.compile(
    r"^(catatan|keterangan|ket|note|notes|mengetahui|disetujui|dibuat oleh|diperiksa|ketua|"
    r"bendahara|sekretaris|manajer)\b"
)


@dataclass
class Header:
    """Where a sheet's table starts and what its columns are."""

    kind: str
    row: int  # 0-based index of the (last) header row
    rows: int  # 1 or 2: a two-row header under merged cells
    labels: list[str]  # one per column, as shown (two-row headers joined by " ")
    columns: dict[str, int] = field(default_factory=dict)  # field → 0-based column
    score: int = 0

    @property
    def spreadsheet_row(self) -> int:
        """The header's row number as the spreadsheet shows it (1-based)."""
        return self.row + 1


def _match(label: str, names: Sequence[str]) -> int:
    """How well a header label matches a field's names: 3 exact, 2 the label starts with or
    ends with a name of two or more words, 0 none."""
    if not label:
        return 0
    if label in names:
        return 3
    for name in names:
        if " " in name and (label.startswith(name + " ") or label.endswith(" " + name)):
            return 2
    return 0


def match_columns(labels: Sequence[str], kind: str) -> dict[str, int]:
    """Field → column for ``kind``: each column to its best field, each field its best column."""
    fields = FIELDS[kind]
    scored = []
    for col, raw in enumerate(labels):
        label = norm(raw)
        for name, names in fields.items():
            if (score := _match(label, names)) > 0:
                scored.append((score, -col, name, col))
    found: dict[str, int] = {}
    used: set[int] = set()
    for _score, _neg, name, col in sorted(scored, reverse=True):
        if name not in found and col not in used:
            found[name] = col
            used.add(col)
    return found


def _labels(rows: Sequence[Sequence[Any]], index: int, two: bool) -> list[str]:
    row = [cell_text(v) for v in rows[index]]
    if not two:
        return row
    upper = [cell_text(v) for v in rows[index - 1]]
    width = max(len(row), len(upper))
    upper += [""] * (width - len(upper))
    row += [""] * (width - len(row))
    # A merged cell gives its text to its first column only: carry it right over the blanks
    # above sub-headers ("Simpanan" over "Pokok | Wajib | Sukarela").
    carried, last = [], ""
    for col, text in enumerate(upper):
        if text:
            last = text
        elif not row[col]:
            last = ""
        carried.append(text or (last if row[col] else ""))
    joined = []
    for top, bottom in zip(carried, row, strict=True):
        if top and bottom:
            joined.append(f"{top} {bottom}")
        else:
            joined.append(bottom or top)
    return joined


def find_header(rows: Sequence[Sequence[Any]], kinds: Sequence[str] | None = None) -> Header | None:
    """The best header among the first rows, for any of ``kinds`` (default: all), or ``None``.

    A candidate row (or pair of rows) scores the number of fields it names; it must name every
    field :data:`REQUIRED` for its kind. Ties go to the earlier row and to the richer kind.
    """
    best: Header | None = None
    for index in range(min(len(rows), HEADER_SEARCH_ROWS)):
        if all(is_empty(v) for v in rows[index]):
            continue
        for two in (False, True) if index else (False,):
            labels = _labels(rows, index, two)
            for kind in kinds or KOPERASI_KINDS:
                columns = match_columns(labels, kind)
                if not all(name in columns for name in REQUIRED[kind]):
                    continue
                score = len(columns) * 2 - (1 if two else 0)
                if best is None or score > best.score:
                    best = Header(kind, index, 2 if two else 1, labels, columns, score)
    return best


def apply_mapping(
    labels: Sequence[str], mapping: dict[str, str]
) -> tuple[dict[str, int], list[str]]:
    """Field → column from a saved mapping (field → header text); and the header texts the
    sheet no longer has, so the person is told rather than a column silently dropped."""
    by_label = {norm(label): col for col, label in enumerate(labels) if norm(label)}
    columns, missing = {}, []
    for name, label in mapping.items():
        col = by_label.get(norm(label))
        if col is None:
            missing.append(label)
        else:
            columns[name] = col
    return columns, missing


# The two columns the report workbook adds after a sheet's table (migration.report).
REPORT_STATUS = "Status Impor"
REPORT_NOTE = "Keterangan Impor"
# …and its own sheets, which a report imported again skips (names, not translated, for that).
REPORT_SHEETS = ("Ringkasan Impor", "Daftar Masalah")
# The templates' instructions sheet (migration.templates_xlsx), skipped the same way.
INSTRUCTIONS_SHEET = "Petunjuk"
SKIPPED_SHEETS = (*REPORT_SHEETS, INSTRUCTIONS_SHEET)
_REPORT = (norm(REPORT_STATUS), norm(REPORT_NOTE))


def report_columns(labels: Sequence[str]) -> set[int]:
    """The columns of a header that the report workbook added (a two-row header may have joined
    a text above them), which a report imported again does not read."""
    return {
        col
        for col, label in enumerate(labels)
        if any(norm(label) == name or norm(label).endswith(" " + name) for name in _REPORT)
    }


def row_kind(row: Sequence[Any], header: Header, texts: Sequence[str] | None = None) -> str:
    """``data``, ``blank``, ``total`` (a JUMLAH/TOTAL/Sub Total row) or ``note``. ``texts``:
    the row's :func:`cell_text`, when the caller has them already."""
    if texts is None:
        texts = [cell_text(v) for v in row]
    filled = [t for t in texts if t]
    if not filled:
        return "blank"
    words = [_leading_words(text) for text in filled[:3]]
    for text in words:
        if _TOTAL.match(text):
            return "total"
    if _NOTE.match(words[0]):
        return "note"
    # A line of text alone in a sheet of records: a note ("Data per 31 Desember 2021").
    key_cols = [header.columns[n] for n in REQUIRED[header.kind] if n in header.columns]
    if len(filled) == 1 and not any(col < len(texts) and texts[col] for col in key_cols[1:]):
        if len(filled[0]) > 25 or " " in filled[0] and not any(c.isdigit() for c in filled[0]):
            return "note"
    return "data"


def _leading_words(text: str) -> str:
    """``norm(text)`` where it could start a total or a note; a text starting with a digit
    (most cells of a data row: numbers, codes, dates) cannot, and is not normalised."""
    return "" if text[:1] in _DIGITS else norm(text)


_DIGITS = frozenset("0123456789")


def find_mapped_header(
    rows: Sequence[Sequence[Any]], kind: str, mapping: dict[str, str]
) -> Header | None:
    """The row holding most of a saved mapping's header texts (at least one), as the header."""
    wanted = {norm(label) for label in mapping.values()}
    best: Header | None = None
    for index in range(min(len(rows), HEADER_SEARCH_ROWS)):
        for two in (False, True) if index else (False,):
            labels = _labels(rows, index, two)
            columns, _missing = apply_mapping(labels, mapping)
            hits = len({norm(labels[c]) for c in columns.values()} & wanted)
            if hits and (best is None or hits * 2 - (1 if two else 0) > best.score):
                best = Header(kind, index, 2 if two else 1, labels, columns, hits * 2 - two)
    return best
