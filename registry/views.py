"""Registry pages: home routing, choosing a koperasi, the Dinas registry, profiles, audit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import selectors as audit_selectors
from core.dates import local_today
from core.models import AuditEvent
from registry import access, selectors, services
from registry.forms import DigitalStageForm, RegistryFilterForm
from registry.models import Koperasi, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person where their work is."""
    user = request.user
    own = access.staff_koperasi(user)
    works_in_a_koperasi = any(access.roles_in(user, k) - {Role.KONSULTAN} for k in own)
    if access.is_dinas(user) or (own and not works_in_a_koperasi):
        # The Dinas, and a konsultan who only mentors: the registry (their share of it).
        return redirect("registry:list")
    if len(own) == 1:
        return redirect("dashboard:beranda", kode=own[0].code)
    if own:
        return redirect("registry:choose")
    return render(request, "registry/no_role.html", status=403)


@login_required
def choose(request: HttpRequest) -> HttpResponse:
    own = access.staff_koperasi(request.user)
    rows = [(k, sorted(Role(r).label for r in access.roles_in(request.user, k))) for k in own]
    return render(request, "registry/choose.html", {"rows": rows})


@access.district_view()
def registry_list(request: HttpRequest) -> HttpResponse:
    scope = access.registry_scope(request.user)
    form = RegistryFilterForm(request.GET or None)
    params = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    filtered = selectors.registry_filter(scope, params)
    year = local_today().year
    page = Paginator(filtered, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "counts": selectors.registry_counts(scope),
            "filtered_counts": selectors.registry_counts(filtered) if params else None,
            "progress": selectors.target_progress(scope, year),
            "founded": selectors.latest_founding(scope),
            "whole_district": access.is_dinas(request.user),
        },
    )


def _profile_koperasi(request: HttpRequest, kode: str) -> Koperasi:
    """A koperasi the user may see the profile of: Dinas all, konsultan assigned, staff own."""
    koperasi = access.registry_scope(request.user).filter(code=kode).first()
    if koperasi is None:
        koperasi = next((k for k in access.staff_koperasi(request.user) if k.code == kode), None)
    if koperasi is None:
        raise Http404
    return koperasi


@login_required
def profile(request: HttpRequest, kode: str) -> HttpResponse:
    koperasi = _profile_koperasi(request, kode)
    user = request.user
    if koperasi in access.staff_koperasi(user):
        # Their own koperasi: keep its menu, as on every page of it.
        request.koperasi = koperasi  # type: ignore[attr-defined]
        request.roles = access.roles_in(user, koperasi)  # type: ignore[attr-defined]
    can_change_stage = access.is_dinas_admin(user) or (
        koperasi.pk in access.consultant_koperasi_ids(user)
    )
    if access.is_dinas_admin(user):
        audit_url = f"{reverse('registry:district_audit')}?koperasi={koperasi.code}"
    elif access.roles_in(user, koperasi) & {Role.PENGAWAS, Role.PENGURUS}:
        audit_url = reverse("registry:audit", kwargs={"kode": koperasi.code})
    else:
        audit_url = ""
    return render(
        request,
        "registry/profile.html",
        {
            "k": koperasi,
            "history": selectors.stage_history(koperasi),
            "stage_form": DigitalStageForm(
                initial={"on": local_today(koperasi.timezone), "stage": _next_stage(koperasi)}
            )
            if can_change_stage
            else None,
            "audit_url": audit_url,
            "nav_profile": True,
        },
    )


def _next_stage(koperasi: Koperasi) -> str:
    """The stage a koperasi usually moves to next: what the form offers first."""
    order = Koperasi.STAGE_ORDER
    return order[min(order.index(koperasi.digital_stage) + 1, len(order) - 1)]


@require_POST
@login_required
def stage_change(request: HttpRequest, kode: str) -> HttpResponse:
    koperasi = _profile_koperasi(request, kode)
    if not (
        access.is_dinas_admin(request.user)
        or koperasi.pk in access.consultant_koperasi_ids(request.user)
    ):
        raise PermissionDenied
    form = DigitalStageForm(request.POST)
    if form.is_valid():
        try:
            services.digital_stage_set(
                actor=request.user,
                koperasi=koperasi,
                stage=form.cleaned_data["stage"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except services.RegistryError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Tahap digital diperbarui."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
    return redirect("registry:profile", kode=koperasi.code)


def _audit_page(request: HttpRequest, events: QuerySet[AuditEvent], title: str) -> HttpResponse:
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/audit.html",
        {"page": page, "title": title, "query": query.urlencode(), "nav_audit": True},
    )


@access.koperasi_view(Role.PENGAWAS, Role.PENGURUS)
def koperasi_audit(request: HttpRequest) -> HttpResponse:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    events = audit_selectors.audit_trail(koperasi=koperasi)
    return _audit_page(request, events, _("Jejak audit — %(k)s") % {"k": koperasi.name})


@access.district_view(admin_only=True)
def district_audit(request: HttpRequest) -> HttpResponse:
    """The whole district's trail; ``?koperasi=<kode>`` narrows it to one koperasi."""
    if code := request.GET.get("koperasi"):
        koperasi = get_object_or_404(Koperasi, code=code)
        events = audit_selectors.audit_trail(koperasi=koperasi)
        title = _("Jejak audit — %(k)s") % {"k": koperasi.name}
    else:
        events = audit_selectors.district_audit_trail()
        title = _("Jejak audit — seluruh kabupaten")
    return _audit_page(request, events, title)
