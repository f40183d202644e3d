"""On a phone: a member registered from the Anggota page pays pokok at the counter; the
beranda, the counter and a 58 mm receipt are photographed at 360×740 and 1280×800."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ledger import services as ledger
from members.models import Member
from registry.models import Koperasi, Role
from savings.models import Kind
from tests.browser.conftest import BROWSER_DB, fits_the_screen
from tests.browser.test_pages import log_in
from tests.factories import UserFactory, grant, savings_products

pytestmark = [pytest.mark.browser, BROWSER_DB]
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
def ready(koperasi: Koperasi) -> Koperasi:
    pengurus = UserFactory(username="pengurus.bajo")
    grant(pengurus, Role.PENGURUS, koperasi)
    ledger.chart_setup(koperasi=koperasi, actor=pengurus)
    savings_products(koperasi, pengurus)
    return koperasi


def test_registered_on_the_anggota_page_then_pays_pokok_at_the_counter(
    phone: Page, server: str, ready: Koperasi, browser: Browser
) -> None:
    code = ready.code
    log_in(phone, server, "pengurus.bajo")
    phone.goto(f"{server}/k/{code}/anggota/")
    phone.get_by_role("link", name="Daftarkan anggota").click()
    phone.get_by_label("Nama lengkap").fill("Maria Goreti Nanur")
    phone.get_by_label("NIK").fill("5315055708920003")
    phone.get_by_label("Tanggal lahir").fill("1992-08-17")
    phone.locator("input[name=gender][value=P]").check()
    phone.get_by_role("button", name="Simpan").click()
    expect(phone.get_by_text("terdaftar sebagai anggota nomor")).to_be_visible()
    member = Member.objects.get(full_name="Maria Goreti Nanur")
    pokok = member.savings_accounts.get(kind=Kind.POKOK)

    phone.goto(f"{server}/k/{code}/kasir/")
    phone.get_by_label("Buka sesi: uang tunai di laci").fill("500.000")
    phone.get_by_role("button", name="Buka sesi kasir").click()
    phone.get_by_label("Cari anggota: nomor, nama, NIK atau HP").press_sequentially(
        member.number.lstrip("0")
    )
    phone.get_by_role("link", name="Maria Goreti Nanur").click()
    expect(phone.locator(f"#rek-{pokok.pk}")).to_contain_text("Belum dibayar Rp100.000")
    assert fits_the_screen(phone)
    field = phone.locator(f"#setor-{pokok.pk}")
    field.fill("100.000")
    field.locator("xpath=ancestor::form").get_by_role("button", name="Setor").click()
    expect(phone.locator(".receipt")).to_contain_text("Rp100.000")
    pokok.refresh_from_db()
    assert pokok.balance == 100000

    SHOTS.mkdir(exist_ok=True)
    receipt = phone.url
    pages = {
        "beranda": f"{server}/k/{code}/",
        "counter-member-paid": f"{server}/k/{code}/kasir/anggota/{member.pk}/",
        "receipt-58": f"{receipt}?kertas=58",
        "member-register": f"{server}/k/{code}/anggota/baru/",
        "error-404": f"{server}/k/{code}/tidak-ada/",
    }
    for name, url in pages.items():
        phone.goto(url)
        assert fits_the_screen(phone), name
        phone.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    storage = phone.context.storage_state()
    desktop = browser.new_context(viewport={"width": 1280, "height": 800}, storage_state=storage)
    page = desktop.new_page()
    for name, url in pages.items():
        page.goto(url)
        page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    desktop.close()
