"""The members' app over HTTP: getting in, the screens, sessions apart from staff's."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from dashboard.models import MemberAppActivity
from loans.models import Loan, LoanStatus
from members.models import Member
from portal.auth import MEMBER_SESSION_AGE
from tests.factories import MemberFactory, disbursed_loan, loan_product
from tests.portal.conftest import PIN


def _signed_in(member: Member) -> Client:
    client = Client()
    response = client.post(
        reverse("portal:login"), {"phone": member.phone, "pin": PIN}, follow=False
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def test_kasir_issues_a_slip_and_the_member_gets_in(
    client: Any, member: Member, kasir: Any
) -> None:
    client.force_login(kasir)
    url = reverse(
        "portal:issue_code", kwargs={"kode": member.koperasi.code, "member_id": member.pk}
    )
    assert "Belum diaktifkan" in client.get(url).content.decode()
    slip = client.post(url, {"channel": "cetak"}).content.decode()
    code = re.search(r"data-code>(\d{8})<", slip).group(1)  # type: ignore[union-attr]
    assert "<svg" in slip  # the QR code
    phone = Client()
    response = phone.post(
        reverse("portal:activate"),
        {
            "phone": "0812 3456 7001",
            "member_number": member.number,
            "code": code,
            "pin": PIN,
            "pin_again": PIN,
        },
    )
    assert response["Location"] == reverse("portal:beranda")
    page = phone.get(reverse("portal:beranda")).content.decode()
    # Rp150.000 deposited, the loan paid out into sukarela less its fees (Rp85.000).
    assert "Rp6.065.000" in page and "Angsuran berikutnya" in page
    assert phone.session.get_expiry_age() == MEMBER_SESSION_AGE
    row = MemberAppActivity.objects.get(member=member)
    assert row.logins == 1 and "beranda" in row.screens


def test_the_kasir_sends_the_code_by_sms(client: Any, member: Member, kasir: Any) -> None:
    from core.models import OutboxMessage

    client.force_login(kasir)
    url = reverse(
        "portal:issue_code", kwargs={"kode": member.koperasi.code, "member_id": member.pk}
    )
    assert 'value="sms"' in client.get(url).content.decode()
    slip = client.post(url, {"channel": "sms"}, follow=True).content.decode()
    code = re.search(r"data-code>(\d{8})<", slip).group(1)  # type: ignore[union-attr]
    assert "Kode juga dikirim lewat SMS" in slip
    sent = OutboxMessage.objects.get(member=member, template="portal.activation")
    assert sent.channel == "sms" and sent.context["code"] == code


def test_wrong_details_say_so_in_indonesian_and_change_nothing(member: Member, kasir: Any) -> None:
    response = Client().post(
        reverse("portal:activate"),
        {"phone": "0812", "member_number": "x", "code": "1", "pin": PIN, "pin_again": PIN},
    )
    assert "bukan nomor HP Indonesia" in response.content.decode()
    response = Client().post(reverse("portal:login"), {"phone": member.phone, "pin": "111111"})
    assert "Nomor HP atau PIN salah." in response.content.decode()


def test_a_wrong_pin_shows_the_tries_left(activated: Member) -> None:
    response = Client().post(reverse("portal:login"), {"phone": activated.phone, "pin": "963852"})
    assert "Sisa percobaan: 4" in response.content.decode()


def test_member_pages_need_a_member_session(activated: Member) -> None:
    response = Client().get(reverse("portal:loans"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_staff_session_opens_no_member_page_and_member_session_no_staff_page(
    client: Any, activated: Member, pengurus: Any
) -> None:
    client.force_login(pengurus)
    assert client.get(reverse("portal:beranda")).status_code == 404
    phone = _signed_in(activated)
    staff_page = reverse("loans:approvals", kwargs={"kode": activated.koperasi.code})
    response = phone.get(staff_page)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    members = reverse(
        "members:detail", kwargs={"kode": activated.koperasi.code, "member_id": activated.pk}
    )
    assert phone.get(members).status_code == 302


def test_another_members_objects_are_not_found(activated: Member) -> None:
    koperasi = activated.koperasi
    other = MemberFactory.create(koperasi=koperasi)
    loan = disbursed_loan(koperasi, member=other, principal=1_000_000, tenor=3)
    phone = _signed_in(activated)
    account = other.savings_accounts.order_by("pk")[0]
    urls = [
        reverse("portal:loan", kwargs={"loan_id": loan.pk}),
        reverse("portal:mutations", kwargs={"savings_account_id": account.pk}),
        reverse("portal:statement_pdf", kwargs={"savings_account_id": account.pk}),
        reverse("portal:receipt_loan", kwargs={"loan_tx_id": loan.transactions.first().pk}),
    ]
    for url in urls:
        assert phone.get(url).status_code == 404, url
    own = activated.loans.order_by("pk")[0]
    assert phone.get(reverse("portal:loan", kwargs={"loan_id": own.pk})).status_code == 200


def test_screens_render(activated: Member) -> None:
    phone = _signed_in(activated)
    account = activated.savings_accounts.order_by("pk")[0]
    product = loan_product(activated.koperasi)
    for name, kwargs in [
        ("portal:loans", {}),
        ("portal:wajib", {}),
        ("portal:receipts", {}),
        ("portal:profile", {}),
        ("portal:simulate", {}),
        ("portal:apply", {}),
        ("portal:mutations", {"savings_account_id": account.pk}),
    ]:
        response = phone.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert "Data per" in body
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "inline script"
        assert response["Cache-Control"].startswith("max-age=0")
    pdf = phone.get(reverse("portal:statement_pdf", kwargs={"savings_account_id": account.pk}))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    sim = phone.get(
        reverse("portal:simulate"), {"product": product.pk, "amount": "6.000.000", "tenor": 12}
    ).content.decode()
    assert sim.count("Bunga efektif setahun") == 3


def test_application_from_the_app_reaches_the_approval_queue_once(
    client: Any, activated: Member, pengurus: Any
) -> None:
    product = loan_product(activated.koperasi)
    phone = _signed_in(activated)
    data = {"product": product.pk, "amount": "2.500.000", "tenor": 6, "idempotency_key": "k" * 32}
    first = phone.post(reverse("portal:apply"), data, HTTP_ACCEPT="application/json")
    again = phone.post(reverse("portal:apply"), data, HTTP_ACCEPT="application/json")
    assert first.json() == again.json()
    loan = Loan.objects.get(number=first.json()["loan"])
    assert loan.status == LoanStatus.DIAJUKAN and loan.member == activated
    client.force_login(pengurus)
    queue = client.get(reverse("loans:approvals", kwargs={"kode": activated.koperasi.code}))
    assert loan.number in queue.content.decode()
    bad = phone.post(
        reverse("portal:apply"),
        {**data, "idempotency_key": "x" * 32, "amount": "100"},
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code == 400 and "antara" in bad.json()["error"]


def test_logout_everywhere_ends_every_session(activated: Member) -> None:
    first, second = _signed_in(activated), _signed_in(activated)
    first.post(reverse("portal:logout_everywhere"))
    assert second.get(reverse("portal:beranda")).status_code == 302
    assert first.get(reverse("portal:beranda")).status_code == 302


def test_phone_change_confirmed_on_the_staff_page(
    client: Any, activated: Member, kasir: Any
) -> None:
    phone = _signed_in(activated)
    phone.post(reverse("portal:profile"), {"new_phone": "081300001111"})
    assert "Menunggu konfirmasi" in phone.get(reverse("portal:profile")).content.decode()
    client.force_login(kasir)
    kode = activated.koperasi.code
    page = client.get(reverse("portal:phone_changes", kwargs={"kode": kode})).content.decode()
    assert "+6281300001111" in page
    change_id = re.search(r"nomor-hp/(\d+)/", page).group(1)  # type: ignore[union-attr]
    client.post(
        reverse("portal:phone_change_decide", kwargs={"kode": kode, "phone_change_id": change_id}),
        {"approve": "1"},
    )
    activated.refresh_from_db()
    assert activated.phone == "+6281300001111"


def test_pwa_files(client: Any) -> None:
    sw = client.get(reverse("portal:service_worker"))
    assert sw["Content-Type"].startswith("text/javascript")
    assert sw["Service-Worker-Allowed"] == "/app/"
    manifest = client.get(reverse("portal:manifest"))
    assert manifest["Content-Type"] == "application/manifest+json"
    assert manifest.json()["start_url"] == "/app/"


def test_the_app_speaks_english_too(client: Any) -> None:
    page = client.get(reverse("portal:activate"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Activate the app" in page and "New PIN (6 digits)" in page
