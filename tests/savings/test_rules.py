"""The savings rules of DOMAIN.md "Member savings" as worked examples: a change of terms applies
from its own day, a placement's rate is locked for its term (also in its roll-over month)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from savings import interest, services
from savings.models import Account, AtMaturity, Kind, TaxWithholding
from tests.savings.books import assert_books_agree, member_fields
from tests.savings.conftest import account

D = Decimal
JAN_END = dt.date(2025, 1, 31)


def at(koperasi, day: dt.date) -> None:
    koperasi.business_date = day
    koperasi.save(update_fields=["business_date"])


def test_a_rate_change_on_the_16th_prices_days_1_to_15_at_the_old_rate(products, kasir, pengurus):
    """Rp3.650.000 sukarela all January; the rate goes from 3% to 6% on 16 January:
    15 days × 3% + 16 days × 6% → 3.650.000 × (0,45 + 0,96) / 365 = Rp14.100 (not 31 days at 6%,
    Rp18.600, as when the month-end terms re-priced the whole month)."""
    koperasi = products.koperasi
    at(koperasi, dt.date(2024, 12, 31))
    member = services.member_join(
        koperasi=koperasi, actor=kasir, sukarela_paid=D("3650000"), **member_fields("Yosef", 3)
    ).member
    services.product_terms_set(
        product=products.ss, actor=pengurus, effective_from=dt.date(2025, 1, 16), rate_percent=6
    )
    at(koperasi, JAN_END)
    steps = {r.step: r for r in services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)}
    assert steps["bunga"].total == D("14100.00")
    assert account(member, Kind.SUKARELA).balance == D("3664100.00")
    assert TaxWithholding.objects.get(member=member).gross == D("14100.00")
    assert_books_agree(koperasi)


def test_a_rate_change_mid_month_with_movements_prices_each_day_at_its_rate(
    products, kasir, pengurus
):
    """Rp1.000.000 from 31 Dec, Rp2.650.000 more on 20 January; 3% until the 15th, 6% from the
    16th: 15 × 1 jt × 3% + 4 × 1 jt × 6% + 12 × 3,65 jt × 6%, all / 365."""
    koperasi = products.koperasi
    at(koperasi, dt.date(2024, 12, 31))
    member = services.member_join(
        koperasi=koperasi, actor=kasir, sukarela_paid=D("1000000"), **member_fields("Yosef", 3)
    ).member
    services.product_terms_set(
        product=products.ss, actor=pengurus, effective_from=dt.date(2025, 1, 16), rate_percent=6
    )
    at(koperasi, dt.date(2025, 1, 20))
    services.deposit(account=account(member, Kind.SUKARELA), amount=D("2650000"), actor=kasir)
    at(koperasi, JAN_END)
    steps = {r.step: r for r in services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)}
    exact = (
        D(15) * D("1000000") * D("0.03")
        + D(4) * D("1000000") * D("0.06")
        + D(12) * D("3650000") * D("0.06")
    ) / 365
    assert steps["bunga"].total == exact.quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert_books_agree(koperasi)


def test_rates_by_day_applies_each_rate_from_its_own_day():
    period = interest.Period.month(2025, 1)
    rates = interest.rates_by_day(
        [(dt.date(2025, 1, 16), D(6)), (dt.date(2024, 7, 1), D(3))], period
    )
    assert rates[:15] == [D(3)] * 15
    assert rates[15:] == [D(6)] * 16
    # Before the first terms the rate is zero.
    assert interest.rates_by_day([(dt.date(2025, 1, 31), D(6))], period)[:30] == [D(0)] * 30


def test_a_placement_rolled_over_mid_month_keeps_the_old_rate_for_the_old_terms_days(
    products, kasir, pengurus
):
    """Rp10 jt placed on 16 October 2024 for 3 months at 6%, rolled over on 16 January 2025;
    the product's rate is 4% from 1 January. January: 15 days at the old term's 6% and 16 at the
    new term's 4% → 10 jt × (0,90 + 0,64) / 365 = Rp42.191,78 (not 31 days at 4%, Rp33.972,60)."""
    koperasi = products.koperasi
    at(koperasi, dt.date(2024, 10, 16))
    member = services.member_join(
        koperasi=koperasi, actor=kasir, **member_fields("Maria", 4)
    ).member
    placement = services.berjangka_open(
        member=member,
        product=products.sb,
        amount=D("10000000"),
        tenor_months=3,
        actor=kasir,
        at_maturity=AtMaturity.ROLL_OVER,
    )
    services.product_terms_set(
        product=products.sb, actor=pengurus, effective_from=dt.date(2025, 1, 1), rate_percent=4
    )
    at(koperasi, JAN_END)
    steps = {r.step: r for r in services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)}
    placement = Account.objects.get(pk=placement.pk)
    assert (placement.term_start, placement.rate_bp, placement.prior_rate_bp) == (
        dt.date(2025, 1, 16),
        400,
        600,
    )
    assert steps["bunga"].total == D("42191.78")
    # February: the whole month at the new term's 4%.
    feb_end = dt.date(2025, 2, 28)
    at(koperasi, feb_end)
    steps = {r.step: r for r in services.month_end(koperasi=koperasi, on=feb_end, actor=pengurus)}
    balance = D("10000000") + D("42191.78")
    assert steps["bunga"].total == (balance * D("0.04") * 28 / 365).quantize(
        D("0.01"), rounding="ROUND_HALF_UP"
    )
    assert_books_agree(koperasi)
