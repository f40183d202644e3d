"""core.money: the one door for amounts, rounding, allocation, Rupiah text and terbilang."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.money import (
    MAX_SEN,
    RUPIAH,
    SEN,
    InvalidAmount,
    allocate,
    format_rupiah,
    from_sen,
    money,
    parse_rupiah,
    quantize,
    terbilang,
    to_sen,
)

D = Decimal


# --- making amounts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1500000", D("1500000.00")),
        (" 1500000.5 ", D("1500000.50")),
        ("-12.30", D("-12.30")),
        (1500000, D("1500000.00")),
        (D("0.1") + D("0.2"), D("0.30")),
        (D("7.500"), D("7.50")),  # trailing zeros are not extra precision
    ],
)
def test_money_accepts_text_int_and_decimal(value: object, expected: Decimal) -> None:
    amount = money(value)  # type: ignore[arg-type]
    assert amount == expected
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [0.1, 1500000.0, float("nan")])
def test_a_float_is_refused_with_an_indonesian_message(value: float) -> None:
    with pytest.raises(InvalidAmount, match="tidak boleh berupa float"):
        money(value)  # type: ignore[arg-type]


def test_float_is_refused_everywhere_an_amount_enters() -> None:
    for call in (
        lambda: quantize(0.5, rounding=ROUND_HALF_UP),  # type: ignore[arg-type]
        lambda: allocate(D("10"), [0.5, 0.5]),  # type: ignore[list-item]
        lambda: format_rupiah(1.5),  # type: ignore[arg-type]
        lambda: parse_rupiah(1.5),  # type: ignore[arg-type]
        lambda: terbilang(1.5),  # type: ignore[arg-type]
        lambda: to_sen(1.5),  # type: ignore[arg-type]
        lambda: from_sen(1.5),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidAmount):
            call()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.005", "lebih dari dua angka desimal"),
        (D("0.001"), "lebih dari dua angka desimal"),
        ("1e3", "bukan jumlah uang yang sah"),  # no exponents
        ("1_000", "bukan jumlah uang yang sah"),  # no underscores
        ("1.500.000", "bukan jumlah uang yang sah"),  # grouping is parse_rupiah's job
        ("١٥٠٠", "bukan jumlah uang yang sah"),  # only ASCII digits
        ("", "bukan jumlah uang yang sah"),
        (D("NaN"), "terhingga"),
        (D("Infinity"), "terhingga"),
        (D("1e30"), "terlalu besar"),
        (True, "benar/salah"),
        (None, "bukan NoneType"),
    ],
)
def test_money_refuses_what_is_not_an_exact_amount(value: object, message: str) -> None:
    with pytest.raises(InvalidAmount, match=message):
        money(value)  # type: ignore[arg-type]


def test_sen_round_trip_is_exact() -> None:
    assert to_sen(D("1500000.75")) == 150000075
    assert from_sen(150000075) == D("1500000.75")
    assert to_sen(D("-0.01")) == -1
    with pytest.raises(InvalidAmount):
        to_sen(D("0.005"))


@given(st.integers(min_value=-MAX_SEN, max_value=MAX_SEN))
def test_every_storable_sen_value_round_trips(sen: int) -> None:
    assert to_sen(from_sen(sen)) == sen


@given(st.integers(min_value=MAX_SEN + 1, max_value=2**63 - 1))
def test_no_sen_value_past_the_bound_is_stored(sen: int) -> None:
    with pytest.raises(InvalidAmount, match="terlalu besar"):
        to_sen(from_sen(sen))
    with pytest.raises(InvalidAmount, match="terlalu besar"):
        to_sen(from_sen(-sen))


# --- rounding ----------------------------------------------------------------------------


def test_quantize_names_its_rounding_mode() -> None:
    assert quantize(D("2.675"), rounding=ROUND_HALF_UP) == D("2.68")
    assert quantize(D("2.665"), rounding=ROUND_HALF_EVEN) == D("2.66")
    assert quantize(D("2.679"), rounding=ROUND_DOWN) == D("2.67")
    assert quantize(D("933333.3333"), rounding=ROUND_HALF_UP, unit=RUPIAH) == D("933333.00")
    assert quantize(D("-1.005"), rounding=ROUND_HALF_UP) == D("-1.01")
    # cash counters round to hundreds of rupiah
    assert quantize(D("12345"), rounding=ROUND_UP, unit=D("100")) == D("12400.00")
    assert quantize("12350", rounding=ROUND_HALF_UP, unit=D("100")) == D("12400.00")


def test_quantize_has_no_default_mode_and_refuses_unknown_ones() -> None:
    with pytest.raises(TypeError):
        quantize(D("1.005"))  # type: ignore[call-arg]
    with pytest.raises(InvalidAmount, match="Mode pembulatan"):
        quantize(D("1.005"), rounding="ROUND_SOMETIMES")
    with pytest.raises(InvalidAmount, match="lebih dari nol"):
        quantize(D("1.005"), rounding=ROUND_UP, unit=D("0"))


def test_quantize_is_exact_for_long_decimals() -> None:
    # 28 significant digits would round this to 0.005 first and then up to 0.01.
    assert quantize(D("0.00" + "4" + "9" * 40), rounding=ROUND_HALF_UP) == D("0.00")


# --- allocation --------------------------------------------------------------------------


def test_allocate_splits_by_largest_remainder() -> None:
    assert allocate(D("100"), [1, 1, 1]) == [D("33.34"), D("33.33"), D("33.33")]
    assert allocate(D("100"), [1, 1, 1], unit=RUPIAH) == [D("34"), D("33"), D("33")]
    assert allocate(D("-100"), [1, 1, 1]) == [D("-33.34"), D("-33.33"), D("-33.33")]
    assert allocate(D("10"), [0, 1]) == [D("0"), D("10")]
    # SHU worked example from DOMAIN.md: jasa usaha 25% of Rp60.000.000 on loans.
    pool = D("15000000")
    assert allocate(pool, [D("5000000"), D("70000000")])[0] == D("1000000.00")


def test_allocate_refuses_what_cannot_be_split() -> None:
    with pytest.raises(InvalidAmount, match="Tidak ada bagian"):
        allocate(D("10"), [])
    with pytest.raises(InvalidAmount, match="negatif"):
        allocate(D("10"), [1, -1])
    with pytest.raises(InvalidAmount, match="nol"):
        allocate(D("10"), [0, 0])
    with pytest.raises(InvalidAmount, match="tidak habis dibagi"):
        allocate(D("10.50"), [1, 1], unit=RUPIAH)


amounts = st.integers(min_value=-(10**15), max_value=10**15).map(lambda n: D(n) / 100)
weights = st.lists(
    st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=30,
).filter(lambda ws: sum(ws) > 0)


@given(amounts, weights)
def test_allocated_parts_always_sum_to_the_whole(total: Decimal, ws: list[Decimal]) -> None:
    parts = allocate(total, ws)
    assert sum(parts) == total
    assert len(parts) == len(ws)
    assert all(p.as_tuple().exponent == -2 for p in parts)


@given(amounts.filter(lambda a: a >= 0), weights)
def test_allocated_parts_are_never_negative_and_within_a_sen_of_their_share(
    total: Decimal, ws: list[Decimal]
) -> None:
    parts = allocate(total, ws)
    weight_sum = sum(Fraction(w) for w in ws)
    for part, w in zip(parts, ws, strict=True):
        assert part >= 0
        exact_share = Fraction(total) * Fraction(w) / weight_sum
        assert abs(Fraction(part) - exact_share) < Fraction(SEN)


@given(st.integers(min_value=0, max_value=10**12), st.lists(st.integers(1, 10**6), min_size=1))
def test_allocating_whole_rupiah_gives_whole_rupiah(total: int, ws: list[int]) -> None:
    parts = allocate(D(total), ws, unit=RUPIAH)
    assert sum(parts) == total
    assert all(p == p.to_integral_value() for p in parts)


# --- Rupiah text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "sen", "text"),
    [
        (D("1500000"), False, "Rp1.500.000"),
        (D("1500000"), True, "Rp1.500.000,00"),
        (D("1500000.5"), True, "Rp1.500.000,50"),
        (D("1500000.50"), False, "Rp1.500.001"),  # display rounds half up to the rupiah
        (D("999.49"), False, "Rp999"),
        (D("0"), False, "Rp0"),
        (D("0"), True, "Rp0,00"),
        (D("-1500"), False, "-Rp1.500"),
        (D("-1500.25"), True, "-Rp1.500,25"),
        (D("-0.004"), True, "Rp0,00"),  # no "minus zero"
        (D("-0.4"), False, "Rp0"),
        (1234567890, False, "Rp1.234.567.890"),
        ("100", False, "Rp100"),
    ],
)
def test_format_rupiah(amount: Decimal, sen: bool, text: str) -> None:
    assert format_rupiah(amount, sen=sen) == text


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1500000", D("1500000.00")),
        ("1.500.000", D("1500000.00")),
        ("Rp1.500.000,50", D("1500000.50")),
        ("Rp 1.500.000", D("1500000.00")),
        ("rp. 1.500.000,5", D("1500000.50")),
        ("Rp1.500.000,-", D("1500000.00")),
        ("-Rp1.500", D("-1500.00")),
        (" 250,75 ", D("250.75")),
        ("1.000", D("1000.00")),
    ],
)
def test_parse_rupiah_reads_what_people_type(text: str, amount: Decimal) -> None:
    assert parse_rupiah(text) == amount


@pytest.mark.parametrize(
    "text",
    ["1.500.000,5x", "1,500.00", "1.5", "1.50.000", "1,505", "abc", "", "Rp", "1.500.000,"],
)
def test_parse_rupiah_refuses_rather_than_guesses(text: str) -> None:
    with pytest.raises(InvalidAmount, match="bukan jumlah rupiah yang sah"):
        parse_rupiah(text)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_formatted_amounts_parse_back(sen: int) -> None:
    amount = from_sen(sen)
    assert parse_rupiah(format_rupiah(amount, sen=True)) == amount


# --- terbilang ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (D("1500000"), "satu juta lima ratus ribu rupiah"),
        (1000, "seribu rupiah"),
        (11, "sebelas rupiah"),
        (100, "seratus rupiah"),
        (0, "nol rupiah"),
        (1, "satu rupiah"),
        (10, "sepuluh rupiah"),
        (12, "dua belas rupiah"),
        (19, "sembilan belas rupiah"),
        (20, "dua puluh rupiah"),
        (21, "dua puluh satu rupiah"),
        (110, "seratus sepuluh rupiah"),
        (111, "seratus sebelas rupiah"),
        (999, "sembilan ratus sembilan puluh sembilan rupiah"),
        (1001, "seribu satu rupiah"),
        (1100, "seribu seratus rupiah"),
        (11000, "sebelas ribu rupiah"),
        (100000, "seratus ribu rupiah"),
        (101000, "seratus satu ribu rupiah"),
        (933333, "sembilan ratus tiga puluh tiga ribu tiga ratus tiga puluh tiga rupiah"),
        (1000000, "satu juta rupiah"),
        (2000001, "dua juta satu rupiah"),
        (1250000000, "satu miliar dua ratus lima puluh juta rupiah"),
        (10**12, "satu triliun rupiah"),
        (D("10.50"), "sepuluh rupiah lima puluh sen"),
        (D("-1500"), "minus seribu lima ratus rupiah"),
    ],
)
def test_terbilang(amount: object, words: str) -> None:
    assert terbilang(amount) == words  # type: ignore[arg-type]


# --- one door for pure modules too ---------------------------------------------------------


def test_money_and_the_pure_maths_import_no_django() -> None:
    """``savings.interest`` shares ``core.money.allocate`` instead of a copy of its own; that is
    only allowed while neither module pulls in Django (a plain script, no settings)."""
    script = (
        "import sys\n"
        "from decimal import Decimal\n"
        "import core.money, savings.interest\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
        "try:\n"
        "    core.money.allocate(Decimal('10'), [])\n"
        "except core.money.InvalidAmount as exc:\n"
        "    print(exc)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Tidak ada bagian untuk membagi jumlah."


def test_error_messages_follow_the_interface_language() -> None:
    with translation.override("en"), pytest.raises(InvalidAmount, match="no parts to split"):
        allocate(D("10"), [])
    with translation.override("id"), pytest.raises(InvalidAmount, match="Tidak ada bagian"):
        allocate(D("10"), [])
