"""Identity validators: NIK (KTP), phone numbers and NPWP, with messages in Indonesian.

Each raises ``django.core.exceptions.ValidationError`` with a code, so a form shows the message
and an importer can keep it as data (see the migration app).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Province codes from Kemendagri (two digits); a NIK outside these cannot be real.
PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "21",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "51",
        "52",
        "53",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "72",
        "73",
        "74",
        "75",
        "76",
        "81",
        "82",
        "91",
        "92",
        "93",
        "94",
        "95",
        "96",
    }
)

_NIK_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS = re.compile(r"[0-9]+")
_SCIENTIFIC = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*[eE]\s*\+?\d+\s*$")


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province: str
    kabupaten: str
    kecamatan: str
    birth_date: dt.date
    gender: str  # "L" (laki-laki) or "P" (perempuan)
    serial: str

    @property
    def region_code(self) -> str:
        """Kemendagri kecamatan code, e.g. ``53.15.05``."""
        return f"{self.province}.{self.kabupaten}.{self.kecamatan}"


def mask_nik(nik: str) -> str:
    """``5315•••••••••012``: enough to tell two members apart, not enough to misuse."""
    if len(nik) < 8:
        return "•" * len(nik)
    return nik[:4] + "•" * (len(nik) - 7) + nik[-3:]


def excel_damage(raw: Any) -> str | None:
    """Why ``raw`` looks like a NIK that Excel stored as a number, or ``None``.

    Excel keeps 15 significant digits, so a 16-digit NIK typed into a number cell loses its last
    digit (3315012208900001 → 3315012208900000) and is often shown as ``3,31501E+15``. The
    damaged number cannot be repaired; it must be typed again into a text cell.
    """
    damaged = False
    if isinstance(raw, float):
        damaged = True
    elif isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        damaged = len(str(int(raw))) >= 16 and str(int(raw)).endswith("0")
    elif isinstance(raw, str):
        text = raw.strip()
        damaged = bool(_SCIENTIFIC.match(text) or re.fullmatch(r"\d{16}[.,]0+", text))
    if not damaged:  # the message only when it is needed: an import checks 100 000 NIKs
        return None
    return _(
        "NIK ini tampaknya disimpan Excel sebagai angka: Excel hanya menyimpan 15 digit, "
        "sehingga digit terakhir NIK 16 digit hilang atau diganti 0. Ketik ulang NIK dari KTP "
        "di sel berformat Teks."
    )


def validate_nik(raw: Any) -> NikInfo:
    """Check a NIK and return what it encodes.

    16 digits = province(2) kabupaten(2) kecamatan(2) birth date DDMMYY (women: day + 40)
    serial(4, not 0000). The person's own birth date and gender are *not* checked here: a
    mismatch with the record is a warning for the caller (see :func:`nik_mismatches`).
    """
    if (damage := excel_damage(raw)) is not None:
        raise ValidationError(damage, code="nik_excel")
    text = _NIK_SEPARATORS.sub("", "" if raw is None else str(raw))
    if not text:
        raise ValidationError(_("NIK wajib diisi (16 digit dari KTP)."), code="nik_required")
    if not _DIGITS.fullmatch(text):
        raise ValidationError(_("NIK hanya boleh berisi angka."), code="nik_digits")
    if len(text) != 16:
        raise ValidationError(
            ngettext(
                "NIK harus 16 digit; yang diisi %(n)d digit.",
                "NIK harus 16 digit; yang diisi %(n)d digit.",
                len(text),
            )
            % {"n": len(text)},
            code="nik_length",
        )
    province, kab, kec = text[0:2], text[2:4], text[4:6]
    if province not in PROVINCE_CODES:
        raise ValidationError(
            _("Dua digit pertama NIK (%(code)s) bukan kode provinsi.") % {"code": province},
            code="nik_region",
        )
    if kab == "00" or kec == "00":
        raise ValidationError(
            _("Kode kabupaten/kota atau kecamatan pada NIK tidak boleh 00."), code="nik_region"
        )
    day, month, year2 = int(text[6:8]), int(text[8:10]), int(text[10:12])
    sex = "L"
    if day > 40:
        day -= 40
        sex = "P"
    born = _birth_date(day, month, year2)
    if born is None:
        raise ValidationError(
            _("Tanggal lahir pada NIK (digit 7–12: %(part)s) bukan tanggal yang sah.")
            % {"part": text[6:12]},
            code="nik_birth",
        )
    serial = text[12:]
    if serial == "0000":
        raise ValidationError(
            _(
                "Nomor urut NIK (4 digit terakhir) tidak boleh 0000. Jika NIK ini disalin dari "
                "Excel, digit terakhirnya mungkin sudah diganti 0: ketik ulang dari KTP."
            ),
            code="nik_serial",
        )
    return NikInfo(text, province, kab, kec, born, sex, serial)


def _birth_date(day: int, month: int, year2: int) -> dt.date | None:
    """The birth date in a NIK: two-digit years are in the last hundred years."""
    today = dt.date.today()
    for century in (2000, 1900):
        try:
            born = dt.date(century + year2, month, day)
        except ValueError:
            return None
        if born <= today:
            return born
    return None


def nik_mismatches(info: NikInfo, *, birth_date: dt.date | None, gender: str | None) -> list[str]:
    """Warnings (not errors) where a person's record disagrees with their NIK."""
    warnings = []
    if birth_date and (birth_date.day, birth_date.month, birth_date.year % 100) != (
        info.birth_date.day,
        info.birth_date.month,
        info.birth_date.year % 100,
    ):
        warnings.append(
            _("Tanggal lahir %(record)s tidak sama dengan tanggal pada NIK (%(nik)s).")
            % {
                "record": birth_date.strftime("%d/%m/%Y"),
                "nik": info.birth_date.strftime("%d/%m/%Y"),
            }
        )
    if gender and gender != info.gender:
        warnings.append(
            _("Jenis kelamin tidak sesuai dengan NIK (NIK menunjukkan %(g)s).")
            % {"g": _("perempuan") if info.gender == "P" else _("laki-laki")}
        )
    return warnings


_PHONE = re.compile(r"^(\+62|62|0)8[1-9][0-9]{6,9}$")


def normalize_phone(raw: Any) -> str:
    """An Indonesian mobile number as ``+628…``; anything else is refused."""
    text = re.sub(r"[\s\-().]", "", str(raw or ""))
    if not _PHONE.match(text):
        raise ValidationError(
            _(
                "“%(value)s” bukan nomor HP Indonesia. Tulis misalnya 081234567890 atau "
                "+6281234567890."
            )
            % {"value": raw},
            code="phone",
        )
    if text.startswith("+62"):
        return text
    if text.startswith("62"):
        return "+" + text
    return "+62" + text[1:]


def phone_display(phone: str) -> str:
    """A stored ``+6281234567890`` as people write it: ``0812-3456-7890`` (anything else as
    it is)."""
    if not phone.startswith("+62"):
        return phone
    local = "0" + phone[3:]
    return "-".join(local[i : i + 4] for i in range(0, len(local), 4))


def normalize_npwp(raw: Any) -> str:
    """NPWP as 16 digits; the old 15-digit form gets a leading 0."""
    text = re.sub(r"[\s.\-]", "", str(raw or ""))
    if not re.fullmatch(r"[0-9]{15,16}", text):
        raise ValidationError(
            _("NPWP harus 15 atau 16 digit angka (misalnya 01.234.567.8-901.000)."),
            code="npwp",
        )
    return text.rjust(16, "0")
