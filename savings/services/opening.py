"""Opening balances: the books for balances that arrive already on the account rows.

A koperasi's accounts brought in with their balances (written in bulk, as the demo, the
benchmarks and, later, a migration do) still need their entry and movements, so that every
account equals its movements and the books balance: one entry, cash debited with the whole
and each product's savings account credited with its accounts' total, and one deposit
movement per account for its balance.

Wajib months billed before the opening date and never paid (a migrated member's arrears) are
not lost: each becomes an :class:`~savings.models.Obligation` dated by its month, and the entry
also books them as the month end books a bill, Dr piutang simpanan wajib / Cr the wajib
product's account, so a later payment settles the oldest month first, as for any member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from core.money import from_sen
from ledger.models import JournalEntry
from ledger.services import Line, post
from registry.models import Koperasi
from savings.models import Account, Kind, Obligation, ObligationKind, Product, Transaction, TxKind
from savings.services._bulk import fetch_rows, insert_rows, now
from savings.services._common import BOOKED_FIELDS, ZERO, role_account


def book_opening_balances(
    *,
    koperasi: Koperasi,
    on: dt.date,
    actor: Any,
    kind: str,
    memo: str,
    movement_memo: str,
    arrears: Iterable[tuple[int, dt.date, Decimal]] = (),
    accounts: QuerySet[Account] | None = None,
    against_role: str = "kas",
    movements: bool = True,
) -> JournalEntry:
    """Post the opening entry on ``on`` for every account of ``koperasi`` as its row stands,
    and write each account's opening movement (no balance changes: the rows hold them).

    ``arrears`` are ``(wajib account id, month, amount)`` of months billed before ``on`` and
    unpaid: each becomes an open obligation and a receivable (see the module docstring).

    ``accounts`` narrows the entry to some of the koperasi's accounts (a migration books only
    the accounts it created); ``against_role`` is the account debited with the whole (cash for
    balances counted in the drawer, ``kliring_migrasi`` for a migration). ``movements=False``
    posts the entry and the obligations but writes no movement rows: for a migration's plan,
    whose transaction is rolled back and whose figures come from the books, not the rows."""
    chosen = Account.objects.filter(koperasi=koperasi) if accounts is None else accounts
    # Balances as the integers of sen the column holds: a migration books 300 000 accounts,
    # and neither the sums nor the movements need a Decimal per account.
    rows = fetch_rows(
        chosen.filter(koperasi=koperasi)
        .order_by("pk")
        .values_list("pk", "product_id", "balance", "member_id", "kind")
    )
    sums: dict[int, int] = {}
    for _pk, product_id, sen, _member, _kind in rows:
        sums[product_id] = sums.get(product_id, 0) + int(sen)
    totals = {product_id: from_sen(sen) for product_id, sen in sums.items()}
    owed: dict[int, Decimal] = {}
    obligations = []
    created = now()
    by_pk = {row[0]: row for row in rows}
    for account_id, period, amount in arrears:
        _pk, product_id, _balance, member_id, account_kind = by_pk[account_id]
        if account_kind != Kind.WAJIB:
            raise ValueError("arrears belong to a wajib account")
        if amount <= 0 or period >= on:
            raise ValueError("arrears are positive and billed before the opening date")
        owed[product_id] = owed.get(product_id, ZERO) + amount
        obligations.append(
            (
                koperasi.pk,
                account_id,
                member_id,
                ObligationKind.WAJIB,
                period.replace(day=1),
                amount,
                ZERO,
                None,
                False,
                created,
            )
        )
    products = Product.objects.select_related("ledger_account").in_bulk(
        list(set(totals) | set(owed))
    )
    credits: dict[int, Decimal] = {}
    for pid, total in [*totals.items(), *owed.items()]:
        account_id = products[pid].ledger_account_id
        credits[account_id] = credits.get(account_id, ZERO) + total
    ledger_accounts = {p.ledger_account_id: p.ledger_account for p in products.values()}
    lines = [Line(role_account(koperasi, against_role), debit=sum(totals.values(), ZERO))]
    if owed:
        lines.append(
            Line(role_account(koperasi, "piutang_simpanan_wajib"), debit=sum(owed.values(), ZERO))
        )
    lines += [Line(ledger_accounts[aid], credit=total) for aid, total in credits.items()]
    entry = post(
        koperasi=koperasi,
        lines=[line for line in lines if line.debit or line.credit],
        kind=kind,
        memo=memo,
        actor=actor,
        value_date=on,
    )
    if movements:
        insert_rows(
            Transaction,
            BOOKED_FIELDS,
            (
                (koperasi.pk, pk, TxKind.SETORAN, sen, on, created, entry.pk, movement_memo, 0)
                for pk, _product_id, sen, _member, _kind in rows
                if sen
            ),
        )
    insert_rows(
        Obligation,
        (
            "koperasi_id",
            "account_id",
            "member_id",
            "kind",
            "period",
            "amount",
            "paid",
            "settled_on",
            "cancelled",
            "created_at",
        ),
        obligations,
    )
    return entry
