"""Random lives of loans: disbursements, repayments (partial, the amount due, excess),
prepayments and early settlements, restructurings, write-offs (with or without an allowance)
and recoveries, members leaving with loans netted, and the days passing, either closed one by
one through the close of business (the runner over the loan steps: accrual, denda, arrears and
kolektibilitas, and PPAP on a month end, which a rule aims at) or skipped.

After every step: the books balance; every sub-ledger equals its control accounts (the loans'
outstanding principal, accrued interest and allowance equal their portfolio, accrued-interest and
allowance accounts); each loan's outstanding principal and accrued interest equal the sums of
its movements; principal repaid never exceeds principal lent (and capitalised); recoveries never
exceed what was written off; every schedule row is paid within its due; ``kopdig ledger
verify`` is whole (the hash chain, the running balances, the sub-ledgers including the loans'
reconciliation in :mod:`loans.subledger`). A refused step posts nothing; a close leaves no
failed account.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Q, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from closing.models import CloseFailure, JobStatus
from closing.services import close_to
from closing.steps import STEPS
from ledger.integrity import verify_chain
from ledger.models import JournalEntry
from loans import services
from loans.models import Instalment, Loan, LoanStatus, LoanTransaction
from members.models import Member
from savings.models import Account as SavingsAccount
from savings.services import cashier_open, deposit, member_exit
from tests.factories import (
    KoperasiFactory,
    MemberFactory,
    disbursed_loan,
    loan_product,
    loan_staff,
    savings_products,
)
from tests.loans.end import form_allowance
from tests.loans.life import move_to, reconciled

D = Decimal
START = dt.date(2025, 1, 15)
# The close of business over the loan steps (the savings steps have their own tests).
LOAN_STEPS = [step for step in STEPS if step.path.startswith("loans.")]


class Loans(RuleBasedStateMachine):
    @initialize()
    def open_books(self) -> None:
        self.kop = KoperasiFactory.create(business_date=START)
        savings_products(self.kop)
        self.products = [
            loan_product(self.kop, code="PF"),
            loan_product(self.kop, code="PA", method="anuitas", excess_to_sukarela=True),
            loan_product(self.kop, code="PM", method="menurun", early_penalty_percent=D("1")),
        ]
        self.maker, self.checker = loan_staff(self.kop)
        self.session = cashier_open(
            koperasi=self.kop, kasir=self.maker, count=D(0), actor=self.maker
        )
        self.n = 0

    # --- helpers ---------------------------------------------------------------------------

    def _today(self) -> dt.date:
        self.kop.refresh_from_db()
        assert self.kop.business_date is not None
        return self.kop.business_date

    def _key(self) -> str:
        self.n += 1
        return f"k{self.n}"

    def _loans(self, status: str) -> list[Loan]:
        return list(Loan.objects.filter(koperasi=self.kop, status=status).order_by("pk"))

    def _fund(self, loan: Loan, amount: Decimal) -> None:
        account = SavingsAccount.objects.get(
            member=loan.member, product__kind="sukarela", status="aktif"
        )
        deposit(account=account, amount=amount, actor=None, via="bank")

    def _refused(self, action: Any) -> None:
        """Run ``action``; a refusal (an Indonesian message) must post nothing."""
        before = JournalEntry.objects.filter(koperasi=self.kop).count()
        try:
            action()
        except ValidationError as exc:
            assert exc.messages and all(exc.messages)
            assert JournalEntry.objects.filter(koperasi=self.kop).count() == before

    # --- rules -----------------------------------------------------------------------------

    @rule(
        product=st.integers(0, 2),
        hundreds=st.integers(5, 200),
        tenor=st.integers(3, 24),
    )
    def disburse(self, product: int, hundreds: int, tenor: int) -> None:
        member = MemberFactory.create(koperasi=self.kop)
        disbursed_loan(
            self.kop,
            member=member,
            product=self.products[product],
            principal=hundreds * 100_000,
            tenor=tenor,
            on=self._today(),
        )

    @rule(days=st.integers(1, 45))
    def days_pass(self, days: int) -> None:
        move_to(self.kop, self._today() + dt.timedelta(days=days))

    def _close_to(self, to: dt.date) -> None:
        job = close_to(koperasi=self.kop, to=to, actor=self.checker)
        assert job.status == JobStatus.SELESAI, (job.status, job.error)
        failed = CloseFailure.objects.filter(koperasi=self.kop, resolved_at__isnull=True)
        assert not failed.exists(), [(f.object_id, f.message) for f in failed]
        assert self._today() == to + dt.timedelta(days=1)

    @rule(days=st.integers(1, 20))
    def close_days(self, days: int) -> None:
        """The close of business for the next ``days`` business days, one by one."""
        self._close_to(self._today() + dt.timedelta(days=days - 1))

    @rule()
    def close_month(self) -> None:
        """The close of business up to and including this month's last day (PPAP, grades)."""
        today = self._today()
        last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
        self._close_to(last)

    @precondition(lambda self: Loan.objects.filter(koperasi=self.kop, status="aktif").exists())
    @rule(
        pick=st.integers(0, 50),
        how=st.sampled_from(["partial", "due", "excess", "settle"]),
        part=st.integers(1, 99),
    )
    def repay(self, pick: int, how: str, part: int) -> None:
        loans = self._loans(LoanStatus.AKTIF)
        loan = loans[pick % len(loans)]
        today = self._today()
        due = services.amount_due(loan, today)
        quote = services.loan_payoff_quote(loan=loan, on=today)
        if how == "partial":
            amount = max(D(1), (due or quote.total) * part // 100)
        elif how == "due":
            amount = due or D(part * 1_000)
        elif how == "excess":
            amount = quote.total + part * 1_000
        else:
            amount = quote.total
        self._fund(loan, amount)

        def go() -> None:
            if how == "settle":
                services.loan_settle_early(
                    loan=loan, actor=self.maker, via="sukarela", idempotency_key=self._key()
                )
            else:
                services.loan_repay(
                    loan=loan,
                    amount=amount,
                    via="sukarela",
                    actor=self.maker,
                    idempotency_key=self._key(),
                )

        self._refused(go)

    @precondition(lambda self: Loan.objects.filter(koperasi=self.kop, status="aktif").exists())
    @rule(pick=st.integers(0, 50), tenor=st.integers(1, 36), capitalise=st.booleans())
    def restructure(self, pick: int, tenor: int, capitalise: bool) -> None:
        loans = self._loans(LoanStatus.AKTIF)
        loan = loans[pick % len(loans)]

        def go() -> None:
            request = services.loan_restructure_request(
                loan=loan,
                tenor=tenor,
                capitalise_arrears_interest=capitalise,
                reason="uji",
                actor=self.maker,
            )
            services.loan_restructure_approve(request=request, actor=self.checker)

        self._refused(go)

    @precondition(lambda self: Loan.objects.filter(koperasi=self.kop, status="aktif").exists())
    @rule(pick=st.integers(0, 50), allowance_pct=st.sampled_from([0, 10, 50, 100, 150]))
    def write_off(self, pick: int, allowance_pct: int) -> None:
        loans = self._loans(LoanStatus.AKTIF)
        loan = loans[pick % len(loans)]
        allowance = loan.outstanding_principal * allowance_pct // 100
        if allowance:
            form_allowance(loan, allowance)

        def go() -> None:
            request = services.loan_writeoff_request(loan=loan, reason="macet", actor=self.maker)
            services.loan_writeoff_approve(request=request, actor=self.checker)

        self._refused(go)

    @precondition(lambda self: Loan.objects.filter(koperasi=self.kop, status="hapus_buku").exists())
    @rule(pick=st.integers(0, 50), share=st.integers(1, 120))
    def recover(self, pick: int, share: int) -> None:
        loans = self._loans(LoanStatus.HAPUS_BUKU)
        loan = loans[pick % len(loans)]
        amount = max(D(1), (loan.written_off * share // 100).to_integral_value())
        self._refused(
            lambda: services.loan_recover(
                loan=loan,
                amount=amount,
                actor=self.maker,
                session=self.session,
                idempotency_key=self._key(),
            )
        )

    @precondition(
        lambda self: Member.objects.filter(
            koperasi=self.kop, status="aktif", loans__status="aktif"
        ).exists()
    )
    @rule(pick=st.integers(0, 50), cover=st.booleans())
    def member_leaves(self, pick: int, cover: bool) -> None:
        members = list(
            Member.objects.filter(koperasi=self.kop, status="aktif", loans__status="aktif")
            .distinct()
            .order_by("pk")
        )
        member = members[pick % len(members)]
        if cover:
            for loan in Loan.objects.filter(member=member, status="aktif"):
                quote = services.loan_payoff_quote(loan=loan, on=self._today())
                self._fund(loan, quote.total)
        self._refused(
            lambda: member_exit(
                member=member, actor=self.maker, on=self._today(), via="bank", reason="pindah"
            )
        )

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def books_and_subledger_reconcile(self) -> None:
        if not hasattr(self, "kop"):
            return
        reconciled(self.kop)  # books balance, sub-ledgers = controls, loan = its movements
        assert verify_chain(koperasi=self.kop).ok
        # The operator's check, whole: raises CommandError on any difference.
        out = io.StringIO()
        call_command("ledger", "verify", "--koperasi", self.kop.code, stdout=out)
        assert "SELISIH" not in out.getvalue() and "RUSAK" not in out.getvalue()

    @invariant()
    def principal_repaid_within_lent(self) -> None:
        if not hasattr(self, "kop"):
            return
        for loan in Loan.objects.filter(koperasi=self.kop).exclude(disbursed_on=None):
            moved = LoanTransaction.objects.filter(loan=loan).aggregate(
                lent=Sum("principal", filter=Q(principal__gt=0)),
                back=Sum("principal", filter=Q(principal__lt=0)),
            )
            assert -(moved["back"] or 0) <= (moved["lent"] or 0), loan.number
            assert loan.recovered <= loan.written_off
            if loan.status == LoanStatus.HAPUS_BUKU:
                assert loan.outstanding_principal == 0 and loan.allowance == 0
            rows = Instalment.objects.filter(loan=loan, superseded=False)
            scheduled = rows.aggregate(s=Sum("principal_due"), p=Sum("principal_paid"))
            if loan.status == LoanStatus.AKTIF:
                # What the schedule in force still asks is exactly what is outstanding.
                assert (scheduled["s"] or 0) - (scheduled["p"] or 0) == loan.outstanding_principal


Loans.TestCase.settings = settings(
    max_examples=6,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_loans_stay_reconciled_under_random_lives(db: Any, settings: Any) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    settings.CLOSING_STEPS = LOAN_STEPS
    run_state_machine_as_test(Loans, settings=Loans.TestCase.settings)
