"""Voids (pembatalan) pages: ask from a receipt, decide in the pengurus's queue, see a session.

Thin views over :mod:`savings.services.void`: while the kasir's session of a transaction is
open, the kasir (or a pengurus) asks with a reason and another pengurus decides; afterwards the
pengurus voids in one step from the same page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.dates import business_date
from registry.access import koperasi_view
from registry.models import Role
from savings import selectors, services
from savings.models import Transaction, VoidRequest
from savings.services import void

WRITERS = (Role.KASIR, Role.PENGURUS)
PAGE_SIZE = 50


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Alasan pembatalan"),
        max_length=200,
        help_text=gettext_lazy("Misalnya: salah nominal, salah rekening, setoran ganda."),
        error_messages={"required": gettext_lazy("Tulis alasan pembatalan.")},
    )


class DecisionForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Catatan"), max_length=200, required=False)


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


def _roles(request: HttpRequest) -> set[str]:
    return set(getattr(request, "roles", set()))


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "k": _k(request),
        "business_date": business_date(_k(request)),
        "is_pengurus": Role.PENGURUS in _roles(request),
        **extra,
    }


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@koperasi_view(*WRITERS)
def void_request(request: HttpRequest, transaction_id: int) -> HttpResponse:
    """ "Batalkan" on a receipt: what would be undone, and the form to ask (or, for a pengurus
    once the session is closed, to void)."""
    koperasi = _k(request)
    tx = selectors.transaction_get(koperasi=koperasi, transaction_id=transaction_id)
    existing = selectors.void_of_transaction(transaction=tx)
    scope_member = tx.account.member if tx.entry.kind in void.ROW_KINDS else None
    lines = list(
        Transaction.objects.filter(entry=tx.entry, voids__isnull=True)
        .filter(**({"account__member": scope_member} if scope_member else {}))
        .select_related("account__product", "account__member")
        .order_by("pk")
    )
    session = tx.session if tx.session is not None and tx.session.closed_at is None else None
    voidable = tx.entry.kind in void.VOIDABLE and tx.voids_id is None
    one_step = session is None  # no open session: the pengurus voids at once
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and voidable and existing is None and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if one_step:
                done = services.transaction_void(transaction=tx, actor=request.user, reason=reason)
            else:
                done = services.void_request(transaction=tx, actor=request.user, reason=reason)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if done.status == VoidRequest.Status.DIBATALKAN:
                messages.success(
                    request,
                    _("Transaksi %(nomor)s dibatalkan oleh jurnal %(batal)s.")
                    % {"nomor": tx.entry.number, "batal": done.void_entry.number},  # type: ignore[union-attr]
                )
            else:
                messages.success(
                    request,
                    _(
                        "Permintaan pembatalan dikirim. Pengurus lain (bukan kasir) harus "
                        "menyetujuinya; sampai itu saldo belum berubah."
                    ),
                )
            return redirect("savings:void_request", kode=koperasi.code, transaction_id=tx.pk)
    status = 400 if form.is_bound and (form.errors or not voidable) else 200
    refusal = None
    if not voidable:
        refusal = _error_text(
            void._not_voidable(tx.entry.kind if tx.voids_id is None else void.VOID_KIND)
        )
    return render(
        request,
        "savings/void_request.html",
        _ctx(
            request,
            tx=tx,
            lines=lines,
            total=sum((abs(t.amount) for t in lines if t.amount > 0), 0)
            or sum((abs(t.amount) for t in lines), 0),
            session=session,
            one_step=one_step,
            existing=existing,
            refusal=refusal,
            form=form,
            can_ask=voidable
            and existing is None
            and (not one_step or Role.PENGURUS in _roles(request)),
        ),
        status=status,
    )


@koperasi_view(Role.PENGURUS, Role.KASIR, Role.PENGAWAS)
def void_queue(request: HttpRequest) -> HttpResponse:
    """The pengurus's queue: requests waiting, then every void decided, newest first."""
    koperasi = _k(request)
    waiting = list(selectors.void_requests(koperasi=koperasi, status=VoidRequest.Status.MENUNGGU))
    decided = Paginator(
        selectors.void_requests(koperasi=koperasi).exclude(status=VoidRequest.Status.MENUNGGU),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "savings/void_queue.html",
        _ctx(request, waiting=waiting, page=decided, decision_form=DecisionForm()),
    )


def _decide(request: HttpRequest, void_id: int, approve: bool) -> HttpResponse:
    koperasi = _k(request)
    item = selectors.void_get(koperasi=koperasi, void_id=void_id)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if approve:
            done = services.void_approve(request=item, actor=request.user, note=note)
            messages.success(
                request,
                _("Transaksi %(nomor)s dibatalkan oleh jurnal %(batal)s.")
                % {"nomor": item.entry.number, "batal": done.void_entry.number},  # type: ignore[union-attr]
            )
        else:
            services.void_refuse(request=item, actor=request.user, note=note)
            messages.success(request, _("Permintaan pembatalan ditolak."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("savings:void_queue", kode=koperasi.code)


@require_POST
@koperasi_view(Role.PENGURUS)
def void_approve(request: HttpRequest, void_id: int) -> HttpResponse:
    return _decide(request, void_id, approve=True)


@require_POST
@koperasi_view(Role.PENGURUS)
def void_refuse(request: HttpRequest, void_id: int) -> HttpResponse:
    return _decide(request, void_id, approve=False)


@koperasi_view(Role.PENGURUS, Role.KASIR, Role.PENGAWAS)
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """One kasir session on one page: its summary (opening cash, takings and payouts by kind,
    voids included, vault moves, expected and counted cash, pecahan, difference; printable and
    as PDF) and every void asked in it."""
    koperasi = _k(request)
    session = selectors.session_get(koperasi=koperasi, session_id=session_id)
    summary = services.session_summary(session)
    return render(
        request,
        "savings/session_detail.html",
        _ctx(
            request,
            session=session,
            s=session,
            summary=summary,
            voids=selectors.session_voids(session=session),
            can_list=bool({Role.PENGURUS, Role.PENGAWAS} & _roles(request)),
        ),
    )


@koperasi_view(Role.PENGURUS, Role.KASIR, Role.PENGAWAS)
def session_pdf(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session's summary as PDF (the printed half of :func:`session_detail`)."""
    from weasyprint import HTML

    koperasi = _k(request)
    session = selectors.session_get(koperasi=koperasi, session_id=session_id)
    summary = services.session_summary(session)
    html = render_to_string(
        "savings/session_summary_print.html",
        {"k": koperasi, "summary": summary, "s": session},
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sesi-kasir-{session_id}.pdf"'
    return response
