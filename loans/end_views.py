"""The pages of a loan's end: restructuring (request, decision), write-off (request, decision,
the pengawas's acknowledgement, the memo list of written-off loans for collection), recovery at
the counter, payroll files of instalments, and the documents: schedule, the member's loan
statement (rekening koran) and the letter of settlement (surat lunas), as PDFs.

Who: kasir and pengurus ask and take money; only a pengurus who did not ask decides; the
pengawas reads and acknowledges write-offs; everyone with a role reads and prints.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.dates import business_date
from core.spreadsheet import report_lines
from loans import end_selectors, services
from loans.loan_views import WRITERS, _ask_approval, _ctx, _error, _k, _key, _loan
from loans.models import (
    LoanEvent,
    LoanMethod,
    LoanPayrollBatch,
    LoanRestructure,
    LoanStatus,
    LoanWriteOff,
)
from loans.services.repayment import open_instalments
from registry.access import koperasi_view
from registry.models import Role
from savings.models import CounterRequest
from savings.services import approvals
from savings.services.counter import open_session


def _pdf(request: HttpRequest, template: str, context: dict[str, Any], filename: str) -> Any:
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- restructuring ---------------------------------------------------------------------------


@koperasi_view(*WRITERS)
def restructure_request(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    error = ""
    values: dict[str, Any] = {
        "tenor": loan.tenor,
        "rate": str(loan.rate_percent).replace(".", ","),
        "method": loan.method,
    }
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("tenor", "rate", "method", "reason")}
        values["capitalise"] = request.POST.get("capitalise") == "on"
        try:
            services.loan_restructure_request(
                loan=loan,
                tenor=values["tenor"],
                rate_percent=values["rate"] or None,
                method=values["method"] or None,
                capitalise_arrears_interest=values["capitalise"],
                reason=values["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            error = _error(exc)
        else:
            messages.success(
                request,
                _("Pengajuan restrukturisasi %(n)s menunggu persetujuan pengurus lain.")
                % {"n": loan.number},
            )
            return redirect("loans:loan", kode=_k(request).code, loan_id=loan.pk)
    on = business_date(_k(request))
    rows = open_instalments(loan) if loan.disbursed_on else []
    return render(
        request,
        "loans/end/restructure_request.html",
        _ctx(
            request,
            loan=loan,
            error=error,
            values=values,
            methods=LoanMethod.choices,
            arrears=services.arrears_interest(rows, on),
        ),
        status=400 if error else 200,
    )


@require_POST
@koperasi_view(Role.PENGURUS)
def restructure_decide(request: HttpRequest, loan_restructure_id: int) -> HttpResponse:
    item = get_object_or_404(LoanRestructure, pk=loan_restructure_id, koperasi=_k(request))
    try:
        if request.POST.get("decision") == "approve":
            services.loan_restructure_approve(
                request=item, actor=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Restrukturisasi disetujui; jadwal baru berlaku."))
        else:
            services.loan_restructure_refuse(
                request=item, actor=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Pengajuan restrukturisasi ditolak."))
    except ValidationError as exc:
        messages.error(request, _error(exc))
    return redirect("loans:approvals", kode=_k(request).code)


# --- write-off and recovery ------------------------------------------------------------------


@koperasi_view(*WRITERS)
def writeoff_request(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    error = ""
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            services.loan_writeoff_request(loan=loan, reason=reason, actor=request.user)
        except ValidationError as exc:
            error = _error(exc)
        else:
            messages.success(
                request,
                _("Pengajuan hapus buku %(n)s menunggu persetujuan pengurus lain.")
                % {"n": loan.number},
            )
            return redirect("loans:loan", kode=_k(request).code, loan_id=loan.pk)
    return render(
        request,
        "loans/end/writeoff_request.html",
        _ctx(request, loan=loan, error=error, reason=reason),
        status=400 if error else 200,
    )


@require_POST
@koperasi_view(Role.PENGURUS)
def writeoff_decide(request: HttpRequest, loan_writeoff_id: int) -> HttpResponse:
    item = get_object_or_404(LoanWriteOff, pk=loan_writeoff_id, koperasi=_k(request))
    try:
        if request.POST.get("decision") == "approve":
            services.loan_writeoff_approve(
                request=item, actor=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Hapus buku disetujui; pengawas diberi tahu."))
        else:
            services.loan_writeoff_refuse(
                request=item, actor=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Pengajuan hapus buku ditolak."))
    except ValidationError as exc:
        messages.error(request, _error(exc))
    return redirect("loans:approvals", kode=_k(request).code)


@require_POST
@koperasi_view(Role.PENGAWAS)
def writeoff_seen(request: HttpRequest, loan_writeoff_id: int) -> HttpResponse:
    item = get_object_or_404(LoanWriteOff, pk=loan_writeoff_id, koperasi=_k(request))
    try:
        services.loan_writeoff_acknowledge(request=item, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error(exc))
    return redirect("loans:written_off", kode=_k(request).code)


@koperasi_view()
def written_off(request: HttpRequest) -> HttpResponse:
    """Daftar pinjaman dihapusbukukan: the memo list for collection."""
    roles = set(getattr(request, "roles", set()))
    return render(
        request,
        "loans/end/written_off.html",
        _ctx(
            request,
            rows=end_selectors.written_off(koperasi=_k(request)),
            is_pengawas=Role.PENGAWAS in roles,
        ),
    )


@koperasi_view(*WRITERS)
def recover(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    if loan.status != LoanStatus.HAPUS_BUKU:
        raise Http404
    session = open_session(koperasi=_k(request), kasir=request.user)
    error = ""
    amount = ""
    needs_confirm = False
    if request.method == "POST":
        amount = request.POST.get("amount", "")
        key = _key(request)
        try:
            tx = services.loan_recover(
                loan=loan,
                amount=amount,
                actor=request.user,
                session=session,
                idempotency_key=key,
                confirmed=request.POST.get("confirmed") == "on",
            )
        except approvals.NeedsApproval:
            # Above the counter's approval threshold: into the pengurus's queue, as a repayment.
            return _ask_approval(
                request, CounterRequest.Action.LOAN_RECOVER, loan, session, "kas", key, amount
            )
        except approvals.NeedsConfirmation as exc:
            error, needs_confirm = _error(exc), True
        except ValidationError as exc:
            error = _error(exc)
        else:
            messages.success(request, _("Pemulihan diterima."))
            return redirect("loans:receipt", kode=_k(request).code, loan_tx_id=tx.pk)
    return render(
        request,
        "loans/end/recover.html",
        _ctx(
            request,
            loan=loan,
            session=session,
            error=error,
            amount=amount,
            needs_confirm=needs_confirm,
            left=loan.written_off - loan.recovered,
            key=_key(request),
        ),
        status=400 if error else 200,
    )


# --- payroll ---------------------------------------------------------------------------------


@koperasi_view(*WRITERS)
def payroll(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Pilih berkas potong gaji.")
        else:
            try:
                batch = services.loan_payroll_preview(
                    koperasi=koperasi,
                    actor=request.user,
                    filename=upload.name or "potong-gaji",
                    content=upload,
                    via=request.POST.get("via", "bank"),
                )
            except ValidationError as exc:
                error = _error(exc)
            else:
                return redirect("loans:payroll_batch", kode=koperasi.code, loan_payroll_id=batch.pk)
    batches = LoanPayrollBatch.objects.filter(koperasi=koperasi).defer("error_report")[:20]
    return render(
        request,
        "loans/end/payroll.html",
        _ctx(request, batches=batches, error=error),
        status=400 if error else 200,
    )


def _batch(request: HttpRequest, loan_payroll_id: int) -> LoanPayrollBatch:
    return get_object_or_404(
        LoanPayrollBatch.objects.defer("error_report"), pk=loan_payroll_id, koperasi=_k(request)
    )


@koperasi_view(*WRITERS)
def payroll_batch(request: HttpRequest, loan_payroll_id: int) -> HttpResponse:
    batch = _batch(request, loan_payroll_id)
    error = ""
    if request.method == "POST":
        try:
            batch = services.loan_payroll_post(
                batch=batch, actor=request.user, only_valid=request.POST.get("only_valid") == "on"
            )
        except ValidationError as exc:
            error = _error(exc)
        else:
            messages.success(request, _("Angsuran potong gaji diposting."))
            return redirect("loans:payroll_batch", kode=_k(request).code, loan_payroll_id=batch.pk)
    return render(
        request,
        "loans/end/payroll_batch.html",
        _ctx(request, batch=batch, error=error),
        status=400 if error else 200,
    )


@koperasi_view(*WRITERS)  # type: ignore[arg-type]  # a streaming response, not HttpResponse
def payroll_errors(request: HttpRequest, loan_payroll_id: int) -> StreamingHttpResponse:
    batch = get_object_or_404(LoanPayrollBatch, pk=loan_payroll_id, koperasi=_k(request))
    if not batch.error_report:
        raise Http404
    stem = re.sub(r"[^\w.-]+", "_", batch.filename.rsplit(".", 1)[0])[:80] or "potong-gaji"
    response = StreamingHttpResponse(
        report_lines(bytes(batch.error_report)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="kesalahan-{stem}.csv"'
    return response


# --- documents -------------------------------------------------------------------------------


@koperasi_view()
def schedule_pdf(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    if not loan.disbursed_on:
        raise Http404
    return _pdf(
        request,
        "loans/end/schedule_print.html",
        {"k": _k(request), "loan": loan, "rows": end_selectors.schedule(loan=loan)},
        f"jadwal-{loan.number}.pdf",
    )


@koperasi_view()
def statement_pdf(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    return _pdf(
        request,
        "loans/end/statement_print.html",
        {
            "k": _k(request),
            "loan": loan,
            "rows": end_selectors.statement(loan=loan),
            "today": business_date(_k(request)),
        },
        f"rekening-koran-{loan.number}.pdf",
    )


@koperasi_view()
def settlement_letter_pdf(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    if loan.status != LoanStatus.LUNAS:
        raise Http404
    today = business_date(_k(request))
    response = _pdf(
        request,
        "loans/end/settlement_letter.html",
        {
            "k": _k(request),
            "loan": loan,
            "today": today,
            "paid": end_selectors.total_paid(loan=loan),
        },
        f"surat-lunas-{loan.number}.pdf",
    )
    LoanEvent.objects.create(
        koperasi_id=loan.koperasi_id,
        loan=loan,
        kind="surat_lunas_dicetak",
        on=today,
        actor=request.user if request.user.is_authenticated else None,
    )
    return response
