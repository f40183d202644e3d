"""The counter's limits and the pengurus's approval on loan money: a cash disbursement and a
repayment at the loan counter above the approval threshold wait in the counter's queue (the
savings one, extended) and post once, through the loans service, when another pengurus
approves; nothing is posted before."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ledger.models import JournalEntry
from loans import services
from loans.models import Loan, LoanStatus, LoanTransaction
from registry.models import Koperasi
from savings.models import CounterRequest, RequestStatus
from savings.services import approvals, cashier_open, limits_set, request_approve, request_refuse
from tests.factories import MemberFactory, disbursed_loan, loan_product, savings_products
from tests.loans.life import D, fresh, move_to, reconciled

START = dt.date(2025, 1, 15)
Action = CounterRequest.Action


@pytest.fixture
def kop(koperasi: Koperasi, pengurus: Any) -> Koperasi:
    move_to(koperasi, START)
    savings_products(koperasi)
    loan_product(koperasi)
    limits_set(
        koperasi=koperasi,
        confirm_above=D(1_000_000),
        approval_threshold=D(2_000_000),
        ceiling=D(100_000_000),
        actor=pengurus,
    )
    return koperasi


def _entries(kop: Koperasi) -> int:
    return JournalEntry.objects.filter(koperasi=kop).count()


def _approved_loan(kop: Koperasi, kasir: Any, pengurus: Any, principal: int) -> Loan:
    loan = services.loan_apply(
        koperasi=kop,
        member=MemberFactory.create(koperasi=kop, full_name="Maria Goreti"),
        product=loan_product(kop),
        principal=principal,
        tenor=12,
        actor=kasir,
    )
    return services.loan_approve(loan=loan, actor=pengurus, acknowledge_rate_cap=True)


def test_a_cash_disbursement_above_the_threshold_waits_for_a_pengurus(
    kop: Koperasi, kasir: Any, pengurus: Any
) -> None:
    session = cashier_open(koperasi=kop, kasir=kasir, count=D(20_000_000), actor=kasir)
    loan = _approved_loan(kop, kasir, pengurus, 5_000_000)
    before = _entries(kop)
    # The loan's approval is a credit decision: the cash still needs the counter's.
    with pytest.raises(approvals.NeedsApproval):
        services.loan_disburse(loan=loan, actor=kasir, session=session, idempotency_key="d1")
    request = services.loan_counter_request(
        action=Action.LOAN_DISBURSE, loan=loan, actor=kasir, session=session, idempotency_key="d1"
    )
    net = services.disbursement_figures(loan)["net"]
    assert request.amount == net and request.subject == f"loans.Loan:{loan.pk}"
    assert "Maria Goreti" in request.subject_label
    assert _entries(kop) == before and fresh(loan).status == LoanStatus.DISETUJUI
    # The same form again: the same request.
    again = services.loan_counter_request(
        action=Action.LOAN_DISBURSE, loan=loan, actor=kasir, session=session, idempotency_key="d1"
    )
    assert again.pk == request.pk
    with pytest.raises(approvals.NotAllowed):  # the kasir cannot approve their own
        request_approve(request=request, actor=kasir)
    tx = request_approve(request=request, actor=pengurus)
    assert isinstance(tx, LoanTransaction) and tx.kind == "pencairan" and tx.cash == -net
    assert tx.session_id == session.pk and tx.actor == kasir
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.checker == pengurus
    assert request.result == f"loans.LoanTransaction:{tx.pk}"
    assert fresh(loan).status == LoanStatus.AKTIF
    with pytest.raises(approvals.NotAllowed):  # decided once
        request_approve(request=request, actor=pengurus)
    assert LoanTransaction.objects.filter(loan=loan, kind="pencairan").count() == 1
    reconciled(kop)


def test_into_sukarela_the_loans_approval_is_the_approval(
    kop: Koperasi, kasir: Any, pengurus: Any
) -> None:
    loan = _approved_loan(kop, kasir, pengurus, 5_000_000)
    tx = services.loan_disburse(loan=loan, actor=kasir, via="sukarela", idempotency_key="s1")
    assert tx.cash == 0 and fresh(loan).status == LoanStatus.AKTIF


def test_a_repayment_above_the_threshold_waits_and_a_refusal_posts_nothing(
    kop: Koperasi, kasir: Any, pengurus: Any
) -> None:
    session = cashier_open(koperasi=kop, kasir=kasir, count=D(0), actor=kasir)
    loan = disbursed_loan(kop)
    before = _entries(kop)
    with pytest.raises(approvals.NeedsApproval):
        services.loan_repay(
            loan=loan, amount=D(2_500_000), actor=kasir, session=session, idempotency_key="r1"
        )
    refused = services.loan_counter_request(
        action=Action.LOAN_REPAY,
        loan=loan,
        amount="2.500.000",
        actor=kasir,
        session=session,
        idempotency_key="r1",
    )
    request_refuse(request=refused, actor=pengurus, reason="Uang belum dihitung ulang")
    assert _entries(kop) == before
    request = services.loan_counter_request(
        action=Action.LOAN_REPAY,
        loan=loan,
        amount=D(2_500_000),
        actor=kasir,
        session=session,
        idempotency_key="r2",
    )
    tx = request_approve(request=request, actor=pengurus)
    assert tx.kind == "angsuran" and tx.cash == D(2_500_000) and tx.session_id == session.pk
    assert fresh(loan).outstanding_principal == D(10_000_000) + tx.principal
    # An early settlement above the threshold: the quote by default.
    quote = services.loan_payoff_quote(loan=fresh(loan))
    settle = services.loan_counter_request(
        action=Action.LOAN_SETTLE,
        loan=fresh(loan),
        actor=kasir,
        session=session,
        idempotency_key="p1",
    )
    assert settle.amount == quote.total
    request_approve(request=settle, actor=pengurus)
    assert fresh(loan).status == LoanStatus.LUNAS
    reconciled(kop)


# --- the pages ------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, k: Koperasi, **kw: Any) -> str:
    return reverse(name, kwargs={"kode": k.code, **kw})


def test_the_pages_send_a_large_repayment_and_disbursement_to_the_queue(
    kop: Koperasi, kasir: Any, pengurus: Any
) -> None:
    cashier_open(koperasi=kop, kasir=kasir, count=D(20_000_000), actor=kasir)
    running = disbursed_loan(kop)
    c = _client(kasir)
    before = _entries(kop)
    page = c.post(
        _url("loans:loan_repay", kop, loan_id=running.pk),
        {"amount": "2.500.000", "via": "kas", "key": "page-r1", "confirmed": "on"},
        follow=True,
    )
    text = page.content.decode()
    assert "menunggu persetujuan pengurus" in text and "belum ada uang yang dicatat" in text
    assert _entries(kop) == before
    repay = CounterRequest.objects.get(idempotency_key="page-r1")
    assert (repay.action, repay.amount) == (Action.LOAN_REPAY, D(2_500_000))
    loan = _approved_loan(kop, kasir, pengurus, 5_000_000)
    c.post(
        _url("loans:loan_disburse", kop, loan_id=loan.pk),
        {"via": "kas", "key": "page-d1", "confirmed": "on"},
    )
    disburse = CounterRequest.objects.get(idempotency_key="page-d1")
    assert disburse.action == Action.LOAN_DISBURSE and _entries(kop) == before
    # The pengurus sees both in the counter's queue, with the loan and the member.
    p = _client(pengurus)
    queue = p.get(_url("savings:approvals", kop)).content.decode()
    assert "Pencairan pinjaman" in queue and "Angsuran pinjaman" in queue
    assert loan.number in queue and running.number in queue
    for pending in (repay, disburse):
        p.post(_url("savings:request_approve", kop, request_id=pending.pk))
    assert fresh(loan).status == LoanStatus.AKTIF
    assert LoanTransaction.objects.filter(loan=running, kind="angsuran").count() == 1
    decided = p.get(_url("savings:approvals", kop)).content.decode()
    tx = LoanTransaction.objects.get(loan=loan, kind="pencairan")
    assert _url("loans:receipt", kop, loan_tx_id=tx.pk) in decided
    reconciled(kop)


def test_a_recovery_at_the_counter_keeps_the_limits_and_prints_its_own_receipt(
    kop: Koperasi, kasir: Any, pengurus: Any
) -> None:
    """Cash recovered on a written-off loan is counter cash like any other: above the
    confirmation level the kasir confirms the amount in words, above the approval threshold it
    waits in the counter's queue for a pengurus; its receipt says what it is."""
    from tests.factories import loan_staff

    loan = disbursed_loan(kop)
    maker, checker = loan_staff(kop)
    request = services.loan_writeoff_request(loan=loan, reason="Macet", actor=maker)
    services.loan_writeoff_approve(request=request, actor=checker)
    cashier_open(koperasi=kop, kasir=kasir, count=D(0), actor=kasir)
    c = _client(kasir)
    url = _url("loans:recover", kop, loan_id=loan.pk)
    before = _entries(kop)
    ask = c.post(url, {"amount": "1.500.000", "key": "pm-1"})
    assert ask.status_code == 400 and 'name="confirmed"' in ask.content.decode()
    assert _entries(kop) == before
    done = c.post(url, {"amount": "1.500.000", "key": "pm-1", "confirmed": "on"}, follow=True)
    receipt = done.content.decode()
    assert done.status_code == 200 and "BUKTI PEMULIHAN PINJAMAN DIHAPUSBUKUKAN" in receipt
    assert "Rp1.500.000" in receipt and "Rp8.500.000" in receipt  # what is left written off
    assert "Kelebihan" not in receipt
    assert "Minta pembatalan" in receipt  # a mistaken recovery is voided like a repayment
    # Above the approval threshold: the queue, nothing posted.
    queued = c.post(url, {"amount": "3.000.000", "key": "pm-2", "confirmed": "on"}, follow=True)
    assert "menunggu persetujuan pengurus" in queued.content.decode()
    pending = CounterRequest.objects.get(idempotency_key="pm-2")
    assert (pending.action, pending.amount) == (Action.LOAN_RECOVER, D(3_000_000))
    assert fresh(loan).recovered == D(1_500_000)
    p = _client(pengurus)
    assert (
        "Pemulihan pinjaman dihapusbukukan"
        in p.get(_url("savings:approvals", kop)).content.decode()
    )
    p.post(_url("savings:request_approve", kop, request_id=pending.pk))
    assert fresh(loan).recovered == D(4_500_000)
    tx = LoanTransaction.objects.filter(loan=loan, kind="pemulihan").latest("pk")
    assert tx.cash == D(3_000_000) and tx.actor == kasir and tx.session is not None
    reconciled(kop)
