"""Issue 12, item 3: the kasir's drawer never goes below zero; vault moves; the count by pecahan.

Found: a drawer opened with Rp100.000 paid out Rp1.000.000 and its close showed "−Rp900.000".
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from core.models import AuditEvent
from ledger.models import JournalEntry
from savings import services
from savings.models import Kind, VaultMove
from tests.savings.books import assert_books_agree
from tests.savings.conftest import account

D = Decimal


@pytest.fixture
def session(member, kasir):
    return services.cashier_open(
        koperasi=member.koperasi, kasir=kasir, count=D("100000"), actor=kasir
    )


def test_a_drawer_with_rp100_000_cannot_pay_rp1_000_000(member, kasir, session):
    sukarela = account(member, Kind.SUKARELA)
    # The member holds Rp1.500.000 (a bank transfer in); the drawer holds Rp100.000.
    services.deposit(account=sukarela, amount=D("1000000"), actor=kasir, via="bank")
    entries = JournalEntry.objects.count()
    with pytest.raises(services.DrawerShort, match="Ambil kas dari brankas dulu"):
        services.withdraw(
            account=account(member, Kind.SUKARELA),
            amount=D("1000000"),
            actor=kasir,
            session=session,
        )
    assert JournalEntry.objects.count() == entries
    assert account(member, Kind.SUKARELA).balance == D("1500000")
    assert services.session_expected(session) == D("100000")
    # a payout the drawer holds goes through
    services.withdraw(
        account=account(member, Kind.SUKARELA), amount=D("100000"), actor=kasir, session=session
    )
    assert services.session_expected(session) == 0


def test_taking_cash_in_from_the_vault_lets_the_payout_through(member, kasir, session):
    services.deposit(
        account=account(member, Kind.SUKARELA), amount=D("600000"), actor=kasir, session=session
    )
    services.vault_move(session=session, amount="400.000", direction="in", actor=kasir)
    services.withdraw(
        account=account(member, Kind.SUKARELA), amount=D("1000000"), actor=kasir, session=session
    )
    assert services.session_expected(session) == D("100000")
    services.vault_move(session=session, amount="100.000", direction="out", actor=kasir)
    assert services.session_expected(session) == 0
    with pytest.raises(services.DrawerShort):
        services.vault_move(session=session, amount="1", direction="out", actor=kasir)
    assert [v.amount for v in VaultMove.objects.filter(session=session)] == [
        D("400000"),
        D("-100000"),
    ]
    actions = AuditEvent.objects.filter(action__startswith="savings.vault_").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["savings.vault_in", "savings.vault_out"]
    assert_books_agree(member.koperasi)


def test_cash_paid_out_is_whole_rupiah(member, kasir, session):
    with pytest.raises(services.SavingsError, match="rupiah bulat"):
        services.withdraw(
            account=account(member, Kind.SUKARELA),
            amount=D("1000.50"),
            actor=kasir,
            session=session,
        )
    # a book transfer keeps its sen
    services.transfer(
        source=account(member, Kind.SUKARELA),
        target=account(member, Kind.WAJIB),
        amount=D("1000.50"),
        actor=kasir,
    )


def test_the_close_counts_by_pecahan_and_prints_a_summary(client, member, kasir, session):
    sukarela = account(member, Kind.SUKARELA)
    services.deposit(account=sukarela, amount=D("250000"), actor=kasir, session=session)
    services.withdraw(
        account=account(member, Kind.SUKARELA), amount=D("40000"), actor=kasir, session=session
    )
    services.vault_move(session=session, amount="50.000", direction="in", actor=kasir)
    # expected 100.000 + 250.000 − 40.000 + 50.000 = 360.000; counted 359.500
    closed = services.cashier_close(
        session=session,
        denominations={100000: 3, 50000: 1, 5000: 1, 2000: 2, 500: 1},
        note="Kurang lima ratus",
        actor=kasir,
    )
    assert (closed.expected, closed.closing_count, closed.difference) == (
        D("360000"),
        D("359500"),
        D("-500"),
    )
    summary = services.session_summary(closed)
    assert summary.total_in == D("250000")
    assert summary.total_out == D("40000")
    assert (summary.vault_in, summary.vault_out) == (D("50000"), D("0"))
    assert summary.denominations[0] == (100000, 3, D("300000"))
    client.force_login(kasir)
    kwargs = {"kode": member.koperasi.code, "session_id": closed.pk}
    # One session page: the summary (pecahan, vault moves), its voids, print and PDF.
    url = reverse("savings:session_detail", kwargs=kwargs)
    page = client.get(url).content.decode()
    for text in ("Rp360.000", "Rp359.500", "-Rp500", "Rp50.000", "100.000"):
        assert text in page
    assert "Tidak ada pembatalan dalam sesi ini" in page
    assert reverse("savings:session_pdf", kwargs=kwargs) in page
    pdf = client.get(reverse("savings:session_pdf", kwargs=kwargs))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_count_that_disagrees_with_its_pecahan_is_refused(member, kasir, session):
    with pytest.raises(services.SavingsError, match="berbeda dengan hitungan pecahan"):
        services.cashier_close(
            session=session, count="100.000", denominations={50000: 1}, actor=kasir
        )


def test_the_database_refuses_a_zero_vault_move(member, kasir, session):
    move = services.vault_move(session=session, amount="1.000", direction="in", actor=kasir)
    with pytest.raises(DatabaseError), transaction.atomic():
        VaultMove.objects.filter(pk=move.pk).update(amount=D("0"))
