"""Reads for the tutup buku page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from closing.models import CLOSED_RUN, CloseFailure, CloseJob, CloseRun, CloseStepRun
from registry.models import Koperasi


def recent_runs(*, koperasi: Koperasi, limit: int = 14) -> QuerySet[CloseRun]:
    return (
        CloseRun.objects.filter(koperasi=koperasi)
        .annotate(
            open_failures=Count("steps__failures", filter=Q(steps__failures__resolved_at=None))
        )
        .order_by("-day")[:limit]
    )


def run_of(*, koperasi: Koperasi, run_id: int) -> CloseRun | None:
    return CloseRun.objects.filter(koperasi=koperasi, pk=run_id).first()


def run_steps(*, run: CloseRun) -> list[Any]:
    return list(run.steps.prefetch_related("failures").order_by("position"))


def recent_jobs(*, koperasi: Koperasi, limit: int = 5) -> QuerySet[CloseJob]:
    return CloseJob.objects.filter(koperasi=koperasi).select_related("requested_by")[:limit]


def job_of(*, koperasi: Koperasi, job_id: int) -> CloseJob | None:
    return CloseJob.objects.filter(koperasi=koperasi, pk=job_id).first()


def failed_steps(*, koperasi: Koperasi, limit: int = 60) -> list[Any]:
    """The step runs that still have failed accounts or loans, newest day first, each with
    ``open_count`` and ``open_list`` (its unresolved failures)."""
    steps: list[Any] = list(
        CloseStepRun.objects.filter(run__koperasi=koperasi)
        .annotate(open_count=Count("failures", filter=Q(failures__resolved_at=None)))
        .filter(open_count__gt=0)
        .select_related("run")
        .order_by("-run__day", "position")[:limit]
    )
    by_step: dict[int, list[CloseFailure]] = {s.pk: [] for s in steps}
    for failure in CloseFailure.objects.filter(
        step_run__in=list(by_step), resolved_at__isnull=True
    ).order_by("object_id"):
        by_step[failure.step_run_id].append(failure)
    for step in steps:
        step.open_list = by_step[step.pk]  # type: ignore[attr-defined]
    return steps


def open_failure_count(*, koperasi: Koperasi) -> int:
    return CloseFailure.objects.filter(koperasi=koperasi, resolved_at__isnull=True).count()


def last_closed(*, koperasi: Koperasi) -> CloseRun | None:
    return (
        CloseRun.objects.filter(koperasi=koperasi, status__in=CLOSED_RUN).order_by("-day").first()
    )
