"""The members' app over the API: phone + PIN → a token; the member's own data only."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from api.models import ApiToken
from loans.models import Loan, LoanStatus
from members.models import Member
from portal import services as portal
from registry.models import Koperasi
from savings.models import Account
from savings.services import deposit
from tests.api.conftest import bearer
from tests.factories import MemberFactory, disbursed_loan, loan_product, savings_account

D = Decimal
PIN = "258147"
API = "/api/v1/anggota"


@pytest.fixture
def rina(koperasi: Koperasi, kasir: Any) -> Member:
    """Rina, activated in the app: Rp150.000 in sukarela and a loan of Rp6.000.000 over 6
    months."""
    koperasi.business_date = dt.date(2025, 3, 3)
    koperasi.save(update_fields=["business_date"])
    rina = MemberFactory.create(koperasi=koperasi, full_name="Rina Uji", phone="+6281234567001")
    account = savings_account(koperasi, member=rina)
    deposit(account=account, amount=D("150000"), actor=None)
    disbursed_loan(koperasi, member=rina, principal=6_000_000, tenor=6)
    code = portal.issue_activation_code(member=rina, actor=kasir)
    portal.activate(
        phone="0812-3456-7001", member_number=rina.number, code=code, pin=PIN, pin_again=PIN
    )
    return rina


def _token(client: Any, phone: str = "081234567001", pin: str = PIN) -> Any:
    return client.post(
        "/api/v1/token/anggota",
        data=json.dumps({"phone": phone, "pin": pin, "device": "HP Rina"}),
        content_type="application/json",
    )


@pytest.fixture
def auth(client: Any, rina: Member) -> dict[str, str]:
    response = _token(client)
    assert response.status_code == 201, response.content
    return bearer(response.json()["token"])


def test_phone_and_pin_give_a_member_token_and_wrong_pins_lock(client, rina):
    ok = _token(client)
    assert ok.json()["kind"] == "anggota"
    assert ApiToken.objects.get().member == rina
    wrong = _token(client, pin="000000")
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "PIN salah. Sisa percobaan: 4."
    for _ in range(4):
        last = _token(client, pin="000000")
    assert last.status_code == 429
    assert last.json()["code"] == "locked"
    assert _token(client).status_code == 429  # the right PIN waits too


def test_beranda_accounts_and_mutations_in_exact_rupiah_strings(client, rina, auth):
    home = client.get(f"{API}/beranda", **auth).json()
    assert home["member_name"] == "Rina Uji"
    sukarela = next(a for a in home["accounts"] if a["kind"] == "sukarela")
    # Rp150.000 deposited, plus the loan's disbursement into sukarela, less nothing.
    assert sukarela["balance"] == str(
        Account.objects.get(pk=sukarela["id"]).balance.quantize(D("0.01"))
    )
    assert home["next_instalment"]["due_date"] == "2025-04-03"
    mutasi = client.get(f"{API}/rekening/{sukarela['id']}/mutasi", **auth).json()
    assert mutasi["page"] == 1 and mutasi["total"] == len(mutasi["rows"]) >= 2
    assert mutasi["rows"][0]["balance_after"] == sukarela["balance"]
    assert all(len(r["short_hash"]) >= 6 for r in mutasi["rows"])


def test_loan_schedule_products_and_simulation(client, rina, auth):
    loans = client.get(f"{API}/pinjaman", **auth).json()
    assert [loan["status"] for loan in loans] == ["aktif"]
    detail = client.get(f"{API}/pinjaman/{loans[0]['id']}", **auth).json()
    assert len(detail["instalments"]) == 6
    assert sum(D(i["principal"]) for i in detail["instalments"]) == D("6000000")
    products = client.get(f"{API}/produk", **auth).json()
    assert products[0]["min_amount"] == "500000.00"
    sims = client.get(
        f"{API}/produk/{products[0]['id']}/simulasi",
        {"amount": "10000000", "tenor": "12"},
        **auth,
    ).json()
    by_method = {s["method"]: s for s in sims}
    # The worked example (DOMAIN.md): flat 1% a month over 12 months.
    assert by_method["flat"]["total_interest"] == "1200000.00"
    assert by_method["anuitas"]["total_interest"] == "661853.00"
    assert by_method["menurun"]["total_interest"] == "650000.00"
    assert sims[0]["method"] == "flat"  # the product's own method first
    too_long = client.get(
        f"{API}/produk/{products[0]['id']}/simulasi", {"amount": "10000000", "tenor": "99"}, **auth
    )
    assert too_long.status_code == 422
    assert "3 sampai 36 angsuran" in too_long.json()["detail"]


def test_a_loan_application_is_sent_once_and_joins_the_approval_queue(client, rina, auth):
    product = loan_product(rina.koperasi)
    body = {"loan_product_id": product.pk, "amount": "2000000", "tenor": 6, "purpose": "Warung"}
    extra = {**auth, "HTTP_IDEMPOTENCY_KEY": "hp-rina-0001"}
    first = client.post(f"{API}/pengajuan", json.dumps(body), "application/json", **extra)
    assert first.status_code == 201, first.content
    again = client.post(f"{API}/pengajuan", json.dumps(body), "application/json", **extra)
    assert again.json() == first.json()
    assert Loan.objects.filter(member=rina, status=LoanStatus.DIAJUKAN).count() == 1
    assert first.json()["status"] == "diajukan"
    changed = client.post(
        f"{API}/pengajuan", json.dumps(body | {"amount": "3000000"}), "application/json", **extra
    )
    assert changed.status_code == 409
    statuses = [loan["status"] for loan in client.get(f"{API}/pinjaman", **auth).json()]
    assert statuses.count("diajukan") == 1


def test_receipts_and_wajib_bill(client, rina, auth):
    rows = client.get(f"{API}/struk", **auth).json()
    savings_row = next(r for r in rows if r["kind"] == "s")
    one = client.get(f"{API}/struk/{savings_row['id']}", **auth).json()
    assert one == savings_row
    loan_row = next(r for r in rows if r["kind"] == "p")
    assert client.get(f"{API}/struk-pinjaman/{loan_row['id']}", **auth).json() == loan_row
    bill = client.get(f"{API}/wajib", **auth).json()
    assert bill["total_unpaid"] == "0.00" and bill["unpaid"] == []


def test_another_members_account_loan_and_receipt_are_404(client, rina, auth):
    other = MemberFactory.create(koperasi=rina.koperasi)
    account = savings_account(rina.koperasi, member=other)
    tx = deposit(account=account, amount=D("5000"), actor=None)
    loan = disbursed_loan(rina.koperasi, member=other, principal=1_000_000, tenor=3)
    for url in (
        f"{API}/rekening/{account.pk}/mutasi",
        f"{API}/struk/{tx.pk}",
        f"{API}/pinjaman/{loan.pk}",
        f"{API}/struk-pinjaman/{loan.transactions.first().pk}",
    ):
        response = client.get(url, **auth)
        assert response.status_code == 404, url
        assert response.json()["detail"] == "Tidak ditemukan."


def test_a_member_token_opens_no_kasir_endpoint_and_a_staff_token_no_member_one(
    client, rina, auth, kasir_auth
):
    assert client.get(f"/api/v1/kasir/anggota/{rina.pk}", **auth).status_code == 401
    assert client.get(f"{API}/beranda", **kasir_auth).status_code == 401


def test_sign_out_everywhere_ends_the_app_sessions_and_every_token(client, rina, auth):
    second = bearer(_token(client).json()["token"])
    out = client.post(
        "/api/v1/token/keluar", json.dumps({"everywhere": True}), "application/json", **auth
    )
    assert out.status_code == 200
    assert client.get(f"{API}/beranda", **second).status_code == 401
    # The app's own "keluar dari semua perangkat" ends API tokens too.
    third = bearer(_token(client).json()["token"])
    assert client.get(f"{API}/beranda", **third).status_code == 200
    portal.logout_everywhere(member=rina)
    assert client.get(f"{API}/beranda", **third).status_code == 401
