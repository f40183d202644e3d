"""The counter's approval for loan money, through the savings counter's own queue.

A cash disbursement, a repayment, or a recovery of a written-off loan at the loan counter above
the koperasi's approval threshold
(:mod:`savings.services.approvals`, the same :class:`~savings.models.CounterLimits` as savings)
is not posted: it becomes a :class:`~savings.models.CounterRequest` naming the loan
(``subject = "loans.Loan:<pk>"``) in the same queue as large deposits and withdrawals. When a
pengurus other than the kasir approves it, the handler registered here (``LoansConfig.ready``)
posts it once, through the loans service, as the kasir (the maker) with the kasir's session,
the pengurus as ``approved_by`` and the request's own idempotency key. A refused request is
kept with its reason, like a savings one.
"""

from __future__ import annotations

from typing import Any

from loans.models import Loan, LoanTransaction
from loans.services.disbursement import disbursement_figures, loan_disburse
from loans.services.repayment import loan_payoff_quote, loan_repay, loan_settle_early
from loans.services.writeoff import loan_recover
from savings.models import CashierSession, CounterRequest
from savings.services import approvals

Action = CounterRequest.Action
LOAN_ACTIONS = (Action.LOAN_DISBURSE, Action.LOAN_REPAY, Action.LOAN_SETTLE, Action.LOAN_RECOVER)


def subject_of(loan: Loan) -> str:
    return f"loans.Loan:{loan.pk}"


def loan_counter_request(
    *,
    action: str,
    loan: Loan,
    actor: Any,
    idempotency_key: str,
    amount: Any = None,
    via: str = "kas",
    session: CashierSession | None = None,
) -> CounterRequest:
    """Put a loan's counter action above the threshold in the pengurus's queue; nothing is
    posted. ``amount`` is what the kasir takes in (a repayment, a recovery), defaults to the net
    paid out (a disbursement) or the payoff quote (a settlement). The same form again returns the
    same request."""
    if action not in LOAN_ACTIONS:
        raise ValueError(action)
    if amount in (None, ""):
        if action == Action.LOAN_DISBURSE:
            amount = disbursement_figures(loan)["net"]
        elif action == Action.LOAN_RECOVER:
            amount = loan.written_off - loan.recovered
        else:
            amount = loan_payoff_quote(loan=loan).total
    return approvals.request_create(
        action=action,
        koperasi=loan.koperasi,
        subject=subject_of(loan),
        subject_label=f"{loan.number} {loan.member.full_name}",
        amount=amount,
        via=via,
        session=session,
        actor=actor,
        idempotency_key=idempotency_key,
    )


def loan_of(request: CounterRequest) -> Loan:
    app_model, _sep, pk = request.subject.partition(":")
    if app_model != "loans.Loan" or not pk.isdigit():
        raise ValueError(request.subject)
    return Loan.objects.select_related("koperasi", "member", "product", "terms").get(
        pk=int(pk), koperasi_id=request.koperasi_id
    )


def _post(request: CounterRequest, checker: Any) -> LoanTransaction:
    loan = loan_of(request)
    common: dict[str, Any] = {
        "loan": loan,
        "actor": request.maker,
        "via": request.via,
        "session": request.session,
        "idempotency_key": f"persetujuan:{request.pk}",
        "approved_by": checker,
    }
    if request.action == Action.LOAN_DISBURSE:
        return loan_disburse(**common)
    if request.action == Action.LOAN_RECOVER:
        del common["via"]  # cash, always
        return loan_recover(amount=request.amount, **common)
    if request.action == Action.LOAN_SETTLE:
        return loan_settle_early(amount=request.amount, **common)
    return loan_repay(amount=request.amount, **common)


def _result_of(tx: LoanTransaction) -> str:
    return f"loans.LoanTransaction:{tx.pk}"


def _url_of(request: CounterRequest) -> str:
    from django.urls import reverse

    _model, _sep, pk = request.result.partition(":")
    return reverse("loans:receipt", kwargs={"kode": request.koperasi.code, "loan_tx_id": int(pk)})


HANDLER = approvals.ActionHandler(post=_post, result_of=_result_of, url_of=_url_of)


def register() -> None:
    for action in LOAN_ACTIONS:
        approvals.register_action(action, HANDLER)


__all__ = ["LOAN_ACTIONS", "loan_counter_request", "loan_of", "register", "subject_of"]
