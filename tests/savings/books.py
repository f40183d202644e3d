"""Checks that the books and the savings sub-ledger agree, used after every money action."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from ledger.models import Posting
from ledger.selectors import account_for_role
from registry.models import Koperasi
from savings.models import Account, Obligation, Product, Transaction
from tests.factories import make_nik

ZERO = Decimal("0.00")


def member_fields(name: str, serial: int, **extra: Any) -> dict[str, Any]:
    born = dt.date(1988, 5, 17)
    fields = {
        "full_name": name,
        "nik": make_nik(born, "P", serial),
        "birth_date": born,
        "gender": "P",
        "phone": f"08123456{serial:04d}",
    }
    fields.update(extra)
    return fields


def gl(koperasi: Koperasi, role: str) -> Decimal:
    """Credit-positive balance of the account mapped to ``role``."""
    account = account_for_role(koperasi=koperasi, role=role)
    total = Posting.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or ZERO
    return -total


def assert_books_agree(koperasi: Koperasi) -> None:
    """The ledger balances; every account's balance is the sum of its movements; each product's
    control account equals its accounts' balances (wajib: plus the arrears receivable)."""
    assert (Posting.objects.filter(koperasi=koperasi).aggregate(s=Sum("amount"))["s"] or 0) == 0
    moved = dict(
        Transaction.objects.filter(koperasi=koperasi)
        .values_list("account_id")
        .annotate(s=Sum("amount"))
    )
    for acc in Account.objects.filter(koperasi=koperasi):
        assert acc.balance == moved.get(acc.pk, ZERO), acc.number
        assert acc.balance >= acc.floor >= 0
    by_ledger: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for product in Product.objects.filter(koperasi=koperasi):
        total = Account.objects.filter(product=product).aggregate(s=Sum("balance"))["s"] or ZERO
        by_ledger[product.ledger_account_id] += total
    arrears = sum(
        (
            o.amount - o.paid
            for o in Obligation.objects.filter(koperasi=koperasi, kind="wajib", cancelled=False)
        ),
        ZERO,
    )
    wajib_ledger = account_for_role(koperasi=koperasi, role="simpanan_wajib").pk
    by_ledger[wajib_ledger] += arrears
    for ledger_id, expected in by_ledger.items():
        posted = Posting.objects.filter(account_id=ledger_id).aggregate(s=Sum("amount"))["s"]
        assert -(posted or ZERO) == expected, ledger_id
    assert gl(koperasi, "piutang_simpanan_wajib") == -arrears
