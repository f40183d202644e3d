"""The Dinas's and consultants' pages: thin views over dashboard selectors and services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from core.dates import local_today
from dashboard import charts, reports, selectors, services
from dashboard.forms import (
    AssignForm,
    CertificateForm,
    ContactForm,
    KoperasiForm,
    OfficerForm,
    RatForm,
    ReportedForm,
    TargetForm,
    VisitForm,
)
from dashboard.models import FollowUp, Visit
from registry import access
from registry import services as registry_services
from registry.models import AnnualTarget, Koperasi, Role

dinas_only = access.district_view(consultants=False)
dinas_admin_only = access.district_view(admin_only=True)


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def _koperasi(request: HttpRequest, kode: str) -> Koperasi:
    """A koperasi the user may see here: the Dinas all, a konsultan those assigned."""
    found = (
        access.registry_scope(request.user).filter(code=kode).select_related("kecamatan", "desa")
    )
    koperasi = found.first()
    if koperasi is None:
        raise Http404
    return koperasi


def _per(request: HttpRequest) -> dt.date:
    return selectors.parse_per(request.GET.get("per"))


# --- the district home ------------------------------------------------------------------


@dinas_only
def home(request: HttpRequest) -> HttpResponse:
    per = _per(request)
    try:
        stuck_days = max(1, int(request.GET.get("hari", selectors.DEFAULT_STUCK_DAYS)))
    except ValueError:
        stuck_days = selectors.DEFAULT_STUCK_DAYS
    scope = Koperasi.objects.all()
    d = selectors.district(scope, per, stuck_days=stuck_days)
    today = per >= local_today()
    ranking = selectors.adoption_ranking(scope) if today else []
    stages = list(Koperasi.Stage)
    # Each row's link from one reverse(), not one per row (a reverse costs more than a row).
    pattern = reverse("dashboard:koperasi", kwargs={"kode": "KODE"})

    def link(code: str) -> str:
        return pattern.replace("KODE", code)

    return render(
        request,
        "dashboard/home.html",
        {
            "d": d,
            "per": per,
            "is_today": today,
            "stuck_days": stuck_days,
            "ranking": [(f, link(f.code)) for f in ranking[:15]],
            "ranking_total": len(ranking),
            "stuck": [(r, days, link(r.code)) for r, days in d.stuck[:15]],
            "funnel_svg": mark_safe(
                charts.hbars(
                    [(label, n) for _s, label, n in d.funnel], title=_("Corong digitalisasi")
                )
            ),
            "target_svg": mark_safe(
                charts.target_bars(
                    [(y.year, y.target, y.reached) for y in d.years[-8:]],
                    title=_("Target dan capaian koperasi digital baru per tahun"),
                    legend=(_("target"), _("tercapai")),
                )
            ),
            "kecamatan_svg": mark_safe(
                charts.stacked_rows(
                    [(name, [c.get(s.value, 0) for s in stages]) for _c, name, c in d.by_kecamatan],
                    title=_("Tahap digital per kecamatan"),
                    series=[str(s.label) for s in stages],
                )
            ),
            "nav_dashboard": True,
        },
    )


LIST_SETS = {
    "semua": (_l("Koperasi tercatat"), lambda r, per: True),
    "aktif": (_l("Koperasi aktif (termasuk aktif belum RAT)"), lambda r, per: r.active),
    "belum-rat": (
        _("Koperasi aktif belum RAT"),
        lambda r, per: r.status == Koperasi.Status.AKTIF_BELUM_RAT,
    ),
    "digital": (_l("Koperasi digital (termasuk aktif digunakan)"), lambda r, per: r.digital),
    "baru": (
        _("Koperasi berdiri tahun ini"),
        lambda r, per: r.founded_on is not None and r.founded_on.year == per.year,
    ),
}


@dinas_only
def district_list(request: HttpRequest) -> HttpResponse:
    """The koperasi behind a headline number, as of the same day."""
    per = _per(request)
    rows = selectors.koperasi_at(Koperasi.objects.all(), per)
    stage = request.GET.get("tahap", "")
    key = request.GET.get("himpunan", "semua")
    if stage in Koperasi.Stage.values:
        title: Any = _("Tahap: %(s)s") % {"s": Koperasi.Stage(stage).label}
        rows = [r for r in rows if r.stage == stage]
    else:
        title, keep = LIST_SETS.get(key, LIST_SETS["semua"])
        rows = [r for r in rows if keep(r, per)]
    return render(
        request,
        "dashboard/district_list.html",
        {"rows": rows, "title": title, "per": per, "nav_dashboard": True},
    )


@dinas_only
def targets(request: HttpRequest) -> HttpResponse:
    can_edit = access.is_dinas_admin(request.user)
    form = TargetForm(request.POST or None, initial={"year": local_today().year})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                registry_services.target_set(
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    new_digital=form.cleaned_data["new_digital"],
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Target disimpan."))
                return redirect("dashboard:targets")
        else:
            _form_errors(request, form)
    d = selectors.district(Koperasi.objects.all(), local_today())
    return render(
        request,
        "dashboard/targets.html",
        {
            "form": form if can_edit else None,
            "years": d.years,
            "targets": AnnualTarget.objects.order_by("-year"),
            "nav_dashboard": True,
        },
    )


# --- registry management ------------------------------------------------------------------


def _koperasi_form_save(
    request: HttpRequest, form: KoperasiForm, koperasi: Koperasi | None
) -> Koperasi | None:
    data = dict(form.cleaned_data)
    status_on = data.pop("status_on")
    try:
        if koperasi is None:
            return registry_services.koperasi_create(
                actor=request.user, status_since=status_on, **data
            )
        data.pop("code")
        return registry_services.koperasi_update(
            actor=request.user, koperasi=koperasi, status_on=status_on, **data
        )
    except ValidationError as exc:
        _errors(request, exc)
        return None


@dinas_admin_only
def koperasi_new(request: HttpRequest) -> HttpResponse:
    form = KoperasiForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            saved = _koperasi_form_save(request, form, None)
            if saved is not None:
                messages.success(request, _("Koperasi didaftarkan."))
                return redirect("dashboard:details", kode=saved.code)
        else:
            _form_errors(request, form)
    return render(
        request, "dashboard/koperasi_form.html", {"form": form, "k": None, "nav_dashboard": True}
    )


@dinas_admin_only
def koperasi_edit(request: HttpRequest, kode: str) -> HttpResponse:
    koperasi = _koperasi(request, kode)
    initial = {f: getattr(koperasi, f) for f in KoperasiForm.base_fields if hasattr(koperasi, f)}
    form = KoperasiForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    if request.method == "POST":
        if form.is_valid():
            saved = _koperasi_form_save(request, form, koperasi)
            if saved is not None:
                messages.success(request, _("Data koperasi diperbarui."))
                return redirect("dashboard:details", kode=saved.code)
        else:
            _form_errors(request, form)
    return render(
        request,
        "dashboard/koperasi_form.html",
        {"form": form, "k": koperasi, "nav_dashboard": True},
    )


DETAIL_FORMS: dict[str, tuple[Any, Any]] = {
    "pengurus": (OfficerForm, services.officer_add),
    "kontak": (ContactForm, services.contact_add),
    "rat": (RatForm, services.rat_record),
    "sertifikat": (CertificateForm, services.certificate_add),
    "angka": (ReportedForm, services.reported_figures_set),
}


@dinas_only
def details(request: HttpRequest, kode: str) -> HttpResponse:
    """A koperasi's registry data: officers, contacts, RAT history, certificate, reports."""
    koperasi = _koperasi(request, kode)
    is_admin = access.is_dinas_admin(request.user)
    bound: dict[str, Any] = {}
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        which = request.POST.get("form", "")
        if which not in DETAIL_FORMS:
            raise Http404
        form_class, service = DETAIL_FORMS[which]
        form = form_class(request.POST)
        if form.is_valid():
            try:
                service(actor=request.user, koperasi=koperasi, **form.cleaned_data)
            except ValidationError as exc:
                _errors(request, exc)
                bound[which] = form
            else:
                messages.success(request, _("Tersimpan."))
                return redirect("dashboard:details", kode=koperasi.code)
        else:
            _form_errors(request, form)
            bound[which] = form
    forms = (
        {key: bound.get(key) or cls() for key, (cls, _s) in DETAIL_FORMS.items()}
        if is_admin
        else {}
    )
    return render(
        request,
        "dashboard/details.html",
        {
            "k": koperasi,
            "r": selectors.registry_details(koperasi),
            "forms": forms,
            "is_admin": is_admin,
            "audit_url": f"{reverse('registry:district_audit')}?koperasi={koperasi.code}"
            if is_admin
            else "",
            "nav_dashboard": True,
        },
    )


# --- one koperasi's figures ---------------------------------------------------------------


@access.district_view()
def koperasi_page(request: HttpRequest, kode: str) -> HttpResponse:
    """Adoption, health and mentoring of one koperasi: the Dinas, or its konsultan."""
    koperasi = _koperasi(request, kode)
    figures = selectors.figures_of(koperasi)
    trend = selectors.trend(koperasi)
    months = [m.month.strftime("%m/%y") for m in trend]
    trend_svg = charts.month_lines(
        months,
        [
            (_("anggota aktif di aplikasi"), [m.monthly_active for m in trend], "#0e7c86"),
            (_("transaksi di aplikasi"), [m.app_actions for m in trend], "#2680c2"),
            (_("transaksi di loket"), [m.counter_actions for m in trend], "#de911d"),
        ],
        title=_("Adopsi per bulan"),
    )
    return render(
        request,
        "dashboard/koperasi.html",
        {
            "k": koperasi,
            "f": figures,
            "health": selectors.health(figures),
            "trend": trend,
            "trend_svg": mark_safe(trend_svg),
            "visits": selectors.visits_of(koperasi)[:20],
            "migrations": _migrations(koperasi),
            "mentors": _mentors(koperasi),
            "can_log": koperasi.pk in access.consultant_koperasi_ids(request.user),
            "is_dinas": access.is_dinas(request.user),
            "nav_dashboard": True,
        },
    )


def _migrations(koperasi: Koperasi) -> list[Any]:
    """Its migration batches (imported and reverted), for the Dinas and its konsultan."""
    from migration.selectors import history_rows

    return history_rows(koperasi=koperasi)[:20]


def _mentors(koperasi: Koperasi) -> list[str]:
    from registry.selectors import mentors_of

    return mentors_of(koperasi)


@dinas_admin_only
def assignments(request: HttpRequest) -> HttpResponse:
    User = get_user_model()
    ids = User.objects.filter(
        Q(role_grants__role=Role.KONSULTAN) | Q(is_active=True, role_grants__isnull=True)
    ).values("pk")
    consultants = User.objects.filter(pk__in=ids).order_by("first_name", "username")
    form = AssignForm(request.POST or None, consultants=consultants)
    if request.method == "POST":
        action = request.POST.get("action", "assign")
        if form.is_valid():
            try:
                if action == "unassign":
                    services.consultant_unassign(
                        actor=request.user,
                        consultant=form.cleaned_data["consultant"],
                        koperasi=form.cleaned_data["koperasi"],
                    )
                else:
                    services.consultant_assign(
                        actor=request.user,
                        consultant=form.cleaned_data["consultant"],
                        koperasi=form.cleaned_data["koperasi"],
                    )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Penugasan diperbarui."))
                return redirect("dashboard:assignments")
        else:
            _form_errors(request, form)
    from registry.models import RoleGrant

    grants = (
        RoleGrant.objects.filter(role=Role.KONSULTAN)
        .select_related("user", "koperasi")
        .order_by("user__first_name", "koperasi__name")
    )
    by_consultant: dict[Any, list[Koperasi]] = {}
    for g in grants:
        by_consultant.setdefault(g.user, []).append(g.koperasi)  # type: ignore[arg-type]
    unmentored = (
        Koperasi.objects.filter(digital_stage__in=Koperasi.DIGITAL_STAGES)
        .exclude(role_grants__role=Role.KONSULTAN)
        .order_by("name")
    )
    return render(
        request,
        "dashboard/assignments.html",
        {
            "form": form,
            "by_consultant": by_consultant.items(),
            "unmentored": unmentored,
            "nav_dashboard": True,
        },
    )


# --- the consultant -----------------------------------------------------------------------


@login_required
def consultant_home(request: HttpRequest) -> HttpResponse:
    ids = access.consultant_koperasi_ids(request.user)
    if not ids:
        raise PermissionDenied
    today = local_today()
    return render(
        request,
        "dashboard/consultant.html",
        {
            "rows": selectors.consultant_rows(ids),
            "due": selectors.follow_ups_due(ids, today + dt.timedelta(days=14)),
            "today": today,
            "nav_consultant": True,
        },
    )


@login_required
def visit_new(request: HttpRequest, kode: str) -> HttpResponse:
    ids = access.consultant_koperasi_ids(request.user)
    koperasi = Koperasi.objects.filter(pk__in=ids, code=kode).first()
    if koperasi is None:
        raise Http404
    form = VisitForm(request.POST or None, request.FILES or None, initial={"on": local_today()})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            photo = None
            if upload := data.get("photo"):
                if upload.size > Visit.PHOTO_MAX_BYTES:
                    messages.error(request, _("Foto terlalu besar: paling besar 2 MB."))
                    return _visit_page(request, koperasi, form)
                photo = services.Photo(content=upload.read(), content_type=upload.content_type)
            follow_ups = (
                [services.FollowUpInput(data["follow_up"], data["follow_up_due"])]
                if data.get("follow_up")
                else []
            )
            try:
                services.visit_log(
                    actor=request.user,
                    koperasi=koperasi,
                    on=data["on"],
                    kind=data["kind"],
                    topics=data["topics"],
                    attendees=data["attendees"],
                    findings=data["findings"],
                    follow_ups=follow_ups,
                    photo=photo,
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Kunjungan dicatat."))
                return redirect("dashboard:consultant")
        else:
            _form_errors(request, form)
    return _visit_page(request, koperasi, form)


def _visit_page(request: HttpRequest, koperasi: Koperasi, form: VisitForm) -> HttpResponse:
    return render(
        request,
        "dashboard/visit_form.html",
        {"k": koperasi, "form": form, "nav_consultant": True},
    )


@require_POST
@login_required
def follow_up_done(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    ids = access.consultant_koperasi_ids(request.user)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_id, koperasi_id__in=ids)
    try:
        services.follow_up_done(actor=request.user, follow_up=follow_up)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Tindak lanjut ditandai selesai."))
    return redirect("dashboard:consultant")


@login_required
def visit_photo(request: HttpRequest, visit_id: int) -> HttpResponse:
    scope = access.registry_scope(request.user)
    visit = get_object_or_404(Visit, pk=visit_id, koperasi__in=scope, photo__isnull=False)
    response = HttpResponse(bytes(visit.photo or b""), content_type=visit.photo_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- reports ------------------------------------------------------------------------------


@dinas_only
def annual_report(request: HttpRequest) -> HttpResponse:
    year = request.GET.get("tahun", "")
    year_n = int(year) if year.isdigit() else local_today().year - 1
    fmt = request.GET.get("format", "xlsx")
    rows = reports.annual_rows(year_n)
    if fmt == "csv":
        return reports.as_csv(rows, year_n)
    return reports.as_xlsx(rows, year_n)


@dinas_only
def summary_pdf(request: HttpRequest) -> HttpResponse:
    return reports.district_pdf(request, _per(request))
