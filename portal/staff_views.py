"""The koperasi's side of the members' app: activation codes and phone-number changes."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members import selectors as member_selectors
from portal import selectors, services
from portal.services import PortalError
from registry.access import koperasi_view
from registry.models import Role

ISSUERS = (Role.KASIR, Role.PENGURUS, Role.KONSULTAN)


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


@never_cache
@koperasi_view(*ISSUERS)
def issue_code(request: HttpRequest, member_id: int) -> HttpResponse:
    """GET: the member's app status; POST: a new code on a printable slip (shown once)."""
    member = member_selectors.member_get(koperasi=_k(request), member_id=member_id)
    context: dict[str, Any] = {
        "k": _k(request),
        "m": member,
        "login": selectors.login_status(member=member),
        "now": timezone.now(),
    }
    if request.method == "POST":
        try:
            code = services.issue_activation_code(
                member=member, actor=request.user, channel=request.POST.get("channel", "cetak")
            )
        except PortalError as exc:
            messages.error(request, exc.message)
            return redirect("portal:issue_code", kode=_k(request).code, member_id=member.pk)
        channel = request.POST.get("channel", "cetak")
        if channel in ("whatsapp", "sms"):
            messages.success(
                request,
                _("Kode juga dikirim lewat %(via)s ke %(hp)s.")
                % {"via": "WhatsApp" if channel == "whatsapp" else "SMS", "hp": member.phone},
            )
        # The code rides in the fragment: the browser never sends it to the server or a log.
        url = request.build_absolute_uri(f"{reverse('portal:activate')}?no={member.number}")
        url += f"#kode={code}"
        context.update(
            code=code,
            app_url=request.build_absolute_uri(reverse("portal:beranda")),
            qr=segno.make(url, error="m").svg_inline(scale=4),
        )
        return render(request, "portal/staff/slip.html", context)
    return render(request, "portal/staff/member_app.html", context)


@koperasi_view(Role.KASIR, Role.PENGURUS)
def phone_changes(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/staff/phone_changes.html",
        {"k": _k(request), "rows": selectors.phone_changes(koperasi=_k(request))},
    )


@require_POST
@koperasi_view(Role.KASIR, Role.PENGURUS)
def phone_change_decide(request: HttpRequest, phone_change_id: int) -> HttpResponse:
    change = selectors.phone_change_get(koperasi=_k(request), phone_change_id=phone_change_id)
    try:
        services.phone_change_decide(
            change=change, actor=request.user, approve=request.POST.get("approve") == "1"
        )
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Keputusan tersimpan."))
    return redirect("portal:phone_changes", kode=_k(request).code)
