"""The koperasi's public receipt check: ``/k/<kode>/cek/`` (a form) and
``/k/<kode>/cek/<receipt_code>/`` (the answer; the QR code on a receipt opens it); and the
pengurus's page for the reminder settings, ``/k/<kode>/pengingat/``.

Public: no sign-in, on purpose (a member, or whoever the member shows a receipt to, checks it).
It shows only what the receipt itself shows of the transaction (date, kind, amount, the
account's last four characters) and nothing of the member; another koperasi's code, or a code
that is no receipt, is "tidak ditemukan" (404), the same answer as a typo. Each address may
look up ``KOPDIG_RECEIPT_CHECK_LIMIT`` codes per ``KOPDIG_RECEIPT_CHECK_WINDOW`` seconds
(30 per 10 minutes by default; counted in the database with the members' app's sign-in
attempts, :func:`portal.services.within_limit`, so all server processes share one count), so
the codes cannot be guessed.
"""

from __future__ import annotations

import datetime as dt

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from notify import selectors, services
from notify.forms import ReminderSettingsForm
from portal.models import AttemptKind
from portal.services import within_limit
from registry.access import koperasi_view
from registry.models import Koperasi, Role

DEFAULT_LIMIT = 30
DEFAULT_WINDOW = 600  # seconds


def _koperasi(kode: str) -> Koperasi:
    return get_object_or_404(Koperasi.objects.only("pk", "code", "name"), code=kode)


def _allowed(request: HttpRequest) -> bool:
    """Count this look-up against the address; ``False`` once it is over the limit."""
    limit = int(getattr(settings, "KOPDIG_RECEIPT_CHECK_LIMIT", DEFAULT_LIMIT))
    window = int(getattr(settings, "KOPDIG_RECEIPT_CHECK_WINDOW", DEFAULT_WINDOW))
    return within_limit(
        kind=AttemptKind.CEK_STRUK,
        ip=get_client_ip_address(request),
        limit=limit,
        window=dt.timedelta(seconds=window),
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
def check(request: HttpRequest, kode: str) -> HttpResponse:
    koperasi = _koperasi(kode)
    typed = request.GET.get("kode", "")
    code = selectors.clean_code(typed)
    if code:
        return redirect("notify:check_code", kode=koperasi.code, receipt_code=code)
    context = {"koperasi": koperasi, "code": typed.strip()[:40]}
    return render(request, "notify/check.html", context, status=404 if typed.strip() else 200)


@never_cache
@require_http_methods(["GET", "HEAD"])
def check_code(request: HttpRequest, kode: str, receipt_code: str) -> HttpResponse:
    koperasi = _koperasi(kode)
    context = {"koperasi": koperasi, "code": selectors.clean_code(receipt_code)}
    if not _allowed(request):
        return render(request, "notify/check.html", {**context, "limited": True}, status=429)
    found = selectors.receipt_by_code(koperasi=koperasi, code=receipt_code)
    context["receipt"] = found
    return render(request, "notify/check.html", context, status=200 if found else 404)


@koperasi_view(Role.PENGURUS)
def reminder_settings(request: HttpRequest) -> HttpResponse:
    """When the close of business reminds members (a pengurus's page)."""
    koperasi = request.koperasi  # type: ignore[attr-defined]
    current = services.reminders_of(koperasi)
    form = ReminderSettingsForm(
        request.POST or None, initial=ReminderSettingsForm.initial_of(current)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reminders_set(koperasi=koperasi, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Pengaturan pengingat disimpan."))
            return redirect("notify:reminder_settings", kode=koperasi.code)
    return render(
        request,
        "notify/reminder_settings.html",
        {"k": koperasi, "form": form},
        status=400 if form.errors else 200,
    )
