"""The tutup buku page under ``/k/<kode>/tutup-buku/``: the business date, the close started as
a background job with its progress (polled by htmx), the last days closed with each step, and
the accounts or loans that failed, which the pengurus reruns.

Every staff role and the konsultan may read; only the pengurus starts a close or reruns."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from closing import forms, selectors, services, tasks
from closing.models import CloseRun
from closing.steps import steps_for
from core.dates import business_date
from registry.access import koperasi_view
from registry.models import Role

MANAGERS = (Role.PENGURUS,)


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    roles = set(getattr(request, "roles", set()))
    return {
        "k": _k(request),
        "can_manage": bool(roles & set(MANAGERS)),
        "business_date": business_date(_k(request)),
        "nav_closing": True,
        **extra,
    }


@koperasi_view()
def home(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    today = business_date(koperasi)
    form = forms.CloseForm(request.POST or None, initial={"to": today})
    if request.method == "POST":
        if Role.PENGURUS not in getattr(request, "roles", set()):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                tasks.enqueue_close(
                    koperasi=koperasi, to=form.cleaned_data["to"], actor=request.user
                )
            except ValidationError as exc:
                form.add_error("to", exc.messages)
            else:
                messages.success(request, _("Tutup buku dimulai di latar belakang."))
                return redirect("closing:home", kode=koperasi.code)
    jobs = list(selectors.recent_jobs(koperasi=koperasi))
    return render(
        request,
        "closing/home.html",
        _ctx(
            request,
            form=form,
            job=jobs[0] if jobs else None,
            jobs=jobs,
            runs=selectors.recent_runs(koperasi=koperasi),
            failed_steps=selectors.failed_steps(koperasi=koperasi),
            open_count=selectors.open_failure_count(koperasi=koperasi),
            last_closed=selectors.last_closed(koperasi=koperasi),
            plan=[spec for _pos, spec in steps_for(today)],
            locked=services.is_locked(koperasi),
        ),
        status=400 if form.errors else 200,
    )


@koperasi_view()
def job(request: HttpRequest, close_job_id: int) -> HttpResponse:
    """The job's progress, as a fragment the home page polls while it runs."""
    found = selectors.job_of(koperasi=_k(request), job_id=close_job_id)
    if found is None:
        raise Http404
    response = render(request, "closing/_job.html", _ctx(request, job=found))
    if not found.is_active and request.headers.get("HX-Request"):
        # Finished while the page polled: reload it once to show the days it closed.
        response["HX-Refresh"] = "true"
    return response


def _run_or_404(request: HttpRequest, run_id: int) -> CloseRun:
    found = selectors.run_of(koperasi=_k(request), run_id=run_id)
    if found is None:
        raise Http404
    return found


@koperasi_view()
def run(request: HttpRequest, close_run_id: int) -> HttpResponse:
    found = _run_or_404(request, close_run_id)
    return render(
        request,
        "closing/run.html",
        _ctx(request, run=found, steps=selectors.run_steps(run=found)),
    )


@koperasi_view(*MANAGERS)
@require_POST
def rerun(request: HttpRequest, close_run_id: int) -> HttpResponse:
    found = _run_or_404(request, close_run_id)
    step = request.POST.get("step") or None
    try:
        result = services.rerun_failures(run=found, actor=request.user, step=step)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if result.still_failing:
            messages.warning(
                request,
                _("%(ok)s dari %(n)s berhasil; %(bad)s masih gagal.")
                % {"ok": result.resolved, "n": result.tried, "bad": result.still_failing},
            )
        elif result.tried:
            messages.success(request, _("Semua yang gagal berhasil dijalankan ulang."))
        else:
            messages.info(request, _("Tidak ada yang perlu dijalankan ulang."))
    if request.POST.get("next") == "home":
        return redirect("closing:home", kode=_k(request).code)
    return redirect("closing:run", kode=_k(request).code, close_run_id=found.pk)
