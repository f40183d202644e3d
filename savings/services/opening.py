"""Opening balances: the books for balances that arrive already on the account rows.

A koperasi's accounts brought in with their balances (written in bulk, as the demo, the
benchmarks and, later, a migration do) still need their entry and movements, so that every
account equals its movements and the books balance: one entry, cash debited with the whole
and each product's savings account credited with its accounts' total, and one deposit
movement per account for its balance.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ledger.models import JournalEntry
from ledger.services import Line, post
from registry.models import Koperasi
from savings.models import Account, Product, Transaction, TxKind
from savings.services._bulk import insert_rows, now
from savings.services._common import BOOKED_FIELDS, ZERO, role_account


def book_opening_balances(
    *, koperasi: Koperasi, on: dt.date, actor: Any, kind: str, memo: str, movement_memo: str
) -> JournalEntry:
    """Post the opening entry on ``on`` for every account of ``koperasi`` as its row stands,
    and write each account's opening movement (no balance changes: the rows hold them)."""
    accounts = list(
        Account.objects.filter(koperasi=koperasi)
        .order_by("pk")
        .values_list("pk", "product_id", "balance")
    )
    totals: dict[int, Decimal] = {}
    for _pk, product_id, balance in accounts:
        totals[product_id] = totals.get(product_id, ZERO) + balance
    products = Product.objects.select_related("ledger_account").in_bulk(list(totals))
    entry = post(
        koperasi=koperasi,
        lines=[Line(role_account(koperasi, "kas"), debit=sum(totals.values(), ZERO))]
        + [Line(products[pid].ledger_account, credit=total) for pid, total in totals.items()],
        kind=kind,
        memo=memo,
        actor=actor,
        value_date=on,
    )
    created = now()
    insert_rows(
        Transaction,
        BOOKED_FIELDS,
        (
            (koperasi.pk, pk, TxKind.SETORAN, balance, on, created, entry.pk, movement_memo, 0)
            for pk, _product_id, balance in accounts
        ),
    )
    return entry
