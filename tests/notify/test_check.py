"""The koperasi's public receipt check: code → date, kind, amount, masked account; nothing
else; another koperasi's code is "tidak ditemukan"; rate-limited per address; the QR code on
the receipts opens it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import segno
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import AccessAttempt, AttemptKind
from registry.models import Koperasi
from savings.services import deposit, withdraw
from tests.factories import MemberFactory, disbursed_loan, loan_staff, savings_account


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def books(koperasi: Koperasi) -> Koperasi:
    koperasi.business_date = dt.date(2025, 3, 22)
    koperasi.save(update_fields=["business_date"])
    return koperasi


@pytest.fixture
def rina(books: Koperasi) -> Any:
    return MemberFactory.create(
        koperasi=books, full_name="Rina Rahasia", nik="5315015203850001", phone="+6281234567890"
    )


def _url(k: Koperasi, code: str) -> str:
    return reverse("notify:check_code", kwargs={"kode": k.code, "receipt_code": code})


def test_a_deposit_receipt_checks_out_with_nothing_about_the_member(
    client: Client, books: Koperasi, rina: Any
) -> None:
    account = savings_account(books, member=rina)
    tx = deposit(account=account, amount=Decimal("1500000"), actor=None)
    response = client.get(_url(books, tx.entry.short_hash))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Struk ini tercatat di buku koperasi." in body
    assert "22 Maret 2025" in body and "Setoran" in body and "Rp1.500.000" in body
    assert "•••" + account.number[-4:] in body
    for secret in ("Rina", "5315015203850001", account.number, "0812", rina.number):
        assert secret not in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_code_typed_with_capitals_and_spaces_via_the_form(
    client: Client, books: Koperasi, rina: Any
) -> None:
    tx = withdraw(
        account=_funded(books, rina), amount=Decimal("200000"), actor=None, idempotency_key="w"
    )
    code = tx.entry.short_hash
    typed = f" {code[:4].upper()} {code[4:8]}-{code[8:]} "
    response = client.get(reverse("notify:check", kwargs={"kode": books.code}), {"kode": typed})
    assert response.status_code == 302 and response["Location"] == _url(books, code)
    page = client.get(response["Location"]).content.decode()
    assert "Penarikan" in page and "Rp200.000" in page


def _funded(books: Koperasi, member: Any) -> Any:
    account = savings_account(books, member=member)
    deposit(account=account, amount=Decimal("500000"), actor=None)
    return account


def test_loan_repayment_receipt(client: Client, books: Koperasi, rina: Any) -> None:
    from loans import services as loans

    loan = disbursed_loan(books, member=rina, principal=5_000_000, tenor=10)
    maker, _checker = loan_staff(books)
    tx = loans.loan_repay(
        loan=loan, amount=Decimal("550000"), via="sukarela", actor=maker, idempotency_key="r1"
    )
    body = client.get(_url(books, tx.entry.short_hash)).content.decode()
    assert "Angsuran" in body and "Rp550.000" in body and "•••" + loan.number[-4:] in body


def test_unknown_and_foreign_codes_are_not_found(
    client: Client, books: Koperasi, other_koperasi: Koperasi
) -> None:
    other_member = MemberFactory.create(koperasi=other_koperasi, phone="+6281300000000")
    foreign = deposit(
        account=savings_account(other_koperasi, member=other_member),
        amount=Decimal("777000"),
        actor=None,
    )
    code = foreign.entry.short_hash
    # On its own koperasi's page it is found; on ours it is not, and says nothing of it.
    assert client.get(_url(other_koperasi, code)).status_code == 200
    response = client.get(_url(books, code))
    assert response.status_code == 404
    body = response.content.decode()
    assert "tidak ditemukan" in body
    assert "777.000" not in body and other_koperasi.name not in body
    assert client.get(_url(books, "000000000000")).status_code == 404
    assert client.get(_url(books, "bukan-kode")).status_code == 404
    assert client.get("/k/tidak-ada/cek/").status_code == 404


def test_rate_limited_per_address(
    client: Client, books: Koperasi, rina: Any, settings: Any
) -> None:
    settings.KOPDIG_RECEIPT_CHECK_LIMIT = 3
    code = deposit(
        account=savings_account(books, member=rina), amount=Decimal("10000"), actor=None
    ).entry.short_hash
    answers = [client.get(_url(books, code)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get(_url(books, code))
    assert "Terlalu banyak pengecekan" in limited.content.decode()
    assert "Rp10.000" not in limited.content.decode()
    # Another address is not held back.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get(_url(books, code)).status_code == 200


def test_the_limit_is_shared_by_every_server_process(
    client: Client, books: Koperasi, rina: Any, settings: Any
) -> None:
    """gunicorn runs several workers, each with its own local cache: the count is kept in the
    database, so a worker whose cache never saw this address still refuses it."""
    settings.KOPDIG_RECEIPT_CHECK_LIMIT = 2
    code = deposit(
        account=savings_account(books, member=rina), amount=Decimal("10000"), actor=None
    ).entry.short_hash
    assert client.get(_url(books, code)).status_code == 200  # worker 1
    cache.clear()  # worker 2: an empty cache of its own
    assert client.get(_url(books, code)).status_code == 200
    cache.clear()  # worker 3
    assert client.get(_url(books, code)).status_code == 429
    assert AccessAttempt.objects.filter(kind=AttemptKind.CEK_STRUK, ip="127.0.0.1").count() == 3


def test_looks_ups_older_than_the_window_no_longer_count(
    client: Client, books: Koperasi, rina: Any, settings: Any
) -> None:
    settings.KOPDIG_RECEIPT_CHECK_LIMIT = 1
    code = deposit(
        account=savings_account(books, member=rina), amount=Decimal("10000"), actor=None
    ).entry.short_hash
    assert client.get(_url(books, code)).status_code == 200
    assert client.get(_url(books, code)).status_code == 429
    eleven_minutes_ago = timezone.now() - dt.timedelta(minutes=11)
    AccessAttempt.objects.filter(kind=AttemptKind.CEK_STRUK).update(at=eleven_minutes_ago)
    assert client.get(_url(books, code)).status_code == 200
    # The old look-ups are gone: only this one is kept.
    assert AccessAttempt.objects.filter(kind=AttemptKind.CEK_STRUK).count() == 1


def test_only_get(client: Client, books: Koperasi) -> None:
    assert client.post(_url(books, "000000000000")).status_code == 405


def test_the_savings_receipt_prints_a_qr_code_to_the_check(
    client: Client, books: Koperasi, rina: Any, kasir: Any
) -> None:
    tx = deposit(account=savings_account(books, member=rina), amount=Decimal("10000"), actor=None)
    client.force_login(kasir)
    page = client.get(
        reverse("savings:receipt", kwargs={"kode": books.code, "transaction_id": tx.pk})
    ).content.decode()
    assert "Pindai untuk cek struk ini" in page
    url = f"http://testserver/k/{books.code}/cek/{tx.entry.short_hash}/"
    assert segno.make(url, error="m").svg_inline(scale=2, title="Cek struk ini") in page
