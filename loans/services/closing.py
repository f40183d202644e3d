"""The loans steps of the close of business, per koperasi and business date (DOMAIN.md, Loans).

Each is a step of :mod:`core.steps`: ``step(*, koperasi, day, actor, only=None) ->
StepOutcome``, run in this order by the close:

1. :func:`accrue_interest` — the day's share of each current instalment's interest, for Lancar
   loans whose terms accrue: Dr 1.1.05 bunga pinjaman masih harus diterima / Cr 4.1.01;
2. :func:`charge_denda` — the day's denda on each overdue instalment, on the instalment row
   (denda is income when paid: nothing is booked until the member pays it);
3. :func:`update_arrears` — days past due and kolektibilitas (a :class:`LoanEvent` when the grade
   changes; the manual override wins), and for a loan no longer Lancar the reversal of its
   accrued unpaid interest (non-accrual): Dr 4.1.01 / Cr 1.1.05;
4. :func:`book_ppap` — on the last day of a month: each loan's allowance set to what its grade
   requires, and one entry moving the booked allowance: Dr 5.1.02 beban penyisihan / Cr 1.1.04
   penyisihan, or the reverse when it falls.

**Set-based**: a step reads its loans and instalments with a few queries, does the arithmetic of
:mod:`loans.arrears` in Python, posts one entry per koperasi (``post``), writes the per-loan
:class:`LoanTransaction` rows in bulk and moves the loans' figures with one UPDATE that adds the
entry's movements in SQL. No query runs per loan.

**Idempotent** per ``(koperasi, day)``: a loan that already has the step's movement dated
``day`` (or an instalment charged through ``day``) is left out, so running a day again changes
nothing; each entry carries an idempotency key made of the day, the step and the loans in it.

**Failures**: a loan whose figures cannot be worked out is named in ``StepOutcome.failures``
with a message, and the others go on; ``only=`` reruns the step for those loans alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from core import audit
from core.books import books_text
from core.dates import business_date, tanggal
from core.money import from_sen
from core.steps import StepFailure, StepOutcome
from ledger.selectors import account_for_role
from ledger.services import Line, post
from loans import arrears
from loans.arrears import Grade
from loans.models import (
    GradeOverride,
    Instalment,
    Kolektibilitas,
    Loan,
    LoanEvent,
    LoanProductTerms,
    LoanSettings,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
)
from loans.schedule import add_months
from loans.services.products import LoansError
from loans.streak import on_time_streak
from registry.models import Koperasi
from savings.services._bulk import insert_rows, now, update_rows


class _StreakRow(NamedTuple):
    due_date: dt.date
    paid_on: dt.date | None
    superseded: bool
    version: int


BATCH = 5000
TX_FIELDS = (
    "koperasi_id",
    "loan_id",
    "kind",
    "value_date",
    "created_at",
    "entry_id",
    "principal",
    "accrued",
    "allowance",
    "interest_paid",
    "denda_paid",
    "fees",
    "cash",
    "memo",
    "actor_id",
)

__all__ = [
    "STEPS",
    "accrue_interest",
    "book_ppap",
    "charge_denda",
    "is_month_end",
    "loan_grade_override",
    "loan_grade_override_clear",
    "loan_settings",
    "ppap_rates",
    "thresholds",
    "update_arrears",
]


def is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def loan_settings(koperasi: Koperasi) -> LoanSettings:
    """The koperasi's loan settings, made with DOMAIN.md's defaults when first read."""
    found, _created = LoanSettings.objects.get_or_create(koperasi=koperasi)
    return found


def thresholds(settings: LoanSettings) -> arrears.Thresholds:
    return arrears.Thresholds(
        settings.monthly_kl_days,
        settings.monthly_d_days,
        settings.monthly_m_days,
        settings.weekly_kl_days,
        settings.weekly_d_days,
        settings.weekly_m_days,
    )


def ppap_rates(settings: LoanSettings) -> arrears.PpapRates:
    return arrears.PpapRates(
        settings.ppap_lancar_bp,
        settings.ppap_kurang_lancar_bp,
        settings.ppap_diragukan_bp,
        settings.ppap_macet_bp,
    )


# --- shared pieces -----------------------------------------------------------------------------

LOANS = Loan._meta.db_table
TERMS = LoanProductTerms._meta.db_table
INSTALMENTS = Instalment._meta.db_table


def _user_id(actor: Any) -> int | None:
    return int(actor.pk) if getattr(actor, "is_authenticated", False) else None


def _key(day: dt.date, step: str, loan_ids: Iterable[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(loan_ids))).encode()).hexdigest()[:20]
    return f"loans-close:{day.isoformat()}:{step}:{digest}"


def _done_today(koperasi: Koperasi, kind: str, day: dt.date) -> set[int]:
    return set(
        LoanTransaction.objects.filter(koperasi=koperasi, kind=kind, value_date=day).values_list(
            "loan_id", flat=True
        )
    )


def _check_day(koperasi: Koperasi, day: dt.date) -> None:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise LoansError(_("Tanggal tutup buku harus berupa tanggal."))
    today = business_date(koperasi)
    if day > today:
        raise LoansError(
            _("Tanggal %(tgl)s belum tiba: tanggal buku koperasi sekarang %(hari)s.")
            % {"tgl": tanggal(day), "hari": tanggal(today)}
        )


def _failure(loan_id: int, exc: Exception) -> StepFailure:
    message = exc.messages[0] if isinstance(exc, LoansError) else str(exc) or type(exc).__name__
    return StepFailure(loan_id, message)


# Reading in bulk: plain SQL, amounts as the columns hold them (integer sen), dates as ISO text on
# SQLite (``CAST``: the driver's date parser costs more than the rest of the row) and as dates on
# PostgreSQL; :func:`_date` makes either a date, :func:`_day` the day in the same form.


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _col_date(column: str) -> str:
    return f"CAST({column} AS TEXT)" if connection.vendor == "sqlite" else column


def _day(day: dt.date) -> Any:
    return day.isoformat() if connection.vendor == "sqlite" else day


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _lock(alias: str) -> str:
    """The row lock a step takes on the loans it reads (PostgreSQL; SQLite has one writer).

    **Lock order** (the same for every loan write, see :mod:`loans.services._common`): a step
    locks its loans in id order *before* it reads their instalments and before it posts (which
    locks the books last). A repayment under way holds its loan: the step waits for it and then
    reads what it left; a repayment that comes later waits for the step. Either way each day's
    accrual, denda and grade is worked out on the loan as it is, and counted once."""
    if not connection.features.has_select_for_update:
        return ""
    no_key = "NO KEY " if connection.features.has_select_for_no_key_update else ""
    return f" FOR {no_key}UPDATE OF {alias}"


def _only(column: str, only: Iterable[int] | None) -> tuple[str, list[int]]:
    if only is None:
        return "", []
    ids = sorted({int(i) for i in only})
    if not ids:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


def _half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` sen rounded half-up (away from zero) to the whole rupiah, in
    sen: :func:`core.money.quantize` with ``ROUND_HALF_UP`` and ``unit=RUPIAH``, on integers."""
    if numerator < 0:
        return -_half_up(-numerator, denominator)
    unit = 100 * denominator
    return (2 * numerator + unit) // (2 * unit) * 100


def _book(
    *,
    koperasi: Koperasi,
    day: dt.date,
    actor: Any,
    step: str,
    kind: str,
    memo: str,
    lines: Sequence[Line],
    movements: Sequence[tuple[int, int]],
    field: str,
    tx_kind: str,
    tx_memo: str,
) -> int:
    """Post one entry, write a LoanTransaction per loan moving ``field`` by its amount (integer
    sen), and add them to the loans' ``field`` in SQL. Returns the entry id."""
    entry = post(
        koperasi=koperasi,
        lines=lines,
        kind=kind,
        memo=memo,
        actor=actor,
        value_date=day,
        idempotency_key=_key(day, step, (loan_id for loan_id, _a in movements)),
        source=f"loans.close:{step}",
    )
    created = now()
    actor_id = _user_id(actor)
    column = {"accrued": "accrued_interest", "allowance": "allowance"}[field]
    position = TX_FIELDS.index(field)
    template: list[Any] = [
        koperasi.pk, 0, tx_kind, day, created, entry.pk, 0, 0, 0, 0, 0, 0, 0, tx_memo, actor_id,
    ]  # fmt: skip
    sqlite = connection.vendor == "sqlite"
    if sqlite:  # every value as SQLite stores it already: one executemany, no per-value work
        template[3] = connection.ops.adapt_datefield_value(day)
        template[4] = connection.ops.adapt_datetimefield_value(created)
    rows = []
    for loan_id, amount in movements:
        row = template.copy()
        row[1] = loan_id
        row[position] = amount
        rows.append(row)
    if sqlite:
        table = connection.ops.quote_name(LoanTransaction._meta.db_table)
        names = _tx_columns()
        marks = ", ".join(["%s"] * len(TX_FIELDS))
        with connection.cursor() as cursor:
            # Names from the model's metadata, quoted; every value is a parameter.
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
    else:
        insert_rows(LoanTransaction, TX_FIELDS, rows)
    _add(column, movements)
    return int(entry.pk)


def _tx_columns() -> str:
    names = []
    for name in TX_FIELDS:
        field = LoanTransaction._meta.get_field(name.removesuffix("_id"))
        assert isinstance(field, models.Field)
        names.append(connection.ops.quote_name(str(field.column)))
    return ", ".join(names)


def _add(column: str, movements: Sequence[tuple[int, int]]) -> None:
    """Add each loan's amount (sen) to its ``column`` in SQL (an increment: the step holds the
    loans' rows, and adding keeps whatever a writer before it left): one ``UPDATE … FROM
    unnest`` per chunk on PostgreSQL, ``executemany`` on SQLite (in-process, where that is as
    fast as it gets)."""
    table = connection.ops.quote_name(LOANS)
    col = connection.ops.quote_name(column)
    pairs = [(amount, loan_id) for loan_id, amount in movements]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Names from the model's metadata, quoted; the values are array parameters.
            sql = (
                f"UPDATE {table} AS t SET {col} = t.{col} + v.amount "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(amount, id) WHERE t.id = v.id"
            )
            for start in range(0, len(pairs), BATCH):
                part = pairs[start : start + BATCH]
                cursor.execute(sql, [[p[0] for p in part], [p[1] for p in part]])
        else:
            cursor.executemany(
                f"UPDATE {table} SET {col} = {col} + %s WHERE id = %s",  # noqa: S608
                pairs,
            )


def _sum(movements: Sequence[tuple[int, int]]) -> int:
    return sum(amount for _loan, amount in movements)


# --- 1. accrual ---------------------------------------------------------------------------------


def _period(frequency: str, due: dt.date) -> dt.date:
    return due - dt.timedelta(days=7) if frequency == "mingguan" else add_months(due, -1)


WINDOW = dt.timedelta(days=35)


@transaction.atomic
def accrue_interest(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: Iterable[int] | None = None
) -> StepOutcome:
    """Accrue the day's interest of every Lancar loan whose terms accrue (see the module doc).

    Reads the loans (locked), then per loan only what the day needs: the current instalment (the
    first due on or after ``day``, within 35 days) and the due date of the one before it (within
    35 days before ``day``; else the period starts at disbursement or one period back)."""
    _check_day(koperasi, day)
    outcome = StepOutcome()
    where, ids = _only("l.id", only)
    found = _fetch(
        f"SELECT l.id, {_col_date('l.disbursed_on')}, l.frequency, {_col_date('l.maturity_date')} "  # noqa: S608
        f"FROM {LOANS} l JOIN {TERMS} t ON t.id = l.terms_id "
        "WHERE l.koperasi_id = %s AND l.status = %s AND t.accrues = %s AND l.kolektibilitas = %s "
        f"AND l.grade_override = '' AND l.disbursed_on < %s{where} ORDER BY l.id{_lock('l')}",
        [koperasi.pk, LoanStatus.AKTIF, True, Kolektibilitas.LANCAR, _day(day), *ids],
    )
    done = _done_today(koperasi, LoanTxKind.AKRUAL, day)
    outcome.done += len(done)
    loans = {row[0]: row[1:] for row in found if row[0] not in done}
    today = _day(day)
    current: dict[int, tuple[Any, int, int]] = {}
    previous: dict[int, Any] = {}
    for loan_id, due, interest, paid in _fetch(
        f"SELECT loan_id, {_col_date('due_date')}, interest_due, interest_paid "  # noqa: S608
        f"FROM {INSTALMENTS} WHERE koperasi_id = %s AND superseded = %s "
        "AND due_date >= %s AND due_date < %s",
        [koperasi.pk, False, _day(day - WINDOW), _day(day + WINDOW)],
    ):
        if loan_id not in loans:
            continue
        if due >= today:
            now_row = current.get(loan_id)
            if now_row is None or (due, interest, paid) < now_row:
                current[loan_id] = (due, interest, paid)
        elif loan_id not in previous or due > previous[loan_id]:
            previous[loan_id] = due
    movements: list[tuple[int, int]] = []
    for loan_id, (disbursed, frequency, maturity) in loans.items():
        try:
            amount = _accrual(
                day, disbursed, frequency, maturity, current.get(loan_id), previous.get(loan_id)
            )
        except (LoansError, ArithmeticError, ValueError, TypeError) as exc:
            outcome.failures.append(_failure(loan_id, exc))
            continue
        if amount > 0:
            movements.append((loan_id, amount))
    total = from_sen(_sum(movements))
    if movements:
        entry_id = _book(
            koperasi=koperasi,
            day=day,
            actor=actor,
            step="akrual",
            kind="loans.accrual",
            memo=books_text("Akrual bunga pinjaman %(tgl)s", tgl=tanggal(day)),
            lines=[
                Line(account_for_role(koperasi=koperasi, role="bunga_pinjaman_diterima"), total),
                Line(
                    account_for_role(koperasi=koperasi, role="pendapatan_jasa_pinjaman"),
                    credit=total,
                ),
            ],
            movements=movements,
            field="accrued",
            tx_kind=LoanTxKind.AKRUAL,
            tx_memo=books_text("Akrual bunga"),
        )
        outcome.entry_ids.append(entry_id)
    outcome.done += len(loans) - len(outcome.failures)
    outcome.total = total
    return outcome


def _accrued_to(interest: int, start: dt.date, end: dt.date, day: dt.date) -> int:
    """:func:`loans.arrears.accrued_to` in integer sen."""
    if day <= start:
        return 0
    if day >= end:
        return interest
    return _half_up(interest * (day - start).days, (end - start).days)


def _accrual(
    day: dt.date,
    disbursed: Any,
    frequency: str,
    maturity: Any,
    current: tuple[Any, int, int] | None,
    previous: Any,
) -> int:
    """The day's accrual of one loan, in sen (:func:`loans.arrears.accrual_for_day`)."""
    if current is None:
        end = _date(maturity)
        if end is None or end >= day:
            raise LoansError(_("Jadwal angsuran pinjaman ini tidak ditemukan."))
        return 0  # past maturity: every instalment's interest was accrued by its due date
    due_text, interest, paid = current
    if paid >= interest:
        return 0  # paid ahead: recognised when it was paid
    due = _date(due_text)
    assert due is not None
    if previous is not None:
        start = _date(previous)
    else:
        opened = _date(disbursed)
        assert opened is not None
        start = max(opened, _period(frequency, due))
    assert start is not None
    return _accrued_to(interest, start, due, day) - _accrued_to(
        interest, start, due, day - dt.timedelta(days=1)
    )


# --- 2. denda -----------------------------------------------------------------------------------

_UNPAID_SQL = "(i.principal_paid < i.principal_due OR i.interest_paid < i.interest_due)"


def _denda(
    row: tuple[Any, ...], day: dt.date, terms: arrears.DendaTerms, amount: int, cap_bp: int | None
) -> int:
    """:func:`loans.arrears.denda_for_day` of one instalment row, in sen (``amount``: the terms'
    fixed denda in sen)."""
    due, p_due, i_due, p_paid, i_paid, denda = row
    unpaid = p_due - p_paid + i_due - i_paid
    if not terms.charges or unpaid <= 0 or not arrears.is_denda_day(_date(due), day, terms):  # type: ignore[arg-type]
        return 0
    charge = _half_up(unpaid * terms.bp, 10_000) if terms.kind == "persen" else amount
    if cap_bp is not None:
        cap = _half_up((p_due + i_due) * cap_bp, 10_000)
        charge = min(charge, max(0, cap - denda))
    return max(charge, 0)


@transaction.atomic
def charge_denda(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: Iterable[int] | None = None
) -> StepOutcome:
    """Charge the day's denda on every overdue instalment of active loans, by its terms."""
    _check_day(koperasi, day)
    outcome = StepOutcome()
    where, ids = _only("i.loan_id", only)
    overdue = (
        f"FROM {INSTALMENTS} i JOIN {LOANS} l ON l.id = i.loan_id "
        f"JOIN {TERMS} t ON t.id = l.terms_id "
        "WHERE i.koperasi_id = %s AND i.superseded = %s AND i.due_date < %s "
        f"AND {_UNPAID_SQL} AND (i.denda_through IS NULL OR i.denda_through < %s) "
        f"AND l.status = %s AND NOT (t.denda_bp = 0 AND t.denda_amount = 0){where}"
    )
    params = [koperasi.pk, False, _day(day), _day(day), LoanStatus.AKTIF, *ids]
    if _lock("l"):
        # The loans first, in id order (see _lock), then their instalments as they are now.
        _fetch(
            f"SELECT l.id FROM {LOANS} l WHERE l.id IN (SELECT i.loan_id {overdue}) "  # noqa: S608
            f"ORDER BY l.id{_lock('l')}",
            params,
        )
    found = _fetch(
        f"SELECT i.id, i.loan_id, {_col_date('i.due_date')}, i.principal_due, "
        "i.interest_due, i.principal_paid, i.interest_paid, i.denda_due, t.denda_per, "
        "t.denda_kind, t.denda_bp, t.denda_amount, t.denda_grace_days, t.denda_cap_bp " + overdue,
        params,
    )
    updates: list[tuple[int, int, int, int]] = []  # instalment, loan, denda before, charge
    failed: set[int] = set()
    terms_cache: dict[tuple[Any, ...], arrears.DendaTerms] = {}
    for pk, loan_id, *row, per, kind, bp, fixed, grace, cap_bp in found:
        if loan_id in failed:
            continue
        key = (per, kind, bp, fixed, grace, cap_bp)
        terms = terms_cache.get(key)
        if terms is None:
            terms = terms_cache[key] = arrears.DendaTerms(
                per, kind, bp, from_sen(fixed), grace, cap_bp
            )
        try:
            amount = _denda(tuple(row), day, terms, fixed, cap_bp)
        except (ArithmeticError, ValueError, TypeError) as exc:
            failed.add(loan_id)
            outcome.failures.append(_failure(loan_id, exc))
            continue
        if amount > 0:
            updates.append((pk, loan_id, row[5], amount))
    kept = [u for u in updates if u[1] not in failed]
    update_rows(
        Instalment,
        ("denda_due", "denda_through"),
        [(before + amount, day, pk) for pk, _loan, before, amount in kept],
    )
    outcome.done = len({u[1] for u in kept})
    outcome.total = from_sen(sum(u[3] for u in kept))
    return outcome


# --- 3. arrears and kolektibilitas --------------------------------------------------------------


def _label(grade: Grade) -> str:
    return str(Kolektibilitas(grade.value).label)


_AUTO_MACET = "Otomatis: 21 bulan dalam kolektibilitas Diragukan"


@transaction.atomic
def update_arrears(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: Iterable[int] | None = None
) -> StepOutcome:
    """Days past due and kolektibilitas of every active loan on ``day``; a grade change leaves a
    LoanEvent, and a loan that is not (or no longer) Lancar has its accrued interest reversed.

    The loans are read (and locked) first, then the oldest unpaid instalment of each in one
    grouped query; only a restructured loan's schedule is read whole (its on-time streak)."""
    _check_day(koperasi, day)
    outcome = StepOutcome()
    limits = thresholds(loan_settings(koperasi))
    where, ids = _only("id", only)
    loans = _fetch(
        "SELECT id, frequency, tenor, "  # noqa: S608
        f"{_col_date('maturity_date')}, kolektibilitas, {_col_date('grade_since')}, "
        "grade_override, override_reason, days_past_due, restructured_count, on_time_streak, "
        f"accrued_interest, schedule_version FROM {LOANS} "
        f"WHERE koperasi_id = %s AND status = %s{where} "
        f"ORDER BY id{_lock(LOANS)}",
        [koperasi.pk, LoanStatus.AKTIF, *ids],
    )
    where, ids = _only("i.loan_id", only)
    oldest = dict(
        _fetch(
            f"SELECT i.loan_id, MIN({_col_date('i.due_date')}) FROM {INSTALMENTS} i "  # noqa: S608
            "WHERE i.koperasi_id = %s AND i.superseded = %s AND i.due_date < %s "
            f"AND {_UNPAID_SQL}{where} GROUP BY i.loan_id",
            [koperasi.pk, False, _day(day), *ids],
        )
    )
    restructured = [r[0] for r in loans if r[9]]
    # Their schedules, in order, for the streak as a repayment counts it (loans.streak).
    history: dict[int, list[_StreakRow]] = defaultdict(list)
    for loan_id, due, paid, superseded, row_version in (
        Instalment.objects.filter(loan_id__in=restructured, superseded=False)
        .order_by("loan_id", "version", "number")
        .values_list("loan_id", "due_date", "paid_on", "superseded", "version")
        .iterator(chunk_size=BATCH)
    ):
        history[loan_id].append(_StreakRow(due, paid, superseded, row_version))
    changes: list[tuple[Any, ...]] = []
    events: list[LoanEvent] = []
    reverse: list[tuple[int, int]] = []
    user = actor if getattr(actor, "is_authenticated", False) else None
    lancar_up_to = {f: limits.days(f)[0] for f in ("bulanan", "mingguan")}
    for (
        pk,
        freq,
        tenor,
        maturity,
        grade,
        since,
        override,
        reason,
        dpd,
        restr,
        streak,
        accrued,
        version,
    ) in loans:
        old_streak = streak
        try:
            since = _date(since)
            first = oldest.get(pk)
            days = 0 if first is None else (day - _date(first)).days  # type: ignore[operator]
            was = arrears.effective(grade, override)
            new_override, new_reason = override, reason
            if (
                not override
                and not restr
                and tenor != 1
                and days <= lancar_up_to.get(freq, limits.days(freq)[0])
            ):
                new = Grade.LANCAR  # what computed_grade gives: the common case, without a state
            else:
                if restr:
                    streak = on_time_streak(history.get(pk, []), day, version=version)
                state = arrears.LoanState(
                    freq, tenor, _date(maturity), Grade(grade), since, override, bool(restr), streak
                )
                new = arrears.computed_grade(days, state, day, limits)
                if override == GradeOverride.DIRAGUKAN and arrears.long_in_diragukan(since, day):
                    new_override, new_reason = GradeOverride.MACET, _AUTO_MACET
            now_grade = arrears.effective(new, new_override)
        except (ArithmeticError, ValueError, TypeError, KeyError) as exc:
            outcome.failures.append(_failure(pk, exc))
            continue
        new_since = day if (now_grade != was or since is None) else since
        row = (days, new.value, new_since, new_override, new_reason, streak)
        if row != (dpd, grade, since, override, reason, old_streak):
            changes.append((*row, pk))
        if now_grade != was:
            events.append(
                LoanEvent(
                    koperasi=koperasi,
                    loan_id=pk,
                    kind="kolektibilitas",
                    on=day,
                    actor=user,
                    note=f"{_label(was)} → {_label(now_grade)}",
                    data={"from": was.value, "to": now_grade.value, "days_past_due": days},
                )
            )
        if not now_grade.performing and accrued > 0:
            reverse.append((pk, -accrued))
        outcome.done += 1
    update_rows(
        Loan,
        (
            "days_past_due",
            "kolektibilitas",
            "grade_since",
            "grade_override",
            "override_reason",
            "on_time_streak",
        ),
        changes,
    )
    LoanEvent.objects.bulk_create(events, batch_size=1000)
    if reverse:
        total = from_sen(-_sum(reverse))
        outcome.entry_ids.append(
            _book(
                koperasi=koperasi,
                day=day,
                actor=actor,
                step="akrual_balik",
                kind="loans.accrual_reversal",
                memo=books_text(
                    "Pembalikan bunga akrual pinjaman bermasalah %(tgl)s", tgl=tanggal(day)
                ),
                lines=[
                    Line(
                        account_for_role(koperasi=koperasi, role="pendapatan_jasa_pinjaman"),
                        total,
                    ),
                    Line(
                        account_for_role(koperasi=koperasi, role="bunga_pinjaman_diterima"),
                        credit=total,
                    ),
                ],
                movements=reverse,
                field="accrued",
                tx_kind=LoanTxKind.AKRUAL_BALIK,
                tx_memo=books_text("Pembalikan bunga akrual (non-akrual)"),
            )
        )
        outcome.total = total
    return outcome


# --- 4. PPAP ------------------------------------------------------------------------------------


@transaction.atomic
def book_ppap(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: Iterable[int] | None = None
) -> StepOutcome:
    """On a month's last day, set each loan's allowance to what its grade requires and book the
    change of the koperasi's allowance in one entry. Other days: nothing."""
    _check_day(koperasi, day)
    outcome = StepOutcome()
    if not is_month_end(day):
        return outcome
    rates = ppap_rates(loan_settings(koperasi))
    where, ids = _only("id", only)
    found = _fetch(
        "SELECT id, status, outstanding_principal, kolektibilitas, grade_override, allowance "  # noqa: S608
        f"FROM {LOANS} WHERE koperasi_id = %s AND (status = %s OR allowance > 0){where} "
        f"ORDER BY id{_lock(LOANS)}",
        [koperasi.pk, LoanStatus.AKTIF, *ids],
    )
    done = _done_today(koperasi, LoanTxKind.PPAP, day)
    movements: list[tuple[int, int]] = []
    rate_of: dict[tuple[str, str], int] = {}
    for pk, status, outstanding, grade, override, allowance in found:
        if pk in done:
            outcome.done += 1
            continue
        try:
            bp = rate_of.get((grade, override))
            if bp is None:
                bp = rate_of[(grade, override)] = rates.bp(arrears.effective(grade, override))
            base = outstanding if status == LoanStatus.AKTIF else 0
            # arrears.ppap_required, in sen.
            required = _half_up(base * bp, 10_000) if base > 0 else 0
        except (ArithmeticError, ValueError, TypeError) as exc:
            outcome.failures.append(_failure(pk, exc))
            continue
        if required != allowance:
            movements.append((pk, required - allowance))
        outcome.done += 1
    if not movements:
        return outcome
    up = from_sen(sum(a for _l, a in movements if a > 0))
    down = from_sen(-sum(a for _l, a in movements if a < 0))
    expense = account_for_role(koperasi=koperasi, role="beban_penyisihan_pinjaman")
    allowance_account = account_for_role(koperasi=koperasi, role="penyisihan_pinjaman")
    if up > down:
        lines = [Line(expense, up - down), Line(allowance_account, credit=up - down)]
    elif down > up:
        lines = [Line(allowance_account, down - up), Line(expense, credit=down - up)]
    else:  # as much formed as released: both shown
        lines = [
            Line(expense, up),
            Line(allowance_account, credit=up),
            Line(allowance_account, down),
            Line(expense, credit=down),
        ]
    outcome.entry_ids.append(
        _book(
            koperasi=koperasi,
            day=day,
            actor=actor,
            step="ppap",
            kind="loans.ppap",
            memo=books_text("Penyisihan penghapusan pinjaman (PPAP) %(tgl)s", tgl=tanggal(day)),
            lines=lines,
            movements=movements,
            field="allowance",
            tx_kind=LoanTxKind.PPAP,
            tx_memo=books_text("PPAP sesuai kolektibilitas"),
        )
    )
    outcome.total = up - down
    return outcome


STEPS: tuple[tuple[str, Callable[..., StepOutcome]], ...] = (
    ("akrual", accrue_interest),
    ("denda", charge_denda),
    ("kolektibilitas", update_arrears),
    ("ppap", book_ppap),
)


# --- the manual override ------------------------------------------------------------------------


def _override_checks(loan: Loan, reason: str) -> str:
    if loan.status != LoanStatus.AKTIF:
        raise LoansError(
            _("Kolektibilitas hanya dapat diubah untuk pinjaman yang sedang berjalan."),
            code="not_active",
        )
    reason = " ".join((reason or "").split())
    if not reason:
        raise LoansError(
            _("Alasan harus diisi (misalnya keadaan jaminan)."), code="reason_required"
        )
    if len(reason) > 250:
        raise LoansError(_("Alasan paling banyak 250 karakter."), code="reason_too_long")
    return reason


def _set_override(loan: Loan, override: str, reason: str, actor: Any, action: str) -> Loan:
    locked = Loan.objects.select_for_update().get(pk=loan.pk)
    reason = _override_checks(locked, reason)
    before = {
        "grade_override": locked.grade_override,
        "override_reason": locked.override_reason,
        "grade": locked.grade,
    }
    was = locked.grade
    day = business_date(locked.koperasi)
    locked.grade_override = override
    locked.override_reason = reason if override else ""
    fields = ["grade_override", "override_reason"]
    if locked.grade != was or locked.grade_since is None:
        locked.grade_since = day
        fields.append("grade_since")
    locked.save(update_fields=fields)
    LoanEvent.objects.create(
        koperasi=locked.koperasi,
        loan=locked,
        kind="kolektibilitas_manual" if override else "kolektibilitas_manual_dihapus",
        on=day,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=reason[:250],
        data={"from": was, "to": locked.grade, "override": override},
    )
    audit.record(
        actor=actor,
        action=action,
        obj=locked,
        before=before,
        after={
            "grade_override": locked.grade_override,
            "override_reason": locked.override_reason,
            "grade": locked.grade,
        },
        note=reason,
    )
    return locked


@transaction.atomic
def loan_grade_override(*, loan: Loan, grade: str, reason: str, actor: Any) -> Loan:
    """Set a loan's kolektibilitas by hand to Diragukan or Macet (e.g. by its collateral), with
    a reason kept in the audit trail. It wins over the computed grade until cleared; the next
    close of business reverses the loan's accrued interest and books its PPAP by it."""
    if grade not in (GradeOverride.DIRAGUKAN, GradeOverride.MACET):
        raise LoansError(
            _("Kolektibilitas manual hanya Diragukan atau Macet."), code="override_grade"
        )
    return _set_override(loan, grade, reason, actor, "loans.grade_override")


@transaction.atomic
def loan_grade_override_clear(*, loan: Loan, reason: str, actor: Any) -> Loan:
    """Remove the manual kolektibilitas: the computed grade counts again (reason audited)."""
    if not Loan.objects.filter(pk=loan.pk).exclude(grade_override="").exists():
        raise LoansError(_("Pinjaman ini tidak memakai kolektibilitas manual."), code="no_override")
    return _set_override(loan, "", reason, actor, "loans.grade_override_clear")
