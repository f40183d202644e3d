"""The payroll upload in Chromium at 360×740: a file wrong in every row shows the first errors,
the count of all of them, and a link to download them all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from registry.models import Koperasi, Role
from tests.browser.conftest import BROWSER_DB, fits_the_screen
from tests.browser.test_pages import log_in
from tests.factories import UserFactory, grant, savings_products

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_a_pengurus_uploads_a_bad_payroll_file_on_a_phone(
    phone: Page, server: str, koperasi: Koperasi, tmp_path: Path
) -> None:
    pengurus = UserFactory(username="pengurus.bajo")
    grant(pengurus, Role.PENGURUS, koperasi)
    savings_products(koperasi, pengurus)
    bad = tmp_path / "gaji-maret.csv"
    bad.write_text(
        "nomor_anggota;SW;SS\n" + "".join(f"X{i};x;50.000\n" for i in range(300)),
        encoding="utf-8",
    )
    log_in(phone, server, "pengurus.bajo")
    phone.goto(f"{server}/k/{koperasi.code}/simpanan/potong-gaji/")
    expect(phone.get_by_text("Berkas paling besar 10 MB dan 20.000 baris anggota.")).to_be_visible()
    phone.get_by_label("Berkas potong gaji (CSV atau XLSX)").set_input_files(bad)
    phone.get_by_role("button", name="Periksa berkas").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("gaji-maret.csv")
    expect(phone.get_by_text("Ditampilkan 200 kesalahan pertama dari 600.")).to_be_visible()
    expect(phone.locator("table.stack tbody tr")).to_have_count(200)
    assert fits_the_screen(phone)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Unduh semua kesalahan (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 601
    assert download.value.suggested_filename == "kesalahan-gaji-maret.csv"
    if folder := os.environ.get("KOPDIG_SCREENSHOTS"):
        phone.screenshot(path=f"{folder}/payroll-errors-phone.png")
        phone.set_viewport_size({"width": 1280, "height": 800})
        phone.screenshot(path=f"{folder}/payroll-errors-desktop.png")
