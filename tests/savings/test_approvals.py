"""Issue 12, item 2: per-koperasi counter limits, the amount in words, maker-checker approval.

A counter transaction above the approval threshold (default Rp50.000.000) posts nothing until a
pengurus other than the kasir who entered it approves it; above the ceiling it is refused;
above the confirmation level the kasir sees the amount in words and confirms first.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from core.models import AuditEvent
from ledger.models import JournalEntry
from registry.models import Role
from savings import services
from savings.models import CounterRequest, Kind, RequestStatus
from savings.services.approvals import NotAllowed
from tests.factories import staff_user
from tests.savings.books import assert_books_agree
from tests.savings.conftest import account

D = Decimal


@pytest.fixture
def session(member, kasir):
    return services.cashier_open(
        koperasi=member.koperasi, kasir=kasir, count=D("100000000"), actor=kasir
    )


def test_the_default_limits_are_data_the_pengurus_can_change(member, pengurus):
    koperasi = member.koperasi
    assert services.limits_of(koperasi).approval_threshold == D("50000000")
    services.limits_set(
        koperasi=koperasi,
        confirm_above="5.000.000",
        approval_threshold="20.000.000",
        ceiling="200.000.000",
        actor=pengurus,
    )
    limits = services.limits_of(koperasi)
    assert (limits.confirm_above, limits.approval_threshold, limits.ceiling) == (
        D("5000000"),
        D("20000000"),
        D("200000000"),
    )
    assert AuditEvent.objects.filter(action="savings.counter_limits").count() == 1
    with pytest.raises(services.SavingsError, match="tidak boleh di atas batas tertinggi"):
        services.limits_set(
            koperasi=koperasi,
            confirm_above="1",
            approval_threshold="300.000.000",
            ceiling="200.000.000",
            actor=pengurus,
        )


def test_above_the_ceiling_is_refused_outright(member, kasir, session):
    entries = JournalEntry.objects.count()
    with pytest.raises(services.AboveCeiling, match="batas tertinggi"):
        services.deposit(
            account=account(member, Kind.SUKARELA),
            amount=D("1000000001"),
            actor=kasir,
            session=session,
        )
    assert JournalEntry.objects.count() == entries


def test_above_the_confirmation_level_the_kasir_sees_the_words_first(member, kasir, session):
    with pytest.raises(services.NeedsConfirmation, match="dua puluh juta rupiah"):
        services.deposit(
            account=account(member, Kind.SUKARELA),
            amount=D("20000000"),
            actor=kasir,
            session=session,
            confirmed=False,
        )
    services.deposit(
        account=account(member, Kind.SUKARELA),
        amount=D("20000000"),
        actor=kasir,
        session=session,
    )
    assert account(member, Kind.SUKARELA).balance == D("20500000")


def test_above_the_threshold_posts_nothing_until_another_pengurus_approves(
    member, kasir, pengurus, session
):
    koperasi = member.koperasi
    sukarela = account(member, Kind.SUKARELA)
    entries = JournalEntry.objects.count()
    with pytest.raises(services.NeedsApproval, match="perlu persetujuan pengurus"):
        services.deposit(account=sukarela, amount=D("60000000"), actor=kasir, session=session)
    request = services.request_create(
        action=CounterRequest.Action.DEPOSIT,
        account=sukarela,
        amount=D("60000000"),
        actor=kasir,
        session=session,
        idempotency_key="besar-1",
    )
    assert JournalEntry.objects.count() == entries
    assert account(member, Kind.SUKARELA).balance == D("500000")

    # maker-checker: the kasir who entered it cannot approve it (a kasir who is also pengurus)
    with pytest.raises(NotAllowed, match="pengurus lain"):
        services.request_approve(request=request, actor=kasir)
    tx = services.request_approve(request=request, actor=pengurus)
    assert tx.session_id == session.pk
    assert account(member, Kind.SUKARELA).balance == D("60500000")
    request.refresh_from_db()
    assert (request.status, request.checker, request.transaction_id) == (
        RequestStatus.APPROVED,
        pengurus,
        tx.pk,
    )
    # approving again posts nothing
    with pytest.raises(NotAllowed, match="sudah diputuskan"):
        services.request_approve(request=request, actor=pengurus)
    assert account(member, Kind.SUKARELA).balance == D("60500000")
    assert services.session_expected(session) == D("160000000")
    assert_books_agree(koperasi)


def test_a_refused_request_is_kept_and_posts_nothing(member, kasir, pengurus, session):
    request = services.request_create(
        action=CounterRequest.Action.WITHDRAW,
        account=account(member, Kind.SUKARELA),
        amount=D("60000000"),
        actor=kasir,
        session=session,
        idempotency_key="besar-2",
    )
    with pytest.raises(services.SavingsError, match="alasan"):
        services.request_refuse(request=request, actor=pengurus, reason=" ")
    services.request_refuse(request=request, actor=pengurus, reason="Saldo tidak cukup")
    request.refresh_from_db()
    assert (request.status, request.reason) == (RequestStatus.REFUSED, "Saldo tidak cukup")
    assert account(member, Kind.SUKARELA).balance == D("500000")


def test_the_database_refuses_a_kasir_approving_own_request(member, kasir, session):
    request = services.request_create(
        action=CounterRequest.Action.DEPOSIT,
        account=account(member, Kind.SUKARELA),
        amount=D("60000000"),
        actor=kasir,
        idempotency_key="besar-3",
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        CounterRequest.objects.filter(pk=request.pk).update(
            status=RequestStatus.APPROVED, checker=kasir
        )


def test_through_the_pages_kasir_asks_pengurus_approves(client, member, kasir, pengurus, session):
    koperasi = member.koperasi
    sukarela = account(member, Kind.SUKARELA)
    client.force_login(kasir)
    url = reverse(
        "savings:deposit", kwargs={"kode": koperasi.code, "savings_account_id": sukarela.pk}
    )
    form = {"amount": "60.000.000", "memo": "", "idempotency_key": "hal-1"}
    confirm = client.post(url, form)
    page = confirm.content.decode()
    assert "enam puluh juta rupiah" in page
    assert 'name="confirmed"' in page
    asked = client.post(url, {**form, "confirmed": "1"}, follow=True)
    assert "menunggu persetujuan pengurus" in asked.content.decode()
    assert account(member, Kind.SUKARELA).balance == D("500000")
    queue = reverse("savings:approvals", kwargs={"kode": koperasi.code})
    assert "Menunggu persetujuan" in client.get(queue).content.decode()
    request = CounterRequest.objects.get()
    # the kasir cannot approve (not a pengurus)
    approve = reverse(
        "savings:request_approve", kwargs={"kode": koperasi.code, "request_id": request.pk}
    )
    assert client.post(approve).status_code == 403
    other = staff_user("pengurus.dua", Role.PENGURUS, koperasi)
    client.force_login(other)
    client.post(approve)
    assert account(member, Kind.SUKARELA).balance == D("60500000")
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
