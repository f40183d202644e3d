"""Restructuring (restrukturisasi): a new schedule for what a running loan still owes.

Maker-checker: someone asks with a reason (:func:`loan_restructure_request`: the new tenor, and
perhaps a new rate and method), a pengurus who did not ask approves
(:func:`loan_restructure_approve`; the database's ``loans_restr_four_eyes`` holds the same) or
refuses (:func:`loan_restructure_refuse`).

On approval, on the business date:

* **arrears interest**: the interest of instalments fallen due and unpaid. If it is
  *capitalised*, the larger of it and the loan's accrued interest becomes principal in one
  balanced entry (kind ``loans.restructure``): Dr the product's portfolio account; Cr accrued
  loan interest (``bunga_pinjaman_diterima``) for what the books had accrued; Cr interest income
  (``pendapatan_jasa_pinjaman``) for the rest — the member now owes it as principal. A movement
  of kind ``restruktur`` records it (principal +, accrued −). If it is not capitalised it stays
  owed as interest on the first new instalment (and the accrual stays on the books).
* **denda** still owed on the old instalments moves to the first new instalment;
* the new schedule (``Instalment.version`` + 1) runs from the business date for the new tenor
  on the outstanding principal (the sen, if any, in the last instalment's principal);
* the old instalments not fully paid (or not yet due) are marked ``superseded``;
* the loan's tenor, rate, method and maturity become the new ones; ``restructured_count`` + 1;
  ``on_time_streak`` = 0: the loan keeps its grade until three instalments in a row are paid on
  time (the close of business applies that rule; repayments keep the streak, see
  :mod:`loans.streak`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.books import books_text
from core.dates import business_date
from ledger import services as ledger
from loans.models import (
    MAX_RATE_BP,
    MAX_TENOR,
    Instalment,
    Loan,
    LoanEvent,
    LoanMethod,
    LoanRestructure,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
    RequestStatus,
)
from loans.schedule import Frequency, RateBasis, build, period_rate
from loans.services._common import (
    ZERO,
    audit_tx,
    lock_loan,
    refuse_request,
    rupiah,
    user_or_none,
)
from loans.services.applications import FourEyes
from loans.services.products import LoansError, percent_to_bp
from loans.services.repayment import open_instalments
from registry.models import Role, RoleGrant
from savings.services._common import Booking

RESTRUCTURE = "loans.restructure"


class RestructureError(LoansError):
    pass


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise RestructureError(_("Tulis alasan restrukturisasi."), code="reason")
    return reason[:200]


def is_pengurus(user: Any, koperasi_id: int) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        RoleGrant.objects.filter(
            user_id=user.pk, koperasi_id=koperasi_id, role=Role.PENGURUS
        ).exists()
    )


def arrears_interest(rows: list[Instalment], on: dt.date) -> Decimal:
    """Interest of the instalments fallen due on ``on`` and still unpaid."""
    return sum(
        (r.interest_due - r.interest_paid for r in rows if r.due_date <= on and not r.superseded),
        ZERO,
    )


def _check_running(loan: Loan) -> None:
    if loan.status != LoanStatus.AKTIF:
        raise RestructureError(
            _(
                "Pinjaman %(n)s tidak sedang berjalan (status: %(s)s); "
                "tidak dapat direstrukturisasi."
            )
            % {"n": loan.number, "s": loan.get_status_display()},
            code="not_active",
        )


@transaction.atomic
def loan_restructure_request(
    *,
    loan: Loan,
    tenor: int,
    rate_percent: Any = None,
    method: str | None = None,
    capitalise_arrears_interest: bool = False,
    reason: str,
    actor: Any,
    on: dt.date | None = None,
) -> LoanRestructure:
    """Ask for a restructuring of a running loan; a pengurus who did not ask decides."""
    reason = _reason(reason)
    locked = lock_loan(loan)
    _check_running(locked)
    on = on or business_date(locked.koperasi)
    try:
        tenor = int(tenor)
    except (TypeError, ValueError):
        raise RestructureError(_("Jangka waktu baru harus bilangan bulat."), code="tenor") from None
    top = MAX_TENOR[Frequency(locked.frequency)]
    if not 1 <= tenor <= top:
        raise RestructureError(
            _("Jangka waktu baru antara 1 dan %(max)s angsuran.") % {"max": top}, code="tenor"
        )
    if rate_percent is None or rate_percent == "":
        rate_bp = locked.rate_bp
    else:
        rate_bp = percent_to_bp(rate_percent, label=_("Bunga baru"))
        if rate_bp > MAX_RATE_BP[RateBasis(locked.rate_per)]:
            raise RestructureError(_("Bunga baru di luar batas produk."), code="rate")
    method = method or locked.method
    if method not in LoanMethod.values:
        raise RestructureError(_("Metode bunga tidak dikenal."), code="method")
    if LoanRestructure.objects.filter(loan=locked, status=RequestStatus.MENUNGGU).exists():
        raise RestructureError(
            _("Sudah ada pengajuan restrukturisasi yang menunggu untuk pinjaman ini."),
            code="pending",
        )
    try:
        with transaction.atomic():
            request = LoanRestructure.objects.create(
                koperasi_id=locked.koperasi_id,
                loan=locked,
                tenor=tenor,
                rate_bp=rate_bp,
                method=method,
                capitalise=bool(capitalise_arrears_interest),
                reason=reason,
                requested_on=on,
                requested_by=actor,
            )
    except IntegrityError:  # pragma: no cover - asked twice at once
        raise RestructureError(
            _("Sudah ada pengajuan restrukturisasi yang menunggu untuk pinjaman ini."),
            code="pending",
        ) from None
    LoanEvent.objects.create(
        koperasi_id=locked.koperasi_id,
        loan=locked,
        kind="restrukturisasi_diajukan",
        on=on,
        actor=user_or_none(actor),
        note=reason,
        data={"request": request.pk, "tenor": tenor, "rate_bp": rate_bp, "method": method},
    )
    audit.record(
        actor=actor,
        action="loans.restructure_request",
        obj=request,
        koperasi=locked.koperasi,
        after={
            "loan": locked.number,
            "tenor": tenor,
            "rate_bp": rate_bp,
            "method": method,
            "capitalise": request.capitalise,
        },
        note=reason,
    )
    return request


def _lock_request(request: LoanRestructure) -> LoanRestructure:
    return LoanRestructure.objects.select_for_update().get(
        pk=request.pk, koperasi_id=request.koperasi_id
    )


def _decider(request: LoanRestructure, actor: Any) -> None:
    if request.status != RequestStatus.MENUNGGU:
        raise RestructureError(
            _("Pengajuan ini sudah diputuskan (%(s)s).") % {"s": request.get_status_display()},
            code="decided",
        )
    if getattr(actor, "pk", None) == request.requested_by_id:
        raise FourEyes(
            _("Restrukturisasi disetujui oleh orang lain, bukan yang mengajukannya."),
            code="four_eyes",
        )
    if not is_pengurus(actor, request.koperasi_id):
        raise RestructureError(
            _("Hanya pengurus yang memutuskan restrukturisasi."), code="not_pengurus"
        )


@transaction.atomic
def loan_restructure_refuse(
    *, request: LoanRestructure, actor: Any, note: str = ""
) -> LoanRestructure:
    locked = _lock_request(request)
    _decider(locked, actor)
    return refuse_request(
        locked,
        actor=actor,
        note=note,
        event="restrukturisasi_ditolak",
        action="loans.restructure_refuse",
    )


@transaction.atomic
def loan_restructure_approve(
    *, request: LoanRestructure, actor: Any, note: str = ""
) -> LoanRestructure:
    """Approve: the new schedule, the capitalised interest's entry (see the module doc)."""
    req = _lock_request(request)
    _decider(req, actor)
    loan = lock_loan(req.loan)
    _check_running(loan)
    koperasi = loan.koperasi
    on = business_date(koperasi)
    rows = open_instalments(loan, lock=True)
    current = [r for r in rows if r.version == loan.schedule_version]
    arrears = arrears_interest(current, on)
    denda = sum((r.denda_due - r.denda_waived - r.denda_paid for r in current), ZERO)
    capitalised = max(arrears, loan.accrued_interest) if req.capitalise else ZERO
    from_accrued = loan.accrued_interest if req.capitalise else ZERO
    new_principal = loan.outstanding_principal + capitalised
    if new_principal < 1:
        raise RestructureError(
            _("Tidak ada sisa pokok pinjaman %(n)s untuk dijadwalkan ulang.") % {"n": loan.number},
            code="nothing",
        )
    whole = new_principal.to_integral_value(rounding="ROUND_FLOOR")
    sen = new_principal - whole
    rate = period_rate(
        Decimal(req.rate_bp) / 100,
        basis=RateBasis(loan.rate_per),
        frequency=Frequency(loan.frequency),
    )
    schedule = build(
        method=req.method,
        principal=whole,
        rate=rate,
        periods=req.tenor,
        start=on,
        frequency=loan.frequency,
    )
    entry = None
    tx = None
    text = books_text(
        "Restrukturisasi pinjaman %(n)s — %(name)s", n=loan.number, name=loan.member.full_name
    )
    if capitalised > 0:
        booking = Booking(koperasi, on)
        books = ledger.lock_books(koperasi=koperasi, value_date=on)
        booking.debit(loan.product.ledger_account, capitalised)
        booking.credit(booking.role("bunga_pinjaman_diterima"), from_accrued)
        booking.credit(booking.role("pendapatan_jasa_pinjaman"), capitalised - from_accrued)
        entry = booking.post(
            kind=RESTRUCTURE, memo=text, actor=actor, source=f"loans.Loan:{loan.pk}", books=books
        )
    # The old schedule: what is not fully paid, or not yet due, is superseded.
    old = [
        r
        for r in current
        if r.principal_due - r.principal_paid > 0
        or r.interest_due - r.interest_paid > 0
        or r.denda_due - r.denda_waived - r.denda_paid > 0
        or r.due_date > on
    ]
    Instalment.objects.filter(pk__in=[r.pk for r in old]).update(superseded=True)
    version = loan.schedule_version + 1
    new_rows = []
    items = list(schedule)
    for index, row in enumerate(items):
        principal = row.principal
        interest = row.interest
        if index == len(items) - 1:
            principal += sen
        if index == 0 and not req.capitalise:
            interest += arrears
        new_rows.append(
            Instalment(
                koperasi_id=koperasi.pk,
                loan=loan,
                version=version,
                number=row.number,
                due_date=row.due_date,
                principal_due=principal,
                interest_due=interest,
                denda_due=denda if index == 0 else ZERO,
            )
        )
    Instalment.objects.bulk_create(new_rows)
    before = {
        "tenor": loan.tenor,
        "rate_bp": loan.rate_bp,
        "method": loan.method,
        "maturity": str(loan.maturity_date),
        "outstanding": str(loan.outstanding_principal),
        "accrued": str(loan.accrued_interest),
        "version": loan.schedule_version,
    }
    loan.outstanding_principal = new_principal
    loan.accrued_interest -= from_accrued
    loan.tenor = req.tenor
    loan.grace = 0
    loan.rate_bp = req.rate_bp
    loan.method = req.method
    loan.maturity_date = schedule.maturity
    loan.schedule_version = version
    loan.restructured_count += 1
    loan.on_time_streak = 0
    loan.save(
        update_fields=[
            "outstanding_principal",
            "accrued_interest",
            "tenor",
            "grace",
            "rate_bp",
            "method",
            "maturity_date",
            "schedule_version",
            "restructured_count",
            "on_time_streak",
        ]
    )
    if entry is not None:
        tx = LoanTransaction.objects.create(
            koperasi_id=koperasi.pk,
            loan=loan,
            kind=LoanTxKind.RESTRUKTURISASI,
            value_date=on,
            entry=entry,
            principal=capitalised,
            accrued=-from_accrued,
            interest_paid=capitalised,
            memo=text[:250],
            actor=user_or_none(actor),
        )
    after = {
        "tenor": loan.tenor,
        "rate_bp": loan.rate_bp,
        "method": loan.method,
        "maturity": str(loan.maturity_date),
        "outstanding": str(loan.outstanding_principal),
        "capitalised": str(capitalised),
        "arrears_interest": str(arrears),
        "denda_carried": str(denda),
        "version": version,
        "entry": entry.number if entry else None,
    }
    req.status = RequestStatus.DISETUJUI
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.decision_note = (note or "")[:250]
    req.entry = entry
    req.data = {"before": before, "after": after}
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "entry", "data"])
    LoanEvent.objects.create(
        koperasi_id=koperasi.pk,
        loan=loan,
        kind="restrukturisasi",
        on=on,
        actor=user_or_none(actor),
        note=req.reason,
        data={"request": req.pk, "before": before, "after": after},
    )
    if tx is not None and entry is not None:
        audit_tx(actor, RESTRUCTURE, tx, entry, capitalised=capitalised)
    audit.record(
        actor=actor,
        action="loans.restructure_approve",
        obj=req,
        koperasi=koperasi,
        before=before,
        after=after,
        note=req.reason,
    )
    return req


def restructure_summary(request: LoanRestructure) -> str:
    """One line for the queue: the new tenor, rate and method."""
    return _("%(t)s angsuran, bunga %(r)s%%, %(m)s%(c)s") % {
        "t": request.tenor,
        "r": str(Decimal(request.rate_bp) / 100).replace(".", ","),
        "m": request.get_method_display(),
        "c": _(", bunga tunggakan jadi pokok") if request.capitalise else "",
    }


__all__ = [
    "RESTRUCTURE",
    "RestructureError",
    "arrears_interest",
    "loan_restructure_approve",
    "loan_restructure_refuse",
    "loan_restructure_request",
    "restructure_summary",
    "rupiah",
]
