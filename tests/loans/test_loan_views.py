"""The loan-life pages: roles, maker-checker on the page, the kasir's repayment and receipt."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from loans.models import Loan, LoanTransaction
from registry.models import Koperasi
from savings.services import cashier_open
from tests.factories import MemberFactory, disbursed_loan, loan_product, savings_products
from tests.loans.life import D, fresh, move_to, reconciled

START = dt.date(2025, 1, 15)


@pytest.fixture
def kop(koperasi: Koperasi) -> Koperasi:
    move_to(koperasi, START)
    savings_products(koperasi)
    loan_product(koperasi)
    return koperasi


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, k: Koperasi, **kw: Any) -> str:
    return reverse(f"loans:{name}", kwargs={"kode": k.code, **kw})


def test_apply_on_the_page_then_maker_cannot_approve(
    kop: Koperasi, kasir: Any, pengurus: Any
) -> None:
    from registry.models import Role, RoleGrant

    member = MemberFactory.create(koperasi=kop, full_name="Wa Ode Sitti")
    c = _client(kasir)
    page = c.get(_url("loan_apply", kop), {"q": "Sitti"})
    assert "Wa Ode Sitti" in page.content.decode()
    page = c.get(_url("loan_apply", kop), {"member": member.pk})
    assert "Tunggakan sekarang" in page.content.decode()
    product = loan_product(kop)
    response = c.post(
        _url("loan_apply", kop),
        {
            "member": member.pk,
            "product": product.pk,
            "principal": "10.000.000",
            "tenor": "12",
            "purpose": "Modal warung",
            "collateral": "BPKB",
        },
    )
    loan = Loan.objects.get(member=member)
    assert response.status_code == 302
    # Bad input: an Indonesian message, nothing written.
    bad = c.post(
        _url("loan_apply", kop),
        {"member": member.pk, "product": product.pk, "principal": "10.000.000", "tenor": "0"},
    )
    assert "Jangka waktu paling sedikit 1 angsuran" in bad.content.decode()
    assert Loan.objects.filter(member=member).count() == 1
    # The maker, even holding pengurus too, cannot approve on the page.
    RoleGrant.objects.create(user=kasir, koperasi=kop, role=Role.PENGURUS)
    queue = c.get(_url("approvals", kop)).content.decode()
    assert "orang lain yang memutuskan" in queue
    c.post(_url("loan_approve", kop, loan_id=loan.pk), {"acknowledge": "on"})
    assert fresh(loan).status == "diajukan"
    _client(pengurus).post(_url("loan_approve", kop, loan_id=loan.pk), {"acknowledge": "on"})
    assert fresh(loan).status == "disetujui"


def test_roles_read_only_for_pengawas_and_konsultan(
    kop: Koperasi, pengawas: Any, konsultan: Any
) -> None:
    loan = disbursed_loan(kop)
    for user in (pengawas, konsultan):
        c = _client(user)
        assert c.get(_url("loan_list", kop)).status_code == 200
        assert c.get(_url("loan", kop, loan_id=loan.pk)).status_code == 200
        tx = loan.transactions.get()
        assert c.get(_url("receipt", kop, loan_tx_id=tx.pk)).status_code == 200
        assert c.get(_url("loan_repay", kop, loan_id=loan.pk)).status_code == 403
        assert c.post(_url("loan_repay", kop, loan_id=loan.pk), {"amount": "1"}).status_code == 403
        assert c.get(_url("loan_apply", kop)).status_code == 403


def test_kasir_takes_a_repayment_and_sees_the_receipt(kop: Koperasi, kasir: Any) -> None:
    loan = disbursed_loan(kop)
    cashier_open(koperasi=kop, kasir=kasir, count=D(0), actor=kasir)
    move_to(kop, dt.date(2025, 2, 15))
    c = _client(kasir)
    found = c.get(_url("counter", kop), {"q": loan.member.full_name}).content.decode()
    assert loan.number in found
    form = c.get(_url("loan_repay", kop, loan_id=loan.pk)).content.decode()
    assert "Rp933.333" in form
    response = c.post(
        _url("loan_repay", kop, loan_id=loan.pk),
        {"amount": "933.333", "via": "kas", "key": "k-1"},
    )
    assert response.status_code == 302
    tx = LoanTransaction.objects.get(loan=loan, kind="angsuran")
    again = c.post(
        _url("loan_repay", kop, loan_id=loan.pk),
        {"amount": "933.333", "via": "kas", "key": "k-1"},
    )
    assert again.status_code == 302 and LoanTransaction.objects.filter(kind="angsuran").count() == 1
    receipt = c.get(response["Location"]).content.decode()
    assert "Rp933.333" in receipt and "Rp833.333" in receipt and "Rp100.000" in receipt
    assert (
        "sembilan ratus tiga puluh tiga ribu tiga ratus tiga puluh tiga rupiah" in receipt.lower()
    )
    assert tx.entry.short_hash in receipt
    assert "Rp9.166.667" in receipt  # outstanding after
    reconciled(kop)
    # A closed loan: the page refuses with a message, nothing posted.
    Loan.objects.filter(pk=loan.pk).update(status="batal", outstanding_principal=0)


def test_void_from_the_receipt_needs_the_pengurus(kop: Koperasi, kasir: Any, pengurus: Any) -> None:
    loan = disbursed_loan(kop)
    from savings.models import Account as SavingsAccount
    from savings.services import deposit

    deposit(
        account=SavingsAccount.objects.get(member=loan.member, product__kind="sukarela"),
        amount=D(1_000_000),
        actor=None,
        via="bank",
    )
    c = _client(kasir)
    c.post(_url("loan_repay", kop, loan_id=loan.pk), {"amount": "50.000", "via": "sukarela"})
    tx = LoanTransaction.objects.get(loan=loan, kind="angsuran")
    c.post(_url("void_request", kop, loan_tx_id=tx.pk), {"reason": "Salah anggota"})
    request = tx.void_requests.get()
    c.post(_url("void_decide", kop, loan_void_id=request.pk), {"decision": "approve"})
    assert tx.void_requests.get().status == "menunggu"  # a kasir cannot decide
    _client(pengurus).post(
        _url("void_decide", kop, loan_void_id=request.pk), {"decision": "approve"}
    )
    assert tx.void_requests.get().status == "dibatalkan"
    assert fresh(loan).outstanding_principal == D(10_000_000)
    reconciled(kop)
