"""Registry pages: home routing, choosing a koperasi, the Dinas registry, profiles, audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit_labels, exports
from core import selectors as audit_selectors
from core.dates import DEFAULT_TZ, local_today, tanggal, zone_name
from core.models import AuditEvent
from registry import access, selectors, services
from registry.forms import AuditFilterForm, DigitalStageForm, RegistryFilterForm
from registry.models import Koperasi, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person where their work is."""
    user = request.user
    own = access.staff_koperasi(user)
    works_in_a_koperasi = any(access.roles_in(user, k) - {Role.KONSULTAN} for k in own)
    if access.is_dinas(user):
        return redirect("dashboard:home")  # the district home: where the district stands
    if own and not works_in_a_koperasi:
        return redirect("dashboard:consultant")  # a konsultan who only mentors: their page
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


AUDIT_PAGE_SIZE = 50
AUDIT_FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class AuditRow:
    """One audit record as the page and the files show it: in words, in the local time."""

    at: dt.datetime  # local wall-clock time
    who: str
    action: str
    code: str
    koperasi: str
    object: str
    note: str
    changes: list[audit_labels.Change]


def _who(event: AuditEvent) -> str:
    if event.actor is None:
        return _("sistem")
    name = event.actor.get_full_name()
    return f"{name} ({event.actor.username})" if name else event.actor.username


def _rows(events: Iterable[AuditEvent], tz_name: str) -> list[AuditRow]:
    zone = ZoneInfo(tz_name)
    return [
        AuditRow(
            # Naive, in the koperasi's own zone: the template shows it as is (WITA, WIT, WIB).
            at=timezone.localtime(e.at, zone).replace(tzinfo=None),
            who=_who(e),
            action=audit_labels.action_label(e.action),
            code=e.action,
            koperasi=e.koperasi.name if e.koperasi else _("Dinas (seluruh kabupaten)"),
            object=e.object_repr,
            note=e.note,
            changes=audit_labels.changes(e.object_type, e.before, e.after),
        )
        for e in events
    ]


def _audit_table(rows: list[AuditRow], *, title: str, subtitle: str) -> exports.Table:
    table = exports.Table(
        name=_("Jejak audit"),
        title=title,
        subtitle=subtitle,
        columns=[
            exports.Column(_("Waktu"), width=17),
            exports.Column(_("Pelaku"), width=22),
            exports.Column(_("Tindakan"), width=30),
            exports.Column(_("Kode tindakan"), width=22),
            exports.Column(_("Koperasi"), width=26),
            exports.Column(_("Objek"), width=26),
            exports.Column(_("Sebelum"), width=40),
            exports.Column(_("Sesudah"), width=40),
            exports.Column(_("Catatan"), width=24),
        ],
    )
    for r in rows:
        table.add(
            f"{r.at:%Y-%m-%d %H:%M}",
            r.who,
            r.action,
            r.code,
            r.koperasi,
            r.object,
            "; ".join(f"{c.label}: {c.before}" for c in r.changes if c.before),
            "; ".join(f"{c.label}: {c.after}" for c in r.changes if c.after),
            r.note,
        )
    return table


def _audit_page(
    request: HttpRequest,
    events: QuerySet[AuditEvent],
    *,
    title: str,
    form: AuditFilterForm,
    koperasi: Koperasi | None,
) -> HttpResponse:
    """The trail, filtered by the form (a bad filter: its message and no rows), a page at a
    time, or all of it as CSV or XLSX (``?format=``) with the same filters."""
    tz_name = koperasi.timezone if koperasi and koperasi.timezone else DEFAULT_TZ
    if form.is_valid():
        data = form.cleaned_data
        events = audit_selectors.audit_filtered(
            events,
            date_from=data["dari"],
            date_to=data["sampai"],
            user=data["pengguna"].strip(),
            action=data["tindakan"],
            tz_name=tz_name,
        )
        fmt = request.GET.get("format")
        if fmt in AUDIT_FORMATS:
            return _audit_download(events, fmt, title=title, form=form, koperasi=koperasi)
    else:
        events = events.none()
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "registry/audit.html",
        {
            "page": page,
            "rows": _rows(page, tz_name),
            "title": title,
            "form": form,
            "query": query.urlencode(),
            "zone": zone_name(tz_name),
            "district": koperasi is None or "koperasi" in form.fields,
            "nav_audit": True,
        },
    )


def _audit_download(
    events: QuerySet[AuditEvent],
    fmt: str,
    *,
    title: str,
    form: AuditFilterForm,
    koperasi: Koperasi | None,
) -> HttpResponse:
    tz_name = koperasi.timezone if koperasi and koperasi.timezone else DEFAULT_TZ
    data = form.cleaned_data
    if data["dari"] or data["sampai"]:
        subtitle = _("%(a)s sampai %(b)s (%(zone)s)") % {
            "a": tanggal(data["dari"]) if data["dari"] else "…",
            "b": tanggal(data["sampai"]) if data["sampai"] else "…",
            "zone": zone_name(tz_name),
        }
    else:
        subtitle = _("Semua catatan (waktu %(zone)s)") % {"zone": zone_name(tz_name)}
    table = _audit_table(_rows(events, tz_name), title=title, subtitle=subtitle)
    heading = koperasi.name if koperasi else _("Dinas Koperasi Kabupaten Manggarai Barat")
    stamp = f"{local_today(tz_name):%Y%m%d}"
    filename = f"jejak-audit-{koperasi.code if koperasi else 'kabupaten'}-{stamp}"
    if fmt == "xlsx":
        body = exports.to_xlsx(table, heading=heading)
        response = HttpResponse(body, content_type=exports.XLSX_TYPE)
        filename += ".xlsx"
    else:
        response = HttpResponse(exports.to_csv(table), content_type="text/csv; charset=utf-8")
        filename += ".csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@access.koperasi_view(Role.PENGAWAS, Role.PENGURUS)
def koperasi_audit(request: HttpRequest) -> HttpResponse:
    """The koperasi's trail for its pengurus and pengawas (read-only, as the trail itself)."""
    koperasi = request.koperasi  # type: ignore[attr-defined]
    events = audit_selectors.audit_trail(koperasi=koperasi)
    form = AuditFilterForm(request.GET)
    title = _("Jejak audit — %(k)s") % {"k": koperasi.name}
    return _audit_page(request, events, title=title, form=form, koperasi=koperasi)


@access.district_view(admin_only=True)
def district_audit(request: HttpRequest) -> HttpResponse:
    """The whole district's trail; ``?koperasi=<kode>`` narrows it to one koperasi."""
    form = AuditFilterForm(request.GET, district=True)
    koperasi = None
    if code := request.GET.get("koperasi"):
        koperasi = get_object_or_404(Koperasi, code=code)
        events = audit_selectors.audit_trail(koperasi=koperasi).select_related("koperasi")
        title = _("Jejak audit — %(k)s") % {"k": koperasi.name}
    else:
        events = audit_selectors.district_audit_trail()
        title = _("Jejak audit — seluruh kabupaten")
    return _audit_page(request, events, title=title, form=form, koperasi=koperasi)
