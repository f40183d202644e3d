"""The pages of a loan's life: list, application, approval queue, detail with schedule and
history, disbursement, the kasir's repayment at the counter, the receipt, and voids.

Who: kasir and pengurus enter applications, disburse and take repayments; pengurus (and, for
related-party loans, the pengawas) approve or refuse; pengawas and konsultan read.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.dates import business_date
from core.money import format_rupiah as rupiah
from loans import services
from loans.models import (
    InstalmentMovement,
    Loan,
    LoanProduct,
    LoanStatus,
    LoanTransaction,
    LoanVoidRequest,
    LoanVoidStatus,
)
from loans.services.repayment import open_instalments
from members import selectors as member_selectors
from members.models import Member
from registry.access import koperasi_view
from registry.models import Role
from savings.models import Account as SavingsAccount
from savings.models import CounterRequest
from savings.services import approvals
from savings.services.counter import open_session

WRITERS = (Role.KASIR, Role.PENGURUS)
DECIDERS = (Role.PENGURUS, Role.PENGAWAS)


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    roles = set(getattr(request, "roles", set()))
    return {
        "k": _k(request),
        "can_write": bool(roles & set(WRITERS)),
        "can_decide": bool(roles & set(DECIDERS)),
        "business_date": business_date(_k(request)),
        "nav_loans": True,
        **extra,
    }


def _error(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _loan(request: HttpRequest, loan_id: int) -> Loan:
    return get_object_or_404(
        Loan.objects.select_related("member", "product", "terms"), pk=loan_id, koperasi=_k(request)
    )


def _key(request: HttpRequest) -> str:
    key = request.POST.get("key", "")
    return key[:60] if key else uuid.uuid4().hex


def _member_view(member: Member) -> dict[str, Any]:
    savings = SavingsAccount.objects.filter(member=member, status="aktif").select_related("product")
    loans = list(Loan.objects.filter(member=member).exclude(status__in=["ditolak", "batal"]))
    today = business_date(member.koperasi)
    arrears = sum(
        (services.amount_due(loan, today) for loan in loans if loan.is_active), Decimal(0)
    )
    return {
        "member": member,
        "savings": savings,
        "member_loans": loans,
        "arrears": arrears,
        # Kemampuan bayar: a month of the running loans' instalments, and the koperasi's share.
        "instalments": services.instalments_of(member),
        "capacity_percent": services.Capacity(
            income=Decimal(0),
            share_bp=services.settings_of(member.koperasi).capacity_bp,
            existing=Decimal(0),
            proposed=Decimal(0),
        ).share_percent,
    }


@koperasi_view(*WRITERS)
def loan_apply(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    q = " ".join(request.GET.get("q", "").split())[:60]
    results = member_selectors.member_search(koperasi=koperasi, q=q) if len(q) >= 2 else None
    member = None
    member_id = request.POST.get("member") or request.GET.get("member")
    if member_id:
        member = get_object_or_404(Member, pk=member_id, koperasi=koperasi)
    products = LoanProduct.objects.filter(koperasi=koperasi, is_active=True).order_by("code")
    context = _ctx(request, q=q, results=results, products=products, values=request.POST)
    if member is not None:
        context.update(_member_view(member))
    if request.method == "POST" and member is not None:
        product = get_object_or_404(
            LoanProduct, pk=request.POST.get("product") or 0, koperasi=koperasi
        )
        try:
            loan = services.loan_apply(
                koperasi=koperasi,
                member=member,
                product=product,
                principal=request.POST.get("principal", ""),
                tenor=request.POST.get("tenor", ""),
                grace=request.POST.get("grace") or 0,
                rate_percent=request.POST.get("rate_percent") or None,
                purpose=request.POST.get("purpose", ""),
                collateral=request.POST.get("collateral", ""),
                related_party=request.POST.get("related_party") == "on",
                officer=request.user,
                actor=request.user,
                income=request.POST.get("income") or None,
            )
        except ValidationError as exc:
            context["error"] = _error(exc)
        else:
            messages.success(request, _("Pengajuan %(n)s dicatat.") % {"n": loan.number})
            capacity = services.capacity_of(loan)
            if capacity is not None and capacity.over:
                messages.warning(request, capacity.message())
            return redirect("loans:loan", kode=koperasi.code, loan_id=loan.pk)
        income = request.POST.get("income", "")
        context["income"] = income
    return render(request, "loans/loan_apply.html", context)


@koperasi_view()
def approvals_queue(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    pending = (
        Loan.objects.filter(koperasi=koperasi, status=LoanStatus.DIAJUKAN)
        .select_related("member", "product", "terms", "applied_by")
        .order_by("applied_on", "pk")
    )
    rows = []
    for loan in pending:
        warning = services.cap_warning_of(loan)
        rows.append(
            {
                "loan": loan,
                "warning": warning,
                "capacity": services.capacity_of(loan),
                "own": loan.applied_by_id == request.user.pk,
            }
        )
    voids = LoanVoidRequest.objects.filter(
        koperasi=koperasi, status=LoanVoidStatus.MENUNGGU
    ).select_related("loan", "transaction", "requested_by")
    return render(request, "loans/approvals.html", _ctx(request, rows=rows, voids=voids))


@require_POST
@koperasi_view(*DECIDERS)
def loan_approve(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    try:
        services.loan_approve(
            loan=loan,
            actor=request.user,
            acknowledge_rate_cap=request.POST.get("acknowledge") == "on",
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, _("Pinjaman %(n)s disetujui.") % {"n": loan.number})
    return redirect("loans:approvals", kode=_k(request).code)


@require_POST
@koperasi_view(*DECIDERS)
def loan_refuse(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    try:
        services.loan_refuse(loan=loan, actor=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, _("Pengajuan %(n)s ditolak.") % {"n": loan.number})
    return redirect("loans:approvals", kode=_k(request).code)


@koperasi_view()
def loan_detail(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    schedule = (
        list(open_instalments(loan))
        if loan.disbursed_on
        else list(services.schedule_of(loan, start=business_date(_k(request))))
    )
    history = sorted(
        [*loan.transactions.select_related("entry"), *loan.events.select_related("actor")],
        key=lambda r: getattr(r, "created_at", None) or 0,
    )
    quote = None
    if loan.is_active:
        quote = services.loan_payoff_quote(loan=loan)
    return render(
        request,
        "loans/loan_detail.html",
        _ctx(
            request,
            loan=loan,
            schedule=schedule,
            planned=not loan.disbursed_on,
            history=history,
            quote=quote,
            rate=services.effective_rate_of(loan),
            figures=services.disbursement_figures(loan),
            capacity=services.capacity_of(loan) if loan.status == LoanStatus.DIAJUKAN else None,
        ),
    )


@koperasi_view(*WRITERS)
def loan_disburse(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    koperasi = _k(request)
    session = open_session(koperasi=koperasi, kasir=request.user)
    context = _ctx(
        request,
        loan=loan,
        session=session,
        figures=services.disbursement_figures(loan),
        key=uuid.uuid4().hex,
    )
    if request.method == "POST":
        via = request.POST.get("via", "kas")
        key = _key(request)
        try:
            tx = services.loan_disburse(
                loan=loan,
                actor=request.user,
                via=via,
                session=session,
                idempotency_key=key,
                confirmed=request.POST.get("confirmed") == "on",
            )
        except approvals.NeedsApproval:
            return _ask_approval(
                request, CounterRequest.Action.LOAN_DISBURSE, loan, session, via, key
            )
        except ValidationError as exc:
            context["error"] = _error(exc)
        else:
            return redirect("loans:receipt", kode=koperasi.code, loan_tx_id=tx.pk)
    return render(request, "loans/loan_disburse.html", context)


def _ask_approval(
    request: HttpRequest,
    action: str,
    loan: Loan,
    session: Any,
    via: str,
    key: str,
    amount: Any = None,
) -> HttpResponse:
    """Above the approval threshold: the counter's queue (the savings one) holds the loan's
    action for a pengurus; nothing is posted."""
    try:
        pending = services.loan_counter_request(
            action=action,
            loan=loan,
            amount=amount,
            via=via,
            session=session if via == "kas" else None,
            actor=request.user,
            idempotency_key=key,
        )
    except ValidationError as exc:
        messages.error(request, _error(exc))
    else:
        messages.warning(
            request,
            _(
                "%(what)s %(n)s sebesar %(amt)s menunggu persetujuan pengurus (permintaan no. "
                "%(r)s); belum ada uang yang dicatat."
            )
            % {
                "what": pending.get_action_display(),
                "n": loan.number,
                "amt": rupiah(pending.amount),
                "r": pending.pk,
            },
        )
    return redirect("loans:loan", kode=_k(request).code, loan_id=loan.pk)


@koperasi_view(*WRITERS)
def counter(request: HttpRequest) -> HttpResponse:
    """The kasir's loan counter: find the member, pick the loan."""
    koperasi = _k(request)
    q = " ".join(request.GET.get("q", "").split())[:60]
    results = member_selectors.member_search(koperasi=koperasi, q=q) if len(q) >= 2 else None
    found = []
    if results:
        ids = [m.pk for m in results]
        active = Loan.objects.filter(
            koperasi=koperasi, member_id__in=ids, status=LoanStatus.AKTIF
        ).select_related("member", "product")
        found = list(active)
    return render(
        request,
        "loans/counter.html",
        _ctx(
            request,
            q=q,
            results=results,
            loans=found,
            session=open_session(koperasi=koperasi, kasir=request.user),
        ),
    )


@koperasi_view(*WRITERS)
def loan_repay(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    koperasi = _k(request)
    if not loan.is_active:
        messages.error(request, _("Pinjaman ini tidak sedang berjalan."))
        return redirect("loans:loan", kode=koperasi.code, loan_id=loan.pk)
    session = open_session(koperasi=koperasi, kasir=request.user)
    today = business_date(koperasi)
    rows = open_instalments(loan)
    next_row = next((r for r in rows if r.paid_on is None), None)
    context = _ctx(
        request,
        loan=loan,
        session=session,
        due=services.amount_due(loan, today),
        next_row=next_row,
        quote=services.loan_payoff_quote(loan=loan, on=today),
        # The last period before its due date: the quote settles it, not the instalment.
        final_quote=services.final_instalment_quote(loan=loan, on=today),
        key=request.POST.get("key") or uuid.uuid4().hex,
        values=request.POST,
    )
    if request.method == "POST":
        settle = request.POST.get("settle") == "on"
        try:
            kwargs: dict[str, Any] = {
                "loan": loan,
                "via": request.POST.get("via", "kas"),
                "actor": request.user,
                "session": session,
                "idempotency_key": _key(request),
                "confirmed": request.POST.get("confirmed") == "on",
            }
            if settle:
                tx = services.loan_settle_early(amount=request.POST.get("amount") or None, **kwargs)
            else:
                tx = services.loan_repay(amount=request.POST.get("amount", ""), **kwargs)
        except approvals.NeedsApproval:
            action = (
                CounterRequest.Action.LOAN_SETTLE if settle else CounterRequest.Action.LOAN_REPAY
            )
            return _ask_approval(
                request,
                action,
                loan,
                session,
                kwargs["via"],
                kwargs["idempotency_key"],
                amount=request.POST.get("amount") or None,
            )
        except approvals.NeedsConfirmation as exc:
            context["error"] = _error(exc)
            context["needs_confirm"] = True
        except ValidationError as exc:
            context["error"] = _error(exc)
            context["key"] = uuid.uuid4().hex
        else:
            return redirect("loans:receipt", kode=koperasi.code, loan_tx_id=tx.pk)
    return render(request, "loans/loan_repay.html", context)


@koperasi_view()
def receipt(request: HttpRequest, loan_tx_id: int) -> HttpResponse:
    tx = get_object_or_404(
        LoanTransaction.objects.select_related("loan__member", "loan__product", "entry", "actor"),
        pk=loan_tx_id,
        koperasi=_k(request),
    )
    if tx.kind not in ("pencairan", "angsuran", "pelunasan", "pemulihan"):
        raise Http404
    loan = tx.loan
    allocations = InstalmentMovement.objects.filter(transaction=tx).select_related("instalment")
    taken = tx.cash if tx.cash else None
    from ledger.models import Posting

    total = Posting.objects.filter(entry=tx.entry, amount__gt=0).aggregate(s=Sum("amount"))["s"]
    if tx.kind == "pencairan":
        total = services.disbursement_figures(loan)["net"]
    excess = (total or 0) - (-tx.principal + tx.interest_paid + tx.denda_paid + tx.fees)
    void = LoanVoidRequest.objects.filter(transaction=tx).exclude(status="ditolak").first()
    return render(
        request,
        "loans/receipt.html",
        _ctx(
            request,
            tx=tx,
            loan=loan,
            member=loan.member,
            allocations=allocations,
            total=total or 0,
            taken=taken,
            excess=excess if tx.kind not in ("pencairan", "pemulihan") else 0,
            written_off_left=loan.written_off - loan.recovered,
            principal_paid=-tx.principal,
            short_hash=tx.entry.short_hash,
            void=void,
            voided=LoanTransaction.objects.filter(voids=tx).exists(),
        ),
    )


@require_POST
@koperasi_view(*WRITERS)
def void_request(request: HttpRequest, loan_tx_id: int) -> HttpResponse:
    tx = get_object_or_404(LoanTransaction, pk=loan_tx_id, koperasi=_k(request))
    try:
        services.loan_void_request(
            transaction=tx, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, _("Permintaan pembatalan dikirim ke pengurus."))
    return redirect("loans:receipt", kode=_k(request).code, loan_tx_id=tx.pk)


@require_POST
@koperasi_view(Role.PENGURUS)
def void_decide(request: HttpRequest, loan_void_id: int) -> HttpResponse:
    found = get_object_or_404(LoanVoidRequest, pk=loan_void_id, koperasi=_k(request))
    try:
        if request.POST.get("decision") == "approve":
            services.loan_void_approve(request=found, actor=request.user)
            messages.success(request, _("Transaksi dibatalkan."))
        else:
            services.loan_void_refuse(
                request=found, actor=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Permintaan pembatalan ditolak."))
    except ValidationError as exc:
        messages.error(request, _error(exc))
    return redirect("loans:approvals", kode=_k(request).code)


__all__ = [
    "approvals_queue",
    "counter",
    "loan_apply",
    "loan_approve",
    "loan_detail",
    "loan_disburse",
    "loan_refuse",
    "loan_repay",
    "receipt",
    "void_decide",
    "void_request",
]
