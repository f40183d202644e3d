"""Loans brought in from a koperasi's legacy books (the migration), running from the migration day.

A legacy loan arrives as its agreed shape (principal, method, rate, tenor, disbursement date)
and how far it got: the outstanding principal, or the number of instalments paid. Its schedule
is the one :mod:`loans.schedule` gives for that shape from the disbursement date, with what was
already paid marked paid, oldest first (interest before principal within an instalment); what
fell due before the migration day and is unpaid is the arrears, and the grade (kolektibilitas)
follows from its days past due on that day, as the close of business would grade it.

:func:`migrated_state` is the arithmetic (no database); :func:`loans_migrate` writes many such
loans at once (rows in bulk, one movement per loan on the caller's opening entry). The caller
posts the entry (Dr each product's portfolio account, Cr the migration clearing account) in the
same transaction; the loans sub-ledger then equals its control accounts to the sen.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, models

from core import audit
from core.money import SEN, ZERO, from_sen, to_sen
from ledger.models import JournalEntry
from loans import arrears, schedule
from loans.models import (
    MAX_RATE_BP,
    MAX_TENOR,
    Instalment,
    Loan,
    LoanEvent,
    LoanProduct,
    LoanProductTerms,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
)
from registry.models import Koperasi
from savings.services._bulk import insert_rows, now


@dataclass(frozen=True)
class MigratedLoan:
    """A legacy loan as its file states it."""

    member_id: int
    number: str
    principal: Decimal
    method: str
    rate_bp: int
    rate_per: str
    frequency: str
    tenor: int
    disbursed_on: dt.date
    outstanding: Decimal | None = None
    paid_instalments: int | None = None


class MigratedRow(NamedTuple):
    """One instalment, its amounts in sen (integers: thousands of loans, tens of rows each; a
    tuple, the cheapest immutable record to build)."""

    number: int
    due_date: dt.date
    principal: int
    interest: int
    principal_paid: int
    interest_paid: int

    @property
    def paid(self) -> bool:
        return self.principal_paid == self.principal and self.interest_paid == self.interest


@dataclass(frozen=True)
class MigratedState:
    """Where a legacy loan stands on the migration day."""

    rows: tuple[MigratedRow, ...]
    outstanding: Decimal
    overdue_principal: Decimal
    overdue_interest: Decimal
    days_past_due: int
    grade: str
    maturity: dt.date


class MigratedLoanError(ValueError):
    """A legacy loan whose figures cannot make a running loan; ``code`` names the field."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


def check_shape(loan: MigratedLoan) -> None:
    """The limits every loan of Kopdig keeps (the database holds them too)."""
    if loan.principal <= 0 or loan.principal != loan.principal.to_integral_value():
        raise MigratedLoanError("principal_invalid", "principal")
    if loan.outstanding is not None and loan.outstanding != loan.outstanding.quantize(SEN):
        raise MigratedLoanError("outstanding_sen", "outstanding")
    if not 1 <= loan.tenor <= MAX_TENOR[schedule.Frequency(loan.frequency)]:
        raise MigratedLoanError("tenor_invalid", "tenor")
    if loan.rate_bp > MAX_RATE_BP[schedule.RateBasis(loan.rate_per)]:
        raise MigratedLoanError("rate_above_cap", "rate")


DEFAULT_THRESHOLDS = arrears.Thresholds()
_SHAPES: dict[tuple[Any, ...], tuple[tuple[int, int, int], ...]] = {}
_ANCHOR = dt.date(2001, 1, 1)


def _shape(loan: MigratedLoan) -> tuple[tuple[int, int, int], ...]:
    """The schedule's amounts in sen, ``(number, principal, interest)`` per instalment, dates
    aside: many legacy loans share a shape."""
    key = (loan.method, loan.principal, loan.rate_bp, loan.rate_per, loan.frequency, loan.tenor)
    found = _SHAPES.get(key)
    if found is None:
        if len(_SHAPES) > 50_000:
            _SHAPES.clear()
        rate = schedule.period_rate(
            Decimal(loan.rate_bp) / 100,
            basis=schedule.RateBasis(loan.rate_per),
            frequency=schedule.Frequency(loan.frequency),
        )
        built = schedule.build(
            method=loan.method,
            principal=loan.principal,
            rate=rate,
            periods=loan.tenor,
            start=_ANCHOR,
            frequency=loan.frequency,
        )
        found = _SHAPES[key] = tuple(
            (i.number, to_sen(i.principal), to_sen(i.interest)) for i in built
        )
    return found


_DATES: dict[tuple[dt.date, int, str], list[dt.date]] = {}


def _dates(loan: MigratedLoan) -> list[dt.date]:
    """The loan's due dates (shared, not to be changed: loans disbursed the same day share them)."""
    key = (loan.disbursed_on, loan.tenor, loan.frequency)
    found = _DATES.get(key)
    if found is None:
        if len(_DATES) > 50_000:
            _DATES.clear()
        found = _DATES[key] = schedule.due_dates(
            loan.disbursed_on, loan.tenor, schedule.Frequency(loan.frequency)
        )
    return found


def migrated_state(
    loan: MigratedLoan, *, on: dt.date, thresholds: arrears.Thresholds = DEFAULT_THRESHOLDS
) -> MigratedState:
    """The loan's schedule from its disbursement with what was paid marked paid, its arrears
    and grade on ``on`` (the migration day). Raises :class:`MigratedLoanError`."""
    check_shape(loan)
    if loan.disbursed_on > on:
        raise MigratedLoanError("disbursed_future", "disbursed_on")
    shape = _shape(loan)
    dates = _dates(loan)
    principal = to_sen(loan.principal)
    if loan.outstanding is not None:
        repaid = principal - to_sen(loan.outstanding)
    elif loan.paid_instalments is not None:
        repaid = sum(p for _n, p, _i in shape[: loan.paid_instalments])
    else:
        raise MigratedLoanError("loan_state_missing", "outstanding")
    if repaid < 0:
        raise MigratedLoanError("outstanding_above_principal", "outstanding")
    if repaid >= principal:
        raise MigratedLoanError("loan_paid_off", "outstanding")
    rows = []
    left = repaid
    overdue_principal = overdue_interest = 0
    oldest: dt.date | None = None
    whole = loan.paid_instalments if loan.outstanding is None else 0
    for (number, due_p, due_i), due in zip(shape, dates, strict=True):
        paid_p = due_p if due_p <= left else left
        left -= paid_p
        # Interest is paid before principal within an instalment: any principal paid on it
        # means its interest was paid; a paid-instalments count pays whole instalments.
        paid_i = due_i if paid_p > 0 or number <= (whole or 0) else 0
        rows.append(MigratedRow(number, due, due_p, due_i, paid_p, paid_i))
        if due < on and (paid_p != due_p or paid_i != due_i):
            overdue_principal += due_p - paid_p
            overdue_interest += due_i - paid_i
            if oldest is None:
                oldest = due
    days = (on - oldest).days if oldest is not None else 0
    maturity = dates[-1]
    state = arrears.LoanState(
        frequency=loan.frequency,
        tenor=loan.tenor,
        maturity=maturity,
        grade=arrears.Grade.LANCAR,
        grade_since=None,
    )
    grade = arrears.computed_grade(days, state, on, thresholds)
    return MigratedState(
        rows=tuple(rows),
        outstanding=from_sen(principal - repaid),
        overdue_principal=from_sen(overdue_principal),
        overdue_interest=from_sen(overdue_interest),
        days_past_due=days,
        grade=str(grade),
        maturity=maturity,
    )


LOAN_FIELDS = (
    "koperasi_id", "member_id", "product_id", "terms_id", "number", "status", "principal",
    "method", "rate_bp", "rate_per", "frequency", "tenor", "grace", "purpose", "collateral",
    "related_party", "applied_on", "applied_by_id", "approved_by_id", "approved_at",
    "rate_cap_acknowledged", "decision_note", "disbursed_on", "maturity_date", "fees",
    "saving_taken", "outstanding_principal", "accrued_interest", "allowance", "written_off",
    "recovered", "days_past_due", "kolektibilitas", "grade_since", "grade_override",
    "override_reason", "restructured_count", "on_time_streak", "schedule_version", "created_at",
)  # fmt: skip
INSTALMENT_FIELDS = (
    "koperasi_id", "loan_id", "version", "number", "due_date", "principal_due", "interest_due",
    "principal_paid", "interest_paid", "denda_due", "denda_paid", "denda_waived", "paid_on",
    "superseded",
)  # fmt: skip
TX_FIELDS = (
    "koperasi_id", "loan_id", "kind", "value_date", "created_at", "entry_id", "principal",
    "accrued", "allowance", "interest_paid", "denda_paid", "fees", "cash", "memo",
)  # fmt: skip


def _insert_adapted(model: Any, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Rows whose amounts are sen already and whose only other non-plain values are dates:
    on SQLite each date is adapted once and the tuples go to ``executemany`` as they are
    (hundreds of thousands of instalments); elsewhere through ``insert_rows``."""
    if connection.vendor != "sqlite":
        insert_rows(model, fields, rows)
        return
    adapt = connection.ops.adapt_datefield_value
    seen: dict[dt.date, Any] = {}
    model_fields = [model._meta.get_field(f[:-3] if f.endswith("_id") else f) for f in fields]
    # Only the date columns need adapting; the rest go as they are.
    dates = [
        n
        for n, f in enumerate(model_fields)
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    ]

    def adapted(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for n in dates:
            v = values[n]
            if type(v) is dt.date:
                values[n] = seen.get(v) or seen.setdefault(v, adapt(v))
        return tuple(values)

    columns = [f.column for f in model_fields]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(adapted(row))
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def loans_migrate(
    *,
    koperasi: Koperasi,
    product: LoanProduct,
    terms: LoanProductTerms,
    loans: Sequence[tuple[MigratedLoan, MigratedState]],
    on: dt.date,
    entry: JournalEntry,
    entered_by: Any,
    approved_by: Any,
    note: str,
    schedules: bool = True,
) -> list[int]:
    """Write ``loans`` (each with its :func:`migrated_state`) as running loans of ``product``
    from ``on``, their schedules and one opening movement each on ``entry`` (the caller's
    entry moving the principal outstanding into the portfolio). Returns the loan ids in order.

    ``entered_by`` and ``approved_by`` are two different users (the database's four-eyes rule):
    the legacy loan was approved in the legacy books; these name who brought it in.

    ``schedules=False`` writes the loans alone, without their instalments, movements and
    events: for a migration's plan, rolled back, whose figures come from the loans' states."""
    if not loans:
        return []
    created = now()
    first_pk = Loan.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    insert_rows(
        Loan,
        LOAN_FIELDS,
        (
            (
                koperasi.pk, loan.member_id, product.pk, terms.pk, loan.number,
                LoanStatus.AKTIF, loan.principal, loan.method, loan.rate_bp, loan.rate_per,
                loan.frequency, loan.tenor, 0, "", "", False, loan.disbursed_on,
                entered_by.pk, approved_by.pk, created, False, note[:250], loan.disbursed_on,
                state.maturity, ZERO, ZERO, state.outstanding, ZERO, ZERO, ZERO, ZERO,
                state.days_past_due, state.grade, on, "", "", 0, 0, 1, created,
            )
            for loan, state in loans
        ),
    )  # fmt: skip
    by_number = dict(
        Loan.objects.filter(koperasi=koperasi, pk__gt=first_pk).values_list("number", "pk")
    )
    ids = [by_number[loan.number] for loan, _state in loans]
    if not schedules:
        return ids
    # The schedule from the migration day: the instalments not yet paid in full (overdue ones
    # included), under their legacy numbers; the paid history stays in the legacy books.
    koperasi_id = koperasi.pk
    _insert_adapted(
        Instalment,
        INSTALMENT_FIELDS,
        (
            (koperasi_id, loan_id, 1, number, due, p, i, p_paid, i_paid, 0, 0, 0, None, False)
            for loan_id, (_loan, state) in zip(ids, loans, strict=True)
            for number, due, p, i, p_paid, i_paid in state.rows
            if p_paid != p or i_paid != i  # not paid in full (MigratedRow.paid, unpacked)
        ),
    )  # fmt: skip
    memo = note[:250]
    insert_rows(
        LoanTransaction,
        TX_FIELDS,
        (
            (
                koperasi.pk, loan_id, LoanTxKind.PENCAIRAN, on, created, entry.pk,
                state.outstanding, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, memo,
            )
            for loan_id, (_loan, state) in zip(ids, loans, strict=True)
        ),
    )  # fmt: skip
    insert_rows(
        LoanEvent,
        ("koperasi_id", "loan_id", "kind", "on", "created_at", "actor_id", "note", "data"),
        (
            (
                koperasi.pk, loan_id, "dimigrasi", on, created,
                getattr(approved_by, "pk", None), memo,
                json.dumps({"entry": entry.number, "outstanding": str(state.outstanding),
                            "days_past_due": state.days_past_due}),
            )
            for loan_id, (_loan, state) in zip(ids, loans, strict=True)
        ),
    )  # fmt: skip
    audit.record(
        actor=approved_by,
        action="loans.migrate",
        obj=koperasi,
        after={"loans": len(ids), "entry": entry.number, "product": product.code},
    )
    return ids


__all__ = [
    "MigratedLoan",
    "MigratedLoanError",
    "MigratedState",
    "check_shape",
    "loans_migrate",
    "migrated_state",
]
