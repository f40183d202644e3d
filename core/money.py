"""Money: the only way Kopdig makes an amount.

An amount is a ``Decimal`` with two places (sen). It is made from ``str``, ``int`` or
``Decimal``; a ``float`` raises, because 0.1 + 0.2 is not 0.3 in binary. Rounding happens in
:func:`quantize` with an explicit mode and nowhere else. Splitting an amount among many parts uses
:func:`allocate` (largest remainder), so the parts always add up to the whole.

In the database amounts are integers of sen (see ``core.fields.MoneyField``): :func:`to_sen` and
:func:`from_sen` convert at that edge.

The module imports nothing from Django, so pure maths modules (``savings/interest.py``, loan
schedules, SHU) use the same functions: only an error message, when one is built, is translated
through Django's gettext (see :func:`_`).
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# Precision is a property of the currency, not a setting: the rupiah has 100 sen.
PLACES = 2
SEN = Decimal("0.01")
RUPIAH = Decimal("1")
ZERO = Decimal("0.00")
# Arithmetic on amounts stays within the 64-bit integer of sen...
_LIMIT = Decimal(2**63 - 1) / 100
# ...and what is stored (an amount, a balance, a count) within Rp100 triliun. The largest
# Indonesian savings-and-loan koperasi holds about a tenth of that in total; a district's
# koperasi far less. The bound leaves headroom below 2**63 for sums: 922 stored amounts at the
# bound still add up within a 64-bit integer, and the database holds every money column to it
# (``core.fields.money_range``).
MAX_SEN = 10**16
MAX_AMOUNT = Decimal(MAX_SEN) / 100

ROUNDING_MODES = frozenset(
    {
        decimal.ROUND_CEILING,
        decimal.ROUND_DOWN,
        decimal.ROUND_FLOOR,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_UP,
        decimal.ROUND_05UP,
    }
)

__all__ = [
    "RUPIAH",
    "SEN",
    "ZERO",
    "InvalidAmount",
    "MAX_AMOUNT",
    "MAX_SEN",
    "allocate",
    "check_stored",
    "format_rupiah",
    "from_sen",
    "money",
    "parse_rupiah",
    "quantize",
    "terbilang",
    "to_sen",
]

# What ``money()`` accepts as text: a plain decimal numeral with ASCII digits. No exponent, no
# underscores, no thousands separators (those are for :func:`parse_rupiah`).
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?$")


def _(message: str) -> str:
    """``message`` (an Indonesian msgid) in the active language.

    Django is imported here, on the error path only, so importing this module needs no Django;
    without configured settings (a plain script) the Indonesian text is returned as it is.
    """
    from django.conf import settings

    if not settings.configured:
        return message
    from django.utils.translation import gettext

    return gettext(message)


class InvalidAmount(ValueError):
    """An amount that cannot be money; the message is for the person who typed it."""


def _refuse_float(value: object) -> None:
    if isinstance(value, float):
        raise InvalidAmount(
            _("Jumlah uang tidak boleh berupa float (%(value)r); gunakan teks atau Decimal.")
            % {"value": value}
        )
    if isinstance(value, bool):
        raise InvalidAmount(_("Jumlah uang tidak boleh berupa nilai benar/salah."))


def _decimal(value: str | int | Decimal) -> Decimal:
    """``value`` as a finite ``Decimal``, exactly; floats and odd text are refused."""
    _refuse_float(value)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = value.strip()
        if not _PLAIN_NUMBER.match(text):
            raise InvalidAmount(_("“%(value)s” bukan jumlah uang yang sah.") % {"value": value})
        amount = Decimal(text)
    else:
        raise InvalidAmount(
            _("Jumlah uang harus berupa teks, bilangan bulat atau Decimal, bukan %(type)s.")
            % {"type": type(value).__name__}
        )
    if not amount.is_finite():
        raise InvalidAmount(_("Jumlah uang harus berupa bilangan terhingga."))
    if abs(amount) > _LIMIT:
        raise InvalidAmount(_("Jumlah uang terlalu besar."))
    return amount


def check_stored(amount: Decimal) -> Decimal:
    """``amount`` when it can be stored (|amount| at most :data:`MAX_AMOUNT`); else a message
    naming the most that can be (a typo of extra zeros at the counter is refused here)."""
    if abs(amount) > MAX_AMOUNT:
        raise InvalidAmount(
            _("Jumlah %(value)s terlalu besar: paling banyak %(max)s.")
            % {"value": format_rupiah(amount), "max": format_rupiah(MAX_AMOUNT)}
        )
    return amount


def money(value: str | int | Decimal) -> Decimal:
    """Return ``value`` as an amount with two places; refuse floats and anything inexact.

    A value with more than two decimal places is refused rather than rounded silently: whoever
    needs rounding calls :func:`quantize` and names the mode.
    """
    amount = _decimal(value)
    exact = amount.quantize(SEN)
    if exact != amount:
        raise InvalidAmount(
            _("Jumlah %(value)s memiliki lebih dari dua angka desimal (sen).") % {"value": value}
        )
    return exact


def quantize(value: str | int | Decimal, *, rounding: str, unit: Decimal = SEN) -> Decimal:
    """Round ``value`` to a multiple of ``unit`` with the named rounding mode.

    ``unit`` is ``SEN``, ``RUPIAH`` or any positive whole number of sen (``Decimal("100")`` rounds
    to hundreds of rupiah, as cash counters do). The mode is one of :mod:`decimal`'s
    ``ROUND_*`` constants and has no default: every rounding in Kopdig says which it is.
    """
    if rounding not in ROUNDING_MODES:
        raise InvalidAmount(_("Mode pembulatan tidak dikenal: %(mode)s") % {"mode": rounding})
    amount = _decimal(value)
    step = money(unit)
    if step <= 0:
        raise InvalidAmount(_("Satuan pembulatan harus lebih dari nol."))
    with decimal.localcontext() as ctx:
        ctx.prec = 60  # exact for every quotient by a whole number of sen that terminates
        steps = (amount / step).to_integral_value(rounding=rounding)
        return money(steps * step)


def to_sen(amount: Decimal) -> int:
    """Amount → integer sen for the database. The amount must already be exact to the sen and
    within what can be stored (:func:`check_stored`)."""
    return int(check_stored(money(amount)) * 100)


def from_sen(sen: int) -> Decimal:
    """Integer sen from the database → amount."""
    if isinstance(sen, float) or isinstance(sen, bool):
        raise InvalidAmount(_("Nilai sen harus bilangan bulat."))
    return (Decimal(int(sen)) / 100).quantize(SEN)


def allocate(
    total: Decimal, weights: Sequence[Decimal | int], *, unit: Decimal = SEN
) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` so that the parts sum exactly to ``total``.

    Largest-remainder method, in exact rational arithmetic: every part is first rounded down to
    ``unit``; the units left over go one each to the parts with the largest remainders (earlier
    parts win ties), so nothing is lost or invented and each part is within one ``unit`` of its
    exact share. A negative total is split as its absolute value and negated.
    """
    total = money(total)
    step = money(unit)
    if step <= 0:
        raise InvalidAmount(_("Satuan pembagian harus lebih dari nol."))
    if total % step:
        raise InvalidAmount(
            _("Jumlah %(total)s tidak habis dibagi dalam satuan %(unit)s.")
            % {"total": total, "unit": step}
        )
    if not weights:
        raise InvalidAmount(_("Tidak ada bagian untuk membagi jumlah."))
    ws = [Fraction(_decimal(w)) for w in weights]
    if any(w < 0 for w in ws):
        raise InvalidAmount(_("Bobot pembagian tidak boleh negatif."))
    weight_sum = sum(ws)
    if weight_sum == 0:
        raise InvalidAmount(_("Jumlah bobot pembagian tidak boleh nol."))
    sign = -1 if total < 0 else 1
    units = int(abs(total) / step)
    exact = [units * w / weight_sum for w in ws]
    floors = [e.numerator // e.denominator for e in exact]
    leftover = units - sum(floors)
    order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [money(sign * n * step) for n in floors]


def _group_thousands(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ".".join(groups)


def format_rupiah(amount: Decimal | int | str, *, sen: bool = False) -> str:
    """``Rp1.500.000`` (or ``Rp1.500.000,00`` with ``sen=True``); negatives as ``-Rp1.500``.

    Without ``sen`` the amount is shown rounded half up to the rupiah (display only).
    """
    value = _decimal(amount).quantize(SEN if sen else RUPIAH, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _dot, frac = f"{abs(value):f}".partition(".")
    text = f"{sign}Rp{_group_thousands(whole)}"
    return f"{text},{frac}" if sen else text


_RUPIAH_INPUT = re.compile(
    r"^(?P<sign>-)?(?:rp\.?)?(?P<int>[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)"
    r"(?:,(?P<frac>[0-9]{1,2}|-))?$",
    re.IGNORECASE,
)


def parse_rupiah(text: str) -> Decimal:
    """Parse what a person types: ``1500000``, ``1.500.000``, ``Rp1.500.000,50``, ``1.500.000,-``.

    Dots group thousands and the comma marks sen, as written in Indonesia. Anything else
    (``1.500.000,5x``, ``1,500.00``, ``1.5``) is refused with a message, never guessed.
    """
    _refuse_float(text)
    cleaned = str(text).strip().replace(" ", "").replace("\u00a0", "")
    match = _RUPIAH_INPUT.match(cleaned)
    if not match:
        raise InvalidAmount(
            _(
                "“%(value)s” bukan jumlah rupiah yang sah. Tulis misalnya 1500000 atau "
                "1.500.000 atau 1.500.000,50."
            )
            % {"value": text}
        )
    digits = match["int"].replace(".", "")
    frac = match["frac"] if match["frac"] not in (None, "-") else ""
    return money(f"{match['sign'] or ''}{digits}.{frac.ljust(2, '0')}")


_ONES = [
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
]


def _words_below_thousand(n: int) -> str:
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_ONES[tens]} puluh" + (f" {_ONES[rest]}" if rest else "")
    hundreds, rest = divmod(n, 100)
    head = "seratus" if hundreds == 1 else f"{_ONES[hundreds]} ratus"
    return head + (f" {_words_below_thousand(rest)}" if rest else "")


_SCALES = [(10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu")]


def _words(n: int) -> str:
    if n == 0:
        return "nol"
    parts: list[str] = []
    for size, name in _SCALES:
        count, n = divmod(n, size)
        if count:
            if size == 1000 and count == 1:
                parts.append("seribu")
            else:
                parts.append(f"{_words(count)} {name}")
    if n:
        parts.append(_words_below_thousand(n))
    return " ".join(parts)


def terbilang(amount: Decimal | int | str) -> str:
    """Amount in Indonesian words, as receipts print it: ``satu juta lima ratus ribu rupiah``.

    Sen, when present, follow: ``sepuluh rupiah lima puluh sen``. Receipts are always in
    Indonesian, whatever the interface language, so these words are not translated.
    """
    value = money(amount)
    sign = "minus " if value < 0 else ""
    value = abs(value)
    rupiah = int(value)
    sen = int((value - rupiah) * 100)
    text = f"{sign}{_words(rupiah)} rupiah"
    if sen:
        text += f" {_words(sen)} sen"
    return text
