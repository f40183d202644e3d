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
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Min, Q
from django.utils.translation import gettext as _

from core import audit
from core.books import books_text
from core.dates import business_date, tanggal
from core.money import ZERO, to_sen
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
    LoanSettings,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
)
from loans.schedule import add_months
from loans.services.products import LoansError
from registry.models import Koperasi
from savings.services._bulk import insert_rows, now, update_rows

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


def _book(
    *,
    koperasi: Koperasi,
    day: dt.date,
    actor: Any,
    step: str,
    kind: str,
    memo: str,
    lines: Sequence[Line],
    movements: Sequence[tuple[int, Decimal]],
    field: str,
    tx_kind: str,
    tx_memo: str,
) -> int:
    """Post one entry, write a LoanTransaction per loan moving ``field`` by its amount, and add
    them to the loans' ``field`` in SQL. Returns the entry id."""
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
    rows = []
    for loan_id, amount in movements:
        row: list[Any] = [
            koperasi.pk,
            loan_id,
            tx_kind,
            day,
            created,
            entry.pk,
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            tx_memo,
            actor_id,
        ]
        row[position] = amount
        rows.append(row)
    insert_rows(LoanTransaction, TX_FIELDS, rows)
    _add(column, movements)
    return int(entry.pk)


def _add(column: str, movements: Sequence[tuple[int, Decimal]]) -> None:
    """Add each loan's amount to its ``column`` in SQL (an increment, so a repayment written
    meanwhile is kept): one ``UPDATE … FROM unnest`` per chunk on PostgreSQL, ``executemany`` on
    SQLite (in-process, where that is as fast as it gets)."""
    table = connection.ops.quote_name(Loan._meta.db_table)
    col = connection.ops.quote_name(column)
    pairs = [(to_sen(amount), loan_id) for loan_id, amount in movements]
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


def _loans(koperasi: Koperasi, only: Iterable[int] | None) -> Any:
    loans = Loan.objects.filter(koperasi=koperasi, status=LoanStatus.AKTIF)
    if only is not None:
        loans = loans.filter(pk__in=list(only))
    return loans


# --- 1. accrual ---------------------------------------------------------------------------------


def _period(frequency: str, due: dt.date) -> dt.date:
    return due - dt.timedelta(days=7) if frequency == "mingguan" else add_months(due, -1)


@transaction.atomic
def accrue_interest(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: Iterable[int] | None = None
) -> StepOutcome:
    """Accrue the day's interest of every Lancar loan whose terms accrue (see the module doc)."""
    _check_day(koperasi, day)
    outcome = StepOutcome()
    done = _done_today(koperasi, LoanTxKind.AKRUAL, day)
    loans = {
        pk: (disbursed, frequency, maturity)
        for pk, disbursed, frequency, maturity in _loans(koperasi, only)
        .filter(
            terms__accrues=True,
            kolektibilitas=Kolektibilitas.LANCAR,
            grade_override="",
            disbursed_on__lt=day,
        )
        .values_list("pk", "disbursed_on", "frequency", "maturity_date")
        .iterator(chunk_size=BATCH)
        if pk not in done
    }
    outcome.done += len(done)
    # Each loan's instalments around the day: the current one and the one before it.
    near: dict[int, list[tuple[dt.date, Decimal, Decimal]]] = defaultdict(list)
    window = Instalment.objects.filter(
        koperasi=koperasi,
        superseded=False,
        due_date__gte=day - dt.timedelta(days=35),
        due_date__lt=day + dt.timedelta(days=35),
    ).values_list("loan_id", "due_date", "interest_due", "interest_paid")
    for loan_id, due, interest, paid in window.iterator(chunk_size=BATCH):
        if loan_id in loans:
            near[loan_id].append((due, interest, paid))
    movements: list[tuple[int, Decimal]] = []
    for loan_id, (disbursed, frequency, maturity) in loans.items():
        try:
            amount = _accrual(day, disbursed, frequency, maturity, near.get(loan_id, []))
        except (LoansError, ArithmeticError, ValueError, TypeError) as exc:
            outcome.failures.append(_failure(loan_id, exc))
            continue
        if amount > 0:
            movements.append((loan_id, amount))
    total = sum((a for _l, a in movements), ZERO)
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


def _accrual(
    day: dt.date,
    disbursed: dt.date,
    frequency: str,
    maturity: dt.date | None,
    rows: list[tuple[dt.date, Decimal, Decimal]],
) -> Decimal:
    rows.sort()
    current = next((r for r in rows if r[0] >= day), None)
    if current is None:
        if maturity is None or maturity >= day:
            raise LoansError(_("Jadwal angsuran pinjaman ini tidak ditemukan."))
        return ZERO  # past maturity: every instalment's interest was accrued by its due date
    due, interest, paid = current
    if paid >= interest:
        return ZERO  # paid ahead: recognised when it was paid
    before = [r[0] for r in rows if r[0] < due]
    start = before[-1] if before else max(disbursed, _period(frequency, due))
    return arrears.accrual_for_day(interest, start, due, day)


# --- 2. denda -----------------------------------------------------------------------------------


_UNPAID = Q(principal_paid__lt=F("principal_due")) | Q(interest_paid__lt=F("interest_due"))


@transaction.atomic
def charge_denda(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: Iterable[int] | None = None
) -> StepOutcome:
    """Charge the day's denda on every overdue instalment of active loans, by its terms."""
    _check_day(koperasi, day)
    outcome = StepOutcome()
    rows = (
        Instalment.objects.filter(
            koperasi=koperasi,
            superseded=False,
            due_date__lt=day,
            loan__status=LoanStatus.AKTIF,
        )
        .filter(_UNPAID)
        .filter(Q(denda_through__isnull=True) | Q(denda_through__lt=day))
        .exclude(loan__terms__denda_bp=0, loan__terms__denda_amount=0)
    )
    if only is not None:
        rows = rows.filter(loan_id__in=list(only))
    found = rows.values_list(
        "pk",
        "loan_id",
        "due_date",
        "principal_due",
        "interest_due",
        "principal_paid",
        "interest_paid",
        "denda_due",
        "loan__terms__denda_per",
        "loan__terms__denda_kind",
        "loan__terms__denda_bp",
        "loan__terms__denda_amount",
        "loan__terms__denda_grace_days",
        "loan__terms__denda_cap_bp",
    )
    updates: list[tuple[Decimal, dt.date, int]] = []
    charged: set[int] = set()
    failed: set[int] = set()
    total = ZERO
    terms_cache: dict[tuple[Any, ...], arrears.DendaTerms] = {}
    for pk, loan_id, due, p_due, i_due, p_paid, i_paid, denda, *t in found.iterator(
        chunk_size=BATCH
    ):
        if loan_id in failed:
            continue
        key = tuple(t)
        terms = terms_cache.get(key)
        if terms is None:
            terms = terms_cache[key] = arrears.DendaTerms(*t)  # type: ignore[arg-type]
        try:
            row = arrears.Row(due, p_due, i_due, p_paid, i_paid, denda)
            amount = arrears.denda_for_day(row, day, terms)
        except (ArithmeticError, ValueError, TypeError) as exc:
            failed.add(loan_id)
            outcome.failures.append(_failure(loan_id, exc))
            continue
        if amount > 0:
            updates.append((denda + amount, day, pk))
            charged.add(loan_id)
            total += amount
    if failed:
        updates = [u for u in updates if u[2] not in failed]
    update_rows(Instalment, ("denda_due", "denda_through"), updates)
    outcome.done = len(charged - failed)
    outcome.total = total
    return outcome


# --- 3. arrears and kolektibilitas --------------------------------------------------------------

_LOAN_FIELDS = (
    "pk",
    "frequency",
    "tenor",
    "maturity_date",
    "kolektibilitas",
    "grade_since",
    "grade_override",
    "override_reason",
    "days_past_due",
    "restructured_count",
    "on_time_streak",
    "accrued_interest",
)


def _label(grade: Grade) -> str:
    return str(Kolektibilitas(grade.value).label)


_AUTO_MACET = "Otomatis: 21 bulan dalam kolektibilitas Diragukan"


@transaction.atomic
def update_arrears(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: Iterable[int] | None = None
) -> StepOutcome:
    """Days past due and kolektibilitas of every active loan on ``day``; a grade change leaves a
    LoanEvent, and a loan that is not (or no longer) Lancar has its accrued interest reversed."""
    _check_day(koperasi, day)
    outcome = StepOutcome()
    limits = thresholds(loan_settings(koperasi))
    oldest_rows = (
        Instalment.objects.filter(koperasi=koperasi, superseded=False, due_date__lt=day)
        .filter(_UNPAID)
        .values("loan_id")
        .annotate(oldest=Min("due_date"))
        .values_list("loan_id", "oldest")
        .order_by()
    )
    if only is not None:
        oldest_rows = oldest_rows.filter(loan_id__in=list(only))
    oldest = dict(oldest_rows.iterator(chunk_size=BATCH))
    loans = list(_loans(koperasi, only).values_list(*_LOAN_FIELDS).iterator(chunk_size=BATCH))
    restructured = [r[0] for r in loans if r[9]]
    history: dict[int, list[arrears.Row]] = defaultdict(list)
    for loan_id, *values in (
        Instalment.objects.filter(loan_id__in=restructured, superseded=False)
        .values_list(
            "loan_id", "due_date", "principal_due", "interest_due", "principal_paid",
            "interest_paid", "denda_due", "denda_paid", "denda_waived", "paid_on",
        )
        .iterator(chunk_size=BATCH)
    ):  # fmt: skip
        history[loan_id].append(arrears.Row(*values))  # type: ignore[arg-type]
    changes: list[tuple[Any, ...]] = []
    events: list[LoanEvent] = []
    reverse: list[tuple[int, Decimal]] = []
    user = actor if getattr(actor, "is_authenticated", False) else None
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
    ) in loans:
        old_streak = streak
        try:
            first = oldest.get(pk)
            days = 0 if first is None else (day - first).days
            if restr:
                streak = arrears.on_time_streak(history.get(pk, []), day)
            state = arrears.LoanState(
                freq, tenor, maturity, Grade(grade), since, override, bool(restr), streak
            )
            new = arrears.computed_grade(days, state, day, limits)
            new_override, new_reason = override, reason
            if override == GradeOverride.DIRAGUKAN and arrears.long_in_diragukan(since, day):
                new_override, new_reason = GradeOverride.MACET, _AUTO_MACET
            was = arrears.effective(grade, override)
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
        total = -sum((a for _l, a in reverse), ZERO)
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
    done = _done_today(koperasi, LoanTxKind.PPAP, day)
    loans = Loan.objects.filter(koperasi=koperasi).filter(
        Q(status=LoanStatus.AKTIF) | Q(allowance__gt=0)
    )
    if only is not None:
        loans = loans.filter(pk__in=list(only))
    movements: list[tuple[int, Decimal]] = []
    for pk, status, outstanding, grade, override, allowance in loans.values_list(
        "pk", "status", "outstanding_principal", "kolektibilitas", "grade_override", "allowance"
    ).iterator(chunk_size=BATCH):
        if pk in done:
            outcome.done += 1
            continue
        try:
            base = outstanding if status == LoanStatus.AKTIF else ZERO
            required = arrears.ppap_required(base, arrears.effective(grade, override), rates)
        except (ArithmeticError, ValueError, TypeError) as exc:
            outcome.failures.append(_failure(pk, exc))
            continue
        if required != allowance:
            movements.append((pk, required - allowance))
        outcome.done += 1
    if not movements:
        return outcome
    up = sum((a for _l, a in movements if a > 0), ZERO)
    down = -sum((a for _l, a in movements if a < 0), ZERO)
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
