"""The Dinas's and a consultant's pages in Chromium, on a phone and a laptop: the admin sees the
funnel and the target and opens a koperasi flagged for low adoption; a consultant logs a visit
with a follow-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from core.dates import local_today
from dashboard import services
from dashboard.models import FollowUp, Visit
from registry import services as registry_services
from registry.models import AnnualTarget, Koperasi, Role
from tests.browser.conftest import BROWSER_DB, fits_the_screen
from tests.browser.test_pages import log_in
from tests.factories import MemberFactory, UserFactory, grant, kecamatan

pytestmark = [pytest.mark.browser, BROWSER_DB]

LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}


@pytest.fixture
def district(db: Any) -> Koperasi:
    dinas = UserFactory(username="dinas")
    grant(dinas, Role.DINAS_ADMIN)
    AnnualTarget.objects.create(year=local_today().year, new_digital=30)
    today = local_today()
    lagging = registry_services.koperasi_create(
        actor=dinas,
        name="Kopdit Mawar Sharon Lembor",
        code="kopdit-mawar-lembor",
        kind=Koperasi.Kind.SIMPAN_PINJAM,
        kecamatan=kecamatan("53.15.03"),
        founded_on=dt.date(1998, 7, 14),
    )
    for stage, days in [("pendataan", 300), ("migrasi", 250), ("digital", 200)]:
        registry_services.digital_stage_set(
            actor=dinas, koperasi=lagging, stage=stage, on=today - dt.timedelta(days=days)
        )
    for _ in range(5):
        MemberFactory.create(koperasi=lagging, join_date=dt.date(2020, 1, 1))
    services.figures_refresh(koperasi=lagging)
    konsultan = UserFactory(username="konsultan1")
    grant(konsultan, Role.KONSULTAN, lagging)
    return lagging


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_dinas_sees_the_funnel_and_opens_a_lagging_koperasi(
    browser: Browser, server: str, district: Koperasi, viewport: ViewportSize
) -> None:
    context = browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Makassar")
    page = context.new_page()
    try:
        log_in(page, server, "dinas")
        page.goto(f"{server}/dinas/")
        expect(page.get_by_role("heading", name="Corong digitalisasi")).to_be_visible()
        expect(page.locator('[data-count="new-digital"]')).to_contain_text("/ 30")
        expect(page.locator("svg.chart").first).to_be_visible()
        assert fits_the_screen(page)
        page.screenshot(path=f"/tmp/dashboard-home-{viewport['width']}.png", full_page=True)
        page.locator("tr.flag").get_by_role("link", name="Kopdit Mawar Sharon Lembor").click()
        expect(page.locator('[data-flag="low-adoption"]')).to_contain_text("Adopsi rendah")
        assert fits_the_screen(page)
        page.screenshot(path=f"/tmp/dashboard-koperasi-{viewport['width']}.png", full_page=True)
    finally:
        context.close()


def test_a_consultant_logs_a_visit_with_a_follow_up(
    phone: Page, server: str, district: Koperasi
) -> None:
    log_in(phone, server, "konsultan1")
    phone.goto(f"{server}/konsultan/")
    phone.get_by_role("link", name="Catat kunjungan").click()
    phone.get_by_label("Jenis").select_option("kunjungan")
    phone.get_by_label("Topik").fill("Aktivasi aplikasi anggota")
    phone.get_by_label("Tindak lanjut", exact=True).fill("Daftar nomor HP anggota")
    due = (local_today() + dt.timedelta(days=7)).isoformat()
    phone.get_by_label("Batas waktu tindak lanjut").fill(due)
    assert fits_the_screen(phone)
    phone.screenshot(path="/tmp/dashboard-visit-360.png", full_page=True)
    phone.get_by_role("button", name="Simpan").click()
    expect(phone.get_by_text("Kunjungan dicatat.")).to_be_visible()
    expect(phone.get_by_text("Daftar nomor HP anggota")).to_be_visible()
    phone.screenshot(path="/tmp/dashboard-consultant-360.png", full_page=True)
    assert Visit.objects.filter(koperasi=district).count() == 1
    assert FollowUp.objects.get().due_on.isoformat() == due
