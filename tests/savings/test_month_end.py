"""Month end: wajib billing, interest by each product's method, PPh final; run twice, post once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledger.models import JournalEntry
from savings import services
from savings.models import Kind, MonthEndRun, Obligation, TaxWithholding, Transaction
from tests.savings.books import assert_books_agree, gl, member_fields
from tests.savings.conftest import account

D = Decimal
JAN_END = dt.date(2025, 1, 31)


def at(koperasi, day: dt.date) -> None:
    koperasi.business_date = day
    koperasi.save(update_fields=["business_date"])


def test_january_month_end_for_rina(member, pengurus):
    """Rina joined 15 January with Rp500.000 sukarela and paid no wajib."""
    koperasi = member.koperasi
    at(koperasi, JAN_END)
    steps = {r.step: r for r in services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)}
    # Wajib: Rp50.000 billed, unpaid → arrears and a receivable.
    wajib = Obligation.objects.get(member=member, kind="wajib")
    assert (wajib.period, wajib.amount, wajib.paid) == (dt.date(2025, 1, 1), D("50000"), 0)
    assert gl(koperasi, "piutang_simpanan_wajib") == D("-50000")
    # Sukarela 3% daily: 17 days (15–31 Jan) × 500.000 × 3% / 365 = 698,63.
    assert steps["bunga"].total == D("698.63")
    assert account(member, Kind.SUKARELA).balance == D("500698.63")
    assert gl(koperasi, "beban_bunga_simpanan") == D("-698.63")
    # Below Rp240.000: 0% tax, but the withholding record exists.
    slip = TaxWithholding.objects.get(member=member)
    assert (slip.gross, slip.tax, slip.period) == (D("698.63"), 0, dt.date(2025, 1, 1))
    assert_books_agree(koperasi)


def test_running_month_end_twice_posts_nothing_the_second_time(member, pengurus):
    koperasi = member.koperasi
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    counts = (JournalEntry.objects.count(), Transaction.objects.count(), Obligation.objects.count())
    again = services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    assert all(r.done_before for r in again)
    assert [r.step for r in again] == ["berjangka", "wajib", "bunga", "pajak"]
    assert (
        JournalEntry.objects.count(),
        Transaction.objects.count(),
        Obligation.objects.count(),
    ) == counts
    assert MonthEndRun.objects.filter(koperasi=koperasi, date=JAN_END).count() == 4


def test_month_end_date_must_be_a_past_month_end(member, pengurus):
    koperasi = member.koperasi
    with pytest.raises(services.SavingsError, match="tanggal terakhir suatu bulan"):
        services.month_end(koperasi=koperasi, on=dt.date(2025, 1, 30), actor=pengurus)
    with pytest.raises(services.SavingsError, match="belum tiba"):
        services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    assert not MonthEndRun.objects.exists()


def test_pph_is_ten_percent_of_the_whole_gross_summed_over_accounts(products, kasir, pengurus):
    """Sukarela Rp50 jt (3%) and berjangka Rp60 jt (6%) from 31 Dec: January interest
    127.397,26 + 305.753,42 = 433.150,68 > 240.000 → PPh 43.315,07, shared by the accounts."""
    koperasi = products.koperasi
    at(koperasi, dt.date(2024, 12, 31))
    big = services.member_join(
        koperasi=koperasi,
        actor=kasir,
        sukarela_paid=D("50000000"),
        **member_fields("Agustinus Ndaru", 7),
    ).member
    placement = services.berjangka_open(
        member=big, product=products.sb, amount=D("60000000"), tenor_months=12, actor=kasir
    )
    small = services.member_join(
        koperasi=koperasi,
        actor=kasir,
        sukarela_paid=D("1000000"),
        **member_fields("Fransiska Muda", 8),
    ).member
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    slip = TaxWithholding.objects.get(member=big)
    assert (slip.gross, slip.tax, slip.rate_bp) == (D("433150.68"), D("43315.07"), 1000)
    taxes = dict(Transaction.objects.filter(kind="pajak").values_list("account__kind", "amount"))
    assert taxes == {"sukarela": D("-12739.73"), "berjangka": D("-30575.34")}
    placement.refresh_from_db()
    assert placement.balance == D("60000000") + D("305753.42") - D("30575.34")
    assert placement.term_interest == D("305753.42")
    assert gl(koperasi, "utang_pajak") == D("43315.07")
    assert TaxWithholding.objects.get(member=small).tax == 0
    assert_books_agree(koperasi)


def test_wajib_paid_ahead_settles_the_bill_and_payments_settle_the_oldest_month(
    member, kasir, pengurus
):
    koperasi = member.koperasi
    wajib = account(member, Kind.WAJIB)
    services.deposit(account=wajib, amount=D("75000"), actor=kasir)  # 1½ months ahead
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    jan = Obligation.objects.get(member=member, period=dt.date(2025, 1, 1))
    assert (jan.paid, jan.settled_on) == (D("50000"), JAN_END)
    assert account(member, Kind.WAJIB).prepaid == D("25000")
    feb_end, mar_end = dt.date(2025, 2, 28), dt.date(2025, 3, 31)
    for day in (feb_end, mar_end):
        at(koperasi, day)
        services.month_end(koperasi=koperasi, on=day, actor=pengurus)
    owed = [(o.period.month, o.paid) for o in Obligation.objects.filter(member=member)]
    assert owed == [(1, D("50000")), (2, D("25000")), (3, 0)]
    # 60.000 pays the rest of February (25.000) then 35.000 of March: oldest first.
    services.deposit(account=wajib, amount=D("60000"), actor=kasir)
    owed = [(o.period.month, o.paid) for o in Obligation.objects.filter(member=member)]
    assert owed == [(1, D("50000")), (2, D("50000")), (3, D("35000"))]
    assert account(member, Kind.WAJIB).balance == D("135000")
    assert_books_agree(koperasi)


def test_new_terms_apply_from_their_date_and_cannot_be_backdated(member, kasir, pengurus):
    koperasi = member.koperasi
    services.product_terms_set(
        product=account(member, Kind.SUKARELA).product,
        actor=pengurus,
        effective_from=dt.date(2025, 2, 1),
        rate_percent=D("6"),
    )
    at(koperasi, JAN_END)
    jan = {r.step: r for r in services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)}
    assert jan["bunga"].total == D("698.63")  # still 3% in January
    with pytest.raises(services.SavingsError, match="tidak boleh berlaku surut"):
        services.product_terms_set(
            product=account(member, Kind.SUKARELA).product,
            actor=pengurus,
            effective_from=dt.date(2025, 1, 20),
            rate_percent=D("2"),
        )


def test_rate_above_the_cap_is_refused(products, pengurus):
    with pytest.raises(services.RateAboveCap, match="paling tinggi 9% setahun"):
        services.product_terms_set(
            product=products.ss,
            actor=pengurus,
            effective_from=dt.date(2025, 2, 1),
            rate_percent="9,5",
        )
    with pytest.raises(services.RateAboveCap):
        services.product_create(
            koperasi=products.koperasi,
            actor=pengurus,
            code="SX",
            name="Sukarela Plus",
            kind=Kind.SUKARELA,
            effective_from=dt.date(2025, 1, 1),
            rate_percent=D("12"),
        )
    assert not products.koperasi.savings_products.filter(code="SX").exists()


def test_month_end_command(member, capsys):
    from django.core.management import CommandError, call_command

    at(member.koperasi, JAN_END)
    code = member.koperasi.code
    call_command("savings", "month-end", "--koperasi", code, "--date", "2025-01-31")
    first = capsys.readouterr().out
    assert "Bunga simpanan: 1 baris, Rp698,63" in first
    call_command("savings", "month-end", "--koperasi", code, "--date", "2025-01-31")
    assert "tidak ada yang berubah" in capsys.readouterr().out
    with pytest.raises(CommandError, match="tanggal terakhir suatu bulan"):
        call_command("savings", "month-end", "--koperasi", code, "--date", "2025-01-15")
    with pytest.raises(CommandError, match="tidak ada"):
        call_command("savings", "month-end", "--koperasi", "tidak-ada", "--date", "2025-01-31")
