"""The one call a service makes to tell a member what just happened, in its own transaction.

These take the services' objects as they are (a savings transaction, a loan transaction, a
loan) and read only their attributes, so core imports nothing of the apps above it. Each
message's ``dedupe_key`` names what it announces (the journal entry, the loan's decision): the
same event enqueued twice is one message.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core import money as m
from core import outbox
from core.notify.messages import mask


def _date(value: Any) -> str:
    return value.strftime("%d/%m/%Y")


def savings_receipt(*, tx: Any, entry: Any, koperasi: Any) -> int | None:
    """The receipt of a deposit or a withdrawal at the counter (``savings.services.counter``)."""
    template = "savings.deposit" if tx.amount > 0 else "savings.withdraw"
    account = tx.account
    return outbox.notify_member(
        member=account.member,
        koperasi=koperasi,
        kind="receipt",
        template=template,
        context={
            "amount": m.format_rupiah(abs(tx.amount)),
            "acct": mask(account.number),
            "date": _date(tx.value_date),
            "code": entry.short_hash,
        },
        dedupe_key=f"receipt:{entry.pk}",
    )


def loan_receipt(*, tx: Any, amount: Decimal, koperasi: Any) -> int | None:
    """The receipt of a loan repayment or early settlement (``loans.services.repayment``)."""
    loan = tx.loan
    return outbox.notify_member(
        member=loan.member,
        koperasi=koperasi,
        kind="receipt",
        template="loans.repay",
        context={
            "loan": mask(loan.number),
            "amount": m.format_rupiah(amount),
            "date": _date(tx.value_date),
            "left": m.format_rupiah(loan.outstanding_principal),
            "code": tx.entry.short_hash,
        },
        dedupe_key=f"receipt:{tx.entry_id}",
    )


def loan_decision(*, loan: Any) -> int | None:
    """An application approved (fully: a related-party loan once both approved) or refused."""
    template = {"disetujui": "loans.approved", "ditolak": "loans.refused"}.get(str(loan.status))
    if template is None:
        return None
    return outbox.notify_member(
        member=loan.member,
        koperasi=loan.koperasi,
        kind="decision",
        template=template,
        context={"loan": mask(loan.number), "amount": m.format_rupiah(loan.principal)},
        dedupe_key=f"loan-decision:{loan.pk}:{loan.status}",
    )
