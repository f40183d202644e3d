"""The kasir's member lookup in a real browser at phone size (Chromium through Playwright).

PostgreSQL only: the live server needs committed data (transactional tests), see conftest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from registry.models import Role
from tests.factories import PASSWORD, KoperasiFactory, MemberFactory, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

RINA_NIK = "5315054506900001"


@pytest.fixture
def shop(transactional_db: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # Playwright's sync API runs an event loop; the ORM calls below happen outside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    koperasi = KoperasiFactory.create(name="KSP Sinar Bajo", code="sinar-bajo")
    kasir = UserFactory.create(username="kasir-browser")
    grant(kasir, Role.KASIR, koperasi)
    MemberFactory.create_batch(30, koperasi=koperasi)
    rina = MemberFactory.create(
        koperasi=koperasi,
        number="70777",  # beyond what the factory's sequence reaches in one run
        full_name="Rina Marlina",
        nik=RINA_NIK,
        birth_date=dt.date(1990, 6, 5),
        gender="P",
        phone="+6281234567890",
    )
    return {"koperasi": koperasi, "kasir": kasir, "rina": rina}


def test_kasir_finds_a_member_by_typing(live_server: Any, shop: dict[str, Any]) -> None:
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="id-ID")
        page.goto(f"{base}/masuk/")
        page.fill("input[name=username]", "kasir-browser")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.login button[type=submit], main form button[type=submit]")
        page.goto(f"{base}/k/sinar-bajo/anggota/")
        # Nothing scrolls sideways on a 360px phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.fill("#id_q", "ri")
        page.wait_for_selector("#quick >> text=Ketik paling sedikit 3 huruf")
        page.fill("#id_q", "rin")
        page.wait_for_selector("#quick >> text=Rina Marlina")
        assert "5315•••••••••001" in page.inner_text("#quick")
        page.fill("#id_q", "0812 3456")
        page.wait_for_selector("#quick >> text=0812-3456-7890")
        page.click("#quick >> text=Rina Marlina")
        page.wait_for_selector("h1 >> text=Rina Marlina")
        # The kasir works with the NIK: the detail page shows it whole.
        assert RINA_NIK in page.inner_text("dl.facts")
        assert "5 Juni 1990" in page.inner_text("dl.facts")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        browser.close()
