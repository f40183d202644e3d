"""The end of a loan's life through its services, as ledger lines: restructuring (maker-checker,
arrears interest capitalised or carried), the on-time streak, write-off against the allowance
(maker-checker, pengawas informed), recovery as income, a leaving member's savings netted
against their loans. The sub-ledger reconciled after each step; bad input refused in Indonesian
with nothing posted; the database's CHECKs by raw SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from ledger import integrity
from ledger.models import JournalEntry
from loans import services
from loans.models import (
    Instalment,
    Loan,
    LoanEvent,
    LoanRestructure,
    LoanStatus,
    LoanTransaction,
    LoanWriteOff,
)
from loans.streak import on_time_streak
from registry.models import Koperasi, Role
from savings.models import Account as SavingsAccount
from savings.services import cashier_open, deposit, member_exit
from tests.factories import disbursed_loan, loan_staff, savings_products, staff_user
from tests.loans.end import accrue, form_allowance
from tests.loans.life import D, fresh, move_to, reconciled
from tests.loans.life import lines as _lines

START = dt.date(2025, 1, 15)


@pytest.fixture
def kop(koperasi: Koperasi) -> Koperasi:
    move_to(koperasi, START)
    savings_products(koperasi)
    return koperasi


def _repay(loan: Loan, amount: Any, key: str, **kw: Any) -> Any:
    maker, _ = loan_staff(loan.koperasi)
    kw.setdefault("via", "sukarela")
    return services.loan_repay(loan=loan, amount=D(amount), actor=maker, idempotency_key=key, **kw)


def lines(entry: JournalEntry | None) -> dict[str, Any]:
    assert entry is not None
    return _lines(entry)


def _entries(kop: Koperasi) -> int:
    return JournalEntry.objects.filter(koperasi=kop).count()


# --- restructuring --------------------------------------------------------------------------


def test_restructure_capitalises_arrears_interest_as_ledger_lines(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)  # flat 1%/month, Rp10.000.000 over 12 months
    maker, checker = loan_staff(kop)
    move_to(kop, dt.date(2025, 4, 20))  # three instalments fallen due, nothing paid
    request = services.loan_restructure_request(
        loan=loan,
        tenor=24,
        capitalise_arrears_interest=True,
        reason="Usaha terdampak banjir",
        actor=maker,
    )
    assert request.status == "menunggu"
    approved = services.loan_restructure_approve(request=request, actor=checker)
    assert approved.entry is not None
    # Arrears interest 3 × Rp100.000 becomes principal.
    assert lines(approved.entry) == {"1.1.03": D(300_000), "4.1.01": D(-300_000)}
    loan = fresh(loan)
    assert loan.outstanding_principal == D(10_300_000)
    assert (loan.tenor, loan.schedule_version, loan.restructured_count) == (24, 2, 1)
    assert loan.on_time_streak == 0
    assert loan.maturity_date == dt.date(2027, 4, 20)
    new = list(Instalment.objects.filter(loan=loan, version=2).order_by("number"))
    assert len(new) == 24
    assert new[0].principal_due == D(429_166) and new[0].interest_due == D(103_000)
    assert sum(r.principal_due for r in new) == D(10_300_000)
    assert new[0].due_date == dt.date(2025, 5, 20)
    assert Instalment.objects.filter(loan=loan, version=1, superseded=False).count() == 0
    tx = LoanTransaction.objects.get(loan=loan, kind="restruktur")
    assert (tx.principal, tx.interest_paid) == (D(300_000), D(300_000))
    assert LoanEvent.objects.filter(loan=loan, kind="restrukturisasi").exists()
    reconciled(kop)


def test_restructure_without_capitalising_carries_arrears_interest(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    maker, checker = loan_staff(kop)
    move_to(kop, dt.date(2025, 2, 15))
    _repay(loan, 933_333, "r1")  # the first instalment, on time
    move_to(kop, dt.date(2025, 4, 1))  # the second (15 March) unpaid
    before = _entries(kop)
    request = services.loan_restructure_request(
        loan=loan, tenor=6, rate_percent="0,9", method="menurun", reason="x", actor=maker
    )
    approved = services.loan_restructure_approve(request=request, actor=checker)
    assert approved.entry is None and _entries(kop) == before  # nothing to book
    loan = fresh(loan)
    assert loan.outstanding_principal == D(9_166_667)
    assert (loan.rate_bp, loan.method, loan.tenor) == (90, "menurun", 6)
    first = Instalment.objects.get(loan=loan, version=2, number=1)
    # A month of 0,9% on Rp9.166.667 (82.500) plus the unpaid March interest (100.000).
    assert first.interest_due == D(82_500) + D(100_000)
    # The paid first instalment stays as history; the rest of version 1 is superseded.
    assert Instalment.objects.filter(loan=loan, version=1, superseded=False).count() == 1
    # Repayments run on the new schedule.
    move_to(kop, dt.date(2025, 5, 1))
    tx = _repay(loan, first.interest_due + first.principal_due, "r2")
    assert lines(tx.entry) == {
        "2.1.01": first.interest_due + first.principal_due,
        "1.1.03": -first.principal_due,
        "4.1.01": -first.interest_due,
    }
    assert fresh(loan).on_time_streak == 1
    reconciled(kop)


def test_restructure_maker_checker_and_bad_input(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    maker, checker = loan_staff(kop)
    kasir2 = staff_user("kasir2", Role.KASIR, kop)
    bad: dict[str, Any]
    for bad, message in (
        (dict(tenor=0), "Jangka waktu baru antara 1"),
        (dict(tenor="dua"), "bilangan bulat"),
        (dict(tenor=6, rate_percent="abc"), "bukan angka persen"),
        (dict(tenor=6, method="bunga-berbunga"), "Metode bunga tidak dikenal"),
        (dict(tenor=6, reason="  "), "Tulis alasan"),
    ):
        with pytest.raises(ValidationError, match=message):
            kwargs: dict[str, Any] = {"reason": "x", **bad}
            services.loan_restructure_request(loan=loan, actor=maker, **kwargs)
    assert not LoanRestructure.objects.exists()
    request = services.loan_restructure_request(loan=loan, tenor=6, reason="x", actor=maker)
    with pytest.raises(ValidationError, match="menunggu"):
        services.loan_restructure_request(loan=loan, tenor=8, reason="y", actor=checker)
    with pytest.raises(services.FourEyes, match="orang lain"):
        services.loan_restructure_approve(request=request, actor=maker)
    with pytest.raises(ValidationError, match="Hanya pengurus"):
        services.loan_restructure_approve(request=request, actor=kasir2)
    before = _entries(kop)
    refused = services.loan_restructure_refuse(request=request, actor=checker, note="tidak")
    assert refused.status == "ditolak" and _entries(kop) == before
    with pytest.raises(ValidationError, match="sudah diputuskan"):
        services.loan_restructure_approve(request=request, actor=checker)
    assert fresh(loan).schedule_version == 1


def test_restructure_four_eyes_held_by_the_database(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    maker, _checker = loan_staff(kop)
    request = services.loan_restructure_request(loan=loan, tenor=6, reason="x", actor=maker)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans_loanrestructure SET decided_by_id = requested_by_id WHERE id = %s",
            [request.pk],
        )


def test_on_time_streak_rule() -> None:
    class Row:
        def __init__(self, due: dt.date, paid: dt.date | None) -> None:
            self.due_date, self.paid_on, self.superseded, self.version = due, paid, False, 1

    d = dt.date
    rows = [Row(d(2025, 1, 1), d(2025, 1, 1)), Row(d(2025, 2, 1), d(2025, 2, 5))]
    assert on_time_streak(rows, d(2025, 2, 10)) == 0  # the last was late
    rows.append(Row(d(2025, 3, 1), d(2025, 2, 28)))
    rows.append(Row(d(2025, 4, 1), d(2025, 4, 1)))
    rows.append(Row(d(2025, 5, 1), None))
    assert on_time_streak(rows, d(2025, 4, 20)) == 2
    assert on_time_streak(rows, d(2025, 5, 2)) == 0  # fallen due unpaid


def test_the_close_counts_the_streak_on_the_new_schedule_only(kop: Koperasi) -> None:
    """Three instalments paid on time before a restructuring do not count for it: the close of
    business reads the streak as a repayment does (the current schedule only), so the loan keeps
    its grade until three instalments of its new schedule are paid on time."""
    from loans.services import closing

    loan = disbursed_loan(kop)  # flat 1%/month over 12 months, due the 15th from February
    for n, month in enumerate((2, 3, 4), start=1):
        move_to(kop, dt.date(2025, month, 15))
        due = Instalment.objects.get(loan=loan, number=n)
        _repay(fresh(loan), due.principal_due + due.interest_due, f"tepat-{n}")
    assert fresh(loan).on_time_streak == 3
    day = dt.date(2025, 9, 1)
    move_to(kop, day)  # May to August fallen due, unpaid: 109 days past due
    maker, checker = loan_staff(kop)
    closing.update_arrears(koperasi=kop, day=day, actor=checker)
    held = fresh(loan).kolektibilitas
    assert held == "kurang_lancar"
    request = services.loan_restructure_request(
        loan=fresh(loan), tenor=12, reason="Usaha terdampak banjir", actor=maker
    )
    services.loan_restructure_approve(request=request, actor=checker)
    assert fresh(loan).on_time_streak == 0
    closing.update_arrears(koperasi=kop, day=day, actor=checker)
    loan = fresh(loan)
    assert loan.on_time_streak == 0
    assert loan.kolektibilitas == held  # held at its grade from before the restructuring


# --- write-off and recovery ------------------------------------------------------------------


def test_writeoff_against_allowance_with_shortfall_as_ledger_lines(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    maker, checker = loan_staff(kop)
    form_allowance(loan, D(6_000_000))
    request = services.loan_writeoff_request(loan=loan, reason="Macet, tidak tertagih", actor=maker)
    approved = services.loan_writeoff_approve(request=request, actor=checker)
    assert lines(approved.entry) == {
        "1.1.04": D(6_000_000),
        "5.1.02": D(4_000_000),
        "1.1.03": D(-10_000_000),
    }
    loan = fresh(loan)
    assert loan.status == LoanStatus.HAPUS_BUKU
    assert (loan.outstanding_principal, loan.allowance, loan.written_off) == (0, 0, D(10_000_000))
    assert LoanEvent.objects.filter(loan=loan, kind="hapus_buku").exists()
    reconciled(kop)
    # Repayments are refused; recovery at the counter is income, never above what was written off.
    with pytest.raises(ValidationError, match="tidak sedang berjalan"):
        _repay(loan, 100_000, "r-after")
    session = cashier_open(koperasi=kop, kasir=maker, count=D(0), actor=maker)
    tx = services.loan_recover(
        loan=loan, amount=D(250_000), actor=maker, session=session, idempotency_key="rec1"
    )
    assert lines(tx.entry) == {"1.1.01": D(250_000), "4.1.05": D(-250_000)}
    again = services.loan_recover(
        loan=loan, amount=D(250_000), actor=maker, session=session, idempotency_key="rec1"
    )
    assert again.pk == tx.pk
    assert fresh(loan).recovered == D(250_000)
    before = _entries(kop)
    with pytest.raises(ValidationError, match="melebihi sisa"):
        services.loan_recover(
            loan=loan, amount=D(9_750_001), actor=maker, session=session, idempotency_key="rec2"
        )
    assert _entries(kop) == before
    reconciled(kop)
    # A recovery taken by mistake is voided like a repayment: asked by the kasir, approved by
    # a pengurus; the income and the cash go back and the loan has recovered that much less.
    void_request = services.loan_void_request(transaction=tx, actor=maker, reason="Salah anggota")
    services.loan_void_approve(request=void_request, actor=checker)
    assert fresh(loan).recovered == D(0)
    void = LoanTransaction.objects.get(voids=tx)
    assert lines(void.entry) == {"1.1.01": D(-250_000), "4.1.05": D(250_000)}
    assert void.cash == D(-250_000)  # out of the drawer it came into
    reconciled(kop)
    # A pengawas is informed: the write-off waits on their list until acknowledged.
    pengawas = staff_user("pengawas", Role.PENGAWAS, kop)
    with pytest.raises(ValidationError, match="Hanya pengawas"):
        services.loan_writeoff_acknowledge(request=approved, actor=checker)
    seen = services.loan_writeoff_acknowledge(request=approved, actor=pengawas)
    assert seen.seen_by_pengawas_id == pengawas.pk


def test_writeoff_releases_excess_allowance_and_reverses_accrual(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    maker, checker = loan_staff(kop)
    move_to(kop, dt.date(2025, 2, 15))
    _repay(loan, 933_333, "r1")  # principal 833.333 left 9.166.667
    form_allowance(loan, D(9_500_000))
    move_to(kop, dt.date(2025, 3, 1))
    accrue(loan, D(46_667))
    request = services.loan_writeoff_request(loan=loan, reason="x", actor=maker)
    approved = services.loan_writeoff_approve(request=request, actor=checker)
    assert lines(approved.entry) == {
        "1.1.04": D(9_500_000),
        "5.1.02": D(-333_333),
        "1.1.03": D(-9_166_667),
        "4.1.01": D(46_667),
        "1.1.05": D(-46_667),
    }
    assert D(approved.data["allowance_released"]) == D(333_333)
    assert fresh(loan).accrued_interest == 0
    reconciled(kop)


def test_writeoff_maker_checker_and_database(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    maker, checker = loan_staff(kop)
    with pytest.raises(ValidationError, match="Tulis alasan"):
        services.loan_writeoff_request(loan=loan, reason="", actor=maker)
    request = services.loan_writeoff_request(loan=loan, reason="x", actor=maker)
    with pytest.raises(ValidationError, match="Sudah ada pengajuan"):
        services.loan_writeoff_request(loan=loan, reason="y", actor=checker)
    before = _entries(kop)
    with pytest.raises(services.FourEyes):
        services.loan_writeoff_approve(request=request, actor=maker)
    assert _entries(kop) == before and fresh(loan).status == LoanStatus.AKTIF
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans_loanwriteoff SET decided_by_id = requested_by_id WHERE id = %s",
            [request.pk],
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans_loanwriteoff SET status = 'disetujui' WHERE id = %s", [request.pk]
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans_loan SET status = 'hapus_buku', outstanding_principal = 0, "
            "written_off = 10, recovered = 11 WHERE id = %s",
            [loan.pk],
        )
    services.loan_writeoff_refuse(request=request, actor=checker)
    assert LoanWriteOff.objects.get(pk=request.pk).status == "ditolak"


# --- exit netting ----------------------------------------------------------------------------


def test_exit_nets_savings_against_loans(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)  # Rp9.875.000 paid into sukarela
    maker, _checker = loan_staff(kop)
    sukarela = SavingsAccount.objects.get(member=loan.member, product__kind="sukarela")
    deposit(account=sukarela, amount=D(1_000_000), actor=None, via="bank")
    move_to(kop, dt.date(2025, 2, 15))
    result = member_exit(
        member=loan.member, actor=maker, on=dt.date(2025, 2, 15), via="bank", reason="Pindah kota"
    )
    loan = fresh(loan)
    assert loan.status == LoanStatus.LUNAS and loan.outstanding_principal == 0
    tx = LoanTransaction.objects.get(loan=loan, kind="netting")
    assert result.entry is not None and tx.entry_id == result.entry.pk
    # The payoff quote (flat): principal 10.000.000, February's interest fallen due that day
    # and the March period's whole interest: 2 × 100.000.
    assert (tx.principal, tx.interest_paid) == (D(-10_000_000), D(200_000))
    assert result.other_netted == D(10_200_000)
    got = lines(result.entry)
    assert got["1.1.03"] == D(-10_000_000) and got["4.1.01"] == D(-200_000)
    # What is left of the savings (10.875.000 + pokok and wajib) less the loans is refunded.
    assert result.payout == sum((a for _acc, a in result.refunded), D(0)) - D(10_200_000)
    reconciled(kop)
    assert integrity.verify_chain(koperasi=kop).ok


def test_exit_refused_when_savings_do_not_cover_the_loan(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    maker, _checker = loan_staff(kop)
    sukarela = SavingsAccount.objects.get(member=loan.member, product__kind="sukarela")
    services.loan_repay  # noqa: B018 - the loan stays as is
    before = _entries(kop)
    with pytest.raises(ValidationError, match="tidak cukup"):
        member_exit(member=loan.member, actor=maker, on=START, via="bank", reason="Pindah")
    assert _entries(kop) == before
    assert fresh(loan).status == LoanStatus.AKTIF
    assert SavingsAccount.objects.get(pk=sukarela.pk).status == "aktif"


# --- payroll ---------------------------------------------------------------------------------


def _csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def test_payroll_file_repays_loans_in_one_entry(kop: Koperasi) -> None:
    a = disbursed_loan(kop)
    b = disbursed_loan(kop, principal=5_000_000, tenor=5)  # flat: 1.000.000 + 50.000 a month
    maker, _checker = loan_staff(kop)
    move_to(kop, dt.date(2025, 2, 15))
    content = _csv(
        "nomor_pinjaman,nomor_anggota,nama,jumlah",
        f"{a.number},{a.member.number},{a.member.full_name},933333",
        f"{b.number},,,1050000",
    )
    batch = services.loan_payroll_preview(
        koperasi=kop, actor=maker, filename="gaji-feb.csv", content=content
    )
    assert batch.error_count == 0 and batch.total == D(1_983_333)
    posted = services.loan_payroll_post(batch=batch, actor=maker)
    assert lines(posted.entry) == {
        "1.1.02": D(1_983_333),
        "1.1.03": D(-833_333 - 1_000_000),
        "4.1.01": D(-150_000),
    }
    assert LoanTransaction.objects.filter(entry=posted.entry, kind="potong_gaji").count() == 2
    assert fresh(a).outstanding_principal == D(9_166_667)
    assert fresh(a).on_time_streak == 1
    again = services.loan_payroll_post(batch=batch, actor=maker)
    assert again.entry_id == posted.entry_id
    reconciled(kop)


def test_payroll_errors_as_data_and_nothing_posted(kop: Koperasi) -> None:
    a = disbursed_loan(kop)
    maker, _checker = loan_staff(kop)
    move_to(kop, dt.date(2025, 2, 15))
    content = _csv(
        "No Pinjaman,No Anggota,Jumlah",
        f"{a.number},{a.member.number},933333",
        "PU-99-99999,,100000",
        f"{a.number},,1000",
        ",,5",
        f"{a.number},X-1,abc",
    )
    batch = services.loan_payroll_preview(
        koperasi=kop, actor=maker, filename="gaji.csv", content=content
    )
    codes = sorted(e["code"] for e in batch.errors)
    assert codes == sorted(
        [
            "pinjaman_tidak_dikenal",
            "pinjaman_ganda",
            "nomor_kosong",
            "pinjaman_ganda",
            "anggota_lain",
            "jumlah_salah",
        ]
    )
    assert all(e["message"] for e in batch.errors)
    assert [r["loan"] for r in batch.rows] == [a.number]
    before = _entries(kop)
    with pytest.raises(ValidationError, match="kesalahan dalam berkas"):
        services.loan_payroll_post(batch=batch, actor=maker)
    assert _entries(kop) == before
    posted = services.loan_payroll_post(batch=batch, actor=maker, only_valid=True)
    assert posted.total == D(933_333) and posted.posted_only_valid
    reconciled(kop)
    # A file without the headers.
    bad = services.loan_payroll_preview(
        koperasi=kop, actor=maker, filename="x.csv", content=_csv("a,b", "1,2")
    )
    assert bad.errors[0]["code"] == "tanpa_kepala" and not bad.rows
