"""The counter and savings pages as a kasir and a pengurus use them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import JournalEntry
from members.models import Member
from savings import services
from savings.models import CashierSession, Kind, MonthEndRun, PayrollBatch, Product
from tests.savings.books import assert_books_agree
from tests.savings.conftest import account

D = Decimal


def url(name: str, koperasi: Any, **kwargs: Any) -> str:
    return reverse(f"savings:{name}", kwargs={"kode": koperasi.code, **kwargs})


@pytest.fixture
def counter(client: Any, member: Member, kasir: Any) -> Any:
    """The kasir logged in with an open session (Rp1.000.000 in the drawer)."""
    client.force_login(kasir)
    response = client.post(url("session_open", member.koperasi), {"count": "1.000.000"})
    assert response.status_code == 302
    return client


def test_a_deposit_through_the_page_runs_21_statements(counter: Any, member: Member) -> None:
    """Session, login, the kasir's roles, the account, the open session, the koperasi's counter
    limits, the cash account's role and the product's terms; then BEGIN, the locked account
    (and the session still open), the chain head (and the key unused), the entry, its postings,
    posted, the chain head, the year's number, the movement, the balance, one audit record,
    the receipt for the member's phone in the outbox, COMMIT. The bench
    (``python -m bench savings.deposit``) shows what each costs; this keeps the count."""
    sukarela = account(member, Kind.SUKARELA)
    target = url("deposit", member.koperasi, savings_account_id=sukarela.pk)
    counter.post(target, {"amount": "1.000", "memo": "", "idempotency_key": "warm"})
    with CaptureQueriesContext(connection) as statements:
        response = counter.post(target, {"amount": "1.000", "memo": "", "idempotency_key": "k2"})
    assert response.status_code == 302
    # PostgreSQL locks the chain head and reads its facts in one call, then writes the entry,
    # its postings, the posting, the chain head and the year's number in another (ledger
    # migration 0013: five fewer). The counter limits are read in one more statement on both
    # engines.
    expected = 17 if connection.vendor == "postgresql" else 21
    assert len(statements) == expected, "\n".join(
        q["sql"][:120] for q in statements.captured_queries
    )


def test_find_a_member_by_name_nik_or_phone(counter: Any, member: Member) -> None:
    for q in ("rina", member.number, member.nik[-6:], "0812345600"):
        response = counter.get(url("search", member.koperasi), {"q": q})
        assert member.full_name in response.content.decode(), q


def test_deposit_through_the_page_prints_a_receipt(counter: Any, member: Member) -> None:
    sukarela = account(member, Kind.SUKARELA)
    page = counter.get(url("counter_member", member.koperasi, member_id=member.pk))
    assert page.status_code == 200 and "Rp500.000" in page.content.decode()
    data = {"amount": "1.250.000", "memo": "", "idempotency_key": "f1e2d3"}
    response = counter.post(url("deposit", member.koperasi, savings_account_id=sukarela.pk), data)
    assert response.status_code == 302
    receipt = counter.get(response["Location"]).content.decode()
    entry = JournalEntry.objects.get(kind="savings.deposit")
    assert "satu juta dua ratus lima puluh ribu rupiah" in receipt.lower()
    assert f">{entry.short_hash}<" in receipt  # the code the journal page shows
    assert "Rp1.750.000" in receipt  # the balance after
    # The same form sent again (double tap): same receipt, nothing posted.
    again = counter.post(url("deposit", member.koperasi, savings_account_id=sukarela.pk), data)
    assert again["Location"] == response["Location"]
    assert JournalEntry.objects.filter(kind="savings.deposit").count() == 1
    pdf = counter.get(response["Location"].rstrip("/") + ".pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    session = CashierSession.objects.get()
    assert services.session_expected(session) == D("2250000")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.500.000,5x", "bukan jumlah rupiah yang sah"),
        ("-50000", "Jumlah tidak boleh negatif"),
        ("0", "Jumlah harus lebih dari nol"),
    ],
)
def test_bad_amounts_on_the_page(counter: Any, member: Member, amount: str, message: str) -> None:
    sukarela = account(member, Kind.SUKARELA)
    response = counter.post(
        url("deposit", member.koperasi, savings_account_id=sukarela.pk),
        {"amount": amount, "idempotency_key": "x"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not JournalEntry.objects.filter(kind="savings.deposit").exists()


def test_withdrawing_pokok_is_refused_with_a_message(counter: Any, member: Member) -> None:
    pokok = account(member, Kind.POKOK)
    response = counter.post(
        url("withdraw", member.koperasi, savings_account_id=pokok.pk),
        {"amount": "10000", "idempotency_key": "y"},
    )
    assert response.status_code == 400
    assert "Simpanan pokok tidak dapat ditarik selama masih menjadi anggota" in (
        response.content.decode()
    )
    assert account(member, Kind.POKOK).balance == D("100000")


def test_no_money_moves_without_an_open_session(client: Any, member: Member, kasir: Any) -> None:
    client.force_login(kasir)
    sukarela = account(member, Kind.SUKARELA)
    response = client.post(
        url("deposit", member.koperasi, savings_account_id=sukarela.pk),
        {"amount": "1000", "idempotency_key": "z"},
        follow=True,
    )
    assert "Buka sesi kasir dulu" in response.content.decode()
    assert account(member, Kind.SUKARELA).balance == D("500000")


def test_join_at_the_counter(counter: Any, products: Any) -> None:
    koperasi = products.koperasi
    data = {
        "full_name": "Kornelis Jemadu",
        "nik": "5315051203880004",
        "birth_date": "1988-03-12",
        "gender": "L",
        "phone": "081399887766",
        "sukarela_paid": "50.000",
        "idempotency_key": "join-page",
    }
    response = counter.post(url("join", koperasi), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    member = Member.objects.get(full_name="Kornelis Jemadu")
    assert account(member, Kind.POKOK).balance == D("100000")
    duplicate = counter.post(url("join", koperasi), {**data, "idempotency_key": "other"})
    assert duplicate.status_code == 400
    assert "NIK ini sudah terdaftar" in duplicate.content.decode()


def test_leaving_through_the_page(counter: Any, member: Member) -> None:
    page = counter.get(url("member_exit", member.koperasi, member_id=member.pk))
    assert "Rp600.000" in page.content.decode()
    response = counter.post(
        url("member_exit", member.koperasi, member_id=member.pk),
        {"kind": "keluar", "on": "2025-01-15", "reason": "Pindah", "idempotency_key": "e"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == "keluar"
    assert_books_agree(member.koperasi)


def test_statement_on_screen_and_as_pdf(client: Any, member: Member, pengurus: Any) -> None:
    client.force_login(pengurus)
    sukarela = account(member, Kind.SUKARELA)
    page = client.get(
        url("account", member.koperasi, savings_account_id=sukarela.pk),
        {"start": "2025-01-01", "end": "2025-01-31"},
    )
    body = page.content.decode()
    assert "Saldo awal" in body and "Rp500.000,00" in body
    pdf = client.get(
        url("statement_pdf", member.koperasi, savings_account_id=sukarela.pk),
        {"start": "2025-01-01", "end": "2025-01-31"},
    )
    assert pdf.content.startswith(b"%PDF")


def test_month_end_page_is_for_the_pengurus(
    client: Any, member: Member, kasir: Any, pengurus: Any
) -> None:
    koperasi = member.koperasi
    koperasi.business_date = dt.date(2025, 1, 31)
    koperasi.save(update_fields=["business_date"])
    client.force_login(kasir)
    assert client.post(url("month_end", koperasi), {"on": "2025-01-31"}).status_code == 403
    client.force_login(pengurus)
    response = client.post(url("month_end", koperasi), {"on": "2025-01-31"})
    assert response.status_code == 200
    assert MonthEndRun.objects.count() == 4
    again = client.post(url("month_end", koperasi), {"on": "2025-01-31"})
    assert "sudah diproses" in again.content.decode()
    bad = client.post(url("month_end", koperasi), {"on": "2025-01-30"})
    assert bad.status_code == 400 and "tanggal terakhir suatu bulan" in bad.content.decode()


def test_product_above_the_cap_is_refused_on_the_page(client: Any, products: Any, pengurus: Any):
    client.force_login(pengurus)
    response = client.post(
        url("product_create", products.koperasi),
        {
            "code": "SIBUHAR",
            "name": "Simpanan Hari Raya",
            "kind": "sukarela",
            "withdrawable": "kapan_saja",
            "effective_from": "2025-01-15",
            "rate_percent": "10",
            "interest_method": "rata_rata",
        },
    )
    assert response.status_code == 400
    assert "paling tinggi 9% setahun" in response.content.decode()
    assert not Product.objects.filter(code="SIBUHAR").exists()


def test_payroll_upload_preview_and_post(client: Any, member: Member, kasir: Any) -> None:
    client.force_login(kasir)
    content = f"nomor_anggota,SW,SS\n{member.number},50000,25000\n".encode()
    response = client.post(
        url("payroll", member.koperasi),
        {
            "file": SimpleUploadedFile("gaji.csv", content, content_type="text/csv"),
            "via": "bank",
            "value_date": "2025-01-15",
        },
    )
    assert response.status_code == 302
    batch = PayrollBatch.objects.get()
    posted = client.post(response["Location"], {})
    assert posted.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "diposting"
    assert account(member, Kind.SUKARELA).balance == D("525000")


def test_closing_the_day_with_a_difference_shows_on_the_managers_list(
    counter: Any, member: Member, client: Any, pengurus: Any
) -> None:
    response = counter.post(url("session_close", member.koperasi), {"count": "990.000"})
    assert response.status_code == 400 and "Tulis keterangan selisih" in response.content.decode()
    response = counter.post(
        url("session_close", member.koperasi), {"count": "990.000", "note": "Uang sobek"}
    )
    assert response.status_code == 302
    counter.force_login(pengurus)
    page = counter.get(url("sessions", member.koperasi)).content.decode()
    assert "Uang sobek" in page and "1 sesi dengan selisih kas" in page


def test_arrears_and_bukti_potong_lists(client: Any, member: Member, pengurus: Any) -> None:
    koperasi = member.koperasi
    koperasi.business_date = dt.date(2025, 1, 31)
    koperasi.save(update_fields=["business_date"])
    services.month_end(koperasi=koperasi, on=dt.date(2025, 1, 31), actor=pengurus)
    client.force_login(pengurus)
    arrears = client.get(url("arrears", koperasi)).content.decode()
    assert member.full_name in arrears and "Rp50.000" in arrears
    csv_text = client.get(url("arrears", koperasi), {"format": "csv"}).content.decode()
    assert f"{member.number},{member.full_name}" in csv_text
    tax = client.get(url("tax", koperasi)).content.decode()
    assert member.full_name in tax and "Rp698,63" in tax


def test_transfer_and_berjangka_at_the_counter(counter: Any, member: Member) -> None:
    koperasi = member.koperasi
    sukarela, wajib = account(member, Kind.SUKARELA), account(member, Kind.WAJIB)
    response = counter.post(
        url("transfer", koperasi, member_id=member.pk),
        {"source": sukarela.pk, "target": wajib.pk, "amount": "50.000", "idempotency_key": "t"},
    )
    assert response.status_code == 302
    assert account(member, Kind.WAJIB).balance == D("50000")
    services.deposit(account=sukarela, amount=D("2000000"), actor=None)
    product = Product.objects.get(koperasi=koperasi, kind="berjangka")
    response = counter.post(
        url("berjangka_open", koperasi, member_id=member.pk),
        {
            "product": product.pk,
            "amount": "1.500.000",
            "tenor_months": "3",
            "via": "sukarela",
            "at_maturity": "ke_sukarela",
            "idempotency_key": "b",
        },
    )
    assert response.status_code == 302
    placement = account(member, Kind.BERJANGKA)
    assert placement.balance == D("1500000")
    response = counter.post(
        url("berjangka_close", koperasi, savings_account_id=placement.pk),
        {"to": "sukarela", "idempotency_key": "c"},
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.status == "ditutup"
    assert_books_agree(koperasi)


def test_savings_home_shows_totals_by_kind_and_the_products(
    client: Any, member: Member, pengurus: Any
) -> None:
    """Rina joined with pokok Rp100.000 and Rp500.000 in sukarela."""
    client.force_login(pengurus)
    page = client.get(url("home", member.koperasi)).content.decode()
    assert "Simpanan pokok</span><b>Rp100.000</b>" in page
    assert "Simpanan sukarela</span><b>Rp500.000</b>" in page
    assert "Simpanan Sukarela" in page and "3%" in page  # the product and its rate
