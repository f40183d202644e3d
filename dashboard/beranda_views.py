"""The beranda under ``/k/<kode>/``: the day's figures for the pengurus and the pengawas (read
only, with the audit), the counter for a kasir."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dashboard import beranda as selectors
from registry import selectors as registry_selectors
from registry.access import koperasi_view
from registry.models import Role
from savings.models import Kind

# Who sees the figures; a kasir's work is the counter.
FIGURE_READERS = {Role.PENGURUS, Role.PENGAWAS, Role.KONSULTAN}


@koperasi_view()
def beranda(request: HttpRequest) -> HttpResponse:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    roles = set(request.roles)  # type: ignore[attr-defined]
    if Role.KASIR in roles and not roles & FIGURE_READERS:
        return redirect("savings:counter", kode=koperasi.code)
    figures = selectors.beranda(koperasi=koperasi)
    savings = [(Kind(kind).label, kind, amount) for kind, amount in figures.savings.items()]
    return render(
        request,
        "dashboard/beranda.html",
        {
            "k": koperasi,
            "f": figures,
            "savings": savings,
            "savings_total": sum(a for _l, _k, a in savings),
            "roles": sorted(Role(r).label for r in roles),
            "mentors": registry_selectors.mentors_of(koperasi),
            "can_decide": Role.PENGURUS in roles,
            "can_audit": bool(roles & {Role.PENGURUS, Role.PENGAWAS}),
            "nav_home": True,
        },
    )
