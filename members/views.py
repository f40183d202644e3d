"""Member pages under ``/k/<kode>/anggota/``: thin views over the services and selectors.

Registering a member is not here: a member joins with their savings accounts and the simpanan
pokok charge, which the savings app owns, so the Anggota page's form is served by
``savings.enrol_views`` (the one level that may use both apps); no page can make a member
without accounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.dates import local_today
from core.selectors import member_messages
from members import selectors, services
from members.exports import export_rows, to_csv, to_xlsx
from members.forms import MemberForm, NumberFormatForm, SearchForm
from registry.access import KOPERASI_READERS, koperasi_view
from registry.models import Role

WRITERS = (Role.PENGURUS, Role.KASIR)
# Who sees a member's full NIK; everyone else sees it masked.
NIK_READERS = {Role.PENGURUS, Role.KASIR}
# Who sees a member's savings on the member page: the readers of the savings pages
# (savings.views.member and .account are koperasi_view() with no roles, i.e. these).
SAVINGS_READERS = set(KOPERASI_READERS)
SEARCH_MIN = 3
PAGE_SIZE = 25


def _roles(request: HttpRequest) -> set[str]:
    return set(getattr(request, "roles", set()))


def page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    roles = _roles(request)
    return {
        "k": request.koperasi,  # type: ignore[attr-defined]
        "can_write": bool(roles & set(WRITERS)),
        "can_end": Role.PENGURUS in roles,
        "full_nik": bool(roles & NIK_READERS),
        "nav_members": True,
        **extra,
    }


def _filters(request: HttpRequest) -> tuple[SearchForm, str, str]:
    form = SearchForm(request.GET or None)
    if form.is_valid():
        return form, form.cleaned_data["q"], form.cleaned_data["status"]
    return SearchForm(), "", ""


@koperasi_view()
def member_list(request: HttpRequest) -> HttpResponse:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    form, q, status = _filters(request)
    members = selectors.member_list(koperasi=koperasi, status=status or None, q=q)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/list.html",
        page_context(
            request,
            form=form,
            page=page,
            query=query.urlencode(),
            counts=selectors.member_counts(koperasi=koperasi),
            filtered=bool(q or status),
            search_min=SEARCH_MIN,
        ),
    )


@require_GET
@koperasi_view()
def member_quick_search(request: HttpRequest) -> HttpResponse:
    """The kasir's live search (htmx): results once three characters are typed."""
    koperasi = request.koperasi  # type: ignore[attr-defined]
    q = " ".join(request.GET.get("q", "").split())[:60]
    results = selectors.member_search(koperasi=koperasi, q=q) if len(q) >= SEARCH_MIN else None
    return render(
        request,
        "members/_search_results.html",
        page_context(request, q=q, results=results, search_min=SEARCH_MIN),
    )


@koperasi_view()
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    member = selectors.member_get(koperasi=koperasi, member_id=member_id)
    roles = _roles(request)
    savings = (
        selectors.member_savings(koperasi=koperasi, member=member)
        if roles & SAVINGS_READERS
        else None
    )
    return render(
        request,
        "members/detail.html",
        page_context(
            request,
            m=member,
            savings=savings,
            is_kasir=Role.KASIR in roles,
            channels=member.NotifyChannel.choices,
            sent=member_messages(koperasi=koperasi, member=member),
        ),
    )


@require_POST
@koperasi_view(*WRITERS)
def member_notify_channel(request: HttpRequest, member_id: int) -> HttpResponse:
    """How the member gets receipts and reminders (WhatsApp, SMS or none), set by the kasir or
    a pengurus at the member's request."""
    koperasi = request.koperasi  # type: ignore[attr-defined]
    member = selectors.member_get(koperasi=koperasi, member_id=member_id)
    try:
        services.set_notification_preference(
            member=member, channel=request.POST.get("channel", ""), actor=request.user
        )
    except services.MemberError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Pilihan pemberitahuan disimpan."))
    return redirect("members:detail", kode=koperasi.code, member_id=member.pk)


def apply_errors(
    form: Any, exc: services.MemberError, rename: dict[str, str] | None = None
) -> None:
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.error_dict.items():
        field = rename.get(key, key)
        form.add_error(field if field in form.fields else None, errors)


def warn_checks(request: HttpRequest, warnings: Iterable[str]) -> None:
    for warning in warnings:
        messages.warning(request, _("Periksa: %(w)s") % {"w": warning})


@koperasi_view(*WRITERS)
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    member = selectors.member_get(koperasi=koperasi, member_id=member_id)
    initial = {name: getattr(member, name) for name in services.EDITABLE_FIELDS}
    initial["desa"] = member.desa_id or ""
    form = MemberForm(request.POST or None, koperasi=koperasi, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            member, warnings = services.member_update(
                member=member, actor=request.user, **form.cleaned_data
            )
        except services.MemberError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Data anggota disimpan."))
            warn_checks(request, warnings)
            return redirect("members:detail", kode=koperasi.code, member_id=member.pk)
    return render(
        request,
        "members/form.html",
        page_context(
            request,
            form=form,
            m=member,
            title=_("Ubah data %(name)s") % {"name": member.full_name},
        ),
        status=200 if not form.errors else 400,
    )


@koperasi_view(Role.PENGURUS)
def member_end(request: HttpRequest, member_id: int) -> HttpResponse:
    """Leaving or death goes through the savings app's exit page: the status change and the
    refund of pokok, wajib and sukarela are one transaction there, so no member can be marked
    as left with their savings stranded."""
    koperasi = request.koperasi  # type: ignore[attr-defined]
    member = selectors.member_get(koperasi=koperasi, member_id=member_id)
    return redirect("savings:member_exit", kode=koperasi.code, member_id=member.pk)


@koperasi_view(Role.PENGURUS)
def number_format(request: HttpRequest) -> HttpResponse:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    current = selectors.number_format_get(koperasi=koperasi)
    form = NumberFormatForm(
        request.POST or None,
        initial={
            "pattern": current.pattern,
            "next_seq": current.next_seq,
            "reset_each_year": current.reset_each_year,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_number_format_set(
                koperasi=koperasi, actor=request.user, **form.cleaned_data
            )
        except services.MemberError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Format nomor anggota disimpan."))
            return redirect("members:list", kode=koperasi.code)
    return render(
        request,
        "members/number_format.html",
        page_context(
            request,
            form=form,
            next_number=selectors.next_number_preview(koperasi=koperasi),
        ),
        status=200 if not form.errors else 400,
    )


def _export_name(request: HttpRequest, ext: str) -> str:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    return f"anggota-{koperasi.code}-{local_today(koperasi.timezone):%Y%m%d}.{ext}"


@require_GET
@koperasi_view()
def export_csv(request: HttpRequest) -> HttpResponse:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    _form, q, status = _filters(request)
    rows = export_rows(selectors.member_list(koperasi=koperasi, status=status or None, q=q))
    response = HttpResponse(to_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(request, "csv")}"'
    return response


@require_GET
@koperasi_view()
def export_xlsx(request: HttpRequest) -> HttpResponse:
    koperasi = request.koperasi  # type: ignore[attr-defined]
    _form, q, status = _filters(request)
    rows = export_rows(selectors.member_list(koperasi=koperasi, status=status or None, q=q))
    response = HttpResponse(
        to_xlsx(rows, title=koperasi.name),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(request, "xlsx")}"'
    return response
