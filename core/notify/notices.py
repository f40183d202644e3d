"""The one call a service makes to tell a member what just happened, in its own transaction.

These take the services' objects as they are (a savings transaction, a loan transaction, a
loan) and read only their attributes, so core imports nothing of the apps above it. Each
message's ``dedupe_key`` names what it announces (the journal entry, the loan's decision): the
same event enqueued twice is one message.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def transfer_receipt(*, source_tx: Any, target: Any, entry: Any, koperasi: Any) -> int | None:
    """The receipt of a pindah buku between a member's own accounts (one message: one
    member, one entry)."""
    account = source_tx.account
    return outbox.notify_member(
        member=account.member,
        koperasi=koperasi,
        kind="receipt",
        template="savings.transfer",
        context={
            "amount": m.format_rupiah(abs(source_tx.amount)),
            "acct": mask(account.number),
            "to": mask(target.number),
            "date": _date(source_tx.value_date),
            "code": entry.short_hash,
        },
        dedupe_key=f"receipt:{entry.pk}",
    )


def savings_payroll_receipts(
    *, koperasi: Any, entry: Any, on: Any, rows: Iterable[tuple[Any, list[tuple[Any, Decimal]]]]
) -> None:
    """One message to each member of a payroll (``rows``: member, their (account, amount)
    pairs): the total and the accounts it went into. The entry is the whole file's, so its
    code is no receipt of one member's part and is not sent (``core.notify.messages``)."""

    def accounts(pairs: list[tuple[Any, Decimal]]) -> str:
        named = [mask(account.number) for account, _amount in pairs[:PAYROLL_ACCOUNTS_NAMED]]
        return ", ".join(named + (["..."] if len(pairs) > PAYROLL_ACCOUNTS_NAMED else []))

    outbox.notify_members(
        koperasi=koperasi,
        kind="receipt",
        template="savings.payroll",
        notes=(
            (
                member,
                {
                    "amount": m.format_rupiah(sum((a for _acc, a in pairs), Decimal(0))),
                    "accts": accounts(pairs),
                    "date": _date(on),
                },
                f"receipt:{entry.pk}:member:{member.pk}",
            )
            for member, pairs in rows
        ),
    )


PAYROLL_ACCOUNTS_NAMED = 3  # accounts of one payroll row a message names (then "...")


def loan_disbursement_receipt(
    *, tx: Any, net: Decimal, first_due: Any, koperasi: Any
) -> int | None:
    """The receipt of a disbursement: what the member received (after fees and the saving
    taken) and the first instalment's due date."""
    loan = tx.loan
    return outbox.notify_member(
        member=loan.member,
        koperasi=koperasi,
        kind="receipt",
        template="loans.disburse",
        context={
            "loan": mask(loan.number),
            "amount": m.format_rupiah(net),
            "date": _date(tx.value_date),
            "due": _date(first_due),
            "code": tx.entry.short_hash,
        },
        dedupe_key=f"receipt:{tx.entry_id}",
    )


def loan_payroll_receipts(
    *, koperasi: Any, entry: Any, on: Any, rows: Iterable[tuple[Any, Any, Decimal]]
) -> None:
    """One message per loan repaid by a payroll (``rows``: member, loan, amount), with the
    principal left; no code, as for a savings payroll."""
    outbox.notify_members(
        koperasi=koperasi,
        kind="receipt",
        template="loans.payroll",
        notes=(
            (
                member,
                {
                    "loan": mask(loan.number),
                    "amount": m.format_rupiah(amount),
                    "date": _date(on),
                    "left": m.format_rupiah(loan.outstanding_principal),
                },
                f"receipt:{entry.pk}:loan:{loan.pk}",
            )
            for member, loan, amount in rows
        ),
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
