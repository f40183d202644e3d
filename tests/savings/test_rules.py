"""The savings rules of DOMAIN.md "Member savings" as worked examples: a change of terms applies
from its own day, a placement's rate is locked for its term (also in its roll-over month)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from core.models import AuditEvent
from savings import interest, selectors, services
from savings.models import Account, AtMaturity, Kind, TaxDeposit, TaxWithholding
from tests.savings.books import assert_books_agree, gl, member_fields
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


# --- PPh deposit --------------------------------------------------------------------------------


@pytest.fixture
def january_tax(products, kasir, pengurus):
    """Agustinus: sukarela Rp50 jt (3%) and berjangka Rp60 jt (6%) from 31 December; January's
    interest Rp433.150,68 is above Rp240.000, so PPh 10% = Rp43.315,07 is withheld."""
    koperasi = products.koperasi
    at(koperasi, dt.date(2024, 12, 31))
    big = services.member_join(
        koperasi=koperasi,
        actor=kasir,
        sukarela_paid=D("50000000"),
        **member_fields("Agustinus Ndaru", 7),
    ).member
    services.berjangka_open(
        member=big, product=products.sb, amount=D("60000000"), tenor_months=12, actor=kasir
    )
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    assert gl(koperasi, "utang_pajak") == D("43315.07")
    return koperasi


def test_the_due_date_is_the_15th_or_the_next_monday():
    assert services.tax_due_date(dt.date(2025, 1, 1)) == dt.date(2025, 2, 17)  # 15 Feb: Saturday
    assert services.tax_due_date(dt.date(2025, 2, 1)) == dt.date(2025, 3, 17)  # 15 Mar: Saturday
    assert services.tax_due_date(dt.date(2025, 3, 1)) == dt.date(2025, 4, 15)  # a Tuesday
    assert services.tax_due_date(dt.date(2025, 5, 1)) == dt.date(2025, 6, 16)  # 15 Jun: Sunday


def test_depositing_january_tax_clears_utang_pajak_the_sen_to_pembulatan(january_tax, pengurus):
    """Rp43.315,07 withheld → Rp43.315 deposited on 10 February by bank with its NTPN:
    utang pajak −43.315,07, bank −43.315, pembulatan +0,07."""
    koperasi = january_tax
    at(koperasi, dt.date(2025, 2, 10))
    bank_before = gl(koperasi, "bank")
    deposit = services.tax_deposit(
        koperasi=koperasi,
        period=dt.date(2025, 1, 1),
        amount=D("43315"),
        ntpn="0a1b2c3d4e5f6g7h",
        paid_on=dt.date(2025, 2, 10),
        actor=pengurus,
    )
    assert (deposit.withheld, deposit.amount, deposit.ntpn) == (
        D("43315.07"),
        D("43315"),
        "0A1B2C3D4E5F6G7H",
    )
    assert gl(koperasi, "utang_pajak") == 0
    assert gl(koperasi, "bank") - bank_before == D("43315")
    assert gl(koperasi, "pembulatan") == D("0.07")
    assert deposit.entry.value_date == dt.date(2025, 2, 10)
    assert AuditEvent.objects.filter(action="savings.tax_deposit").count() == 1
    (row,) = selectors.tax_masa_rows(koperasi=koperasi)
    assert (row.status, row.is_late) == ("disetor", False)
    # The same deposit again (same NTPN) is the first one; another NTPN is a double deposit.
    again = services.tax_deposit(
        koperasi=koperasi,
        period=dt.date(2025, 1, 15),
        amount=D("43315"),
        ntpn="0A1B2C3D4E5F6G7H",
        paid_on=dt.date(2025, 2, 10),
        actor=pengurus,
    )
    assert again.pk == deposit.pk
    with pytest.raises(services.SavingsError, match="sudah disetor"):
        services.tax_deposit(
            koperasi=koperasi,
            period=dt.date(2025, 1, 1),
            amount=D("43315"),
            ntpn="1111222233334444",
            paid_on=dt.date(2025, 2, 10),
            actor=pengurus,
        )
    assert TaxDeposit.objects.count() == 1
    assert_books_agree(koperasi)


def test_a_deposit_is_refused_for_a_wrong_amount_date_or_ntpn(january_tax, pengurus):
    koperasi = january_tax
    at(koperasi, dt.date(2025, 2, 10))
    base = {
        "koperasi": koperasi,
        "period": dt.date(2025, 1, 1),
        "amount": D("43315"),
        "ntpn": "0A1B2C3D4E5F6G7H",
        "paid_on": dt.date(2025, 2, 10),
        "actor": pengurus,
    }
    cases = [
        ({"amount": D("43316")}, "hanya dapat dicatat dengan alasannya"),
        ({"amount": D("43315.07")}, "rupiah penuh"),
        ({"paid_on": dt.date(2025, 2, 11)}, "Tanggal setor"),
        ({"paid_on": dt.date(2025, 1, 30)}, "Tanggal setor"),
        ({"ntpn": "12345"}, "NTPN"),
        ({"period": dt.date(2025, 2, 1)}, "Tidak ada PPh"),
    ]
    for change, message in cases:
        with pytest.raises(services.SavingsError, match=message):
            services.tax_deposit(**{**base, **change})  # type: ignore[dict-item]
    assert not TaxDeposit.objects.exists()
    # With the pengurus's reason another amount is recorded; the difference stays in utang pajak.
    services.tax_deposit(**{**base, "amount": D("43000"), "reason": "kode billing salah"})
    assert gl(koperasi, "utang_pajak") == D("315.07")


def test_an_undeposited_masa_is_late_after_its_due_date(january_tax):
    koperasi = january_tax
    at(koperasi, dt.date(2025, 2, 17))
    (row,) = selectors.tax_masa_rows(koperasi=koperasi)
    assert (row.withheld, row.due, row.due_date, row.status) == (
        D("43315.07"),
        D("43315"),
        dt.date(2025, 2, 17),
        "belum",
    )
    at(koperasi, dt.date(2025, 2, 18))
    (row,) = selectors.tax_masa_rows(koperasi=koperasi)
    assert (row.status, row.is_late) == ("terlambat", True)


def test_a_late_deposit_stays_marked_late(january_tax, pengurus):
    koperasi = january_tax
    at(koperasi, dt.date(2025, 2, 20))
    services.tax_deposit(
        koperasi=koperasi,
        period=dt.date(2025, 1, 1),
        amount=D("43315"),
        ntpn="0A1B2C3D4E5F6G7H",
        paid_on=dt.date(2025, 2, 19),
        actor=pengurus,
        via="kas",
    )
    (row,) = selectors.tax_masa_rows(koperasi=koperasi)
    assert (row.status, row.is_late) == ("disetor_terlambat", True)


def test_the_tax_page_shows_the_masa_and_records_a_deposit(january_tax, pengurus, kasir, client):
    koperasi = january_tax
    at(koperasi, dt.date(2025, 2, 18))
    client.force_login(pengurus)
    page = client.get(reverse("savings:tax", kwargs={"kode": koperasi.code}))
    html = page.content.decode()
    assert 'data-status="terlambat"' in html
    assert "17/02/2025" in html
    assert 'data-form="tax-deposit"' in html
    target = reverse("savings:tax_deposit", kwargs={"kode": koperasi.code})
    form = {
        "idempotency_key": "k1",
        "masa": "2025-01-01",
        "amount": "43.315",
        "ntpn": "0A1B2C3D4E5F6G7H",
        "paid_on": "2025-02-18",
        "via": "bank",
        "reason": "",
    }
    wrong = client.post(target, {**form, "amount": "50.000"})
    assert wrong.status_code == 400
    assert "alasannya" in wrong.content.decode()
    done = client.post(target, form)
    assert done.status_code == 302
    assert client.post(target, form).status_code == 302  # a repeat: the same deposit
    assert TaxDeposit.objects.count() == 1
    html = client.get(done["Location"]).content.decode()
    assert 'data-status="disetor_terlambat"' in html
    assert "0A1B2C3D4E5F6G7H" in html
    # A kasir reads the page but cannot deposit.
    client.force_login(kasir)
    assert 'data-form="tax-deposit"' not in client.get(done["Location"]).content.decode()
    assert client.post(target, {**form, "idempotency_key": "k2"}).status_code == 403


def test_the_database_keeps_a_tax_deposit_as_written_and_one_per_masa(january_tax, pengurus):
    koperasi = january_tax
    at(koperasi, dt.date(2025, 2, 10))
    deposit = services.tax_deposit(
        koperasi=koperasi,
        period=dt.date(2025, 1, 1),
        amount=D("43315"),
        ntpn="0A1B2C3D4E5F6G7H",
        paid_on=dt.date(2025, 2, 10),
        actor=pengurus,
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        TaxDeposit.objects.filter(pk=deposit.pk).update(amount=D("1"))
    with pytest.raises(DatabaseError), transaction.atomic():
        TaxDeposit.objects.filter(pk=deposit.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        TaxDeposit.objects.create(
            koperasi=koperasi,
            period=deposit.period,
            withheld=deposit.withheld,
            amount=deposit.amount,
            ntpn="9999888877776666",
            paid_on=deposit.paid_on,
            via="bank",
            entry=deposit.entry,
        )


# --- leaving: the partial month's interest, matured and unmatured placements, whole rupiah ------


def _q(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding="ROUND_HALF_UP")


def _placed(products, kasir, *, on: dt.date, tenor: int):
    koperasi = products.koperasi
    at(koperasi, on)
    member = services.member_join(
        koperasi=koperasi, actor=kasir, **member_fields("Maria", 4)
    ).member
    placement = services.berjangka_open(
        member=member, product=products.sb, amount=D("10000000"), tenor_months=tenor, actor=kasir
    )
    return member, placement


def test_leaving_with_an_unmatured_placement_is_an_early_break_with_the_penalty(
    products, kasir, pengurus
):
    """Rp10 jt at 6% from 31 December for 3 months; January earns Rp50.958,90. Maria leaves on
    11 February: 1–10 February earns Rp16.522,12, and the break forfeits 10% of this term's
    interest (50.958,90 + 16.522,12) = Rp6.748,10. Paid by bank (a transfer keeps the sen)."""
    koperasi = products.koperasi
    member, placement = _placed(products, kasir, on=dt.date(2024, 12, 31), tenor=3)
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    at(koperasi, dt.date(2025, 2, 11))
    preview = services.exit_preview(member=member)
    result = services.member_exit(
        member=member, actor=kasir, on=dt.date(2025, 2, 11), reason="Pindah", via="bank"
    )
    assert (result.interest, result.tax, result.penalty) == (D("16522.12"), 0, D("6748.10"))
    assert (preview["interest"], preview["penalty"], preview["payout"]) == (
        result.interest,
        result.penalty,
        result.payout,
    )
    assert preview["cash"] == D("10160732")
    assert result.rounding == 0
    assert result.payout == D("100000") + D("10050958.90") + D("16522.12") - D("6748.10")
    assert gl(koperasi, "pendapatan_lain") == D("6748.10")
    placement.refresh_from_db()
    assert (placement.status, placement.balance) == ("ditutup", 0)
    slip = TaxWithholding.objects.get(member=member, period=dt.date(2025, 2, 1))
    assert (slip.gross, slip.tax) == (D("16522.12"), 0)
    # The February month end pays the closed accounts nothing more and taxes nothing twice.
    feb_end = dt.date(2025, 2, 28)
    at(koperasi, feb_end)
    services.month_end(koperasi=koperasi, on=feb_end, actor=pengurus)
    assert TaxWithholding.objects.filter(member=member, period=dt.date(2025, 2, 1)).count() == 1
    assert not placement.transactions.filter(value_date=feb_end).exists()
    assert_books_agree(koperasi)


def test_leaving_on_death_breaks_the_placement_without_penalty(products, kasir, pengurus):
    koperasi = products.koperasi
    member, _placement = _placed(products, kasir, on=dt.date(2024, 12, 31), tenor=3)
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    at(koperasi, dt.date(2025, 2, 11))
    result = services.member_exit(
        member=member, actor=kasir, on=dt.date(2025, 2, 11), died=True, via="bank"
    )
    assert (result.interest, result.penalty) == (D("16522.12"), 0)
    assert result.payout == D("100000") + D("10050958.90") + D("16522.12")
    assert gl(koperasi, "pendapatan_lain") == 0
    assert_books_agree(koperasi)


def test_a_placement_that_matured_before_the_exit_gets_its_final_interest_without_penalty(
    products, kasir, pengurus
):
    """Placed 5 November for 3 months: matured 5 February, before Maria leaves on the 11th
    (the month end that would move it has not run). Its last interest is 1–4 February."""
    koperasi = products.koperasi
    member, _placement = _placed(products, kasir, on=dt.date(2024, 11, 5), tenor=3)
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    held = D("10000000") + _q(D("10000000") * D("0.06") * 31 / 365)
    at(koperasi, dt.date(2025, 2, 11))
    result = services.member_exit(
        member=member, actor=kasir, on=dt.date(2025, 2, 11), reason="Pindah", via="bank"
    )
    final = _q(held * D("0.06") * 4 / 365)
    assert (result.interest, result.penalty) == (final, 0)
    assert result.payout == D("100000") + held + final
    assert_books_agree(koperasi)


def test_leaving_with_a_large_sukarela_withholds_the_months_pph(products, kasir, pengurus):
    """Rp300 jt sukarela at 3%: 1–10 February earns more than Rp240.000, so 10% of the whole
    gross is withheld on leaving; the cash refund is whole rupiah, the sen to pembulatan."""
    koperasi = products.koperasi
    at(koperasi, dt.date(2024, 12, 31))
    member = services.member_join(
        koperasi=koperasi, actor=kasir, sukarela_paid=D("300000000"), **member_fields("Paulus", 5)
    ).member
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    held = account(member, Kind.SUKARELA).balance
    at(koperasi, dt.date(2025, 2, 11))
    services.cashier_open(koperasi=koperasi, kasir=kasir, count=D("400000000"), actor=kasir)
    session = services.open_session(koperasi=koperasi, kasir=kasir)
    result = services.member_exit(
        member=member, actor=kasir, on=dt.date(2025, 2, 11), reason="Pindah", session=session
    )
    gross = _q(held * D("0.03") * 10 / 365)
    assert gross > D("240000")
    assert (result.interest, result.tax) == (gross, _q(gross / 10))
    owed = D("100000") + held + gross - _q(gross / 10)
    assert result.payout == owed.to_integral_value(rounding="ROUND_FLOOR")
    assert result.rounding == owed - result.payout
    assert sum(t.cash for t in result.transactions) == -result.payout
    slip = TaxWithholding.objects.get(member=member, period=dt.date(2025, 2, 1))
    assert (slip.gross, slip.tax, slip.rate_bp) == (gross, _q(gross / 10), 1000)
    assert_books_agree(koperasi)


def test_an_early_break_paid_in_cash_is_whole_rupiah(products, kasir, pengurus):
    koperasi = products.koperasi
    member, placement = _placed(products, kasir, on=dt.date(2024, 12, 31), tenor=3)
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    at(koperasi, dt.date(2025, 2, 11))
    placement.refresh_from_db()
    # 10.050.958,90 − 10% of 50.958,90 (5.095,89) = 10.045.863,01 → Rp10.045.863 in cash.
    broken = services.berjangka_break(account=placement, actor=kasir, to="kas")
    assert broken.balance == 0
    cash = placement.transactions.get(kind="penarikan")
    assert (cash.amount, cash.cash) == (D("-10045863.01"), D("-10045863"))
    assert gl(koperasi, "pembulatan") == D("0.01")
    assert_books_agree(koperasi)
