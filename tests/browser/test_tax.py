"""The pengurus records a masa's PPh deposit on a phone, from the tax page."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from registry.models import Koperasi, Role
from savings import services
from savings.models import TaxDeposit
from tests.browser.conftest import BROWSER_DB, fits_the_screen
from tests.browser.test_pages import log_in
from tests.factories import UserFactory, grant, savings_products
from tests.savings.books import member_fields

pytestmark = [pytest.mark.browser, BROWSER_DB]
D = Decimal


def _at(koperasi: Koperasi, day: dt.date) -> None:
    koperasi.business_date = day
    koperasi.save(update_fields=["business_date"])


@pytest.fixture
def withheld(koperasi: Koperasi) -> Koperasi:
    """January 2025: Rp43.315,07 PPh withheld from Agustinus's interest, not yet deposited on
    18 February (due 17 February, 15 February being a Saturday)."""
    pengurus = UserFactory(username="pengurus.bajo")
    grant(pengurus, Role.PENGURUS, koperasi)
    savings_products(koperasi, pengurus)
    _at(koperasi, dt.date(2024, 12, 31))
    member = services.member_join(
        koperasi=koperasi,
        actor=pengurus,
        sukarela_paid=D("50000000"),
        **member_fields("Agustinus Ndaru", 7),
    ).member
    product = koperasi.savings_products.get(code="SB")
    services.berjangka_open(
        member=member, product=product, amount=D("60000000"), tenor_months=12, actor=pengurus
    )
    _at(koperasi, dt.date(2025, 1, 31))
    services.month_end(koperasi=koperasi, on=dt.date(2025, 1, 31), actor=pengurus)
    _at(koperasi, dt.date(2025, 2, 18))
    return koperasi


def test_a_pengurus_deposits_a_late_masa_on_a_phone(
    phone: Page, server: str, withheld: Koperasi
) -> None:
    log_in(phone, server, "pengurus.bajo")
    phone.goto(f"{server}/k/{withheld.code}/simpanan/pajak/")
    late = phone.locator('tr[data-masa="2025-01"]')
    expect(late).to_contain_text("Terlambat")
    expect(late).to_contain_text("17/02/2025")
    assert fits_the_screen(phone)
    shots = os.environ.get("KOPDIG_SHOTS")
    if shots:
        phone.screenshot(path=f"{shots}/tax-phone.png", full_page=True)
    phone.get_by_label("NTPN").fill("0a1b2c3d4e5f6g7h")
    phone.get_by_role("button", name="Catat setoran").click()
    expect(phone.get_by_text("Setoran PPh dicatat dan dijurnal.")).to_be_visible()
    expect(late).to_contain_text("Disetor terlambat")
    expect(late).to_contain_text("0A1B2C3D4E5F6G7H")
    assert fits_the_screen(phone)
    if shots:
        phone.screenshot(path=f"{shots}/tax-after-phone.png", full_page=True)
        phone.set_viewport_size({"width": 1280, "height": 800})
        phone.screenshot(path=f"{shots}/tax-desktop.png", full_page=True)
    deposit = TaxDeposit.objects.get(koperasi=withheld)
    assert (deposit.amount, deposit.paid_on) == (D("43315"), dt.date(2025, 2, 18))
