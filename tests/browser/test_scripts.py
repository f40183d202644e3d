"""The page behaviours that were inline scripts, now in ``kopdig.js`` under a CSP that refuses
inline script: the journal form's running sum still adds up as the pengurus types."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ledger.services import chart_setup
from registry.models import Koperasi, Role
from tests.browser.conftest import BROWSER_DB
from tests.browser.test_pages import log_in
from tests.factories import UserFactory, grant

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_the_journal_forms_running_sum(phone: Page, server: str, koperasi: Koperasi) -> None:
    pengurus: Any = UserFactory(username="pengurus.bajo")
    grant(pengurus, Role.PENGURUS, koperasi)
    chart_setup(koperasi=koperasi, actor=None)
    refused: list[str] = []
    phone.on("console", lambda m: refused.append(m.text) if "Security" in m.text else None)
    log_in(phone, server, "pengurus.bajo")
    phone.goto(f"{server}/k/{koperasi.code}/buku/jurnal/baru/")
    phone.locator("input[name$='-0-debit']").fill("1.500.000")
    expect(phone.locator("[data-sum=selisih]")).to_have_text("Selisih Rp1.500.000,00")
    phone.locator("input[name$='-1-credit']").fill("1.500.000")
    expect(phone.locator("[data-sum=selisih]")).to_have_text("✓ Seimbang")
    assert refused == []
