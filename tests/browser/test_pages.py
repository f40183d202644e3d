"""The pages people use most, in Chromium at 360×740: the Dinas registry and choosing a koperasi."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from registry import services
from registry.models import Koperasi, Role
from tests.browser.conftest import BROWSER_DB, fits_the_screen
from tests.factories import PASSWORD, UserFactory, grant, kecamatan

pytestmark = [pytest.mark.browser, BROWSER_DB]


def log_in(page: Page, server: str, username: str) -> None:
    page.goto(f"{server}/")
    expect(page.get_by_role("heading", name="Masuk ke Kopdig")).to_be_visible()
    assert fits_the_screen(page)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


@pytest.fixture
def district(db: Any) -> None:
    """Five koperasi registered through the services (so with audit rows): 3 active, 2 digital."""
    dinas = UserFactory(username="dinas")
    grant(dinas, Role.DINAS_ADMIN)
    plan = [
        ("KSP Sinar Harapan Bajo", "53.15.05", "aktif", "digital"),
        ("Kopdit Mawar Sharon Lembor", "53.15.03", "aktif", "aktif_digunakan"),
        ("Koperasi Nelayan Papagarang", "53.15.05", "aktif_belum_rat", "belum_digital"),
        ("KSU Bina Usaha Kuwus", "53.15.02", "tidak_aktif", "belum_digital"),
        ("Koperasi Tani Sehati Welak", "53.15.07", "bubar", "belum_digital"),
    ]
    for n, (name, kec, status, stage) in enumerate(plan):
        koperasi = services.koperasi_create(
            actor=dinas,
            name=name,
            code=f"kop-{n}",
            kind=Koperasi.Kind.SIMPAN_PINJAM,
            kecamatan=kecamatan(kec),
            founded_on=dt.date(2010, 1, 1),
            status=status,
        )
        if stage != "belum_digital":
            services.digital_stage_set(
                actor=dinas, koperasi=koperasi, stage=stage, on=dt.date(2025, 6, 1)
            )


def test_dinas_logs_in_on_a_phone_and_sees_the_registry_counts(
    phone: Page, server: str, district: None
) -> None:
    log_in(phone, server, "dinas")
    expect(phone).to_have_url(f"{server}/dinas/")  # the district home first
    phone.goto(f"{server}/dinas/koperasi/")
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Registri koperasi Kabupaten Manggarai Barat"
    )
    expect(phone.locator('[data-count="total"]')).to_have_text("5")
    expect(phone.locator('[data-count="active"]')).to_have_text("3 (60%)")
    expect(phone.locator('[data-count="digital"]')).to_have_text("2 (40%)")
    # on a phone the table becomes cards, each cell labelled
    first = phone.locator("table.stack tbody tr").first
    expect(first.locator('td[data-label="Nama"]')).to_be_visible()
    expect(phone.locator("table.stack thead")).to_be_hidden()
    assert fits_the_screen(phone)

    phone.get_by_label("Kecamatan").select_option(label="Komodo")
    phone.get_by_role("button", name="Saring").click()
    expect(phone.locator('[data-count="filtered"]')).to_contain_text("2 koperasi cocok")
    expect(phone.get_by_role("link", name="Kopdit Mawar Sharon Lembor")).to_have_count(0)
    phone.get_by_role("link", name="KSP Sinar Harapan Bajo").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("KSP Sinar Harapan Bajo")
    expect(phone.get_by_text("1 Juni 2025")).to_be_visible()
    assert fits_the_screen(phone)


def test_staff_with_two_koperasi_choose_one_and_land_on_its_home(
    phone: Page, server: str, db: Any
) -> None:
    bajo = Koperasi.objects.create(
        name="KSP Sinar Harapan Bajo", code="ksp-bajo", kind="simpan_pinjam", kecamatan=kecamatan()
    )
    papagarang = Koperasi.objects.create(
        name="Koperasi Nelayan Papagarang",
        code="nelayan-papagarang",
        kind="produsen",
        kecamatan=kecamatan(),
    )
    Koperasi.objects.create(
        name="KSP Tetangga", code="tetangga", kind="simpan_pinjam", kecamatan=kecamatan()
    )
    person = UserFactory(username="dua.koperasi")
    grant(person, Role.PENGAWAS, bajo)
    grant(person, Role.PENGURUS, papagarang)

    log_in(phone, server, "dua.koperasi")
    expect(phone).to_have_url(f"{server}/pilih-koperasi/")
    expect(phone.get_by_role("heading", name="Pilih koperasi")).to_be_visible()
    expect(phone.get_by_role("link", name="KSP Tetangga")).to_have_count(0)
    assert fits_the_screen(phone)
    phone.get_by_role("link", name="Koperasi Nelayan Papagarang").click()

    expect(phone).to_have_url(f"{server}/k/nelayan-papagarang/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Koperasi Nelayan Papagarang")
    expect(phone.get_by_text("Pengurus/manajer")).to_be_visible()
    expect(phone.get_by_role("link", name="Ganti koperasi")).to_be_visible()
    assert fits_the_screen(phone)
