"""One cell of a legacy spreadsheet, normalised: amounts, dates, NIK, phone, names, codes.

Each function takes what the reader gives (``str``, ``int``, ``float``, ``bool``, ``date``,
``datetime``; ``""`` for an empty cell) and returns a clean value, ``None`` for an empty cell,
or raises :class:`CellError` with a code and an Indonesian message. Nothing is guessed where
two readings differ: a value that could mean two things is refused and says why.

Rupiah, as koperasi write it: ``Rp 1.500.000,00``, ``1.500.000``, ``1,500,000``, ``1500000``,
``1.500.000,-``, numbers stored as text, ``(500.000)`` and ``-500.000`` as negative, and the
floats Excel stores (``1500000.0``; a float with more than sen is refused unless it is only
binary noise). Dates: Excel serials (1900 system), ``date``/``datetime`` cells and text:
``22/03/2022``, ``22-03-22``, ``22.03.2022``, ``22 Maret 2022``, ``22 Mar 2022``, ``2022-03-22``;
day first, the Indonesian default; a two-digit year is the latest year not after ``today``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import money as m
from core import validators

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's 29 Feb 1900
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2999, 12, 31)


class CellError(ValueError):
    """A cell that cannot become a value: ``code`` for machines, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """The cell as the spreadsheet shows it, for messages and the report: ``126.0`` → ``126``."""
    if type(value) is str:  # most cells: tested first, a workbook has a million of them
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%d/%m/%Y %H:%M")
            if value.time() != dt.time()
            else value.strftime("%d/%m/%Y")
        )
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


_FORMULA_ERRORS = ("#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "#SPILL!")


def formula_error(value: Any) -> str | None:
    """The Excel error a cell shows (``#REF!``…), or ``None``."""
    if isinstance(value, str) and "#" in value and value.strip().upper() in _FORMULA_ERRORS:
        return value.strip().upper()
    return None


def _check_formula(value: Any) -> None:
    if (err := formula_error(value)) is not None:
        raise CellError(
            "formula_error",
            _("Sel berisi galat rumus Excel %(err)s, bukan nilai. Perbaiki rumusnya di berkas.")
            % {"err": err},
        )


# --- Rupiah -----------------------------------------------------------------------------------

# Compiled once: each is met once a cell, a workbook has a million cells.
_AMOUNT_CHARS = re.compile(r"[0-9.,]+")
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.0+)?")
_PHONE_NO_ZERO = re.compile(r"8[1-9][0-9]{6,9}")
_WHOLE = re.compile(r"-?\d+")
_NOT_LETTERS = re.compile(r"[^a-z]+")
_SEN = Decimal("0.01")
_NOISE = Decimal("0.000001")  # what a float's binary noise may add to an amount in sen
_CURRENCY = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
_TRAILING = re.compile(r"(?:,-|\.-|,—|-)$")


def _not_amount(raw: Any) -> CellError:
    return CellError(
        "amount_invalid",
        _(
            "“%(value)s” bukan jumlah rupiah yang bisa dibaca. Tulis misalnya 1500000, "
            "1.500.000 atau 1.500.000,50."
        )
        % {"value": cell_text(raw)},
    )


def _digits_with_separators(text: str) -> Decimal | None:
    """``1.500.000,50``, ``1,500,000.50``, ``1500000`` → Decimal; ``None`` if invalid."""
    if not _AMOUNT_CHARS.fullmatch(text) or not text[0].isdigit() or not text[-1].isdigit():
        return None
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        whole, _sep, frac = text.rpartition(decimal_sep)
        if group_sep in frac or decimal_sep in whole or len(frac) > 2:
            return None
        if not re.fullmatch(r"[0-9]{1,3}(?:" + re.escape(group_sep) + r"[0-9]{3})*", whole):
            return None
        return Decimal(whole.replace(group_sep, "") + "." + frac)
    sep = "." if dots else "," if commas else ""
    if not sep:
        return Decimal(text)
    parts = text.split(sep)
    if len(parts) > 2 or len(parts[-1]) == 3:
        # Every group after the first has three digits: thousands, however they are written.
        if re.fullmatch(r"[0-9]{1,3}(?:" + re.escape(sep) + r"[0-9]{3})+", text):
            return Decimal(text.replace(sep, ""))
        return None
    whole, frac = parts
    if 1 <= len(frac) <= 2:  # one separator and sen: 1500000,50 or 1500000.5
        return Decimal(whole + "." + frac)
    return None


def rupiah_cell(value: Any) -> Decimal | None:
    """An amount in rupiah (sen kept), ``None`` for an empty cell."""
    _check_formula(value)
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise _not_amount(value)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        amount = Decimal(int(value)).quantize(_SEN)  # most amounts: whole rupiah, exact
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _not_amount(value)
        exact = Decimal(repr(value))
        amount = exact.quantize(_SEN)
        # A float Excel computed (1/3 of a rupiah) is not a stored amount; binary noise is.
        if abs(exact - amount) > _NOISE:
            raise CellError(
                "amount_fraction",
                _(
                    "“%(value)s” punya pecahan di bawah satu sen (hasil rumus?). Bulatkan "
                    "jumlahnya di berkas."
                )
                % {"value": repr(value)},
            )
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().replace("\u00a0", " ")
        signs = 0
        if text.startswith("(") and text.endswith(")"):
            signs, text = 1, text[1:-1].strip()
        if text.startswith("-"):
            signs, text = signs + 1, text[1:].strip()
        text = _CURRENCY.sub("", text).strip()
        if text.startswith("-"):
            signs, text = signs + 1, text[1:].strip()
        text = _TRAILING.sub("", text).replace(" ", "")
        parsed = _digits_with_separators(text) if text else None
        if parsed is None or signs > 1:
            raise _not_amount(value)
        negative = signs == 1
        amount = -parsed if negative else parsed
    if amount != amount.quantize(_SEN):
        raise CellError(
            "amount_fraction",
            _("“%(value)s” punya pecahan di bawah satu sen. Bulatkan jumlahnya di berkas.")
            % {"value": cell_text(value)},
        )
    if abs(amount) > m.MAX_AMOUNT:
        raise CellError(
            "amount_too_large",
            _("“%(value)s” terlalu besar untuk sebuah jumlah rupiah.")
            % {"value": cell_text(value)},
        )
    return amount


# --- Dates ------------------------------------------------------------------------------------

MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "peb": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nop": 11, "nopember": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip

_NUMERIC_DATE = re.compile(r"^(\d{1,4})[/\-.](\d{1,2})[/\-.](\d{1,4})$")
_WORD_DATE = re.compile(r"^(\d{1,2})[\s\-/.]+([a-z]+)\.?[\s\-/.,]+(\d{2}|\d{4})$")


def _not_date(raw: Any) -> CellError:
    return CellError(
        "date_invalid",
        _(
            "“%(value)s” bukan tanggal yang bisa dibaca. Tulis misalnya 22/03/2022 atau "
            "22 Maret 2022."
        )
        % {"value": cell_text(raw)},
    )


def _year(text: str, today: dt.date) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _make(year: int, month: int, day: int, raw: Any) -> dt.date:
    try:
        found = dt.date(year, month, day)
    except ValueError as exc:
        raise _not_date(raw) from exc
    if not FIRST_DATE <= found <= LAST_DATE:
        raise _not_date(raw)
    return found


def date_cell(
    value: Any, *, today: dt.date | None = None, day_first: bool = True
) -> dt.date | None:
    """A date, ``None`` for an empty cell."""
    _check_formula(value)
    if is_empty(value):
        return None
    today = today or dt.date.today()
    if isinstance(value, dt.datetime):
        return _make(value.year, value.month, value.day, value)
    if isinstance(value, dt.date):
        return _make(value.year, value.month, value.day, value)
    if isinstance(value, bool):
        raise _not_date(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            value = int(value)  # a serial with a time of day: the day is what counts
        serial = int(value)
        if not 1 <= serial <= 2_958_465:
            raise _not_date(value)
        found = EXCEL_EPOCH + dt.timedelta(days=serial)
        return _make(found.year, found.month, found.day, value)
    text = " ".join(str(value).strip().lower().split())
    if _SERIAL_TEXT.fullmatch(text):  # an Excel serial stored as text
        return date_cell(int(text.partition(".")[0]), today=today)
    if match := _NUMERIC_DATE.match(text):
        a, b, c = match.groups()
        if len(a) == 4:  # ISO: 2022-03-22
            return _make(int(a), int(b), int(c), value)
        if len(c) not in (2, 4):
            raise _not_date(value)
        year = _year(c, today)
        first, second = (int(a), int(b)) if day_first else (int(b), int(a))
        if 1 <= second <= 12 and 1 <= first <= 31:
            return _make(year, second, first, value)
        if 1 <= first <= 12 and 1 <= second <= 31:  # only one reading exists: 03/22/2022
            return _make(year, first, second, value)
        raise _not_date(value)
    if match := _WORD_DATE.match(text):
        day, month_word, year_text = match.groups()
        month = MONTHS.get(month_word)
        if month is None:
            raise _not_date(value)
        return _make(_year(year_text, today), month, int(day), value)
    raise _not_date(value)


# --- People -----------------------------------------------------------------------------------


def nik_cell(value: Any) -> str | None:
    """A checked NIK (16 digits), ``None`` for an empty cell. A NIK that Excel damaged (a number
    of 16 digits whose last digit was lost, or scientific notation) is refused, never stored."""
    _check_formula(value)
    if is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)  # a 15-digit number: too short, validate_nik says so
    try:
        return validators.validate_nik(value).nik
    except ValidationError as exc:
        raise CellError(exc.code or "nik_invalid", " ".join(exc.messages)) from exc


def phone_cell(value: Any) -> str | None:
    """An Indonesian mobile number as ``+628…``, ``None`` for an empty cell."""
    _check_formula(value)
    if is_empty(value):
        return None
    text = cell_text(value)
    if _PHONE_NO_ZERO.fullmatch(text):
        text = "0" + text  # stored as a number once, Excel dropped the leading 0
    try:
        return validators.normalize_phone(text)
    except ValidationError as exc:
        raise CellError("phone_invalid", " ".join(exc.messages)) from exc


def name_cell(value: Any) -> str | None:
    """A person's or place's name, trimmed, inner spaces collapsed; ``None`` for an empty cell."""
    _check_formula(value)
    if is_empty(value):
        return None
    return " ".join(cell_text(value).split())


def code_cell(value: Any) -> str | None:
    """An identifier (member or loan number): ``126.0`` → ``126``, trimmed."""
    _check_formula(value)
    if is_empty(value):
        return None
    return " ".join(cell_text(value).split())


def count_cell(value: Any) -> int | None:
    """A whole number (tenor, instalments paid), ``None`` for an empty cell."""
    _check_formula(value)
    if is_empty(value):
        return None
    text = (
        cell_text(value).replace(".", "").replace(",", "")
        if isinstance(value, str)
        else cell_text(value)
    )
    if not _WHOLE.fullmatch(text):
        raise CellError(
            "count_invalid",
            _("“%(value)s” bukan bilangan bulat.") % {"value": cell_text(value)},
        )
    return int(text)


def percent_cell(value: Any) -> Decimal | None:
    """A rate in percent: ``1,5``, ``1.5``, ``1,5%``, or Excel's 0.015 for a cell formatted as %.

    A number below 1 from a numeric cell is read as Excel's fraction (0.015 = 1,5%).
    """
    _check_formula(value)
    if is_empty(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return (number * 100).normalize() if 0 < number < 1 else number
    text = str(value).strip().rstrip("%").strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(
            "percent_invalid",
            _("“%(value)s” bukan persen yang bisa dibaca. Tulis misalnya 1,5.")
            % {"value": cell_text(value)},
        ) from exc
    if not number.is_finite() or number < 0:
        raise CellError("percent_invalid", _("Persen harus angka nol atau lebih."))
    return number


_GENDERS = {
    "l": "L", "lk": "L", "laki laki": "L", "laki": "L", "pria": "L", "m": "L", "male": "L",
    "p": "P", "pr": "P", "perempuan": "P", "wanita": "P", "w": "P", "f": "P", "female": "P",
}  # fmt: skip


def gender_cell(value: Any) -> str | None:
    """``L`` or ``P`` from the ways a sheet writes it (L/P, Laki-laki/Perempuan, Pria/Wanita)."""
    _check_formula(value)
    if is_empty(value):
        return None
    key = " ".join(_NOT_LETTERS.sub(" ", cell_text(value).lower()).split())
    if key not in _GENDERS:
        raise CellError(
            "gender_invalid",
            _("“%(value)s” bukan jenis kelamin; tulis L atau P.") % {"value": cell_text(value)},
        )
    return _GENDERS[key]


_METHODS = {
    "flat": "flat", "tetap": "flat", "flat rate": "flat",
    "anuitas": "anuitas", "anuitet": "anuitas", "annuity": "anuitas",
    "menurun": "menurun", "efektif": "menurun", "sliding": "menurun", "sliding rate": "menurun",
    "saldo menurun": "menurun", "bunga menurun": "menurun", "declining": "menurun",
}  # fmt: skip


def method_cell(value: Any) -> str | None:
    """A loan's interest method: ``flat``, ``anuitas`` or ``menurun``."""
    _check_formula(value)
    if is_empty(value):
        return None
    key = " ".join(_NOT_LETTERS.sub(" ", cell_text(value).lower()).split())
    if key not in _METHODS:
        raise CellError(
            "method_invalid",
            _("“%(value)s” bukan metode bunga; tulis flat, anuitas atau menurun.")
            % {"value": cell_text(value)},
        )
    return _METHODS[key]


# --- The Dinas's registry -------------------------------------------------------------------


def koperasi_nik_cell(value: Any) -> str | None:
    """A NIK koperasi: 10 to 20 digits (spaces and dots dropped), ``None`` for an empty cell."""
    _check_formula(value)
    if is_empty(value):
        return None
    if isinstance(value, float) and abs(value) >= 1e15:
        raise CellError(
            "nik_excel",
            _(
                "NIK koperasi ini disimpan Excel sebagai angka dan digit terakhirnya bisa hilang. "
                "Ketik ulang di sel berformat Teks."
            ),
        )
    digits = re.sub(r"[\s.\-]", "", cell_text(value))
    if not digits.isdigit() or not 10 <= len(digits) <= 20:
        raise CellError(
            "nik_koperasi_invalid",
            _("“%(value)s” bukan NIK koperasi: NIK koperasi terdiri dari 10–20 angka.")
            % {"value": cell_text(value)},
        )
    return digits


def _choice(value: Any, words: dict[str, str], code: str, message: str) -> str | None:
    _check_formula(value)
    if is_empty(value):
        return None
    key = " ".join(_NOT_LETTERS.sub(" ", cell_text(value).lower()).split())
    if key not in words:
        raise CellError(code, message % {"value": cell_text(value)})
    return words[key]


_KOPERASI_KINDS = {
    "simpan pinjam": "simpan_pinjam", "ksp": "simpan_pinjam", "koperasi simpan pinjam":
    "simpan_pinjam", "kredit": "simpan_pinjam", "kopdit": "simpan_pinjam",
    "koperasi kredit": "simpan_pinjam", "usp": "simpan_pinjam",
    "konsumen": "konsumen", "koperasi konsumen": "konsumen",
    "produsen": "produsen", "koperasi produsen": "produsen",
    "pemasaran": "pemasaran", "koperasi pemasaran": "pemasaran",
    "jasa": "jasa", "koperasi jasa": "jasa",
    "serba usaha": "serba_usaha", "ksu": "serba_usaha", "koperasi serba usaha": "serba_usaha",
}  # fmt: skip


def koperasi_kind_cell(value: Any) -> str | None:
    """A koperasi's kind (jenis): simpan pinjam, konsumen, produsen, pemasaran, jasa, serba
    usaha (and KSP, Kopdit, KSU)."""
    return _choice(
        value,
        _KOPERASI_KINDS,
        "kind_invalid",
        _(
            "“%(value)s” bukan jenis koperasi; tulis Simpan pinjam, Konsumen, Produsen, "
            "Pemasaran, Jasa atau Serba usaha."
        ),
    )


_KOPERASI_STATUSES = {
    "aktif": "aktif", "aktif belum rat": "aktif_belum_rat", "belum rat": "aktif_belum_rat",
    "tidak aktif": "tidak_aktif", "pasif": "tidak_aktif", "non aktif": "tidak_aktif",
    "nonaktif": "tidak_aktif",
    "dalam pembubaran": "dalam_pembubaran", "pembubaran": "dalam_pembubaran",
    "bubar": "bubar", "dibubarkan": "bubar",
}  # fmt: skip


def koperasi_status_cell(value: Any) -> str | None:
    return _choice(
        value,
        _KOPERASI_STATUSES,
        "status_invalid",
        _(
            "“%(value)s” bukan status koperasi; tulis Aktif, Aktif belum RAT, Tidak aktif, "
            "Dalam pembubaran atau Bubar."
        ),
    )


_STAGES = {
    "belum digital": "belum_digital", "belum": "belum_digital", "manual": "belum_digital",
    "pendataan": "pendataan",
    "migrasi": "migrasi", "migrasi data": "migrasi",
    "digital": "digital", "sudah digital": "digital",
    "aktif digunakan": "aktif_digunakan",
}  # fmt: skip


def digital_stage_cell(value: Any) -> str | None:
    return _choice(
        value,
        _STAGES,
        "stage_invalid",
        _(
            "“%(value)s” bukan tahap digital; tulis Belum digital, Pendataan, Migrasi data, "
            "Digital atau Aktif digunakan."
        ),
    )


# --- Arrears and simpanan berjangka ------------------------------------------------------------

_MONTHS_WORD = re.compile(r"\s*(?:bulan|bln|bl|months?)\.?$", re.IGNORECASE)


def month_count_cell(value: Any) -> int | None:
    """A number of months (a placement's term, wajib months in arrears): ``3``, ``3 bulan``,
    ``3,0``. Unlike :func:`count_cell` a separator is never read as thousands: ``1,5`` months is
    refused, not fifteen."""
    _check_formula(value)
    if is_empty(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and value >= 0:
            return int(value)
    else:
        text = _MONTHS_WORD.sub("", cell_text(value).strip())
        text = re.sub(r"[.,]0+$", "", text)
        if text.isdigit():
            return int(text)
    raise CellError(
        "months_invalid",
        _("“%(value)s” bukan jumlah bulan; tulis bilangan bulat, misalnya 3.")
        % {"value": cell_text(value)},
    )


_AT_MATURITY = {
    "perpanjang": "perpanjang", "diperpanjang": "perpanjang", "perpanjang otomatis": "perpanjang",
    "diperpanjang otomatis": "perpanjang", "aro": "perpanjang", "roll over": "perpanjang",
    "rollover": "perpanjang", "ya": "perpanjang", "y": "perpanjang",
    "ke sukarela": "ke_sukarela", "sukarela": "ke_sukarela", "pindah ke sukarela": "ke_sukarela",
    "dipindahkan ke sukarela": "ke_sukarela", "tidak": "ke_sukarela", "t": "ke_sukarela",
    "non aro": "ke_sukarela", "tidak diperpanjang": "ke_sukarela", "cair": "ke_sukarela",
    "dicairkan": "ke_sukarela",
}  # fmt: skip


def at_maturity_cell(value: Any) -> str | None:
    """What happens to a placement at maturity (``savings.models.AtMaturity``): rolled over
    (perpanjang, ARO) or moved to the member's sukarela."""
    return _choice(
        value,
        _AT_MATURITY,
        "at_maturity_invalid",
        _("“%(value)s” tidak dikenal; tulis “perpanjang” atau “ke sukarela”."),
    )
