"""The migration's pages: thin views over :mod:`migration.services` and the registry import.

A koperasi's pengurus or konsultan brings its legacy books in with the wizard: upload →
each sheet's kind and columns confirmed (a mapping may be saved for the next file) → plan → commit
(both background jobs, :mod:`migration.tasks`, with a progress bar the page polls) → the report
workbook; the migration history lists each batch, with revert.

The Dinas admin imports the Dinas's own registry spreadsheet here: upload → preview (every
row's outcome and problem, nothing written) → commit. The uploaded file waits in the session
between the preview and the commit (it is small: the registry's limits), and is read again for
the commit, so what is committed is what was previewed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from migration import registry_import, services, tasks, templates_xlsx, uploads
from migration import selectors as migration_selectors
from migration.forms import CommitForm, MappingForm, UploadForm
from migration.models import MigrationBatch, MigrationUpload
from migration.report import kind_label as report_kind_label
from migration.table import KOPERASI_KINDS, match_columns
from registry import access
from registry.models import Koperasi, Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTRY_SESSION = "migration.registry_upload"

dinas_admin_only = access.district_view(admin_only=True)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dinas_admin_only
@require_GET
def registry_template(request: HttpRequest) -> HttpResponse:
    return _xlsx(templates_xlsx.template_xlsx(["registry"]), templates_xlsx.filename("registry"))


def _stored(request: HttpRequest) -> tuple[str, bytes] | None:
    kept = request.session.get(REGISTRY_SESSION)
    if not kept:
        return None
    return kept["name"], base64.b64decode(kept["data"])


@dinas_admin_only
def registry_upload(request: HttpRequest) -> HttpResponse:
    """Upload → preview → commit of the Dinas's registry spreadsheet."""
    form = UploadForm()
    result = None
    error = ""
    step = request.POST.get("step", "")
    if request.method == "POST" and step == "commit":
        stored = _stored(request)
        if stored is None or request.POST.get("sha") != _sha(stored[1]):
            error = _("Berkas pratinjau sudah tidak ada; unggah lagi.")
        else:
            name, data = stored
            result = registry_import.registry_import(
                data,
                filename=name,
                actor=request.user,
                dry_run=False,
                accept_partial=request.POST.get("accept_partial") == "on",
            )
            if result.committed:
                del request.session[REGISTRY_SESSION]
                counts = registry_import.summary_counts(result.rows)
                messages.success(
                    request,
                    _(
                        "Daftar koperasi diimpor: %(c)s baru, %(u)s diperbarui, %(s)s tetap, "
                        "%(r)s ditolak."
                    )
                    % {
                        "c": counts["create"],
                        "u": counts["update"],
                        "s": counts["same"],
                        "r": counts["rejected"],
                    },
                )
                return redirect("registry:list")
            error = _(
                "Tidak ada yang diimpor: %(n)s baris ditolak. Perbaiki berkasnya, atau centang "
                "“impor baris yang benar saja”."
            ) % {"n": result.rejected}
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > registry_import.LIMITS.max_bytes:
                error = _("Berkas terlalu besar: paling besar %(m)s MB.") % {
                    "m": registry_import.LIMITS.max_bytes // (1024 * 1024)
                }
            else:
                data = upload.read()
                try:
                    result = registry_import.registry_import(
                        data, filename=upload.name, actor=request.user, dry_run=True
                    )
                except ValidationError as exc:
                    error = " ".join(exc.messages)
                else:
                    request.session[REGISTRY_SESSION] = {
                        "name": upload.name,
                        "data": base64.b64encode(data).decode(),
                    }
        else:
            error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "error": error,
        "nav_dashboard": True,
    }
    if result is not None:
        context["counts"] = registry_import.summary_counts(result.rows)
        context["sheet_problems"] = [p for p in result.book.problems if p.row is None]
        stored = _stored(request)
        context["sha"] = _sha(stored[1]) if stored else ""
    return render(request, "migration/registry_upload.html", context, status=400 if error else 200)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the wizard: a koperasi's legacy books, for its pengurus and its konsultan -----------------

wizard_view = access.koperasi_view(Role.PENGURUS, Role.KONSULTAN)


def _k(request: HttpRequest) -> Koperasi:
    return request.koperasi  # type: ignore[attr-defined, no-any-return]


def _upload_of(request: HttpRequest, upload_id: int, *, content: bool = False) -> MigrationUpload:
    found = MigrationUpload.objects.filter(koperasi=_k(request), pk=upload_id)
    if not content:
        found = found.defer("content", "report")
    upload = found.select_related("uploaded_by", "batch").first()
    if upload is None:
        raise Http404
    return upload


def _errors_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@wizard_view
def wizard(request: HttpRequest) -> HttpResponse:
    """Upload a legacy workbook; templates; uploads so far; the migration history."""
    koperasi = _k(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                made = uploads.upload_create(
                    koperasi=koperasi,
                    file=upload,
                    filename=upload.name,
                    size=upload.size,
                    actor=request.user,
                )
            except ValidationError as exc:
                error = _errors_of(exc)
            else:
                return redirect("migration:upload", kode=koperasi.code, migration_upload_id=made.pk)
        else:
            error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    recent = (
        MigrationUpload.objects.filter(koperasi=koperasi)
        .defer("content", "report")
        .select_related("uploaded_by")[:10]
    )
    return render(
        request,
        "migration/wizard.html",
        {
            "k": koperasi,
            "form": form,
            "error": error,
            "uploads": recent,
            "history": migration_selectors.migration_history(koperasi=koperasi)[:20],
            "mappings": migration_selectors.mappings_of(koperasi=koperasi),
            "templates": [(kind, report_kind_label(kind)) for kind in KOPERASI_KINDS],
            "nav_migration": True,
        },
        status=400 if error else 200,
    )


@wizard_view
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("jenis", "semua")
    if kind == "semua":
        return _xlsx(templates_xlsx.template_xlsx(KOPERASI_KINDS), "templat-migrasi.xlsx")
    if kind not in KOPERASI_KINDS:
        raise Http404
    return _xlsx(templates_xlsx.template_xlsx([kind]), templates_xlsx.filename(kind))


def _auto(sheet: dict[str, Any], kind: str) -> dict[str, str]:
    labels = sheet["labels"]
    return {f: labels[c] for f, c in match_columns(labels, kind).items()}


@wizard_view
def upload(request: HttpRequest, migration_upload_id: int) -> HttpResponse:
    """One upload: confirm the mapping → plan (a background job) → commit → report."""
    koperasi = _k(request)
    found = uploads.live_progress(_upload_of(request, migration_upload_id))
    kinds, mappings = dict(found.kinds), dict(found.mappings)
    error = ""
    step = request.POST.get("step", "refresh") if request.method == "POST" else ""
    if step and found.is_active:
        error = _("Berkas ini sedang diproses; tunggu sampai selesai.")
    elif step in ("refresh", "plan"):
        posted = MappingForm(request.POST, sheets=found.sheets, kinds=kinds, mappings=mappings)
        kinds, mappings = posted.chosen()
        for sheet in found.sheets:  # a sheet given another kind: its columns found again
            name = sheet["name"]
            if name in kinds and kinds[name] != found.kinds.get(name):
                mappings[name] = _auto(sheet, kinds[name])
        if step == "plan":
            try:
                uploads.upload_map(
                    upload=found,
                    kinds=kinds,
                    mappings=mappings,
                    actor=request.user,
                    save_as=request.POST.get("save_as", ""),
                )
                tasks.enqueue(upload=found, commit=False, actor=request.user)
            except ValidationError as exc:
                error = _errors_of(exc)
            else:
                return redirect(
                    "migration:upload", kode=koperasi.code, migration_upload_id=found.pk
                )
    elif step == "apply":
        saved = migration_selectors.mappings_of(koperasi=koperasi).filter(
            pk=request.POST.get("mapping") or 0
        )
        if not saved:
            raise Http404
        uploads.mapping_apply(upload=found, kinds=saved[0].kinds, mappings=saved[0].mappings)
        kinds, mappings = dict(found.kinds), dict(found.mappings)
    elif step == "commit":
        commit_form = CommitForm(request.POST)
        commit_form.is_valid()
        found.accept_partial = bool(commit_form.cleaned_data.get("accept_partial"))
        found.save(update_fields=["accept_partial"])
        try:
            tasks.enqueue(upload=found, commit=True, actor=request.user)
        except ValidationError as exc:
            error = _errors_of(exc)
        else:
            return redirect("migration:upload", kode=koperasi.code, migration_upload_id=found.pk)
    elif step:
        raise Http404
    form = MappingForm(sheets=found.sheets, kinds=kinds, mappings=mappings)
    result = found.result or {}
    return render(
        request,
        "migration/upload.html",
        {
            "k": koperasi,
            "u": found,
            "form": form,
            "commit_form": CommitForm(),
            "error": error,
            "result": result,
            "sheet_kinds": {k: report_kind_label(k) for k in [*KOPERASI_KINDS, "unknown"]},
            "created": _created(result.get("created") or {}),
            "mappings": migration_selectors.mappings_of(koperasi=koperasi),
            "can_commit": found.state == found.State.PLANNED and not result.get("nothing_new"),
            "nav_migration": True,
        },
        status=400 if error else 200,
    )


def _created(created: dict[str, int]) -> list[tuple[str, int]]:
    labels = {
        "members": _("Anggota"),
        "savings_accounts": _("Rekening simpanan"),
        "loans": _("Pinjaman"),
        "entries": _("Jurnal"),
    }
    return [(labels.get(k, k), n) for k, n in created.items() if n]


@wizard_view
def job(request: HttpRequest, migration_upload_id: int) -> HttpResponse:
    """The job's progress, as a fragment the upload page polls while it runs."""
    found = uploads.live_progress(_upload_of(request, migration_upload_id))
    response = render(request, "migration/_job.html", {"k": _k(request), "u": found})
    if not found.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # finished: show the plan or the commit
    return response


@wizard_view
@require_GET
def report(request: HttpRequest, migration_upload_id: int) -> HttpResponse:
    found = MigrationUpload.objects.filter(
        koperasi=_k(request), pk=migration_upload_id, report__isnull=False
    ).first()
    if found is None or not found.report:
        raise Http404
    stem = re.sub(r"[^\w.-]+", "_", found.filename.rsplit(".", 1)[0])[:80] or "migrasi"
    return _xlsx(bytes(found.report), f"laporan-{stem}.xlsx")


@wizard_view
@require_POST
def revert(request: HttpRequest, migration_batch_id: int) -> HttpResponse:
    koperasi = _k(request)
    try:
        batch = migration_selectors.batch_get(koperasi=koperasi, pk=migration_batch_id)
    except MigrationBatch.DoesNotExist:
        raise Http404 from None
    try:
        services.revert(batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors_of(exc))
    else:
        messages.success(request, _("Migrasi %(f)s dibatalkan.") % {"f": batch.filename})
    return redirect("migration:wizard", kode=koperasi.code)


@wizard_view
@require_GET
def mapping_file(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """A saved mapping as the file ``kopdig migration import --mapping FILE`` takes."""
    saved = migration_selectors.mappings_of(koperasi=_k(request)).filter(pk=mapping_id).first()
    if saved is None:
        raise Http404
    stem = re.sub(r"[^\w.-]+", "_", saved.name)[:80] or "pemetaan"
    response = HttpResponse(
        json.dumps(saved.as_file(), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="pemetaan-{stem}.json"'
    return response
