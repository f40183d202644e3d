"""The life of a loan through its services, as ledger lines: apply → approve (another user) →
disburse → repay → lunas; early settlement; voids; the sub-ledger reconciled after each step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from loans import services
from loans.models import Instalment, Loan, LoanStatus, LoanVoidRequest
from registry.models import Koperasi, Role
from savings.models import Account as SavingsAccount
from savings.services import approvals, cashier_open, deposit, limits_set
from tests.factories import (
    MemberFactory,
    disbursed_loan,
    loan_product,
    loan_staff,
    savings_products,
    staff_user,
)
from tests.loans.life import D, fresh, lines, move_to, reconciled

START = dt.date(2025, 1, 15)


@pytest.fixture
def kop(koperasi: Koperasi) -> Koperasi:
    move_to(koperasi, START)
    savings_products(koperasi)
    return koperasi


def _sukarela(loan: Loan) -> SavingsAccount:
    return SavingsAccount.objects.get(member=loan.member, product__kind="sukarela")


def _fund(account: SavingsAccount, amount: int) -> None:
    deposit(account=account, amount=D(amount), actor=None, via="bank")


def _repay(loan: Loan, amount: Any, key: str, **kw: Any) -> Any:
    loan = fresh(loan)  # its koperasi's business date as it is now
    maker, _ = loan_staff(loan.koperasi)
    kw.setdefault("via", "sukarela")
    return services.loan_repay(loan=loan, amount=D(amount), actor=maker, idempotency_key=key, **kw)


# --- application and approval -------------------------------------------------------------------


def test_apply_copies_terms_and_refuses_bad_input(kop: Koperasi) -> None:
    product = loan_product(kop, collateral_required=True)
    member = MemberFactory.create(koperasi=kop)
    maker, _checker = loan_staff(kop)
    common: dict[str, Any] = dict(
        koperasi=kop, member=member, product=product, actor=maker, purpose="x"
    )
    cases: tuple[tuple[dict[str, Any], str], ...] = (
        ({"principal": 10_000_000, "tenor": 0, "collateral": "BPKB"}, "tenor_zero"),
        ({"principal": 10_000_000, "tenor": 48, "collateral": "BPKB"}, "tenor_range"),
        ({"principal": 100, "tenor": 12, "collateral": "BPKB"}, "amount_range"),
        ({"principal": 10_000_000, "tenor": 12, "collateral": ""}, "collateral_required"),
        (
            {"principal": 10_000_000, "tenor": 12, "collateral": "BPKB", "rate_percent": "1,5"},
            "rate_above_product",
        ),
    )
    for bad, code in cases:
        with pytest.raises(services.LoansError) as err:
            services.loan_apply(**common, **bad)
        assert err.value.code == code
    assert "di atas bunga produk" in str(
        pytest.raises(
            services.LoansError,
            services.loan_apply,
            **common,
            principal=10_000_000,
            tenor=12,
            collateral="B",
            rate_percent="2",
        ).value
    )
    loan = services.loan_apply(
        **common, principal=10_000_000, tenor=12, collateral="BPKB", rate_percent="0,9"
    )
    assert (loan.method, loan.rate_bp, loan.status) == ("flat", 90, LoanStatus.DIAJUKAN)
    assert loan.events.get().kind == "diajukan"


def test_member_limit(kop: Koperasi) -> None:
    settings = services.settings_of(kop)
    settings.member_limit = D(5_000_000)
    settings.save()
    maker, _ = loan_staff(kop)
    with pytest.raises(services.LoansError) as err:
        services.loan_apply(
            koperasi=kop,
            member=MemberFactory.create(koperasi=kop),
            product=loan_product(kop),
            principal=6_000_000,
            tenor=12,
            collateral="",
            actor=maker,
        )
    assert err.value.code == "member_limit"


def test_maker_cannot_approve_service_and_database(kop: Koperasi) -> None:
    maker, checker = loan_staff(kop)
    from registry.models import RoleGrant

    RoleGrant.objects.create(user=maker, koperasi=kop, role=Role.PENGURUS)
    loan = services.loan_apply(
        koperasi=kop,
        member=MemberFactory.create(koperasi=kop),
        product=loan_product(kop),
        principal=1_000_000,
        tenor=6,
        actor=maker,
    )
    with pytest.raises(services.FourEyes):
        services.loan_approve(loan=loan, actor=maker, acknowledge_rate_cap=True)
    with pytest.raises(services.LoansError):  # a kasir is not a pengurus
        services.loan_approve(loan=loan, actor=staff_user("kasir2", Role.KASIR, kop))
    approved = services.loan_approve(loan=loan, actor=checker, acknowledge_rate_cap=True)
    assert approved.status == LoanStatus.DISETUJUI and approved.approved_by == checker
    assert [e.kind for e in approved.events.all()] == ["diajukan", "disetujui"]


def test_rate_cap_needs_acknowledgement_recorded_in_audit(kop: Koperasi) -> None:
    from core.models import AuditEvent

    maker, checker = loan_staff(kop)
    product = loan_product(kop, code="MHL", rate_percent=D("3"))
    loan = services.loan_apply(
        koperasi=kop,
        member=MemberFactory.create(koperasi=kop),
        product=product,
        principal=1_000_000,
        tenor=6,
        actor=maker,
    )
    with pytest.raises(services.RateCapNotAcknowledged):
        services.loan_approve(loan=loan, actor=checker)
    approved = services.loan_approve(loan=loan, actor=checker, acknowledge_rate_cap=True)
    assert approved.rate_cap_acknowledged
    event = AuditEvent.objects.filter(action="loans.approve").latest("pk")
    assert event.after is not None and event.after["rate_cap_acknowledged"] is True


def test_related_party_needs_pengurus_and_pengawas_within_capital(kop: Koperasi) -> None:
    from ledger import services as ledger
    from ledger.models import Account as LedgerAccount
    from ledger.selectors import account_for_role

    maker, checker = loan_staff(kop)
    pengawas = staff_user("pengawas-rp", Role.PENGAWAS, kop)
    # Own capital Rp50.000.000 (modal donasi from the bank): 10% is Rp5.000.000.
    ledger.post(
        koperasi=kop,
        lines=[
            ledger.Line(account=account_for_role(koperasi=kop, role="bank"), debit=D(50_000_000)),
            ledger.Line(
                account=LedgerAccount.objects.get(koperasi=kop, code="3.2.01"),
                credit=D(50_000_000),
            ),
        ],
        kind="manual",
        memo="Modal",
        actor=checker,
    )
    assert services.own_capital(kop) == D(50_000_000)

    def apply(amount: int) -> Loan:
        return services.loan_apply(
            koperasi=kop,
            member=MemberFactory.create(koperasi=kop),
            product=loan_product(kop),
            principal=amount,
            tenor=6,
            related_party=True,
            actor=maker,
        )

    big = apply(6_000_000)
    with pytest.raises(services.RelatedPartyLimit):
        services.loan_approve(loan=big, actor=checker, acknowledge_rate_cap=True)
    services.loan_refuse(loan=big, actor=checker, note="Di atas batas")
    loan = apply(5_000_000)
    half = services.loan_approve(loan=loan, actor=checker, acknowledge_rate_cap=True)
    assert half.status == LoanStatus.DIAJUKAN  # waits for the pengawas
    with pytest.raises(services.LoansError):
        services.loan_approve(loan=half, actor=checker, acknowledge_rate_cap=True)
    done = services.loan_approve(loan=half, actor=pengawas, acknowledge_rate_cap=True)
    assert done.status == LoanStatus.DISETUJUI
    assert (done.approved_by, done.approved_by_pengawas) == (checker, pengawas)


def test_refuse_and_cancel(kop: Koperasi) -> None:
    maker, checker = loan_staff(kop)
    loans = [
        services.loan_apply(
            koperasi=kop,
            member=MemberFactory.create(koperasi=kop),
            product=loan_product(kop),
            principal=1_000_000,
            tenor=6,
            actor=maker,
        )
        for _ in range(2)
    ]
    with pytest.raises(services.LoansError):
        services.loan_refuse(loan=loans[0], actor=maker, note="x")
    assert services.loan_refuse(loan=loans[0], actor=checker, note="Usaha belum jalan").status == (
        "ditolak"
    )
    assert services.loan_cancel(loan=loans[1], actor=maker, note="Batal").status == "batal"
    with pytest.raises(services.LoansError):
        services.loan_approve(loan=loans[0], actor=checker)


# --- disbursement ---------------------------------------------------------------------------------


def test_disbursement_in_cash_with_fees_and_saving(kop: Koperasi) -> None:
    maker, checker = loan_staff(kop)
    sw = savings_products(kop).sukarela
    product = loan_product(
        kop, code="PS", saving_kind="persen", saving_percent=D("2"), saving_product=sw
    )
    session = cashier_open(koperasi=kop, kasir=maker, count=D(20_000_000), actor=maker)
    loan = services.loan_apply(
        koperasi=kop,
        member=MemberFactory.create(koperasi=kop),
        product=product,
        principal=10_000_000,
        tenor=12,
        actor=maker,
    )
    loan = services.loan_approve(loan=loan, actor=checker, acknowledge_rate_cap=True)
    tx = services.loan_disburse(
        loan=loan, actor=maker, via="kas", session=session, idempotency_key="d1"
    )
    # Dr portfolio 10.000.000; Cr kas 9.675.000, provisi+admin 125.000, simpanan 200.000.
    assert lines(tx.entry) == {
        "1.1.03": D(10_000_000),
        "1.1.01": D(-9_675_000),
        "4.1.03": D(-125_000),
        "2.1.01": D(-200_000),
    }
    loan = fresh(loan)
    assert (loan.status, loan.outstanding_principal, loan.fees, loan.saving_taken) == (
        "aktif",
        D(10_000_000),
        D(125_000),
        D(200_000),
    )
    rows = list(loan.instalments.order_by("number"))
    assert len(rows) == 12 and rows[0].due_date == dt.date(2025, 2, 15)
    assert loan.maturity_date == dt.date(2026, 1, 15)
    assert sum(r.principal_due for r in rows) == D(10_000_000)
    from savings.services.drawer import expected_cash

    assert expected_cash(session) == D(20_000_000 - 9_675_000)
    # The same key again: the first result, nothing more posted.
    again = services.loan_disburse(
        loan=loan, actor=maker, via="kas", session=session, idempotency_key="d1"
    )
    assert again.pk == tx.pk
    reconciled(kop)


def test_disbursement_refused_when_drawer_short_or_not_approved(kop: Koperasi) -> None:
    maker, checker = loan_staff(kop)
    session = cashier_open(koperasi=kop, kasir=maker, count=D(1_000_000), actor=maker)
    loan = services.loan_apply(
        koperasi=kop,
        member=MemberFactory.create(koperasi=kop),
        product=loan_product(kop),
        principal=5_000_000,
        tenor=12,
        actor=maker,
    )
    with pytest.raises(services.LoansError):
        services.loan_disburse(loan=loan, actor=maker, session=session, idempotency_key="x1")
    loan = services.loan_approve(loan=loan, actor=checker, acknowledge_rate_cap=True)
    with pytest.raises(ValidationError) as err:
        services.loan_disburse(loan=loan, actor=maker, session=session, idempotency_key="x2")
    assert err.value.code == "drawer_short"
    assert fresh(loan).status == "disetujui"
    reconciled(kop)


def test_counter_limits_apply(kop: Koperasi) -> None:
    maker, checker = loan_staff(kop)
    loan = disbursed_loan(kop)
    _fund(_sukarela(loan), 5_000_000)
    limits_set(
        koperasi=kop,
        confirm_above=D(1_000_000),
        approval_threshold=D(2_000_000),
        ceiling=D(100_000_000),
        actor=checker,
    )
    with pytest.raises(approvals.NeedsConfirmation):
        _repay(loan, 1_500_000, "c1", confirmed=False)
    with pytest.raises(approvals.NeedsApproval):
        _repay(loan, 2_500_000, "c2")
    with pytest.raises(services.LoansError):  # the kasir cannot approve themself
        _repay(loan, 2_500_000, "c3", approved_by=maker)
    tx = _repay(loan, 2_500_000, "c4", approved_by=checker)
    assert tx.principal < 0
    reconciled(kop)


# --- repayments -----------------------------------------------------------------------------------


def test_worked_example_flat_instalment_one(kop: Koperasi) -> None:
    """Member pays Rp933.333, instalment 1 → cash +933.333, portfolio −833.333, income −100.000."""
    loan = disbursed_loan(kop)
    maker, _ = loan_staff(kop)
    session = cashier_open(koperasi=kop, kasir=maker, count=D(0), actor=maker)
    move_to(kop, dt.date(2025, 2, 15))
    tx = _repay(loan, 933_333, "i1", via="kas", session=session)
    assert lines(tx.entry) == {"1.1.01": D(933_333), "1.1.03": D(-833_333), "4.1.01": D(-100_000)}
    first = Instalment.objects.get(loan=loan, number=1)
    assert first.paid_on == dt.date(2025, 2, 15)
    assert fresh(loan).outstanding_principal == D(9_166_667)
    assert [(a.principal, a.interest) for a in tx.allocations.all()] == [(D(833_333), D(100_000))]
    reconciled(kop)


def test_partial_payments_vertical_and_accrued_interest_first(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    _fund(_sukarela(loan), 3_000_000)
    Loan.objects.filter(pk=loan.pk).update(accrued_interest=D(60_000))
    # Keep the books whole: the accrual the close would have posted.
    from ledger import services as ledger
    from ledger.selectors import account_for_role

    accrual = ledger.post(
        koperasi=kop,
        lines=[
            ledger.Line(
                account=account_for_role(koperasi=kop, role="bunga_pinjaman_diterima"),
                debit=D(60_000),
            ),
            ledger.Line(
                account=account_for_role(koperasi=kop, role="pendapatan_jasa_pinjaman"),
                credit=D(60_000),
            ),
        ],
        kind="loans.accrual",
        memo="Akrual uji",
        actor=None,
    )
    from loans.models import LoanTransaction

    LoanTransaction.objects.create(
        koperasi=kop,
        loan=loan,
        kind="akrual",
        value_date=START,
        entry=accrual,
        accrued=D(60_000),
    )
    move_to(kop, dt.date(2025, 2, 20))
    Instalment.objects.filter(loan=loan, number=1).update(denda_due=D(5_000))
    tx = _repay(loan, 50_000, "p1")
    # Vertical: denda 5.000 first, then 45.000 interest, all of it from the accrual.
    assert lines(tx.entry) == {"2.1.01": D(50_000), "4.1.04": D(-5_000), "1.1.05": D(-45_000)}
    tx = _repay(loan, 100_000, "p2")
    # 55.000 interest left (15.000 accrued, 40.000 income), then 45.000 principal.
    assert lines(tx.entry) == {
        "2.1.01": D(100_000),
        "1.1.05": D(-15_000),
        "4.1.01": D(-40_000),
        "1.1.03": D(-45_000),
    }
    loan = fresh(loan)
    assert loan.accrued_interest == 0
    first = loan.instalments.get(number=1)
    assert (first.denda_paid, first.interest_paid, first.principal_paid, first.paid_on) == (
        D(5_000),
        D(100_000),
        D(45_000),
        None,
    )
    reconciled(kop)


def test_horizontal_allocation(kop: Koperasi) -> None:
    loan = disbursed_loan(kop, allocation="horizontal", code="PH")
    _fund(_sukarela(loan), 3_000_000)
    move_to(kop, dt.date(2025, 3, 20))  # instalments 1 and 2 due, 3 current
    tx = _repay(loan, 300_000, "h1")
    # All interest due and current first (3 × 100.000), no principal.
    assert lines(tx.entry) == {"2.1.01": D(300_000), "4.1.01": D(-300_000)}
    assert [r.interest_paid for r in fresh(loan).instalments.order_by("number")[:4]] == [
        D(100_000)
    ] * 3 + [D(0)]
    reconciled(kop)


def test_paying_ahead_pays_the_current_instalment(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    _fund(_sukarela(loan), 3_000_000)
    move_to(kop, dt.date(2025, 2, 10))  # five days before instalment 1 is due
    _repay(loan, 933_333, "a1")
    assert fresh(loan).instalments.get(number=1).paid_on == dt.date(2025, 2, 10)


def test_prepayment_shortens_the_tenor(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    _fund(_sukarela(loan), 5_000_000)
    move_to(kop, dt.date(2025, 2, 15))
    # Instalment 1 (due today), instalment 2 (the current period's, paid ahead), then 1.666.674
    # principal ahead: instalments 12 and 11 (833.337 + 833.333) are prepaid, 4 rupiah go on
    # 10; their interest is cut from the schedule (the tenor shortens by two months).
    tx = _repay(loan, 2 * 933_333 + 833_337 + 833_333 + 4, "pp")
    assert lines(tx.entry) == {
        "2.1.01": D(3_533_340),
        "1.1.03": D(-3_333_340),
        "4.1.01": D(-200_000),
    }
    rows = {r.number: r for r in fresh(loan).instalments.all()}
    assert rows[12].paid_on == rows[11].paid_on == dt.date(2025, 2, 15)
    assert rows[12].interest_due == rows[11].interest_due == 0
    assert rows[10].principal_paid == 4 and rows[10].interest_due == D(100_000)
    reconciled(kop)


def test_excess_refused_or_to_sukarela(kop: Koperasi) -> None:
    no_prepay = disbursed_loan(kop, code="NP", prepayment_allowed=False)
    _fund(_sukarela(no_prepay), 3_000_000)
    move_to(kop, dt.date(2025, 2, 15))
    with pytest.raises(services.Overpayment):  # instalment 1 due, 2 paid ahead, then too much
        _repay(no_prepay, 2_000_000, "e1")
    maker, _ = loan_staff(kop)
    session = cashier_open(koperasi=kop, kasir=maker, count=D(0), actor=maker)
    to_sukarela = disbursed_loan(
        kop, code="XS", prepayment_allowed=False, excess_to_sukarela=True, on=dt.date(2025, 1, 15)
    )
    before = _sukarela(to_sukarela).balance
    tx = _repay(to_sukarela, 2_000_000, "e2", via="kas", session=session)
    assert lines(tx.entry) == {
        "1.1.01": D(2_000_000),
        "1.1.03": D(-1_666_666),
        "4.1.01": D(-200_000),
        "2.1.01": D(-133_334),
    }
    assert _sukarela(to_sukarela).balance == before + D(133_334)
    reconciled(kop)


def test_lunas_then_refused(kop: Koperasi) -> None:
    loan = disbursed_loan(kop, tenor=3, principal=3_000_000)
    _fund(_sukarela(loan), 5_000_000)
    for k, day in enumerate((dt.date(2025, 2, 15), dt.date(2025, 3, 15), dt.date(2025, 4, 15))):
        move_to(kop, day)
        _repay(loan, 1_030_000, f"l{k}")
        reconciled(kop)
    loan = fresh(loan)
    assert (loan.status, loan.closed_on, loan.outstanding_principal) == (
        "lunas",
        dt.date(2025, 4, 15),
        0,
    )
    assert loan.events.filter(kind="lunas").exists()
    with pytest.raises(services.LoanClosed):
        _repay(loan, 1, "l9")


def test_idempotent_repeat_and_conflict(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    _fund(_sukarela(loan), 3_000_000)
    move_to(kop, dt.date(2025, 2, 15))
    first = _repay(loan, 933_333, "same")
    assert _repay(loan, 933_333, "same").pk == first.pk
    with pytest.raises(services.IdempotencyConflict):
        _repay(loan, 900_000, "same")
    assert fresh(loan).outstanding_principal == D(9_166_667)


# --- early settlement -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # Remaining principal 10.000.000 + interest to the day: 100.000 × 14/31 days.
        ("menurun", D(10_000_000) + D(45_161)),
        ("anuitas", D(10_000_000) + D(45_161)),
        # Flat: this month's whole interest + 10% of the 11 later months' (1.100.000).
        ("flat", D(10_000_000) + D(100_000) + D(110_000)),
    ],
)
def test_early_settlement_per_method(kop: Koperasi, method: str, expected: Any) -> None:
    loan = disbursed_loan(
        kop, code=method[:3].upper(), method=method, early_interest_share_percent=D("10")
    )
    _fund(_sukarela(loan), 11_000_000)
    move_to(kop, dt.date(2025, 1, 29))
    loan = fresh(loan)
    quote = services.loan_payoff_quote(loan=loan)
    assert quote.total == expected
    maker, _ = loan_staff(kop)
    tx = services.loan_settle_early(
        loan=loan, via="sukarela", actor=maker, idempotency_key=f"s-{method}"
    )
    loan = fresh(loan)
    assert loan.status == "lunas" and tx.kind == "pelunasan"
    assert lines(tx.entry)["4.1.01"] == -(expected - D(10_000_000))
    assert all(r.paid_on for r in loan.instalments.all())
    reconciled(kop)


def test_early_settlement_penalty_is_income(kop: Koperasi) -> None:
    loan = disbursed_loan(kop, code="PEN", method="menurun", early_penalty_percent=D("1"))
    _fund(_sukarela(loan), 11_000_000)
    loan = fresh(loan)
    quote = services.loan_payoff_quote(loan=loan)
    assert quote.penalty == D(100_000) and quote.total == D(10_100_000)
    maker, _ = loan_staff(kop)
    tx = services.loan_settle_early(loan=loan, actor=maker, via="sukarela", idempotency_key="pen")
    assert lines(tx.entry) == {
        "2.1.01": D(10_100_000),
        "1.1.03": D(-10_000_000),
        "4.1.04": D(-100_000),
    }
    reconciled(kop)


# --- voids ----------------------------------------------------------------------------------------


def test_void_repayment_restores_exactly_with_maker_checker(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    _fund(_sukarela(loan), 5_000_000)
    maker, checker = loan_staff(kop)
    move_to(kop, dt.date(2025, 2, 15))
    before = [
        (r.principal_paid, r.interest_paid, r.interest_due, r.paid_on)
        for r in loan.instalments.order_by("number")
    ]
    tx = _repay(loan, 933_333 + 833_337 + 5, "v1")
    request = services.loan_void_request(transaction=tx, actor=maker, reason="Salah jumlah")
    with pytest.raises(services.LoanVoidError):
        services.loan_void_approve(request=request, actor=maker)
    done = services.loan_void_approve(request=request, actor=checker)
    assert done.status == "dibatalkan"
    loan = fresh(loan)
    after = [
        (r.principal_paid, r.interest_paid, r.interest_due, r.paid_on)
        for r in loan.instalments.order_by("number")
    ]
    assert after == before and loan.outstanding_principal == D(10_000_000)
    assert done.void_entry is not None
    assert {k: -v for k, v in lines(tx.entry).items()} == lines(done.void_entry)
    with pytest.raises(services.LoanVoidError):
        services.loan_void_request(transaction=tx, actor=maker, reason="lagi")
    reconciled(kop)


def test_void_lunas_reopens_and_disbursement_void(kop: Koperasi) -> None:
    loan = disbursed_loan(kop, method="menurun", code="MV")
    _fund(_sukarela(loan), 1_000_000)
    maker, checker = loan_staff(kop)
    tx = services.loan_settle_early(loan=loan, actor=maker, via="sukarela", idempotency_key="sv")
    assert fresh(loan).status == "lunas"
    services.loan_void_approve(
        request=services.loan_void_request(transaction=tx, actor=maker, reason="Keliru"),
        actor=checker,
    )
    assert fresh(loan).status == "aktif"
    reconciled(kop)
    pencairan = loan.transactions.get(kind="pencairan", voids__isnull=True)
    services.loan_void_approve(
        request=services.loan_void_request(transaction=pencairan, actor=maker, reason="Batal"),
        actor=checker,
    )
    loan = fresh(loan)
    assert (loan.status, loan.outstanding_principal) == ("disetujui", 0)
    assert not loan.instalments.filter(superseded=False).exists()
    reconciled(kop)
    # Disbursed again: a new schedule version.
    again = services.loan_disburse(loan=loan, actor=maker, via="sukarela", idempotency_key="d2")
    assert fresh(again.loan).instalments.filter(superseded=False, version=2).count() == 12
    reconciled(kop)


def test_void_refused_when_something_came_after(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    _fund(_sukarela(loan), 3_000_000)
    maker, _ = loan_staff(kop)
    _repay(loan, 100_000, "w1")
    pencairan = loan.transactions.get(kind="pencairan")
    with pytest.raises(services.LoanVoidError):
        services.loan_void_request(transaction=pencairan, actor=maker, reason="x")


def test_ledger_refuses_generic_reversal_of_loan_entries(kop: Koperasi) -> None:
    from ledger import services as ledger

    loan = disbursed_loan(kop)
    maker, checker = loan_staff(kop)
    with pytest.raises(ledger.LedgerError):
        ledger.reverse(entry=loan.disbursement_entry, actor=checker, memo="x")


# --- database rules -------------------------------------------------------------------------------


def _raw(sql: str, params: list[Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_four_eyes_overpaid_instalment_negative_outstanding(kop: Koperasi) -> None:
    loan = disbursed_loan(kop)
    _raw("UPDATE loans_loan SET approved_by_id = applied_by_id WHERE id = %s", [loan.pk])
    row = loan.instalments.get(number=1)
    _raw("UPDATE loans_instalment SET principal_paid = principal_due + 1 WHERE id = %s", [row.pk])
    _raw("UPDATE loans_instalment SET interest_paid = interest_due + 1 WHERE id = %s", [row.pk])
    _raw("UPDATE loans_loan SET outstanding_principal = -1 WHERE id = %s", [loan.pk])
    tx = loan.transactions.get()
    request = LoanVoidRequest.objects.create(
        koperasi=kop, loan=loan, transaction=tx, reason="x", requested_by=loan.applied_by
    )
    _raw(
        "UPDATE loans_loanvoidrequest SET decided_by_id = requested_by_id WHERE id = %s",
        [request.pk],
    )
