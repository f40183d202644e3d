"""The pengurus's side of the counter's limits: the limits page and the approval queue.

The kasir sees the queue too (their own requests and their status); only a pengurus other
than the kasir who entered a request may approve or refuse it (the service checks).
"""

from __future__ import annotations

from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import RupiahField
from registry.access import koperasi_view
from registry.models import Role
from savings import services
from savings.counter_views import _ctx
from savings.models import CounterRequest, RequestStatus


class LimitsForm(djforms.Form):
    confirm_above = RupiahField(
        label=gettext_lazy("Konfirmasi terbilang di atas"),
        allow_zero=False,
        help_text=gettext_lazy("Kasir melihat jumlah dalam huruf dan mengonfirmasi."),
    )
    approval_threshold = RupiahField(
        label=gettext_lazy("Perlu persetujuan pengurus di atas"),
        allow_zero=False,
        help_text=gettext_lazy("Setoran, penarikan atau pindah buku menunggu pengurus."),
    )
    ceiling = RupiahField(
        label=gettext_lazy("Batas tertinggi per transaksi"),
        allow_zero=False,
        help_text=gettext_lazy("Di atas ini ditolak di kasir."),
    )


class RefuseForm(djforms.Form):
    reason = djforms.CharField(label=gettext_lazy("Alasan penolakan"), max_length=250)


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


@koperasi_view(Role.PENGURUS)
def limits(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    current = services.limits_of(koperasi)
    form = LimitsForm(request.POST or None, initial=vars(current))
    if request.method == "POST" and form.is_valid():
        try:
            services.limits_set(koperasi=koperasi, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Batas transaksi kasir disimpan."))
            return redirect("savings:limits", kode=koperasi.code)
    return render(
        request,
        "savings/limits.html",
        _ctx(request, form=form, current=current),
        status=400 if form.errors else 200,
    )


@koperasi_view(Role.PENGURUS, Role.KASIR)
def queue(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    rows = CounterRequest.objects.filter(koperasi=koperasi).select_related(
        "account", "account__member", "target", "maker", "checker"
    )
    is_pengurus = Role.PENGURUS in getattr(request, "roles", set())
    if not is_pengurus:
        rows = rows.filter(maker_id=request.user.pk)
    decided = list(rows.exclude(status=RequestStatus.PENDING).order_by("-decided_at")[:50])
    for row in decided:  # a loan's request links to the loan receipt its handler names
        row.result_url = services.result_url(row)  # type: ignore[attr-defined]
    return render(
        request,
        "savings/approvals.html",
        _ctx(
            request,
            pending=rows.filter(status=RequestStatus.PENDING).order_by("created_at"),
            decided=decided,
            is_pengurus=is_pengurus,
            refuse_form=RefuseForm(),
        ),
    )


def _request(request: HttpRequest, request_id: int) -> CounterRequest:
    return get_object_or_404(CounterRequest, pk=request_id, koperasi=_k(request))


@require_POST
@koperasi_view(Role.PENGURUS)
def approve(request: HttpRequest, request_id: int) -> HttpResponse:
    pending = _request(request, request_id)
    try:
        tx = services.request_approve(request=pending, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Permintaan no. %(n)s disetujui dan dicatat (jurnal %(e)s).")
            % {"n": pending.pk, "e": tx.entry.number},
        )
    return redirect("savings:approvals", kode=_k(request).code)


@require_POST
@koperasi_view(Role.PENGURUS)
def refuse(request: HttpRequest, request_id: int) -> HttpResponse:
    pending = _request(request, request_id)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tulis alasan penolakan."))
    else:
        try:
            services.request_refuse(
                request=pending, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Permintaan no. %(n)s ditolak.") % {"n": pending.pk})
    return redirect("savings:approvals", kode=_k(request).code)
