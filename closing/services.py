"""The close of business: per koperasi, the ordered steps of :mod:`closing.steps` for each
business day up to a date, then the business date moves to the next day.

Rules (see the README, "Tutup buku harian"):

- Days are closed one by one, from the business date up to the date asked for; a date before
  the business date is refused (unless it is the day last closed: closing it again changes
  nothing), and so is a date after today in the koperasi's zone.
- Each step runs on its own: the runner opens no transaction around it (a step commits its
  own work, in one or several transactions, and is idempotent for its (koperasi, day)). The
  step run is recorded before and after, so a crash leaves the steps already done recorded and
  the next close of the koperasi resumes the day at the step that did not finish.
- A step that fails for some accounts or loans records each of them (:class:`CloseFailure`)
  and the day still closes (``gagal_sebagian``); staff rerun those ids later
  (:func:`rerun_failures`, which passes ``only=``). A step that fails as a whole (it raised,
  or it is not installed: *langkah tidak tersedia*) stops the close at that day: later steps
  of the day do not run and the business date stays, since a later step (PPAP after
  kolektibilitas) may depend on it.
- One close per koperasi at a time: a lease row (:class:`CloseLock`) taken in a short
  transaction and renewed after each step, never a transaction held across the steps.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from closing.labels import labels_for
from closing.models import (
    CLOSED_RUN,
    CloseFailure,
    CloseJob,
    CloseLock,
    CloseRun,
    CloseStepRun,
    JobStatus,
    RunStatus,
    StepStatus,
)
from closing.steps import StepSpec, StepUnavailable, resolve, spec_of, steps_for
from core import audit
from core.dates import DEFAULT_TZ, business_date, local_today
from core.steps import StepOutcome
from registry.models import Koperasi

logger = logging.getLogger(__name__)

LEASE_SECONDS_DEFAULT = 15 * 60


class ClosingError(ValidationError):
    """A close refused; the message is for the pengurus (Indonesian)."""


@dataclass
class Progress:
    """Where a close is, for a progress bar: day ``days_done + 1`` of ``days_total``."""

    koperasi: Koperasi
    day: dt.date
    days_done: int
    days_total: int
    step: str  # the step's label ("" between days)
    steps_done: int
    steps_total: int


ProgressFn = Callable[[Progress], None]


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- which days ---------------------------------------------------------------------------------


def days_to_close(*, koperasi: Koperasi, to: Any) -> list[dt.date]:
    """The business days a close up to ``to`` would close, in order ([] when ``to`` is the day
    last closed). Raises :class:`ClosingError` for a date before the business date or after
    today in the koperasi's zone."""
    if not isinstance(to, dt.date) or isinstance(to, dt.datetime):
        raise ClosingError(_("Tanggal tutup buku tidak sah."), code="invalid")
    today = local_today(koperasi.timezone or DEFAULT_TZ)
    if to > today:
        raise ClosingError(
            _("Tanggal %(d)s belum tiba: tutup buku paling jauh sampai hari ini, %(t)s.")
            % {"d": _d(to), "t": _d(today)},
            code="future",
        )
    start = business_date(koperasi)
    if to < start:
        last = start - dt.timedelta(days=1)
        if (
            to == last
            and CloseRun.objects.filter(koperasi=koperasi, day=to, status__in=CLOSED_RUN).exists()
        ):
            return []
        raise ClosingError(
            _(
                "Tanggal %(d)s sebelum tanggal buku %(b)s: hari yang sudah ditutup tidak "
                "ditutup lagi."
            )
            % {"d": _d(to), "b": _d(start)},
            code="past",
        )
    return [start + dt.timedelta(days=i) for i in range((to - start).days + 1)]


def koperasi_on_kopdig() -> list[Koperasi]:
    """Every koperasi whose books are on Kopdig (it has a chart of accounts), by code."""
    return list(Koperasi.objects.filter(accounts__isnull=False).distinct().order_by("code"))


# --- the lease ------------------------------------------------------------------------------------


def _lease_seconds() -> int:
    return int(getattr(settings, "CLOSING_LEASE_SECONDS", LEASE_SECONDS_DEFAULT))


def take_lease(koperasi: Koperasi, token: str) -> bool:
    """Take the koperasi's close lease for ``token``; False when another close holds it."""
    now = timezone.now()
    with transaction.atomic():
        lock, _created = CloseLock.objects.select_for_update().get_or_create(koperasi=koperasi)
        held = (
            lock.holder
            and lock.holder != token
            and lock.renewed_at is not None
            and (now - lock.renewed_at).total_seconds() < _lease_seconds()
        )
        if held:
            return False
        lock.holder = token
        lock.renewed_at = now
        lock.save(update_fields=["holder", "renewed_at"])
    return True


def _renew_lease(koperasi: Koperasi, token: str) -> None:
    CloseLock.objects.filter(koperasi=koperasi, holder=token).update(renewed_at=timezone.now())


def release_lease(koperasi: Koperasi, token: str) -> None:
    CloseLock.objects.filter(koperasi=koperasi, holder=token).update(holder="", renewed_at=None)


def is_locked(koperasi: Koperasi) -> bool:
    lock = CloseLock.objects.filter(koperasi=koperasi).first()
    if lock is None or not lock.holder or lock.renewed_at is None:
        return False
    return (timezone.now() - lock.renewed_at).total_seconds() < _lease_seconds()


BUSY = _("Tutup buku koperasi ini sedang berjalan di proses lain; tunggu sampai selesai.")


# --- jobs -----------------------------------------------------------------------------------------


def start_job(*, koperasi: Koperasi, to: Any, actor: Any) -> CloseJob:
    """Check ``to`` and record a close job (waiting for a worker, or run at once by
    :func:`run_job`)."""
    days = days_to_close(koperasi=koperasi, to=to)
    return CloseJob.objects.create(
        koperasi=koperasi, to_date=to, days_total=len(days), requested_by=_user(actor)
    )


def _save_job(job: CloseJob, *fields: str) -> None:
    job.save(update_fields=list(fields))


def run_job(*, job: CloseJob, actor: Any, progress: ProgressFn | None = None) -> CloseJob:
    """Close ``job.koperasi`` day by day up to ``job.to_date`` (the foreground of the command,
    the body of the background task). Never raises for a refused or stopped close: the job's
    status and error say what happened."""
    koperasi = Koperasi.objects.get(pk=job.koperasi_id)
    token = uuid.uuid4().hex
    job.started_at = timezone.now()
    if not take_lease(koperasi, token):
        job.status = JobStatus.TERHENTI
        job.error = str(BUSY)
        job.finished_at = timezone.now()
        _save_job(job, "status", "error", "started_at", "finished_at")
        return job
    try:
        job.status = JobStatus.BERJALAN
        job.error = ""
        try:
            days = days_to_close(koperasi=koperasi, to=job.to_date)
        except ClosingError as exc:
            job.status = JobStatus.TERHENTI
            job.error = " ".join(exc.messages)
            job.days_total = job.days_done = 0
            return job
        job.days_total = len(days)
        job.days_done = 0
        _save_job(job, "status", "error", "started_at", "days_total", "days_done")
        any_failed = False
        for day in days:
            job.stage = _d(day)
            _save_job(job, "stage")
            run = close_day(
                koperasi=koperasi,
                day=day,
                actor=actor,
                job=job,
                token=token,
                progress=progress,
                days_done=job.days_done,
                days_total=job.days_total,
            )
            if not run.is_closed:
                job.status = JobStatus.TERHENTI
                failed = run.steps.filter(status=StepStatus.GALAT).first()
                job.error = _("Tutup hari %(d)s terhenti pada langkah “%(s)s”: %(e)s") % {
                    "d": _d(day),
                    "s": failed.label if failed else "?",
                    "e": failed.error if failed else "",
                }
                break
            any_failed = any_failed or run.status == RunStatus.GAGAL_SEBAGIAN
            job.days_done += 1
            _save_job(job, "days_done")
        else:
            job.status = JobStatus.GAGAL_SEBAGIAN if any_failed else JobStatus.SELESAI
            job.stage = ""
        return job
    except Exception as exc:
        job.status = JobStatus.TERHENTI
        job.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        release_lease(koperasi, token)
        job.finished_at = timezone.now()
        _save_job(job, "status", "error", "stage", "days_total", "days_done", "finished_at")


def close_to(
    *, koperasi: Koperasi, to: Any, actor: Any, progress: ProgressFn | None = None
) -> CloseJob:
    """Check and run a close in the foreground (the command's path)."""
    job = start_job(koperasi=koperasi, to=to, actor=actor)
    return run_job(job=job, actor=actor, progress=progress)


# --- one day --------------------------------------------------------------------------------------


def close_day(
    *,
    koperasi: Koperasi,
    day: dt.date,
    actor: Any,
    token: str,
    job: CloseJob | None = None,
    progress: ProgressFn | None = None,
    days_done: int = 0,
    days_total: int = 1,
) -> CloseRun:
    """Run (or resume) the close of ``day``; the caller holds the lease ``token``. A day
    already closed is returned as it is."""
    run, _created = CloseRun.objects.get_or_create(
        koperasi=koperasi, day=day, defaults={"job": job, "actor": _user(actor)}
    )
    if run.is_closed:
        return run
    plan = steps_for(day)
    run.job = job
    run.status = RunStatus.BERJALAN
    run.steps_total = len(plan)
    run.steps_done = 0
    run.save(update_fields=["job", "status", "steps_total", "steps_done"])
    existing = {s.step: s for s in run.steps.all()}
    stopped = False
    for done_count, (position, spec) in enumerate(plan):
        step_run = existing.get(spec.key)
        if step_run is not None and step_run.is_done:
            continue
        if progress is not None:
            progress(
                Progress(
                    koperasi, day, days_done, days_total, str(spec.label), done_count, len(plan)
                )
            )
        if job is not None:
            job.stage = f"{_d(day)} · {spec.label}"
            _save_job(job, "stage")
        step_run = _run_step(run, step_run, position, spec, actor)
        _renew_lease(koperasi, token)
        if not step_run.is_done:
            stopped = True
            break
    _count(run)
    if stopped:
        run.status = RunStatus.TERHENTI
        run.save(update_fields=["status"])
        return run
    with transaction.atomic():
        unresolved = CloseFailure.objects.filter(step_run__run=run, resolved_at__isnull=True)
        run.status = RunStatus.GAGAL_SEBAGIAN if unresolved.exists() else RunStatus.SELESAI
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
        Koperasi.objects.filter(pk=koperasi.pk).filter(
            Q(business_date__isnull=True) | Q(business_date__lte=day)
        ).update(business_date=day + dt.timedelta(days=1))
        audit.record(
            actor=actor,
            action="closing.day_closed",
            obj=koperasi,
            after={"day": day.isoformat(), "status": run.status, "objects": run.objects_done},
        )
    koperasi.business_date = day + dt.timedelta(days=1)
    if progress is not None:
        progress(Progress(koperasi, day, days_done + 1, days_total, "", len(plan), len(plan)))
    return run


def _count(run: CloseRun) -> None:
    steps = run.steps.all()
    run.steps_done = min(sum(1 for s in steps if s.is_done), run.steps_total)
    run.objects_done = steps.aggregate(n=Sum("done"))["n"] or 0
    run.save(update_fields=["steps_done", "objects_done"])


def _call(spec: StepSpec, run: CloseRun, actor: Any, only: list[int] | None) -> StepOutcome:
    func = resolve(spec)
    outcome = func(koperasi=run.koperasi, day=run.day, actor=actor, only=only)
    if not isinstance(outcome, StepOutcome):
        raise TypeError(f"{spec.path} tidak mengembalikan StepOutcome")
    return outcome


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, StepUnavailable):
        return _("Langkah tidak tersedia (%(p)s).") % {"p": exc}
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return f"{type(exc).__name__}: {exc}"


def _run_step(
    run: CloseRun, step_run: CloseStepRun | None, position: int, spec: StepSpec, actor: Any
) -> CloseStepRun:
    if step_run is None:
        with translation.override("id"):
            label = str(spec.label)
        step_run = CloseStepRun.objects.create(
            run=run, position=position, step=spec.key, label=label
        )
    step_run.status = StepStatus.BERJALAN
    step_run.attempts += 1
    step_run.error = ""
    step_run.started_at = timezone.now()
    step_run.save(update_fields=["status", "attempts", "error", "started_at"])
    try:
        outcome = _call(spec, run, actor, None)
    except Exception as exc:
        if not isinstance(exc, StepUnavailable | ValidationError):
            logger.exception("closing step %s failed for %s", spec.key, run)
        step_run.status = StepStatus.GALAT
        step_run.error = _error_text(exc)
        step_run.finished_at = timezone.now()
        step_run.save(update_fields=["status", "error", "finished_at"])
        return step_run
    with transaction.atomic():
        _record_failures(run, step_run, spec, outcome)
        step_run.done = outcome.done
        step_run.total = outcome.total
        step_run.entries = list(outcome.entry_ids)
        step_run.status = StepStatus.GAGAL_SEBAGIAN if outcome.failures else StepStatus.SELESAI
        step_run.finished_at = timezone.now()
        step_run.save(update_fields=["done", "total", "entries", "status", "finished_at"])
    return step_run


def _record_failures(
    run: CloseRun, step_run: CloseStepRun, spec: StepSpec, outcome: StepOutcome
) -> None:
    if not outcome.failures:
        return
    labels = labels_for(spec.objects, run.koperasi_id, [f.object_id for f in outcome.failures])
    for failure in outcome.failures:
        row, created = CloseFailure.objects.get_or_create(
            step_run=step_run,
            object_id=failure.object_id,
            defaults={
                "koperasi_id": run.koperasi_id,
                "object_label": labels.get(failure.object_id, "")[:200],
                "message": failure.message,
            },
        )
        if not created:
            row.message = failure.message
            row.attempts += 1
            row.resolved_at = None
            row.resolved_by_rerun = False
            row.save(update_fields=["message", "attempts", "resolved_at", "resolved_by_rerun"])


# --- rerun of failures -----------------------------------------------------------------------


@dataclass
class RerunResult:
    tried: int = 0
    resolved: int = 0
    still_failing: int = 0


def rerun_failures(*, run: CloseRun, actor: Any, step: str | None = None) -> RerunResult:
    """Run again, for the accounts or loans that failed on ``run``'s day only (``only=``), each
    step that recorded failures (or just ``step``). Those that now pass are marked resolved;
    when none is left the day's status becomes ``selesai``."""
    koperasi = Koperasi.objects.get(pk=run.koperasi_id)
    token = uuid.uuid4().hex
    if not take_lease(koperasi, token):
        raise ClosingError(BUSY, code="busy")
    result = RerunResult()
    try:
        step_runs = run.steps.filter(status=StepStatus.GAGAL_SEBAGIAN)
        if step:
            step_runs = step_runs.filter(step=step)
        for step_run in step_runs:
            spec = spec_of(step_run.step)
            open_failures = list(step_run.failures.filter(resolved_at__isnull=True))
            if spec is None or not open_failures:
                continue
            ids = [f.object_id for f in open_failures]
            result.tried += len(ids)
            try:
                outcome = _call(spec, run, actor, ids)
            except Exception as exc:
                raise ClosingError(
                    _("Langkah “%(s)s” gagal dijalankan ulang: %(e)s")
                    % {"s": step_run.label, "e": _error_text(exc)},
                    code="rerun_failed",
                ) from exc
            failing = {f.object_id for f in outcome.failures}
            now = timezone.now()
            with transaction.atomic():
                _record_failures(run, step_run, spec, outcome)
                fixed = [i for i in ids if i not in failing]
                CloseFailure.objects.filter(step_run=step_run, object_id__in=fixed).update(
                    resolved_at=now, resolved_by_rerun=True
                )
                result.resolved += len(fixed)
                result.still_failing += len(failing)
                step_run.done += outcome.done
                step_run.total += outcome.total
                step_run.entries = [*step_run.entries, *outcome.entry_ids]
                if not step_run.failures.filter(resolved_at__isnull=True).exists():
                    step_run.status = StepStatus.SELESAI
                step_run.save(update_fields=["done", "total", "entries", "status"])
        _count(run)
        if (
            run.status == RunStatus.GAGAL_SEBAGIAN
            and not CloseFailure.objects.filter(
                step_run__run=run, resolved_at__isnull=True
            ).exists()
        ):
            run.status = RunStatus.SELESAI
            run.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="closing.rerun_failures",
            obj=koperasi,
            after={
                "day": run.day.isoformat(),
                "step": step or "",
                "tried": result.tried,
                "resolved": result.resolved,
            },
        )
    finally:
        release_lease(koperasi, token)
    return result
