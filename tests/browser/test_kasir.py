"""The kasir's counter in Chromium at 360×740: open the day, find a member as you type, take a
deposit, hand over the receipt; a retried tap posts once and a mistyped amount posts nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from ledger.models import JournalEntry
from registry.models import Koperasi, Role
from savings import services
from savings.models import Account, Kind
from tests.browser.conftest import BROWSER_DB, fits_the_screen
from tests.browser.test_pages import log_in
from tests.factories import UserFactory, grant, savings_products
from tests.savings.books import member_fields

pytestmark = [pytest.mark.browser, BROWSER_DB]

RETRY = """async (form) => {
    // The same form sent twice (the phone lost the first answer and sent it again).
    const body = new URLSearchParams(new FormData(form));
    const statuses = [];
    for (const _ of [1, 2]) {
        const r = await fetch(form.action, {method: "POST", body, redirect: "manual"});
        statuses.push(r.type === "opaqueredirect" ? 302 : r.status);
    }
    return statuses;
}"""


@pytest.fixture
def rina(koperasi: Koperasi) -> Account:
    """Rina, a member of KSP Sinar Bajo with Rp500.000 in sukarela; kasir ``kasir.bajo``."""
    kasir = UserFactory(username="kasir.bajo")
    grant(kasir, Role.KASIR, koperasi)
    savings_products(koperasi, kasir)
    joined = services.member_join(
        koperasi=koperasi,
        actor=kasir,
        sukarela_paid=Decimal("500000"),
        **member_fields("Rina Jehamat", 1),
    )
    return Account.objects.get(member=joined.member, kind=Kind.SUKARELA)


def test_a_kasir_takes_a_deposit_on_a_phone(phone: Page, server: str, rina: Account) -> None:
    code = rina.koperasi.code
    log_in(phone, server, "kasir.bajo")
    phone.goto(f"{server}/k/{code}/kasir/")

    # The day opens with a cash count.
    phone.get_by_label("Buka sesi: uang tunai di laci").fill("1.000.000")
    phone.get_by_role("button", name="Buka sesi kasir").click()
    expect(phone.get_by_text("Sesi kasir terbuka · kas awal Rp1.000.000")).to_be_visible()

    # The member shows up while the kasir types, without pressing "Cari".
    phone.get_by_label("Cari anggota: nomor, nama, NIK atau HP").press_sequentially("rina")
    phone.get_by_role("link", name="Rina Jehamat").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Rina Jehamat")
    assert fits_the_screen(phone)

    deposit = phone.locator(f"#setor-{rina.pk}")
    deposit.fill("150.000")
    deposit.locator("xpath=ancestor::form").get_by_role("button", name="Setor").click()

    # The receipt: amount, in words, the balance after and the entry's short hash.
    receipt = phone.locator(".receipt")
    expect(receipt).to_contain_text("Rp150.000")
    expect(receipt).to_contain_text("Seratus lima puluh ribu rupiah")
    expect(receipt).to_contain_text("Rp650.000")
    entry = JournalEntry.objects.filter(koperasi=rina.koperasi, kind="savings.deposit").get()
    expect(receipt.locator("code.hash")).to_have_text(entry.short_hash)
    assert fits_the_screen(phone)

    # A retried tap: the same form (same key) twice, one deposit.
    phone.goto(f"{server}/k/{code}/kasir/anggota/{rina.member_id}/")
    form = phone.locator(f"#setor-{rina.pk}").locator("xpath=ancestor::form")
    form.locator("input[name=amount]").fill("20.000")
    assert form.evaluate(RETRY) == [302, 302]
    rina.refresh_from_db()
    assert rina.balance == Decimal("670000")
    assert JournalEntry.objects.filter(kind="savings.deposit").count() == 2

    # A mistyped amount: a clear message, nothing posted.
    phone.reload()
    deposit = phone.locator(f"#setor-{rina.pk}")
    deposit.fill("1.500.000,5x")
    deposit.locator("xpath=ancestor::form").get_by_role("button", name="Setor").click()
    expect(phone.locator(".errorlist")).to_contain_text("1.500.000,5x")
    assert fits_the_screen(phone)
    rina.refresh_from_db()
    assert rina.balance == Decimal("670000")
    assert JournalEntry.objects.filter(kind="savings.deposit").count() == 2
