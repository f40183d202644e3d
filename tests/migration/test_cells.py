"""Cells as koperasi write them, each becoming a value or a problem with a message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migration.cells import (
    CellError,
    cell_text,
    code_cell,
    count_cell,
    date_cell,
    formula_error,
    name_cell,
    nik_cell,
    percent_cell,
    phone_cell,
    rupiah_cell,
)

D = Decimal
TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Rp 1.500.000,00", D("1500000")),
        ("Rp1.500.000", D("1500000")),
        ("1.500.000", D("1500000")),
        ("1,500,000", D("1500000")),
        ("1,500,000.50", D("1500000.50")),
        ("1.500.000,50", D("1500000.50")),
        ("1500000", D("1500000")),
        ("1.500.000,-", D("1500000")),
        ("(500.000)", D("-500000")),
        ("-500.000", D("-500000")),
        ("Rp -500.000", D("-500000")),
        ("IDR 25.000", D("25000")),
        ("  750 000 ", D("750000")),
        ("1500000,5", D("1500000.50")),
        ("0", D("0")),
        (1500000, D("1500000")),
        (1500000.0, D("1500000")),
        (0.1 + 0.2, D("0.30")),  # binary noise, not a fraction of a sen
        (D("12.50"), D("12.50")),
    ],
)
def test_rupiah_as_koperasi_write_it(raw, expected):
    assert rupiah_cell(raw) == expected


@pytest.mark.parametrize(
    "raw", ["1.500.000,5x", "1.5.00", "abc", "1,50,000", "Rp", "1.500.000,123", True, "--5"]
)
def test_rupiah_refused_with_a_message(raw):
    with pytest.raises(CellError) as caught:
        rupiah_cell(raw)
    assert caught.value.code == "amount_invalid"
    assert "bukan jumlah rupiah" in caught.value.message


def test_rupiah_from_a_formula_with_a_third_of_a_rupiah_is_refused_not_rounded():
    with pytest.raises(CellError) as caught:
        rupiah_cell(1000 / 3)
    assert caught.value.code == "amount_fraction"


def test_rupiah_empty_and_formula_errors():
    assert rupiah_cell("") is None and rupiah_cell(None) is None and rupiah_cell("  ") is None
    with pytest.raises(CellError) as caught:
        rupiah_cell("#REF!")
    assert caught.value.code == "formula_error" and "#REF!" in caught.value.message
    assert formula_error(" #value! ") == "#VALUE!"


def test_rupiah_beyond_what_the_books_hold_is_refused():
    with pytest.raises(CellError) as caught:
        rupiah_cell("1" + "0" * 20)
    assert caught.value.code == "amount_too_large"


@given(
    st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1),
    st.integers(min_value=0, max_value=99),
)
def test_rupiah_written_indonesian_style_reads_back(whole, sen):
    amount = D(whole) + (D(sen) / 100 if whole >= 0 else -D(sen) / 100)
    text = f"{abs(whole):,}".replace(",", ".") + f",{sen:02d}"
    written = ("-" if amount < 0 else "") + "Rp " + text
    assert rupiah_cell(written) == amount


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("22/03/2022", dt.date(2022, 3, 22)),
        ("22-03-22", dt.date(2022, 3, 22)),
        ("22.03.2022", dt.date(2022, 3, 22)),
        ("22 Maret 2022", dt.date(2022, 3, 22)),
        ("22 Mar 2022", dt.date(2022, 3, 22)),
        ("22-Mar-2022", dt.date(2022, 3, 22)),
        ("2 Agustus 2021", dt.date(2021, 8, 2)),
        ("17 Agt 1985", dt.date(1985, 8, 17)),
        ("2022-03-22", dt.date(2022, 3, 22)),
        ("05/04/2022", dt.date(2022, 4, 5)),  # day first: 5 April
        ("03/22/2022", dt.date(2022, 3, 22)),  # only one reading exists
        ("12-07-55", dt.date(1955, 7, 12)),  # a birth year two digits long
        (44642, dt.date(2022, 3, 22)),  # an Excel serial
        (44642.75, dt.date(2022, 3, 22)),
        ("44642", dt.date(2022, 3, 22)),
        (dt.datetime(2022, 3, 22, 0, 0), dt.date(2022, 3, 22)),
        (dt.date(2022, 3, 22), dt.date(2022, 3, 22)),
    ],
)
def test_dates_as_koperasi_write_them(raw, expected):
    assert date_cell(raw, today=TODAY) == expected


@pytest.mark.parametrize("raw", ["31/02/2022", "32/01/2022", "22 Maretz 2022", "kemarin", -5, True])
def test_dates_refused_with_a_message(raw):
    with pytest.raises(CellError) as caught:
        date_cell(raw, today=TODAY)
    assert caught.value.code == "date_invalid"


def test_nik_with_spaces_and_dots_is_cleaned():
    assert nik_cell("5315 0122 0890 0001") == "5315012208900001"
    assert nik_cell("5315.0122.0890.0001") == "5315012208900001"
    assert nik_cell("") is None


@pytest.mark.parametrize("raw", [5.31501220889e15, "5,31501E+15", 5315012208900000])
def test_nik_damaged_by_excel_is_rejected_with_that_explanation(raw):
    with pytest.raises(CellError) as caught:
        nik_cell(raw)
    assert caught.value.code == "nik_excel"
    assert "Excel" in caught.value.message


def test_phone_numbers_become_international():
    assert phone_cell("0812-3456-7890") == "+6281234567890"
    assert phone_cell(81234567890) == "+6281234567890"  # Excel dropped the 0
    assert phone_cell("+62 812 3456 7890") == "+6281234567890"
    with pytest.raises(CellError):
        phone_cell("12345")


def test_names_codes_and_counts():
    assert name_cell("  Yohanes   Jehaut ") == "Yohanes Jehaut"
    assert code_cell(126.0) == "126" and code_cell(" 00126 ") == "00126"
    assert cell_text(126.0) == "126"
    assert count_cell("12") == 12 and count_cell(12.0) == 12
    with pytest.raises(CellError):
        count_cell("dua belas")


def test_percent_in_every_spelling():
    assert percent_cell("1,5") == D("1.5")
    assert percent_cell("1,5%") == D("1.5")
    assert percent_cell(0.015) == D("1.5")  # a cell formatted as %
    assert percent_cell(2) == D("2")
    with pytest.raises(CellError):
        percent_cell("satu")
