"""Berjangka (open, maturity, early withdrawal) and leaving the koperasi."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledger.models import JournalEntry, Posting
from members.models import Member
from members.services import MemberError
from savings import services
from savings.models import Account, Kind, Obligation, TaxWithholding
from tests.savings.books import assert_books_agree, gl
from tests.savings.conftest import account
from tests.savings.test_month_end import JAN_END, at

D = Decimal


def test_berjangka_from_sukarela_then_broken_early_with_penalty(member, products, kasir, pengurus):
    koperasi = member.koperasi
    services.deposit(account=account(member, Kind.SUKARELA), amount=D("10000000"), actor=kasir)
    placement = services.berjangka_open(
        member=member,
        product=products.sb,
        amount="5.000.000",
        tenor_months=6,
        actor=kasir,
        via="sukarela",
    )
    assert placement.maturity_date == dt.date(2025, 7, 15)
    assert placement.rate_bp == 600
    assert account(member, Kind.SUKARELA).balance == D("5500000")
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    placement.refresh_from_db()
    # 17 days × 5.000.000 × 6% / 365 = 13.972,60 credited into the placement.
    assert placement.term_interest == D("13972.60")
    at(koperasi, dt.date(2025, 2, 10))
    with pytest.raises(services.SavingsError, match="tidak menerima setoran tambahan"):
        services.deposit(account=placement, amount=D("100000"), actor=kasir)
    with pytest.raises(services.NotWithdrawable, match="berjangka hanya dicairkan"):
        services.withdraw(account=placement, amount=D("100000"), actor=kasir)
    # Penalty 10% of the interest received: 1.397,26 to other income; the rest to cash.
    services.berjangka_break(account=placement, actor=kasir, to="kas", idempotency_key="brk")
    placement.refresh_from_db()
    assert (placement.status, placement.close_reason, placement.balance) == (
        "ditutup",
        "dicairkan",
        0,
    )
    assert gl(koperasi, "pendapatan_lain") == D("1397.26")
    assert_books_agree(koperasi)


def test_maturity_moves_to_sukarela_or_rolls_over(member, products, kasir, pengurus):
    koperasi = member.koperasi
    to_sukarela = services.berjangka_open(
        member=member, product=products.sb, amount=D("2000000"), tenor_months=3, actor=kasir
    )
    rolling = services.berjangka_open(
        member=member,
        product=products.sb,
        amount=D("3000000"),
        tenor_months=3,
        actor=kasir,
        at_maturity="perpanjang",
    )
    with pytest.raises(services.SavingsError, match="Jangka waktu 5 bulan tidak tersedia"):
        services.berjangka_open(
            member=member,
            product=products.sb,
            amount=D("3000000"),
            tenor_months=5,
            actor=kasir,
        )
    for day in (JAN_END, dt.date(2025, 2, 28), dt.date(2025, 3, 31), dt.date(2025, 4, 30)):
        at(koperasi, day)
        services.month_end(koperasi=koperasi, on=day, actor=pengurus)
    to_sukarela.refresh_from_db()
    rolling.refresh_from_db()
    assert (to_sukarela.status, to_sukarela.closed_on) == ("ditutup", dt.date(2025, 4, 15))
    assert rolling.is_open and rolling.maturity_date == dt.date(2025, 7, 15)
    assert rolling.term_start == dt.date(2025, 4, 15)
    # April interest of the matured placement (14 days) went to sukarela.
    sukarela = account(member, Kind.SUKARELA)
    april = sukarela.transactions.filter(kind="bunga", value_date=dt.date(2025, 4, 30))
    assert april.count() == 2  # its own and the matured placement's
    assert_books_agree(koperasi)


def test_leaving_refunds_everything_in_one_entry_netting_wajib_arrears(member, kasir, pengurus):
    koperasi = member.koperasi
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)  # wajib 50.000 unpaid
    at(koperasi, dt.date(2025, 2, 3))
    result = services.member_exit(
        member=member,
        actor=kasir,
        on=dt.date(2025, 2, 3),
        reason="Pindah ke Ruteng",
        idempotency_key="exit-1",
    )
    # Sukarela earns 1–2 February before it closes: 500.698,63 × 3% × 2 / 365 = 82,31 (no PPh).
    # pokok 100.000 + sukarela 500.780,94 = 600.780,94, paid in cash as Rp600.780 (whole
    # rupiah): the 0,94 to pembulatan; wajib arrears 50.000 netted.
    assert (result.interest, result.tax, result.rounding) == (D("82.31"), 0, D("0.94"))
    assert result.payout == D("600780")
    assert result.arrears_netted == D("50000")
    lines: dict[str, Decimal] = {}
    for p in Posting.objects.filter(entry=result.entry).select_related("account"):
        lines[p.account.code] = lines.get(p.account.code, D(0)) + p.amount
    assert lines == {
        "3.1.01": D("100000"),  # Dr simpanan pokok
        "3.1.02": D("50000"),  # Dr simpanan wajib (the billed month)
        "2.1.01": D("500698.63"),  # Dr simpanan sukarela (500.780,94 refunded − 82,31 interest)
        "5.1.01": D("82.31"),  # Dr beban bunga simpanan
        "1.1.06": D("-50000"),  # Cr piutang simpanan wajib
        "1.1.01": D("-600780"),  # Cr kas
        "4.2.03": D("-0.94"),  # Cr pembulatan
    }
    slip = TaxWithholding.objects.get(member=member, period=dt.date(2025, 2, 1))
    assert (slip.gross, slip.tax, slip.run) == (D("82.31"), 0, None)
    member.refresh_from_db()
    assert member.status == Member.Status.KELUAR
    assert not Account.objects.filter(member=member, status="aktif").exists()
    assert Obligation.objects.get(member=member).cancelled
    assert_books_agree(koperasi)
    again = services.member_exit(
        member=member,
        actor=kasir,
        on=dt.date(2025, 2, 3),
        reason="Pindah",
        idempotency_key="exit-1",
    )
    assert again.entry == result.entry
    assert JournalEntry.objects.filter(kind="savings.member_exit").count() == 1


def test_death_pays_the_heir(member, kasir):
    result = services.member_exit(
        member=member, actor=kasir, on=member.join_date, died=True, reason="Sakit"
    )
    assert result.member.status == Member.Status.MENINGGAL
    assert result.payout == D("600000")
    assert result.entry is not None and "ahli waris" in result.entry.memo


def test_a_refused_exit_leaves_the_member_and_the_money(member, kasir):
    with pytest.raises(MemberError):
        services.member_exit(member=member, actor=kasir, on=member.join_date, reason="")
    member.refresh_from_db()
    assert member.status == Member.Status.AKTIF
    assert account(member, Kind.SUKARELA).balance == D("500000")
    assert not JournalEntry.objects.filter(kind="savings.member_exit").exists()


def test_exit_netting_hook_for_loans(member, kasir):
    """The loans app will register a hook; here a stand-in nets Rp200.000 against cash."""
    from savings.services import membership

    def loan(member_, booking, on):
        booking.credit(booking.role("pinjaman_anggota"), D("200000"))
        return D("200000")

    membership.register_exit_netting(loan)
    try:
        result = services.member_exit(
            member=member, actor=kasir, on=member.join_date, reason="Keluar"
        )
    finally:
        membership._EXIT_NETTING.remove(loan)
    assert (result.payout, result.other_netted) == (D("400000"), D("200000"))
    assert gl(member.koperasi, "kas") == D("-200000")  # 600.000 in on joining, 400.000 out
