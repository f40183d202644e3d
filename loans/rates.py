"""The effective annual rate a member really pays, and the 24% cap check. Pure: no Django.

DOMAIN.md (Loans): the cap of 24% a year (Permenkop 8/2023 Pasal 27) is checked against the
"bunga efektif p.a." of the member's own cash flows: the principal received net of provisi and
administrasi, then every instalment paid. The internal rate of return per period (monthly or
weekly) times the periods in a year (12 or 52) is that effective rate; the compounded rate
``(1 + irr)^k − 1`` is shown beside it. Above the cap Kopdig warns; it does not refuse.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from loans.schedule import PERIODS_PER_YEAR, PRECISION, Frequency, Schedule

RATE_CAP = Decimal("0.24")  # a year
_ITERATIONS = 200


@dataclass(frozen=True)
class EffectiveRate:
    per_period: Decimal  # IRR per instalment period, a fraction
    periods_per_year: int
    annual: Decimal  # periods_per_year × per_period: the rate checked against the cap
    compounded: Decimal  # (1 + per_period)^periods_per_year − 1

    @property
    def annual_percent(self) -> Decimal:
        return (self.annual * 100).quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)

    @property
    def compounded_percent(self) -> Decimal:
        return (self.compounded * 100).quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)

    @property
    def per_period_percent(self) -> Decimal:
        return (self.per_period * 100).quantize(Decimal("0.001"), rounding=decimal.ROUND_HALF_UP)


@dataclass(frozen=True)
class CapWarning:
    """The effective rate is above the cap: the page shows it and the approver acknowledges it."""

    annual_percent: Decimal
    cap_percent: Decimal


def _npv(rate: Decimal, received: Decimal, payments: Sequence[Decimal]) -> Decimal:
    """What the payments are worth at the start, less what was received (both at ``rate``)."""
    factor = 1 / (1 + rate)
    discount = Decimal(1)
    total = -received
    for payment in payments:
        discount *= factor
        total += payment * discount
    return total


def irr(received: Decimal, payments: Sequence[Decimal]) -> Decimal:
    """The rate per period at which ``payments`` (one per period, from period 1) repay
    ``received`` at period 0. Bisection: the present value falls as the rate rises."""
    if received <= 0:
        raise ValueError("nothing received")
    if sum(payments) < received:
        raise ValueError("the payments do not repay what was received")
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        low, high = Decimal(0), Decimal(1)
        while _npv(high, received, payments) > 0:
            high *= 2
        for _ in range(_ITERATIONS):
            mid = (low + high) / 2
            if _npv(mid, received, payments) > 0:
                low = mid
            else:
                high = mid
            if high - low < Decimal("1e-20"):
                break
        return (low + high) / 2


def effective_rate(
    schedule: Schedule, *, fees: Decimal = Decimal(0), frequency: Frequency | None = None
) -> EffectiveRate:
    """The effective rate of ``schedule`` for a member who pays ``fees`` (provisi +
    administrasi) out of the principal at disbursement."""
    freq = Frequency(frequency or schedule.frequency)
    k = PERIODS_PER_YEAR[freq]
    per_period = irr(schedule.principal - fees, [i.total for i in schedule.instalments])
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        return EffectiveRate(
            per_period=per_period,
            periods_per_year=k,
            annual=per_period * k,
            compounded=(1 + per_period) ** k - 1,
        )


def cap_warning(rate: EffectiveRate, *, cap: Decimal = RATE_CAP) -> CapWarning | None:
    """A warning when the effective annual rate is above ``cap`` (24% a year), else ``None``."""
    if rate.annual > cap:
        return CapWarning(rate.annual_percent, (cap * 100).quantize(Decimal("0.01")))
    return None
