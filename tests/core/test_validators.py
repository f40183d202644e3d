"""NIK, phone and NPWP: what a kasir types, what Excel does to it, and the messages they get."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from core.forms import NikField, PhoneField, RupiahField
from core.validators import (
    excel_damage,
    mask_nik,
    nik_mismatches,
    normalize_npwp,
    normalize_phone,
    validate_nik,
)

MAN = "5315010101900001"  # NTT, Manggarai Barat, Macang Pacar; born 1 January 1990; serial 0001
WOMAN = "5315054508850002"  # Komodo; day 45 = 5 + 40: a woman born 5 August 1985


def test_a_mans_nik_says_where_and_when_he_was_registered_and_born() -> None:
    info = validate_nik(MAN)
    assert info.nik == MAN
    assert info.region_code == "53.15.01"
    assert info.birth_date == dt.date(1990, 1, 1)
    assert info.gender == "L"
    assert info.serial == "0001"


def test_a_womans_nik_has_forty_added_to_the_day() -> None:
    info = validate_nik(WOMAN)
    assert info.birth_date == dt.date(1985, 8, 5)
    assert info.gender == "P"
    assert validate_nik("5315057112000003").birth_date == dt.date(2000, 12, 31)


def test_separators_are_ignored_and_a_nik_from_elsewhere_is_fine() -> None:
    assert validate_nik("5315 0101 0190 0001").nik == MAN
    assert validate_nik("3315012208900001").region_code == "33.15.01"  # Jawa Tengah


def test_two_digit_years_are_in_the_past() -> None:
    assert validate_nik("5315010101050001").birth_date == dt.date(2005, 1, 1)
    assert validate_nik("5315010101600001").birth_date == dt.date(1960, 1, 1)
    next_year = (dt.date.today().year + 1) % 100
    assert validate_nik(f"5315010101{next_year:02d}0001").birth_date.year < 2000


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("5", "A NIK has 16 digits; 1 was entered."),
        ("531501010190001", "A NIK has 16 digits; 15 were entered."),
    ],
)
def test_nik_length_in_english_says_one_digit_or_many(raw: str, message: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_nik(raw)
    assert caught.value.messages == [message]


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("531501010190001", "nik_length", "NIK harus 16 digit; yang diisi 15 digit."),
        ("53150101019000011", "nik_length", "NIK harus 16 digit; yang diisi 17 digit."),
        ("53150101019000A1", "nik_digits", "NIK hanya boleh berisi angka."),
        ("５３１５０１０１０１９０００１", "nik_digits", "NIK hanya boleh berisi angka."),
        ("", "nik_required", "NIK wajib diisi (16 digit dari KTP)."),
        (None, "nik_required", "NIK wajib diisi (16 digit dari KTP)."),
        ("0015010101900001", "nik_region", "Dua digit pertama NIK (00) bukan kode provinsi."),
        ("9915010101900001", "nik_region", "Dua digit pertama NIK (99) bukan kode provinsi."),
        ("5300010101900001", "nik_region", "tidak boleh 00"),
        ("5315000101900001", "nik_region", "tidak boleh 00"),
        ("5315013201900001", "nik_birth", "(digit 7–12: 320190) bukan tanggal yang sah"),
        ("5315010113900001", "nik_birth", "bukan tanggal yang sah"),
        ("5315017201900001", "nik_birth", "bukan tanggal yang sah"),  # woman, day 32
        ("5315014001900001", "nik_birth", "bukan tanggal yang sah"),  # day 40: neither
        ("5315010000900001", "nik_birth", "bukan tanggal yang sah"),
        ("5315012902890001", "nik_birth", "bukan tanggal yang sah"),  # 29 Feb 1989
        ("5315010101900000", "nik_serial", "tidak boleh 0000"),
    ],
)
def test_a_bad_nik_is_refused_with_a_reason(raw: object, code: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_nik(raw)
    assert caught.value.code == code
    assert message in caught.value.messages[0]


@pytest.mark.parametrize(
    "raw",
    [
        3.3150122089e15,  # a float, as a spreadsheet library returns a number cell
        3315012208900001.0,
        3315012208900000,  # the int Excel kept: last digit replaced by 0
        Decimal("3315012208900000"),
        "3,31501E+15",  # how Excel shows it (Indonesian locale)
        "3.31501E+15",
        "3.3150122089E+15",
        " 3,31501e+15 ",
        "3315012208900000.0",
    ],
)
def test_a_nik_damaged_by_excel_is_recognised_and_explained(raw: object) -> None:
    assert excel_damage(raw) is not None
    with pytest.raises(ValidationError) as caught:
        validate_nik(raw)
    assert caught.value.code == "nik_excel"
    assert "Excel hanya menyimpan 15 digit" in caught.value.messages[0]
    assert "Teks" in caught.value.messages[0]


def test_an_intact_number_is_not_taken_for_excel_damage() -> None:
    assert excel_damage(3315012208900001) is None
    assert validate_nik(3315012208900001).nik == "3315012208900001"
    assert excel_damage(MAN) is None


def test_text_ending_in_0000_hints_at_excel_too() -> None:
    with pytest.raises(ValidationError, match="Excel"):
        validate_nik("3315012208900000")


def test_record_disagreeing_with_the_nik_gives_warnings_not_errors() -> None:
    info = validate_nik(WOMAN)
    assert nik_mismatches(info, birth_date=dt.date(1985, 8, 5), gender="P") == []
    warnings = nik_mismatches(info, birth_date=dt.date(1985, 8, 6), gender="L")
    assert warnings == [
        "Tanggal lahir 06/08/1985 tidak sama dengan tanggal pada NIK (05/08/1985).",
        "Jenis kelamin tidak sesuai dengan NIK (NIK menunjukkan perempuan).",
    ]


def test_mask_nik_hides_the_middle() -> None:
    assert mask_nik(MAN) == "5315•••••••••001"
    assert mask_nik("123") == "•••"


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("(0812) 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("085212345", "+6285212345"),
    ],
)
def test_indonesian_mobile_numbers_are_stored_as_plus_62(raw: str, phone: str) -> None:
    assert normalize_phone(raw) == phone


@pytest.mark.parametrize(
    "raw",
    ["021123456", "+6512345678", "0812", "08123456789012", "+62 21 1234567", "080123456", "", None],
)
def test_a_number_that_is_not_an_indonesian_mobile_is_refused(raw: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(raw)
    assert caught.value.code == "phone"
    assert "bukan nomor HP Indonesia" in caught.value.messages[0]


def test_npwp_old_fifteen_digits_get_a_leading_zero() -> None:
    assert normalize_npwp("01.234.567.8-901.000") == "0012345678901000"
    assert normalize_npwp("5315010101900001") == "5315010101900001"
    for bad in ("12345", "01.234.567.8-901.00X", "", "12345678901234567"):
        with pytest.raises(ValidationError, match="NPWP harus 15 atau 16 digit"):
            normalize_npwp(bad)


class PersonForm(forms.Form):
    nik = NikField(label="NIK")
    phone = PhoneField(label="HP")
    amount = RupiahField(label="Jumlah", allow_zero=False)


def test_a_form_shows_each_bad_field_in_indonesian() -> None:
    form = PersonForm({"nik": "3,31501E+15", "phone": "+6512345678", "amount": "1,500.00"})
    assert not form.is_valid()
    assert "Excel" in form.errors["nik"][0]
    assert "bukan nomor HP Indonesia" in form.errors["phone"][0]
    assert "bukan jumlah rupiah yang sah" in form.errors["amount"][0]


def test_a_form_cleans_good_input() -> None:
    form = PersonForm({"nik": MAN, "phone": "0812 3456 7890", "amount": "Rp1.500.000,50"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "nik": MAN,
        "phone": "+6281234567890",
        "amount": Decimal("1500000.50"),
    }


def test_rupiah_field_refuses_zero_and_negative_and_shows_amounts_back() -> None:
    assert PersonForm({"nik": MAN, "phone": "081234567", "amount": "0"}).errors["amount"] == [
        "Jumlah harus lebih dari nol."
    ]
    assert PersonForm({"nik": MAN, "phone": "081234567", "amount": "-5"}).errors["amount"] == [
        "Jumlah tidak boleh negatif."
    ]
    field = RupiahField(allow_negative=True)
    assert field.prepare_value(Decimal("1500000.00")) == "1.500.000"
    assert field.prepare_value(Decimal("-1500.50")) == "-1.500,50"
    assert field.clean(field.prepare_value(Decimal("-1500.50"))) == Decimal("-1500.50")
