"""The kasir takes a loan repayment in Chromium at 360×740 and prints its receipt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from ledger.models import JournalEntry
from loans.models import Loan
from registry.models import Koperasi, Role
from savings.services import cashier_open
from tests.browser.conftest import BROWSER_DB, fits_the_screen
from tests.browser.test_pages import log_in
from tests.factories import MemberFactory, UserFactory, disbursed_loan, grant

pytestmark = [pytest.mark.browser, BROWSER_DB]


@pytest.fixture
def loan(koperasi: Koperasi) -> Loan:
    """Rina's Rp10.000.000 flat loan (1% a month, 12 months), instalment 1 due today."""
    koperasi.business_date = dt.date(2025, 1, 15)
    koperasi.save(update_fields=["business_date"])
    kasir = UserFactory(username="kasir.bajo")
    grant(kasir, Role.KASIR, koperasi)
    member = MemberFactory.create(koperasi=koperasi, full_name="Rina Jehamat")
    made = disbursed_loan(koperasi, member=member)
    koperasi.business_date = dt.date(2025, 2, 15)
    koperasi.save(update_fields=["business_date"])
    cashier_open(koperasi=koperasi, kasir=kasir, count=Decimal(0), actor=kasir)
    return made


def test_a_kasir_takes_a_loan_repayment_on_a_phone(phone: Page, server: str, loan: Loan) -> None:
    code = loan.koperasi.code
    log_in(phone, server, "kasir.bajo")
    phone.goto(f"{server}/k/{code}/pinjaman/kasir/")
    phone.get_by_label("Cari anggota (nomor, nama, NIK, telepon)").fill("Rina")
    phone.get_by_role("button", name="Cari").click()
    phone.get_by_role("link", name=f"Rina Jehamat · {loan.number}").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Terima angsuran")
    expect(phone.locator("main")).to_contain_text("Rp933.333")
    assert fits_the_screen(phone)

    phone.get_by_label("Jumlah dibayar (Rp)").fill("933.333")
    phone.get_by_role("button", name="Terima pembayaran").click()

    receipt = phone.locator(".receipt")
    expect(receipt).to_contain_text("BUKTI PEMBAYARAN PINJAMAN")
    expect(receipt).to_contain_text("Rp833.333")
    expect(receipt).to_contain_text("Rp100.000")
    expect(receipt).to_contain_text("Sembilan ratus tiga puluh tiga ribu tiga ratus tiga puluh")
    expect(receipt).to_contain_text("Rp9.166.667")
    entry = JournalEntry.objects.get(koperasi=loan.koperasi, kind="loans.repay")
    expect(receipt.locator("code.hash")).to_have_text(entry.short_hash)
    assert fits_the_screen(phone)

    # Printing shows the receipt alone: the page's buttons and navigation are hidden.
    phone.emulate_media(media="print")
    expect(phone.get_by_role("button", name="Cetak")).to_be_hidden()
    expect(receipt).to_be_visible()
    phone.emulate_media(media="screen")
    loan.refresh_from_db()
    assert loan.outstanding_principal == Decimal("9166667")
