"""Accounts in Chromium at 360×740: a pengurus makes a kasir's account and the kasir starts
work with it; a forgotten password is reset with a one-time code. Both under the site's
Content-Security-Policy, which the browser enforces (no script may be refused)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from registry.models import Koperasi, Role
from savings import services
from savings.models import Account, Kind
from tests.browser.conftest import BROWSER_DB, PHONE, fits_the_screen
from tests.browser.test_pages import log_in
from tests.factories import UserFactory, grant, savings_products
from tests.savings.books import member_fields

pytestmark = [pytest.mark.browser, BROWSER_DB]

TEMPORARY = "Sementara-Rina-2025"
OWN = "Kopi-Manggarai-Pagi"


@pytest.fixture
def rina(koperasi: Koperasi) -> Account:
    """KSP Sinar Bajo with its pengurus ``pengurus.bajo`` and a member, Rina (sukarela)."""
    pengurus = UserFactory(username="pengurus.bajo", first_name="Yosef")
    grant(pengurus, Role.PENGURUS, koperasi)
    savings_products(koperasi, pengurus)
    joined = services.member_join(
        koperasi=koperasi,
        actor=pengurus,
        sukarela_paid=Decimal("500000"),
        **member_fields("Rina Jehamat", 1),
    )
    return Account.objects.get(member=joined.member, kind=Kind.SUKARELA)


def csp_watch(page: Page) -> list[str]:
    refused: list[str] = []
    page.on(
        "console",
        lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return refused


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("heading", name="Masuk ke Kopdig")).to_be_visible()


def test_a_pengurus_creates_a_kasir_who_starts_work(
    phone: Page, server: str, rina: Account
) -> None:
    refused = csp_watch(phone)
    code = rina.koperasi.code
    log_in(phone, server, "pengurus.bajo")
    phone.get_by_role("link", name="Pengguna").click()
    expect(phone.get_by_role("heading", name="Pengguna koperasi")).to_be_visible()
    phone.get_by_text("Tambah pengguna").click()
    phone.get_by_label("Nama lengkap").fill("Maria Ndoa")
    phone.get_by_label("Nama pengguna").fill("kasir.maria")
    phone.get_by_label("Peran").select_option(label="Kasir")
    phone.get_by_label("Kata sandi sementara", exact=True).fill(TEMPORARY)
    phone.get_by_label("Ulangi kata sandi sementara").fill(TEMPORARY)
    assert fits_the_screen(phone)
    phone.get_by_role("button", name="Buat akun").click()
    expect(phone.get_by_text("Akun kasir.maria dibuat")).to_be_visible()
    expect(phone.get_by_role("link", name="Maria Ndoa")).to_be_visible()
    assert fits_the_screen(phone)
    sign_out(phone)

    # The kasir's first sign-in leads to choosing their own password.
    phone.get_by_label("Nama pengguna").fill("kasir.maria")
    phone.get_by_label("Kata sandi").fill(TEMPORARY)
    phone.get_by_role("button", name="Masuk").click()
    expect(phone.get_by_role("heading", name="Akun saya")).to_be_visible()
    phone.goto(f"{server}/k/{code}/kasir/")
    expect(phone.get_by_role("heading", name="Akun saya")).to_be_visible()
    phone.get_by_label("Kata sandi sekarang").fill(TEMPORARY)
    phone.get_by_label("Kata sandi baru", exact=True).fill("maria123")
    phone.get_by_label("Ulangi kata sandi baru").fill("maria123")
    phone.get_by_role("button", name="Simpan kata sandi baru").click()
    expect(phone.locator(".errorlist")).to_contain_text("terlalu pendek")
    phone.get_by_label("Kata sandi sekarang").fill(TEMPORARY)
    phone.get_by_label("Kata sandi baru", exact=True).fill(OWN)
    phone.get_by_label("Ulangi kata sandi baru").fill(OWN)
    phone.get_by_role("button", name="Simpan kata sandi baru").click()
    expect(phone.get_by_text("Kata sandi Anda sudah diganti.")).to_be_visible()

    # And takes a deposit at the counter (htmx search as she types).
    phone.goto(f"{server}/k/{code}/kasir/")
    phone.get_by_label("Buka sesi: uang tunai di laci").fill("1.000.000")
    phone.get_by_role("button", name="Buka sesi kasir").click()
    phone.get_by_label("Cari anggota: nomor, nama, NIK atau HP").press_sequentially("rina")
    phone.get_by_role("link", name="Rina Jehamat").click()
    deposit = phone.locator(f"#setor-{rina.pk}")
    deposit.fill("150.000")
    deposit.locator("xpath=ancestor::form").get_by_role("button", name="Setor").click()
    expect(phone.locator(".receipt")).to_contain_text("Rp150.000")
    assert fits_the_screen(phone)
    rina.refresh_from_db()
    assert rina.balance == Decimal("650000")
    assert refused == []


@pytest.fixture
def second_phone(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="id-ID", timezone_id="Asia/Makassar")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_an_admin_resets_a_forgotten_password(
    phone: Page, second_phone: Page, server: str, rina: Account
) -> None:
    kasir: Any = UserFactory(username="kasir.lupa", first_name="Agus")
    grant(kasir, Role.KASIR, rina.koperasi)
    refused = csp_watch(phone) + csp_watch(second_phone)

    log_in(phone, server, "pengurus.bajo")
    phone.get_by_role("link", name="Pengguna").click()
    phone.get_by_role("link", name="Agus").click()
    phone.get_by_role("button", name="Buat kode atur ulang kata sandi").click()
    reset_code = phone.locator("[data-reset-code]").inner_text()
    assert len(reset_code) == 9
    assert fits_the_screen(phone)

    # On the kasir's own phone.
    second_phone.goto(f"{server}/masuk/")
    second_phone.get_by_role("link", name="Lupa kata sandi?").click()
    second_phone.get_by_label("Nama pengguna").fill("kasir.lupa")
    second_phone.get_by_label("Kode dari admin").fill(reset_code.lower())
    second_phone.get_by_label("Kata sandi baru", exact=True).fill(OWN)
    second_phone.get_by_label("Ulangi kata sandi baru").fill(OWN)
    assert fits_the_screen(second_phone)
    second_phone.get_by_role("button", name="Simpan kata sandi baru").click()
    expect(second_phone.get_by_text("Kata sandi baru tersimpan")).to_be_visible()
    second_phone.get_by_label("Nama pengguna").fill("kasir.lupa")
    second_phone.get_by_label("Kata sandi").fill(OWN)
    second_phone.get_by_role("button", name="Masuk").click()
    # A kasir lands on the counter (the beranda sends kasir-only users there).
    expect(second_phone).to_have_url(re.compile(r"/k/[^/]+/kasir/"))
    assert refused == []
