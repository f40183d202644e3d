"""The end-of-loan pages: restructuring and write-off asked and decided by two people (the
maker's own decision refused on the page), the pengawas acknowledging a write-off on the memo
list, recovery at the counter, a payroll file of instalments, the PDFs (schedule, statement,
surat lunas with its event), bad input as Indonesian messages, and other koperasi's objects
not found."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from loans import services
from loans.models import LoanEvent, LoanRestructure, LoanStatus, LoanWriteOff
from registry.models import Koperasi, Role
from savings.models import Account as SavingsAccount
from savings.services import cashier_open, deposit
from tests import isolation
from tests.factories import disbursed_loan, loan_staff, savings_products, staff_user
from tests.loans.life import D, fresh, move_to, reconciled

START = dt.date(2025, 1, 15)


@pytest.fixture
def kop(koperasi: Koperasi) -> Koperasi:
    move_to(koperasi, START)
    savings_products(koperasi)
    return koperasi


def _url(name: str, koperasi: Koperasi, **kwargs: Any) -> str:
    return reverse(f"loans:{name}", kwargs={"kode": koperasi.code, **kwargs})


def test_restructure_through_the_pages_needs_a_second_pengurus(client: Any, kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    _maker, checker = loan_staff(kop)
    second = staff_user("pengurus2", Role.PENGURUS, kop)
    move_to(kop, dt.date(2025, 4, 20))
    client.force_login(second)
    page = client.get(_url("loan", kop, loan_id=loan.pk)).content.decode()
    assert "Restrukturisasi" in page and "Rekening koran pinjaman" in page
    form = client.get(_url("restructure_request", kop, loan_id=loan.pk)).content.decode()
    assert "Rp300.000" in form  # the arrears interest
    bad = client.post(
        _url("restructure_request", kop, loan_id=loan.pk), {"tenor": "0", "reason": "x"}
    )
    assert bad.status_code == 400 and "Jangka waktu baru antara 1" in bad.content.decode()
    assert not LoanRestructure.objects.exists()
    response = client.post(
        _url("restructure_request", kop, loan_id=loan.pk),
        {"tenor": "24", "rate": "1", "method": "flat", "capitalise": "on", "reason": "Banjir"},
    )
    assert response.status_code == 302
    request = LoanRestructure.objects.get()
    queue = client.get(_url("approvals", kop)).content.decode()
    assert "Anda yang mengajukan" in queue and "Setujui restrukturisasi" not in queue
    own = client.post(
        _url("restructure_decide", kop, loan_restructure_id=request.pk),
        {"decision": "approve"},
        follow=True,
    )
    assert "orang lain" in own.content.decode()
    assert LoanRestructure.objects.get().status == "menunggu"
    client.force_login(checker)
    assert "Setujui restrukturisasi" in client.get(_url("approvals", kop)).content.decode()
    client.post(
        _url("restructure_decide", kop, loan_restructure_id=request.pk), {"decision": "approve"}
    )
    assert fresh(loan).outstanding_principal == D(10_300_000)
    detail = client.get(_url("loan", kop, loan_id=loan.pk)).content.decode()
    assert "Direstrukturisasi 1 kali" in detail
    reconciled(kop)


def test_writeoff_through_the_pages_and_the_pengawas_is_informed(
    client: Any, kop: Koperasi
) -> None:
    loan = disbursed_loan(kop)
    maker, checker = loan_staff(kop)
    pengawas = staff_user("pengawas", Role.PENGAWAS, kop)
    client.force_login(maker)
    empty = client.post(_url("writeoff_request", kop, loan_id=loan.pk), {"reason": " "})
    assert empty.status_code == 400 and "Tulis alasan hapus buku" in empty.content.decode()
    client.post(_url("writeoff_request", kop, loan_id=loan.pk), {"reason": "Macet"})
    request = LoanWriteOff.objects.get()
    # A kasir does not decide, even on another's request.
    assert (
        client.post(
            _url("writeoff_decide", kop, loan_writeoff_id=request.pk), {"decision": "approve"}
        ).status_code
        == 403
    )
    client.force_login(checker)
    client.post(_url("writeoff_decide", kop, loan_writeoff_id=request.pk), {"decision": "approve"})
    assert fresh(loan).status == LoanStatus.HAPUS_BUKU
    client.force_login(pengawas)
    memo = client.get(_url("written_off", kop)).content.decode()
    assert loan.number in memo and "Tandai sudah diketahui" in memo and "Rp10.000.000" in memo
    client.post(_url("writeoff_seen", kop, loan_writeoff_id=request.pk))
    assert LoanWriteOff.objects.get().seen_by_pengawas_id == pengawas.pk
    assert "sudah diketahui" in client.get(_url("written_off", kop)).content.decode()
    # Recovery at the counter.
    client.force_login(maker)
    assert "Buka sesi kasir" in client.get(_url("recover", kop, loan_id=loan.pk)).content.decode()
    cashier_open(koperasi=kop, kasir=maker, count=D(0), actor=maker)
    over = client.post(_url("recover", kop, loan_id=loan.pk), {"amount": "20.000.000", "key": "a"})
    assert over.status_code == 400 and "melebihi sisa" in over.content.decode()
    done = client.post(_url("recover", kop, loan_id=loan.pk), {"amount": "500.000", "key": "b"})
    assert done.status_code == 302
    assert fresh(loan).recovered == D(500_000)
    reconciled(kop)


def test_payroll_pages(client: Any, kop: Koperasi) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    loan = disbursed_loan(kop)
    maker, _checker = loan_staff(kop)
    move_to(kop, dt.date(2025, 2, 15))
    client.force_login(maker)
    content = f"nomor_pinjaman,jumlah\n{loan.number},933333\nPU-0,1\n".encode()
    response = client.post(
        _url("payroll", kop),
        {"file": SimpleUploadedFile("gaji.csv", content), "via": "bank"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "tidak ada di koperasi ini" in page and "Rp933.333" in page
    url = response["Location"]
    refused = client.post(url, {})
    assert refused.status_code == 400 and "kesalahan dalam berkas" in refused.content.decode()
    report = client.get(url + "kesalahan.csv")
    assert report.status_code == 200 and b"PU-0" in b"".join(report.streaming_content)
    client.post(url, {"only_valid": "on"})
    assert fresh(loan).outstanding_principal == D(9_166_667)
    reconciled(kop)


def test_documents(client: Any, kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    maker, _checker = loan_staff(kop)
    client.force_login(maker)
    for name in ("schedule_pdf", "statement_pdf"):
        response = client.get(_url(name, kop, loan_id=loan.pk))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client.get(_url("settlement_letter", kop, loan_id=loan.pk)).status_code == 404
    move_to(kop, dt.date(2025, 2, 1))
    sukarela = SavingsAccount.objects.get(member=loan.member, product__kind="sukarela")
    deposit(account=sukarela, amount=D(1_000_000), actor=None, via="bank")
    services.loan_settle_early(loan=loan, actor=maker, via="sukarela", idempotency_key="s")
    assert "Surat lunas" in client.get(_url("loan", kop, loan_id=loan.pk)).content.decode()
    letter = client.get(_url("settlement_letter", kop, loan_id=loan.pk))
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    assert LoanEvent.objects.filter(loan=loan, kind="surat_lunas_dicetak").exists()


def test_statement_rows_run_the_outstanding(kop: Koperasi) -> None:
    from loans import end_selectors

    loan = disbursed_loan(kop)
    maker, _checker = loan_staff(kop)
    move_to(kop, dt.date(2025, 2, 15))
    services.loan_repay(
        loan=loan, amount=D(933_333), via="sukarela", actor=maker, idempotency_key="r"
    )
    rows = end_selectors.statement(loan=loan)
    assert [(r.tx.kind, r.paid, r.outstanding) for r in rows] == [
        ("pencairan", D(0), D(10_000_000)),
        ("angsuran", D(933_333), D(9_166_667)),
    ]


def test_other_koperasis_requests_are_not_found(
    client: Any, kop: Koperasi, other_koperasi: Koperasi
) -> None:
    maker, checker = loan_staff(kop)
    client.force_login(checker)
    for kwarg, name in (
        ("loan_restructure_id", "restructure_decide"),
        ("loan_writeoff_id", "writeoff_decide"),
        ("loan_payroll_id", "payroll_batch"),
    ):
        foreign = isolation.OBJECT_MAKERS[kwarg](other_koperasi)
        assert client.post(_url(name, kop, **{kwarg: foreign})).status_code == 404
