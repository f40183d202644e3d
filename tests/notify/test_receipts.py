"""The receipts beyond the counter's deposits, withdrawals and repayments: a pindah buku, a loan
disbursement, and each row of a savings or loan payroll. Each goes through the outbox in the
service's own transaction, once (a repeat writes nothing), on the member's channel, and not at
all to a member who opted out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.models import OutboxMessage
from core.money import format_rupiah
from core.notify.messages import render
from loans import services as loans
from members.services import set_notification_preference
from registry.models import Koperasi
from savings import services as savings
from savings.models import Kind
from tests.factories import MemberFactory, disbursed_loan, loan_staff, savings_account
from tests.savings.books import member_fields
from tests.savings.conftest import account, make_products

PHONE = "+6281234567890"


@pytest.fixture
def books(koperasi: Koperasi) -> Koperasi:
    koperasi.business_date = dt.date(2025, 3, 22)
    koperasi.save(update_fields=["business_date"])
    return koperasi


@pytest.fixture
def rina(books: Koperasi) -> Any:
    return MemberFactory.create(koperasi=books, full_name="Rina", phone=PHONE)


def _messages(template: str) -> list[tuple[OutboxMessage, str]]:
    rows = OutboxMessage.objects.filter(template=template).order_by("pk")
    return [(row, render(row.template, row.context)) for row in rows]


def test_a_transfer_between_own_accounts_sends_one_receipt(books: Koperasi, rina: Any) -> None:
    source = savings_account(books, member=rina)
    target = savings_account(books, kind="wajib", member=rina)
    savings.deposit(account=source, amount=Decimal("500000"), actor=None)
    out, _into = savings.transfer(
        source=source, target=target, amount=Decimal("150000"), actor=None, idempotency_key="t1"
    )
    # The same form sent again (a double tap): the first result, no second message.
    savings.transfer(
        source=source, target=target, amount=Decimal("150000"), actor=None, idempotency_key="t1"
    )
    [(row, text)] = _messages("savings.transfer")
    assert (row.member_id, row.to, row.channel) == (rina.pk, PHONE, "whatsapp")
    assert row.dedupe_key == f"receipt:{out.entry_id}"
    assert text == (
        f"KSP Sinar Bajo: Pindah buku Rp150.000 dari rek. *{source.number[-4:]} ke rek. "
        f"*{target.number[-4:]} tgl 22/03/2025. Kode cek struk: {out.entry.short_hash}"
    )


def test_a_refused_transfer_leaves_no_receipt(books: Koperasi, rina: Any) -> None:
    source = savings_account(books, member=rina)
    other = savings_account(books, member=MemberFactory.create(koperasi=books))
    savings.deposit(account=source, amount=Decimal("500000"), actor=None)
    with pytest.raises(savings.SavingsError):
        savings.transfer(source=source, target=other, amount=Decimal("1000"), actor=None)
    assert not _messages("savings.transfer")


def test_a_disbursement_tells_what_the_member_received(books: Koperasi, rina: Any) -> None:
    loan = disbursed_loan(books, member=rina, principal=5_000_000, tenor=10)
    [(row, text)] = _messages("loans.disburse")
    assert row.member_id == rina.pk and row.dedupe_key == f"receipt:{loan.disbursement_entry_id}"
    net = loans.disbursement_figures(loan)["net"]
    assert loan.instalments.order_by("due_date")[0].due_date == dt.date(2025, 4, 22)
    assert net == Decimal("4925000")  # Rp5.000.000 less provisi 1% and administrasi Rp25.000
    assert text == (
        f"KSP Sinar Bajo: Pinjaman *{loan.number[-4:]} dicairkan 22/03/2025, diterima "
        f"{format_rupiah(net)}. Angsuran ke-1 tgl 22/04/2025. "
        f"Kode cek: {loan.disbursement_entry.short_hash}"
    )
    # Disbursing again with the same key repeats the first result and sends nothing more.
    maker, _checker = loan_staff(books)
    loans.loan_disburse(
        loan=loan, actor=maker, via="sukarela", idempotency_key=f"disburse-{loan.pk}"
    )
    assert len(_messages("loans.disburse")) == 1


def test_an_opted_out_member_gets_no_disbursement_or_transfer_receipt(
    books: Koperasi, rina: Any
) -> None:
    set_notification_preference(member=rina, channel="none", actor=None)
    rina.refresh_from_db()
    disbursed_loan(books, member=rina, principal=5_000_000, tenor=10)
    source = account(rina, Kind.SUKARELA)  # the disbursement went into it
    target = savings_account(books, kind="wajib", member=rina)
    savings.transfer(source=source, target=target, amount=Decimal("50000"), actor=None)
    assert not OutboxMessage.objects.filter(member=rina).exists()


PAYROLL = """nomor_anggota;nama;SW;SS
{a};Karyawan 0;50000;100.000
{b};Karyawan 1;50000;
{c};Karyawan 2;50000;25000
"""


def test_each_member_of_a_savings_payroll_gets_one_receipt(
    koperasi: Koperasi, pengurus: Any, kasir: Any
) -> None:
    koperasi.business_date = dt.date(2025, 1, 15)
    koperasi.save(update_fields=["business_date"])
    make_products(koperasi, pengurus)
    a, b, c = (
        savings.member_join(
            koperasi=koperasi, actor=kasir, **member_fields(f"Karyawan {i}", 100 + i)
        ).member
        for i in range(3)
    )
    set_notification_preference(member=c, channel="none", actor=None)
    OutboxMessage.objects.all().delete()  # the joining receipts are not this test's
    batch = savings.payroll_preview(
        koperasi=koperasi,
        actor=kasir,
        filename="gaji-januari.csv",
        content=PAYROLL.format(a=a.number, b=b.number, c=c.number).encode(),
    )
    posted = savings.payroll_post(batch=batch, actor=kasir)
    savings.payroll_post(batch=batch, actor=kasir)  # a double tap: posted already
    found = _messages("savings.payroll")
    assert [row.member_id for row, _text in found] == [a.pk, b.pk]  # c opted out
    assert [row.dedupe_key for row, _text in found] == [
        f"receipt:{posted.entry_id}:member:{a.pk}",
        f"receipt:{posted.entry_id}:member:{b.pk}",
    ]
    wajib, sukarela = account(a, Kind.WAJIB), account(a, Kind.SUKARELA)
    assert found[0][1] == (
        "KSP Sinar Bajo: Potong gaji tgl 15/01/2025 sebesar Rp150.000 sudah masuk ke simpanan "
        f"Anda (*{sukarela.number[-4:]}, *{wajib.number[-4:]})."  # in account number order
    )
    assert "Rp50.000" in found[1][1]
    # No code: the payroll's entry holds every member's row, not a receipt of one.
    assert posted.entry is not None and posted.entry.short_hash not in found[0][1]


def test_each_loan_of_a_loan_payroll_gets_one_receipt(books: Koperasi) -> None:
    from tests.loans.life import move_to

    books.business_date = dt.date(2025, 1, 1)
    books.save(update_fields=["business_date"])
    a = disbursed_loan(books, member=MemberFactory.create(koperasi=books, phone=PHONE))
    b = disbursed_loan(books, principal=5_000_000, tenor=5)
    set_notification_preference(member=b.member, channel="none", actor=None)
    maker, _checker = loan_staff(books)
    move_to(books, dt.date(2025, 2, 15))
    content = (
        "nomor_pinjaman,nomor_anggota,nama,jumlah\n"
        f"{a.number},{a.member.number},{a.member.full_name},933333\n"
        f"{b.number},,,1050000\n"
    ).encode()
    batch = loans.loan_payroll_preview(
        koperasi=books, actor=maker, filename="gaji-feb.csv", content=content
    )
    posted = loans.loan_payroll_post(batch=batch, actor=maker)
    loans.loan_payroll_post(batch=batch, actor=maker)
    [(row, text)] = _messages("loans.payroll")  # b's member opted out
    assert row.member_id == a.member_id and row.to == PHONE
    assert row.dedupe_key == f"receipt:{posted.entry_id}:loan:{a.pk}"
    assert text == (
        f"KSP Sinar Bajo: Angsuran pinjaman *{a.number[-4:]} Rp933.333 lewat potong gaji tgl "
        "15/02/2025 diterima. Sisa pokok Rp9.166.667."
    )
