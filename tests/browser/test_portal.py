"""A member on a 360×740 phone: activates the app from the slip, signs in, reads balances and
the schedule, simulates and applies for a loan, which reaches the staff approval queue; an
application made offline is sent once the phone is back online, exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from loans.models import Loan, LoanStatus
from members.models import Member
from portal import services
from registry.models import Koperasi, Role
from savings.services import deposit
from tests.browser.conftest import BROWSER_DB, PHONE, fits_the_screen
from tests.browser.test_pages import log_in
from tests.factories import MemberFactory, UserFactory, disbursed_loan, grant, savings_account

pytestmark = [pytest.mark.browser, BROWSER_DB]

PIN = "258147"


@pytest.fixture
def rina(koperasi: Koperasi) -> Member:
    """Rina: Rp150.000 saved, then a Rp6.000.000 loan paid out into her sukarela."""
    koperasi.business_date = dt.date(2025, 3, 3)
    koperasi.save(update_fields=["business_date"])
    for username, role in (("kasir.bajo", Role.KASIR), ("pengurus.bajo", Role.PENGURUS)):
        grant(UserFactory(username=username), role, koperasi)
    member = MemberFactory.create(
        koperasi=koperasi, full_name="Rina Jehamat", phone="+6281234567001"
    )
    deposit(account=savings_account(koperasi, member=member), amount=Decimal("150000"), actor=None)
    disbursed_loan(koperasi, member=member, principal=6_000_000, tenor=6)
    return member


def _slip_url(server: str, member: Member) -> str:
    """What the QR code on the slip opens (the code rides in the fragment)."""
    from django.contrib.auth import get_user_model

    kasir = get_user_model().objects.get(username="kasir.bajo")
    code = services.issue_activation_code(member=member, actor=kasir)
    return f"{server}/app/aktivasi/?no={member.number}#kode={code}"


def test_a_member_gets_in_reads_and_applies(
    phone: Page, browser: Browser, server: str, rina: Member
) -> None:
    steps: list[str] = []
    phone.on("framenavigated", lambda f: steps.append(f.url) if f == phone.main_frame else None)

    # 1: the QR code opens the activation page with the code already filled in.
    phone.goto(_slip_url(server, rina))
    expect(phone.get_by_role("heading", name="Aktifkan aplikasi")).to_be_visible()
    expect(phone.get_by_label("Kode aktivasi (dari slip)")).not_to_have_value("")
    assert fits_the_screen(phone)
    # 2: phone number and the PIN twice → beranda.
    phone.get_by_label("Nomor HP").fill("0812-3456-7001")
    phone.get_by_label("PIN baru (6 angka)").fill(PIN)
    phone.get_by_label("Ulangi PIN").fill(PIN)
    phone.get_by_role("button", name="Aktifkan dan masuk").click()
    expect(phone.get_by_role("heading", name="Halo, Rina Jehamat")).to_be_visible()
    assert len(steps) <= 3, steps
    main = phone.locator("main")
    expect(main).to_contain_text("Simpanan Sukarela")
    expect(main).to_contain_text("Rp6.065.000")
    expect(main).to_contain_text("Angsuran berikutnya")
    expect(main).to_contain_text("Rp1.060.000")
    expect(main).to_contain_text("Data per")
    assert fits_the_screen(phone)

    # Later: phone and PIN.
    phone.get_by_role("link", name="Profil").click()
    phone.get_by_role("button", name="Keluar dari HP ini").click()
    expect(phone.get_by_text("Anda sudah keluar.")).to_be_visible()
    phone.get_by_label("Nomor HP").fill("081234567001")
    phone.get_by_label("PIN").fill(PIN)
    phone.get_by_role("button", name="Masuk").click()
    expect(phone.get_by_role("heading", name="Halo, Rina Jehamat")).to_be_visible()

    # The schedule.
    phone.locator("nav.tabs").get_by_role("link", name="Pinjaman").click()
    phone.locator("ul.rows a").first.click()
    expect(phone.get_by_role("heading", name="Jadwal angsuran")).to_be_visible()
    expect(phone.locator("table.sched tbody tr")).to_have_count(6)
    assert fits_the_screen(phone)

    # Simulate, then apply for the same loan.
    phone.locator("nav.tabs").get_by_role("link", name="Simulasi").click()
    phone.get_by_label("Jumlah pinjaman (Rp)").fill("3.000.000")
    phone.get_by_label("Jangka waktu (angsuran)").fill("10")
    phone.get_by_role("button", name="Hitung").click()
    expect(phone.locator("[data-simulation] section")).to_have_count(3)
    expect(phone.locator("[data-simulation]")).to_contain_text("Bunga efektif setahun")
    assert fits_the_screen(phone)
    phone.get_by_role("link", name="Ajukan pinjaman ini").click()
    expect(phone.get_by_label("Jumlah pinjaman (Rp)")).to_have_value("3.000.000")
    phone.get_by_label("Untuk apa?").fill("Modal warung")
    phone.get_by_role("button", name="Kirim pengajuan").click()
    expect(phone.locator("main")).to_contain_text("Diajukan")
    loan = Loan.objects.get(member=rina, status=LoanStatus.DIAJUKAN)
    assert loan.principal == Decimal("3000000") and loan.tenor == 10

    # The koperasi sees it in its approval queue.
    staff = browser.new_context(viewport=PHONE, locale="id-ID").new_page()
    log_in(staff, server, "pengurus.bajo")
    staff.goto(f"{server}/k/{rina.koperasi.code}/pinjaman/persetujuan/")
    expect(staff.locator("main")).to_contain_text(loan.number)
    staff.context.close()


def test_an_application_made_offline_is_sent_once_when_online(
    phone: Page, server: str, rina: Member
) -> None:
    phone.goto(_slip_url(server, rina))
    phone.get_by_label("Nomor HP").fill("081234567001")
    phone.get_by_label("PIN baru (6 angka)").fill(PIN)
    phone.get_by_label("Ulangi PIN").fill(PIN)
    phone.get_by_role("button", name="Aktifkan dan masuk").click()
    expect(phone.get_by_role("heading", name="Halo, Rina Jehamat")).to_be_visible()
    phone.goto(f"{server}/app/ajukan/")
    before = Loan.objects.filter(member=rina).count()

    phone.context.set_offline(True)
    phone.get_by_label("Jumlah pinjaman (Rp)").fill("2.000.000")
    phone.get_by_label("Jangka waktu (angsuran)").fill("6")
    phone.get_by_role("button", name="Kirim pengajuan").click()
    expect(phone.locator("[data-queued]")).to_be_visible()
    expect(phone.locator("[data-offline]")).to_be_visible()
    assert Loan.objects.filter(member=rina).count() == before

    phone.context.set_offline(False)
    expect(phone.locator("[data-queued]")).to_be_hidden()
    made: Any = Loan.objects.filter(member=rina).exclude(status=LoanStatus.AKTIF)
    assert made.count() == 1 and made.get().principal == Decimal("2000000")
    # Online again, a reload sends nothing more.
    phone.reload()
    expect(phone.locator("[data-queued]")).to_be_hidden()
    assert Loan.objects.filter(member=rina).count() == before + 1
