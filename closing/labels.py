"""Names for the ids a step reports as failed: the loan or account number and the member."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def labels_for(kind: str, koperasi_id: int, ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    rows: Any
    if not ids or not kind:
        return {}
    if kind == "savings_account":
        from savings.models import Account

        rows = Account.objects.filter(koperasi_id=koperasi_id, pk__in=ids).values_list(
            "pk", "number", "member__full_name"
        )
    elif kind == "loan":
        from loans.models import Loan

        rows = Loan.objects.filter(koperasi_id=koperasi_id, pk__in=ids).values_list(
            "pk", "number", "member__full_name"
        )
    else:
        return {}
    return {pk: f"{number} — {name}" for pk, number, name in rows}
