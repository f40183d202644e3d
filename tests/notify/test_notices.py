"""Receipts and decisions reach the outbox in the service's own transaction, once, on the
member's chosen channel (and not at all when they opted out)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.models import OutboxMessage
from core.notify.messages import render
from loans import services as loans
from members.services import MemberError, set_notification_preference
from registry.models import Koperasi
from savings.services import deposit, withdraw
from tests.factories import MemberFactory, disbursed_loan, loan_staff, savings_account

PHONE = "+6281234567890"


@pytest.fixture
def books(koperasi: Koperasi) -> Koperasi:
    koperasi.business_date = dt.date(2025, 3, 22)
    koperasi.save(update_fields=["business_date"])
    return koperasi


@pytest.fixture
def rina(books: Koperasi) -> Any:
    return MemberFactory.create(koperasi=books, full_name="Rina", phone=PHONE)


def _texts() -> list[str]:
    return [render(m.template, m.context) for m in OutboxMessage.objects.order_by("pk")]


def test_deposit_and_withdrawal_each_enqueue_one_receipt(books: Koperasi, rina: Any) -> None:
    account = savings_account(books, member=rina)
    tx = deposit(account=account, amount=Decimal("1500000"), actor=None, idempotency_key="k1")
    # The kasir's double tap: the same key returns the first result and enqueues nothing more.
    deposit(account=account, amount=Decimal("1500000"), actor=None, idempotency_key="k1")
    withdraw(account=account, amount=Decimal("200000"), actor=None, idempotency_key="k2")
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert [(r.template, r.channel, r.to, r.member_id) for r in rows] == [
        ("savings.deposit", "whatsapp", PHONE, rina.pk),
        ("savings.withdraw", "whatsapp", PHONE, rina.pk),
    ]
    code = tx.entry.short_hash
    last4 = account.number[-4:]
    assert _texts()[0] == (
        f"KSP Sinar Bajo: Setoran Rp1.500.000 ke rek. *{last4} tgl 22/03/2025 sudah diterima. "
        f"Kode cek struk: {code}"
    )
    assert "Rp200.000" in _texts()[1]
    # Nothing the message does not need: no name, no NIK, no balance, no full account number.
    assert set(rows[0].context) == {"k", "amount", "acct", "date", "code"}


def test_opted_out_or_no_phone_gets_nothing(books: Koperasi, rina: Any) -> None:
    set_notification_preference(member=rina, channel="none", actor=None)
    deposit(account=savings_account(books, member=rina), amount=Decimal("10000"), actor=None)
    no_phone = MemberFactory.create(koperasi=books)
    deposit(account=savings_account(books, member=no_phone), amount=Decimal("10000"), actor=None)
    assert not OutboxMessage.objects.exists()


def test_sms_preference_is_followed(books: Koperasi, rina: Any) -> None:
    set_notification_preference(member=rina, channel="sms", actor=None)
    rina.refresh_from_db()
    deposit(account=savings_account(books, member=rina), amount=Decimal("10000"), actor=None)
    assert OutboxMessage.objects.get().channel == "sms"


def test_preference_refuses_an_unknown_channel(rina: Any) -> None:
    with pytest.raises(MemberError) as refused:
        set_notification_preference(member=rina, channel="telegram")
    assert "Pilih WhatsApp, SMS" in str(refused.value)
    rina.refresh_from_db()
    assert rina.notify_channel == "whatsapp"


def test_a_rolled_back_deposit_leaves_no_receipt(books: Koperasi, rina: Any) -> None:
    from savings.services import SavingsError

    account = savings_account(books, member=rina)
    with pytest.raises(SavingsError):
        withdraw(account=account, amount=Decimal("5000"), actor=None)  # below the minimum
    assert not OutboxMessage.objects.exists()


def test_loan_decision_and_repayment(books: Koperasi, rina: Any) -> None:
    loan = disbursed_loan(books, member=rina, principal=5_000_000, tenor=10)
    assert _texts()[0] == (
        f"KSP Sinar Bajo: Pengajuan pinjaman *{loan.number[-4:]} sebesar Rp5.000.000 "
        "DISETUJUI. Hubungi kasir untuk pencairan."
    )
    assert _texts()[1].startswith(f"KSP Sinar Bajo: Pinjaman *{loan.number[-4:]} dicairkan")
    OutboxMessage.objects.all().delete()
    maker, _checker = loan_staff(books)
    tx = loans.loan_repay(
        loan=loan, amount=Decimal("550000"), via="sukarela", actor=maker, idempotency_key="r1"
    )
    loans.loan_repay(
        loan=loan, amount=Decimal("550000"), via="sukarela", actor=maker, idempotency_key="r1"
    )
    (row,) = OutboxMessage.objects.all()
    assert row.template == "loans.repay"
    assert row.dedupe_key == f"receipt:{tx.entry_id}"
    text = render(row.template, row.context)
    assert "Rp550.000" in text and tx.entry.short_hash in text
    assert "Sisa pokok Rp4.500.000" in text


def test_refusal_is_told(books: Koperasi, rina: Any) -> None:
    from tests.factories import loan_product, savings_products

    savings_products(books)
    maker, checker = loan_staff(books)
    loan = loans.loan_apply(
        koperasi=books,
        member=rina,
        product=loan_product(books),
        principal=Decimal("2000000"),
        tenor=6,
        grace=0,
        purpose="Modal",
        collateral="",
        officer=maker,
        actor=maker,
        on=books.business_date,
    )
    loans.loan_refuse(loan=loan, actor=checker, note="Penghasilan belum cukup")
    assert _texts() == [
        f"KSP Sinar Bajo: Maaf, pengajuan pinjaman *{loan.number[-4:]} sebesar Rp2.000.000 "
        "tidak disetujui. Keterangan di kantor koperasi."
    ]


def test_staff_set_the_preference_on_the_member_page(
    client: Any, books: Koperasi, rina: Any, kasir: Any, pengawas: Any
) -> None:
    from django.urls import reverse

    from core.models import AuditEvent

    url = reverse("members:notify_channel", kwargs={"kode": books.code, "member_id": rina.pk})
    detail = reverse("members:detail", kwargs={"kode": books.code, "member_id": rina.pk})
    client.force_login(kasir)
    page = client.get(detail).content.decode()
    assert 'name="channel"' in page and 'value="whatsapp" selected' in page
    response = client.post(url, {"channel": "sms"}, follow=True)
    assert "Pilihan pemberitahuan disimpan." in response.content.decode()
    rina.refresh_from_db()
    assert rina.notify_channel == "sms"
    assert AuditEvent.objects.filter(action="members.notify_channel").count() == 1
    # Bad input: a clear message, nothing changed.
    response = client.post(url, {"channel": "merpati"}, follow=True)
    assert "Pilih WhatsApp, SMS, atau tidak usah dikirimi pesan." in response.content.decode()
    rina.refresh_from_db()
    assert rina.notify_channel == "sms"
    assert client.get(url).status_code == 405
    # The pengawas reads it and cannot change it.
    client.force_login(pengawas)
    assert 'name="channel"' not in client.get(detail).content.decode()
    assert client.post(url, {"channel": "none"}).status_code == 403


def test_the_member_page_shows_the_last_messages_and_their_failures(
    client: Any, books: Koperasi, rina: Any, kasir: Any
) -> None:
    from django.urls import reverse

    deposit(account=savings_account(books, member=rina), amount=Decimal("25000"), actor=None)
    OutboxMessage.objects.update(attempts=2, last_error="HTTP 503 gateway sibuk")
    client.force_login(kasir)
    page = client.get(
        reverse("members:detail", kwargs={"kode": books.code, "member_id": rina.pk})
    ).content.decode()
    assert "Pesan terakhir ke anggota" in page
    assert "WhatsApp · <b>Menunggu</b> (2 percobaan)" in page
    assert "<br>KSP Sinar Bajo: Setoran Rp25.000" in page and "HTTP 503 gateway sibuk" in page
