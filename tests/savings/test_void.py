"""Voids (pembatalan): a savings transaction is undone in the books and the accounts together.

The two cases a review found: a counter deposit reversed from the journal page left the member
with Rp500.000 the books no longer held; a manual Dr Kas / Cr Simpanan Sukarela Rp1.000.000
gave the books money no member had. Both are refused now; the void keeps both in step.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from core.models import AuditEvent
from ledger import services as ledger
from ledger.integrity import verify_subledgers
from ledger.models import JournalEntry, Posting
from ledger.selectors import account_for_role
from registry.models import Role
from savings import services
from savings.models import Account, Kind, Obligation, Transaction, VoidRequest
from tests.factories import staff_user
from tests.savings.books import assert_books_agree, gl
from tests.savings.conftest import account
from tests.savings.test_cashier_and_payroll import _members
from tests.savings.test_month_end import JAN_END, at

D = Decimal


@pytest.fixture
def session(member: Any, kasir: Any) -> Any:
    return services.cashier_open(
        koperasi=member.koperasi, kasir=kasir, count=D("1000000"), actor=kasir
    )


@pytest.fixture
def ketua(koperasi: Any) -> Any:
    """A second pengurus."""
    return staff_user("ketua", Role.PENGURUS, koperasi)


def _deposit(member: Any, kasir: Any, session: Any, amount: str = "500000", key: str = "d1") -> Any:
    return services.deposit(
        account=account(member, Kind.SUKARELA),
        amount=D(amount),
        actor=kasir,
        session=session,
        idempotency_key=key,
    )


# --- the two found cases ---------------------------------------------------------------------


def test_a_counter_deposit_cannot_be_reversed_from_the_books(member, kasir, pengurus, session):
    tx = _deposit(member, kasir, session)
    with pytest.raises(ledger.LedgerError, match="Batalkan lewat"):
        ledger.reverse(entry=tx.entry, actor=pengurus)
    assert not JournalEntry.objects.filter(reverses=tx.entry).exists()
    assert account(member, Kind.SUKARELA).balance == D("1000000")
    assert_books_agree(member.koperasi)


def test_the_journal_page_refuses_the_reversal_and_links_to_the_void(
    client, member, kasir, pengurus, session
):
    tx = _deposit(member, kasir, session)
    koperasi = member.koperasi
    client.force_login(pengurus)
    page = client.get(
        reverse("ledger:entry", kwargs={"kode": koperasi.code, "entry_id": tx.entry_id})
    )
    html = page.content.decode()
    assert (
        reverse("ledger:entry_reverse", kwargs={"kode": koperasi.code, "entry_id": tx.entry_id})
        not in html
    )
    assert (
        reverse("savings:void_request", kwargs={"kode": koperasi.code, "transaction_id": tx.pk})
        in html
    )
    posted = client.post(
        reverse("ledger:entry_reverse", kwargs={"kode": koperasi.code, "entry_id": tx.entry_id}),
        {"reason": "salah", "idempotency_key": "6f1c1d2e-2b1a-4c55-9a35-3d1f0f7a1b11"},
        follow=True,
    )
    assert "tidak dapat dibalik dari buku besar" in posted.content.decode()
    assert account(member, Kind.SUKARELA).balance == D("1000000")
    assert_books_agree(koperasi)


def test_a_manual_journal_on_a_savings_control_account_is_refused(client, member, pengurus):
    koperasi = member.koperasi
    kas = account_for_role(koperasi=koperasi, role="kas")
    sukarela = account(member, Kind.SUKARELA).product.ledger_account
    before = JournalEntry.objects.count()
    client.force_login(pengurus)
    response = client.post(
        reverse("ledger:entry_create", kwargs={"kode": koperasi.code}),
        {
            "value_date": koperasi.business_date.isoformat(),
            "memo": "Setoran tanpa anggota",
            "idempotency_key": "0b6f1c1d-2b1a-4c55-9a35-3d1f0f7a1b12",
            "baris-TOTAL_FORMS": "2",
            "baris-INITIAL_FORMS": "0",
            "baris-0-account": kas.pk,
            "baris-0-debit": "1.000.000",
            "baris-1-account": sukarela.pk,
            "baris-1-credit": "1.000.000",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "akun kontrol simpanan anggota" in text
    assert "halaman Kasir dan Simpanan" in text
    assert JournalEntry.objects.count() == before
    assert_books_agree(koperasi)


def test_a_manual_journal_elsewhere_still_posts(client, member, pengurus):
    koperasi = member.koperasi
    kas = account_for_role(koperasi=koperasi, role="kas")
    bank = account_for_role(koperasi=koperasi, role="bank")
    client.force_login(pengurus)
    response = client.post(
        reverse("ledger:entry_create", kwargs={"kode": koperasi.code}),
        {
            "value_date": koperasi.business_date.isoformat(),
            "memo": "Setor kas ke bank",
            "idempotency_key": "0b6f1c1d-2b1a-4c55-9a35-3d1f0f7a1b13",
            "baris-TOTAL_FORMS": "2",
            "baris-INITIAL_FORMS": "0",
            "baris-0-account": bank.pk,
            "baris-0-debit": "100.000",
            "baris-1-account": kas.pk,
            "baris-1-credit": "100.000",
        },
    )
    assert response.status_code == 302


# --- voids at the counter --------------------------------------------------------------------


def test_kasir_asks_pengurus_approves_and_both_sides_move_back(member, kasir, pengurus, session):
    koperasi = member.koperasi
    tx = _deposit(member, kasir, session)
    assert services.session_expected(session) == D("1500000")
    request = services.void_request(transaction=tx, actor=kasir, reason="Salah nominal")
    assert request.status == "menunggu"
    assert account(member, Kind.SUKARELA).balance == D("1000000")  # nothing moves yet
    with pytest.raises(services.VoidError, match="disetujui oleh pengurus"):
        services.void_approve(request=request, actor=kasir)
    done = services.void_approve(request=request, actor=pengurus)
    assert done.status == "dibatalkan"
    assert account(member, Kind.SUKARELA).balance == D("500000")
    # The original stays; the void is a new movement pointing at it, in the kasir's drawer.
    original = Transaction.objects.get(pk=tx.pk)
    assert original.amount == D("500000")
    undo = Transaction.objects.get(voids=original)
    assert (undo.amount, undo.cash, undo.session_id) == (D("-500000"), D("-500000"), session.pk)
    assert undo.entry_id == done.void_entry_id
    assert services.session_expected(session) == D("1000000")
    lines = {p.account.code: p.amount for p in Posting.objects.filter(entry_id=done.void_entry_id)}
    kas = account_for_role(koperasi=koperasi, role="kas")
    assert lines[kas.code] == D("-500000")
    assert lines[tx.account.product.ledger_account.code] == D("500000")
    assert JournalEntry.objects.get(pk=done.void_entry_id).kind == "savings.void"
    actions = list(
        AuditEvent.objects.filter(action__startswith="savings.void")
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert actions == [("savings.void_request", kasir.pk), ("savings.void", pengurus.pk)]
    # A repeat (double tap) returns the first result and posts nothing.
    entries = JournalEntry.objects.count()
    assert services.void_approve(request=request, actor=pengurus).pk == done.pk
    assert services.void_request(transaction=tx, actor=kasir, reason="lagi").pk == done.pk
    assert services.transaction_void(transaction=tx, actor=pengurus, reason="lagi").pk == done.pk
    assert JournalEntry.objects.count() == entries
    assert_books_agree(koperasi)
    assert all(c.ok for c in verify_subledgers(koperasi=koperasi))


def test_a_pengurus_cannot_approve_their_own_request_on_an_open_session(
    member, kasir, pengurus, ketua, session
):
    tx = _deposit(member, kasir, session)
    request = services.void_request(transaction=tx, actor=pengurus, reason="Salah rekening")
    with pytest.raises(services.VoidError, match="orang kedua"):
        services.void_approve(request=request, actor=pengurus)
    with pytest.raises(services.VoidError, match="pengurus"):
        services.void_approve(request=request, actor=kasir)
    services.void_approve(request=request, actor=ketua)
    assert account(member, Kind.SUKARELA).balance == D("500000")


def test_a_refused_request_moves_nothing_and_can_be_asked_again(member, kasir, pengurus, session):
    tx = _deposit(member, kasir, session)
    request = services.void_request(transaction=tx, actor=kasir, reason="Salah")
    refused = services.void_refuse(request=request, actor=pengurus, note="Uang sudah diterima")
    assert refused.status == "ditolak"
    assert account(member, Kind.SUKARELA).balance == D("1000000")
    again = services.void_request(transaction=tx, actor=kasir, reason="Salah nominal, sungguh")
    assert again.pk != request.pk


def test_after_the_session_closes_only_a_pengurus_voids(member, kasir, pengurus, session):
    koperasi = member.koperasi
    tx = _deposit(member, kasir, session)
    services.cashier_close(session=session, count=D("1500000"), actor=kasir)
    with pytest.raises(services.VoidError, match="oleh pengurus"):
        services.void_request(transaction=tx, actor=kasir, reason="Salah")
    with pytest.raises(services.VoidError, match="pengurus"):
        services.transaction_void(transaction=tx, actor=kasir, reason="Salah")
    done = services.transaction_void(transaction=tx, actor=pengurus, reason="Salah nominal")
    assert done.session_id is None
    undo = Transaction.objects.get(voids=tx)
    assert (undo.session_id, undo.cash) == (None, D("0"))
    assert account(member, Kind.SUKARELA).balance == D("500000")
    assert_books_agree(koperasi)


def test_a_void_cannot_leave_an_account_below_its_minimum(member, kasir, pengurus, session):
    # Sukarela: 500.000 at joining, minimum 10.000. The deposit came, then most of it went.
    tx = _deposit(member, kasir, session, amount="100000")
    services.withdraw(
        account=account(member, Kind.SUKARELA), amount=D("550000"), actor=kasir, session=session
    )
    with pytest.raises(services.BelowMinimum, match="di bawah batas Rp10.000"):
        services.transaction_void(transaction=tx, actor=kasir, reason="Salah", approved_by=pengurus)
    assert account(member, Kind.SUKARELA).balance == D("50000")
    assert not VoidRequest.objects.filter(status="dibatalkan").exists()
    assert_books_agree(member.koperasi)


def test_a_first_deposit_voided_takes_the_account_back_to_nothing(products, kasir, pengurus):
    (joined,) = _members(products.koperasi, kasir, 1)
    sukarela = account(joined, Kind.SUKARELA)
    tx = services.deposit(account=sukarela, amount=D("50000"), actor=kasir, via="bank")
    services.transaction_void(transaction=tx, actor=pengurus, reason="Salah anggota")
    sukarela.refresh_from_db()
    assert (sukarela.balance, sukarela.floor) == (D("0"), D("0"))
    assert_books_agree(products.koperasi)


def test_voiding_a_withdrawal_and_a_transfer(member, kasir, pengurus, session):
    koperasi = member.koperasi
    sukarela, wajib = account(member, Kind.SUKARELA), account(member, Kind.WAJIB)
    out = services.withdraw(account=sukarela, amount=D("200000"), actor=kasir, session=session)
    services.transaction_void(transaction=out, actor=kasir, reason="Batal", approved_by=pengurus)
    assert account(member, Kind.SUKARELA).balance == D("500000")
    assert services.session_expected(session) == D("1000000")
    moved, into = services.transfer(source=sukarela, target=wajib, amount=D("100000"), actor=kasir)
    services.transaction_void(transaction=into, actor=pengurus, reason="Salah rekening tujuan")
    assert account(member, Kind.SUKARELA).balance == D("500000")
    assert account(member, Kind.WAJIB).balance == D("0")
    assert Transaction.objects.filter(voids__in=[moved, into]).count() == 2
    assert_books_agree(koperasi)


def test_voiding_a_wajib_payment_reopens_the_arrears_it_settled(member, kasir, pengurus):
    koperasi = member.koperasi
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)  # wajib 50.000 unpaid
    at(koperasi, dt.date(2025, 2, 3))
    wajib = account(member, Kind.WAJIB)
    tx = services.deposit(account=wajib, amount=D("80000"), actor=kasir, via="bank")
    assert gl(koperasi, "piutang_simpanan_wajib") == D("0")
    january = Obligation.objects.get(account=wajib)
    assert (january.paid, january.settled_on) == (D("50000"), dt.date(2025, 2, 3))
    services.transaction_void(transaction=tx, actor=pengurus, reason="Setoran ganda")
    january.refresh_from_db()
    assert (january.paid, january.settled_on) == (D("0"), None)
    wajib.refresh_from_db()
    assert (wajib.balance, wajib.prepaid) == (D("0"), D("0"))
    assert gl(koperasi, "piutang_simpanan_wajib") == D("-50000")  # owed again
    assert_books_agree(koperasi)
    checks = verify_subledgers(koperasi=koperasi)
    receivable = next(c for c in checks if c.account.code == "1.1.06")
    assert (receivable.subledger_total, receivable.ledger_balance) == (D("50000"), D("50000"))
    assert all(c.ok for c in checks), checks


def test_one_members_row_of_a_payroll_batch_is_voided_alone(products, kasir, pengurus):
    koperasi = products.koperasi
    a, b = _members(koperasi, kasir, 2)
    content = f"nomor_anggota;nama;SS\n{a.number};A;100.000\n{b.number};B;70.000\n".encode()
    batch = services.payroll_preview(
        koperasi=koperasi, actor=kasir, filename="gaji.csv", content=content
    )
    posted = services.payroll_post(batch=batch, actor=kasir)
    row_b = Transaction.objects.get(entry=posted.entry, account__member=b)
    done = services.transaction_void(
        transaction=row_b, actor=pengurus, reason="B sudah keluar kerja"
    )
    assert done.member_id == b.pk and done.amount == D("70000")
    assert account(a, Kind.SUKARELA).balance == D("100000")
    assert account(b, Kind.SUKARELA).balance == D("0")
    assert gl(koperasi, "bank") == D("-100000")
    row_a = Transaction.objects.get(entry=posted.entry, account__member=a, voids__isnull=True)
    services.transaction_void(transaction=row_a, actor=pengurus, reason="A juga")
    assert gl(koperasi, "bank") == D("0")
    assert_books_agree(koperasi)


def test_month_end_interest_and_voids_are_not_voided(member, kasir, pengurus, session):
    koperasi = member.koperasi
    tx = _deposit(member, kasir, session)
    done = services.transaction_void(transaction=tx, actor=kasir, reason="x", approved_by=pengurus)
    undo = Transaction.objects.get(voids=tx)
    with pytest.raises(services.VoidError, match="Pembatalan tidak dapat dibatalkan"):
        services.transaction_void(transaction=undo, actor=pengurus, reason="x")
    at(koperasi, JAN_END)
    services.month_end(koperasi=koperasi, on=JAN_END, actor=pengurus)
    interest = Transaction.objects.filter(kind="bunga").first()
    assert interest is not None
    with pytest.raises(services.VoidError, match="Bunga akhir bulan"):
        services.transaction_void(transaction=interest, actor=pengurus, reason="x")
    assert done.status == "dibatalkan"


# --- the database holds it -------------------------------------------------------------------


def test_the_database_refuses_a_movement_voided_twice(member, kasir, pengurus, session):
    tx = _deposit(member, kasir, session)
    services.transaction_void(transaction=tx, actor=kasir, reason="x", approved_by=pengurus)
    undo = Transaction.objects.get(voids=tx)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.bulk_create(
            [
                Transaction(
                    koperasi=undo.koperasi,
                    account=undo.account,
                    kind=undo.kind,
                    amount=undo.amount,
                    value_date=undo.value_date,
                    entry=undo.entry,
                    voids=tx,
                )
            ]
        )


def test_the_database_refuses_a_second_void_of_one_entry(member, kasir, pengurus, session):
    tx = _deposit(member, kasir, session)
    services.void_request(transaction=tx, actor=kasir, reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        VoidRequest.objects.create(
            koperasi=tx.koperasi,
            entry=tx.entry,
            transaction=tx,
            amount=tx.amount,
            reason="lagi",
            requested_by=kasir,
        )


# --- verify and the neraca saldo -------------------------------------------------------------


def test_verify_reports_a_savings_balance_edited_behind_the_books(member, kasir, session, capsys):
    koperasi = member.koperasi
    _deposit(member, kasir, session)
    call_command("ledger", "verify", "--koperasi", koperasi.code)
    out = capsys.readouterr().out
    assert "Buku pembantu cocok" in out
    sukarela = account(member, Kind.SUKARELA)
    with connection.cursor() as cursor:  # one sen, around every service
        cursor.execute(
            "UPDATE savings_account SET balance = balance + 1 WHERE id = %s", [sukarela.pk]
        )
    checks = [c for c in verify_subledgers(koperasi=koperasi) if not c.ok]
    assert len(checks) == 1
    assert checks[0].difference == D("-0.01")
    with pytest.raises(CommandError, match="SELISIH"):
        call_command("ledger", "verify", "--koperasi", koperasi.code)
    out = capsys.readouterr().out
    assert "Rp0,01" in out and sukarela.product.ledger_account.code in out


def test_the_trial_balance_page_shows_the_check(client, member, kasir, pengurus, session):
    koperasi = member.koperasi
    _deposit(member, kasir, session)
    client.force_login(pengurus)
    url = reverse("ledger:trial_balance", kwargs={"kode": koperasi.code})
    assert "Buku pembantu cocok" in client.get(url).content.decode()
    Account.objects.filter(pk=account(member, Kind.SUKARELA).pk).update(balance=D("999999.99"))
    html = client.get(url).content.decode()
    assert "Buku pembantu tidak cocok" in html
    assert "Rp1.000.000,00" in html or "Rp999.999,99" in html


def test_the_session_page_shows_its_summary_its_voids_and_the_pdf(
    client, member, kasir, pengurus, session
):
    """One page per kasir session (issue 12): the summary the close prints (cash by kind, the
    void among them, vault moves, pecahan) and the voids asked in it, for the koperasi's
    pengurus, kasir and pengawas; the PDF beside it."""
    koperasi = member.koperasi
    tx = _deposit(member, kasir, session)
    request = services.void_request(transaction=tx, actor=kasir, reason="Salah nominal")
    services.void_approve(request=request, actor=pengurus)
    services.vault_move(session=session, amount="200.000", direction="in", actor=kasir)
    kwargs = {"kode": koperasi.code, "session_id": session.pk}
    url = reverse("savings:session_detail", kwargs=kwargs)
    for who in (kasir, pengurus, staff_user("awas", Role.PENGAWAS, koperasi)):
        client.force_login(who)
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert f'data-void-id="{request.pk}"' in html and "Salah nominal" in html
        assert "Ambil dari brankas" in html and "Rp200.000" in html
        # expected: 1.000.000 + 500.000 − 500.000 + 200.000
        assert "Rp1.200.000" in html
        assert reverse("savings:session_pdf", kwargs=kwargs) in html
    pdf = client.get(reverse("savings:session_pdf", kwargs=kwargs))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.force_login(staff_user("konsultan", Role.KONSULTAN, koperasi))
    assert client.get(url).status_code == 403
    assert client.get(reverse("savings:session_pdf", kwargs=kwargs)).status_code == 403
