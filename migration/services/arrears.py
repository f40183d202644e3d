"""Wajib arrears (tunggakan simpanan wajib) brought in with the members.

A legacy members sheet (or a savings sheet's wajib row) may say how much simpanan wajib a
member has not paid. Kopdig bills wajib on accrual: each unpaid month is an
:class:`~savings.models.Obligation` and a receivable (Dr piutang simpanan wajib / Cr simpanan
wajib), settled oldest first by the member's next payments. So the arrears come in as
obligations through :func:`savings.services.opening.book_opening_balances` (its ``arrears``),
in the same opening entry as the member's wajib balance.

What a cell means, decided:

- A column named for months ("Tunggakan Wajib (bulan)", "Bulan Tunggak", "Tunggakan (bulan)")
  counts unpaid bills: months, for the usual monthly wajib (a product billed every 3 months
  counts quarters).
- A column named for the arrears alone ("Tunggakan Wajib", "Tunggakan SW") is rupiah, and must
  be a whole number of bills at the wajib amount in force on the migration date (the legacy
  amount of each past month is not in the file; every month is billed at today's amount). An
  amount that is not (Rp75.000 against Rp50.000 a month), or a small number that looks like a
  count of months written in the rupiah column ("3"), is rejected: which months, or how much,
  would be a guess.
- Both columns given must agree.
- The months are the latest billing months **before the month of the migration date** (the
  month-end run bills the migration month itself), never before the month the member joined.

The arrears belong to the member's wajib account: they come in when that account does, and a
re-import of the same file, whose account came in before, brings nothing new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from core.money import ZERO, format_rupiah
from migration.checks import member_key
from migration.models import RecordKind
from migration.reading import ReadSheet, Record
from savings.models import Kind
from savings.services._common import add_months, month_start, terms_in_force

if TYPE_CHECKING:
    from migration.services.importing import _Import

FIGURE = "piutang_simpanan_wajib"  # the reconciliation's name for the receivable


@dataclass(slots=True)
class Arrears:
    member_key: str
    periods: list[dt.date]  # first days of the months billed, newest first
    per_bill: Decimal
    sheet: ReadSheet
    record: Record

    @property
    def amount(self) -> Decimal:
        return self.per_bill * len(self.periods)


def billing_months(on: dt.date, count: int, every: int = 1) -> list[dt.date]:
    """The ``count`` latest billing months before the month of ``on``, newest first (a product
    billed every ``every`` months bills the months whose number is a multiple of it, as the
    month end does)."""
    out: list[dt.date] = []
    month = month_start(on)
    while len(out) < count:
        month = add_months(month, -1)
        if month.month % every == 0:
            out.append(month)
    return out


def _reject(
    run: _Import, sheet: ReadSheet, record: Record, column: str, code: str, msg: str
) -> None:
    from migration.services.importing import _reject as reject

    if column not in (sheet.header.columns if sheet.header else {}):
        column = "wajib_arrears" if "wajib_arrears" in record.raw else "wajib_arrears_months"
    reject(run.book, sheet, record, column, code, msg)


def _has_arrears(record: Record) -> bool:
    v = record.values
    return v.get("wajib_arrears") is not None or v.get("wajib_arrears_months") is not None


def _months(run: _Import, sheet: ReadSheet, record: Record, per_bill: Decimal) -> int | None:
    """The number of unpaid bills a row states, or None (the row rejected)."""
    amount: Decimal | None = record.values.get("wajib_arrears")
    months: int | None = record.values.get("wajib_arrears_months")
    if amount is not None and amount < 0:
        _reject(run, sheet, record, "wajib_arrears", "arrears_negative",
                _("Tunggakan simpanan wajib tidak boleh negatif."))  # fmt: skip
        return None
    if amount is not None and months is None and amount:
        whole = per_bill > 0 and amount % per_bill == 0
        if not whole:
            hint = (
                _(" Jika maksudnya %(n)s bulan, tulis di kolom “Tunggakan Wajib (bulan)”.")
                % {"n": int(amount)}
                if amount == amount.to_integral_value() and amount <= 240
                else ""
            )
            _reject(run, sheet, record, "wajib_arrears", "arrears_not_whole_months",
                    _("Tunggakan simpanan wajib %(a)s bukan kelipatan simpanan wajib per bulan "
                      "(%(w)s), jadi tidak jelas berapa bulan yang belum dibayar.%(hint)s")
                    % {"a": format_rupiah(amount), "w": format_rupiah(per_bill),
                       "hint": hint})  # fmt: skip
            return None
        return int(amount / per_bill)
    if months is not None and amount is not None and amount != per_bill * months:
        _reject(run, sheet, record, "wajib_arrears", "arrears_disagree",
                _("Tunggakan %(n)s bulan × %(w)s = %(b)s, tetapi kolom rupiahnya %(a)s.")
                % {"n": months, "w": format_rupiah(per_bill),
                   "b": format_rupiah(per_bill * months), "a": format_rupiah(amount)})  # fmt: skip
        return None
    return months or 0


def check(run: _Import) -> None:
    """Read every row's arrears (members sheet, then savings sheets' wajib rows) before the
    savings are: a row whose arrears cannot be read is rejected with its member (on the members
    sheet) so neither the member nor their savings or loans come in half. Fills
    ``run.wajib_arrears`` (member key → :class:`Arrears`) and the figures the file states."""
    run.wajib_arrears = {}
    product = run.products[Kind.WAJIB]
    terms = terms_in_force(product, run.on)
    per_bill, every = terms.wajib_amount, terms.wajib_period_months or 1
    account_key = f":{product.code}"
    stated: dict[str, Decimal] = {}
    seen: dict[str, Arrears] = {}  # every row's arrears, none included, by member
    for kind in ("members", "savings"):
        for sheet in run.book.of_kind(kind):
            for record in sheet.records:
                number = record.values.get("number")
                if number is None or not _has_arrears(record):
                    continue
                key = member_key(number)
                # Once per member: the members sheet and a savings sheet may both say it.
                stated.setdefault(
                    key,
                    record.values.get("wajib_arrears")
                    or per_bill * (record.values.get("wajib_arrears_months") or 0),
                )
                if record.rejected:
                    continue
                if kind == "savings":
                    chosen = run._product_of(record.values.get("product"))
                    if chosen is None or chosen.kind != Kind.WAJIB:
                        if record.values.get("wajib_arrears") or record.values.get(
                            "wajib_arrears_months"
                        ):
                            _reject(run, sheet, record, "wajib_arrears", "arrears_not_wajib",
                                    _("Tunggakan hanya untuk baris simpanan wajib."))  # fmt: skip
                        continue
                if (RecordKind.SAVINGS_ACCOUNT, key + account_key) in run.records:
                    continue  # its wajib account, and its arrears, came in with a batch before
                months = _months(run, sheet, record, per_bill)
                if months is not None:
                    _arrears(run, sheet, record, key, months, per_bill, every, seen)
                if record.rejected and kind == "members" and key in run.new_members:
                    # Not the member without their arrears: the row waits for the fixed file.
                    del run.new_members[key]
                    run.rejected_members.setdefault(key, (sheet, record))
    run.wajib_arrears = {k: a for k, a in seen.items() if a.periods and not a.record.rejected}
    if total := sum(stated.values(), ZERO):
        run.sources[FIGURE] += total
        run.sources["simpanan_wajib"] += total  # billed, so in the wajib account too


def _arrears(
    run: _Import,
    sheet: ReadSheet,
    record: Record,
    key: str,
    months: int,
    per_bill: Decimal,
    every: int,
    seen: dict[str, Arrears],
) -> None:
    """One row's months checked against the member's joining and any other row for them."""
    periods = billing_months(run.on, months, every)
    new = run.new_members.get(key)
    joined = new.join_date if new is not None else None
    if periods and joined is not None and periods[-1] < month_start(joined):
        _reject(run, sheet, record, "wajib_arrears_months", "arrears_before_joining",
                _("Tunggakan %(n)s bulan dimulai %(m)s, sebelum anggota ini masuk "
                  "(%(d)s). Periksa jumlah bulan, atau isi Tanggal Masuk.")
                % {"n": months, "m": periods[-1].strftime("%m/%Y"),
                   "d": joined.strftime("%d/%m/%Y")})  # fmt: skip
        return
    found = seen.get(key)
    if found is None:
        seen[key] = Arrears(key, periods, per_bill, sheet, record)
    elif found.periods != periods:
        _reject(run, sheet, record, "wajib_arrears_months", "arrears_twice",
                _("Tunggakan anggota ini berbeda dengan baris %(row)s lembar “%(s)s”.")
                % {"row": found.record.row, "s": found.sheet.name})  # fmt: skip


def open_accounts(run: _Import) -> None:
    """A member with arrears and no wajib balance given still gets the wajib account the
    arrears are billed to (after :meth:`_Import.savings`)."""
    product = run.products[Kind.WAJIB]
    for key, arrears in run.wajib_arrears.items():
        account_key = f"{key}:{product.code}"
        if account_key not in run.new_accounts:
            run._account(arrears.sheet, arrears.record, key, product, ZERO, account_key,
                         keep=arrears.sheet.kind == "savings")  # fmt: skip


def rows(run: _Import, pks: dict[tuple[int, int], int]) -> list[tuple[int, dt.date, Decimal]]:
    """``(wajib account id, month, amount)`` for ``book_opening_balances``, for the accounts
    written now (``pks``: (member id, product id) → account id)."""
    product = run.products[Kind.WAJIB]
    out = []
    for key, arrears in run.wajib_arrears.items():
        member = run.members_db.get(key)
        account = pks.get((member, product.pk)) if member is not None else None
        if account is None:
            continue
        out += [(account, period, arrears.per_bill) for period in arrears.periods]
    return out
