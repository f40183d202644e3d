"""Joining, the counter (deposit, withdraw, transfer) and bad input, as a kasir sees them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEvent
from ledger.models import JournalEntry
from members.models import Member
from members.services import DuplicateNik
from savings import services
from savings.models import Account, Kind, Transaction
from tests.savings.books import assert_books_agree, gl, member_fields
from tests.savings.conftest import account

D = Decimal


def test_joining_takes_pokok_and_opens_the_accounts_in_one_entry(products, kasir):
    result = services.member_join(
        koperasi=products.koperasi,
        actor=kasir,
        wajib_paid="50.000",
        sukarela_paid=D("250000"),
        idempotency_key="join-1",
        **member_fields("Yohanes Jebarus", 2),
    )
    member = result.member
    assert member.status == Member.Status.AKTIF
    kinds = sorted(a.kind for a in result.accounts)
    assert kinds == [Kind.POKOK, Kind.SUKARELA, Kind.WAJIB]
    assert account(member, Kind.POKOK).balance == D("100000")
    assert account(member, Kind.WAJIB).balance == D("50000")
    assert account(member, Kind.WAJIB).prepaid == D("50000")
    assert account(member, Kind.SUKARELA).balance == D("250000")
    # Cash +400.000; pokok, wajib, sukarela credited: one entry.
    assert Transaction.objects.filter(entry=result.entry).count() == 3
    assert gl(products.koperasi, "kas") == D("-400000")
    assert gl(products.koperasi, "simpanan_pokok") == D("100000")
    assert_books_agree(products.koperasi)
    # The same form sent again: the first result, nothing more.
    again = services.member_join(
        koperasi=products.koperasi,
        actor=kasir,
        sukarela_paid=D("250000"),
        wajib_paid="50.000",
        idempotency_key="join-1",
        **member_fields("Yohanes Jebarus", 2),
    )
    assert again.member == member
    assert JournalEntry.objects.filter(kind="savings.member_join").count() == 1


def test_pokok_in_instalments(products, kasir, pengurus):
    services.product_terms_set(
        product=products.sp,
        actor=pengurus,
        effective_from=products.koperasi.business_date,
        pokok_amount=D("100000"),
        pokok_instalments=3,
    )
    result = services.member_join(
        koperasi=products.koperasi, actor=kasir, **member_fields("Maria Nggeli", 3)
    )
    pokok = account(result.member, Kind.POKOK)
    # 100.000 in three: 33.334 + 33.333 + 33.333; the first is paid on joining.
    assert pokok.balance == D("33334")
    owed = [(o.amount, o.paid) for o in pokok.obligations.order_by("period")]
    assert owed == [(D("33334"), D("33334")), (D("33333"), 0), (D("33333"), 0)]
    services.deposit(account=pokok, amount=D("40000"), actor=kasir)
    paid = [o.paid for o in pokok.obligations.order_by("period")]
    assert paid == [D("33334"), D("33333"), D("6667")]
    with pytest.raises(services.SavingsError, match="melebihi sisa simpanan pokok"):
        services.deposit(account=pokok, amount=D("30000"), actor=kasir)
    assert_books_agree(products.koperasi)


def test_duplicate_nik_is_refused_and_nothing_is_posted(member, kasir):
    entries = JournalEntry.objects.count()
    with pytest.raises(DuplicateNik, match="NIK ini sudah terdaftar"):
        services.member_join(
            koperasi=member.koperasi, actor=kasir, **member_fields("Orang Lain", 1)
        )
    assert JournalEntry.objects.count() == entries
    assert Member.objects.count() == 1


def test_deposit_withdraw_transfer_each_one_entry(member, kasir):
    sukarela = account(member, Kind.SUKARELA)
    wajib = account(member, Kind.WAJIB)
    tx = services.deposit(account=sukarela, amount="1.500.000", actor=kasir, idempotency_key="a")
    assert tx.amount == D("1500000")
    assert account(member, Kind.SUKARELA).balance == D("2000000")
    services.withdraw(account=sukarela, amount=D("300000"), actor=kasir, idempotency_key="b")
    out, into = services.transfer(
        source=sukarela, target=wajib, amount=D("100000"), actor=kasir, idempotency_key="c"
    )
    assert out.entry_id == into.entry_id
    assert account(member, Kind.SUKARELA).balance == D("1600000")
    assert account(member, Kind.WAJIB).balance == D("100000")
    assert_books_agree(member.koperasi)
    assert AuditEvent.objects.filter(action="savings.deposit").count() == 1


def test_a_double_tap_posts_once(member, kasir):
    sukarela = account(member, Kind.SUKARELA)
    first = services.deposit(account=sukarela, amount=D("75000"), actor=kasir, idempotency_key="k")
    second = services.deposit(account=sukarela, amount=D("75000"), actor=kasir, idempotency_key="k")
    assert first.pk == second.pk
    assert account(member, Kind.SUKARELA).balance == D("575000")
    with pytest.raises(services.IdempotencyConflict):
        services.deposit(
            account=account(member, Kind.WAJIB), amount=D("1"), actor=kasir, idempotency_key="k"
        )


def test_withdrawal_never_goes_below_the_minimum(member, kasir):
    sukarela = account(member, Kind.SUKARELA)
    with pytest.raises(services.BelowMinimum, match="Paling banyak dapat ditarik Rp490.000"):
        services.withdraw(account=sukarela, amount=D("495000"), actor=kasir)
    services.withdraw(account=sukarela, amount=D("490000"), actor=kasir)
    assert account(member, Kind.SUKARELA).balance == D("10000")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.500.000,5x", "bukan jumlah rupiah yang sah"),
        ("-50000", "tidak boleh negatif"),
        (D("-50000"), "tidak boleh negatif"),
        ("0", "harus lebih dari nol"),
        (0.5, "float"),
    ],
)
def test_bad_amounts_get_a_message_and_post_nothing(member, kasir, amount, message):
    sukarela = account(member, Kind.SUKARELA)
    entries = JournalEntry.objects.count()
    with pytest.raises(services.AmountError, match=message):
        services.deposit(account=sukarela, amount=amount, actor=kasir)
    assert JournalEntry.objects.count() == entries
    assert account(member, Kind.SUKARELA).balance == D("500000")


def test_pokok_and_wajib_cannot_be_withdrawn_while_a_member(member, kasir):
    for kind, word in ((Kind.POKOK, "Simpanan pokok"), (Kind.WAJIB, "Simpanan wajib")):
        with pytest.raises(services.NotWithdrawable, match=f"{word} tidak dapat ditarik"):
            services.withdraw(account=account(member, kind), amount=D("1000"), actor=kasir)
    with pytest.raises(services.NotWithdrawable):
        services.transfer(
            source=account(member, Kind.POKOK),
            target=account(member, Kind.SUKARELA),
            amount=D("1000"),
            actor=kasir,
        )
    assert account(member, Kind.POKOK).balance == D("100000")


def test_closed_account_refuses_money(member, kasir):
    sukarela = account(member, Kind.SUKARELA)
    services.member_exit(member=member, actor=kasir, on=member.join_date, reason="Pindah")
    sukarela.refresh_from_db()
    with pytest.raises(services.AccountClosed, match="sudah ditutup"):
        services.deposit(account=sukarela, amount=D("1000"), actor=kasir)
    assert Account.objects.get(pk=sukarela.pk).balance == 0


def test_a_deposit_leaves_one_audit_record_naming_its_entry(member, kasir):
    """Who, what, which entry (number and chain hash), how much and the balance after: in the
    deposit's own record; the entry keeps its actor, time, kind and source."""
    sukarela = account(member, Kind.SUKARELA)
    tx = services.deposit(account=sukarela, amount=D("75000"), actor=kasir, idempotency_key="a1")
    entry = JournalEntry.objects.get(pk=tx.entry_id)
    event = AuditEvent.objects.get(action="savings.deposit")
    assert event.actor == kasir
    assert event.object_id == str(tx.pk)
    assert event.after == {
        "account": sukarela.number,
        "amount": "75000.00",
        "entry": entry.number,
        "entry_hash": entry.hash,
        "balance": "575000.00",
    }
    assert not AuditEvent.objects.filter(action="ledger.post", object_id=str(entry.pk)).exists()
    assert (entry.actor, entry.kind, entry.source) == (
        kasir,
        "savings.deposit",
        f"savings.Account:{sukarela.pk}",
    )


def test_a_double_tapped_withdrawal_returns_the_first_not_a_balance_error(member, kasir):
    """The repeat is recognised before the rules run: the first withdrawal left Rp10.000, and
    the same key again returns its receipt instead of refusing a second Rp490.000."""
    sukarela = account(member, Kind.SUKARELA)
    first = services.withdraw(
        account=sukarela, amount=D("490000"), actor=kasir, idempotency_key="tarik-1"
    )
    again = services.withdraw(
        account=sukarela, amount=D("490000"), actor=kasir, idempotency_key="tarik-1"
    )
    assert again.pk == first.pk
    assert account(member, Kind.SUKARELA).balance == D("10000")


def test_a_session_closed_after_the_page_read_it_takes_no_money(member, kasir):
    sukarela = account(member, Kind.SUKARELA)
    services.cashier_open(koperasi=member.koperasi, kasir=kasir, count=D("0"), actor=kasir)
    read_by_the_page = services.open_session(koperasi=member.koperasi, kasir=kasir)
    assert read_by_the_page is not None
    services.cashier_close(session=read_by_the_page, count=D("0"), actor=kasir)
    with pytest.raises(services.SavingsError, match="Sesi kasir sudah ditutup"):
        services.deposit(account=sukarela, amount=D("1000"), actor=kasir, session=read_by_the_page)
    assert account(member, Kind.SUKARELA).balance == D("500000")
