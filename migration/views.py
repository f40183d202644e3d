"""The migration's pages: thin views over :mod:`migration.services` and the registry import.

The Dinas admin imports the Dinas's own registry spreadsheet here: upload → preview (every
row's outcome and problem, nothing written) → commit. The uploaded file waits in the session
between the preview and the commit (it is small: the registry's limits), and is read again for
the commit, so what is committed is what was previewed.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from migration import registry_import, templates_xlsx
from migration.forms import UploadForm
from registry import access

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
            error = " ".join(e for errors in form.errors.values() for e in errors)
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
