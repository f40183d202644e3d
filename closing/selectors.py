"""Reads for the tutup buku page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from closing.models import CloseFailure, CloseJob, CloseRun
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


def open_failures(*, koperasi: Koperasi, limit: int = 200) -> QuerySet[CloseFailure]:
    return (
        CloseFailure.objects.filter(koperasi=koperasi, resolved_at__isnull=True)
        .select_related("step_run__run")
        .order_by("-step_run__run__day", "step_run__position", "object_id")[:limit]
    )
