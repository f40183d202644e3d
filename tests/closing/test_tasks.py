"""The close as a background job on django-tasks' database backend, run by ``db_worker``."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command

from closing import tasks
from closing.models import CloseJob, JobStatus
from registry.models import Koperasi

pytestmark = pytest.mark.django_db(transaction=False)

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_job_waits_in_the_database_until_the_worker_runs_it(
    books: Koperasi, fakes: Any, pengurus: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_tasks_db.management.commands import db_worker

    # The worker closes connections it thinks stale; inside the test's transaction that would
    # close the test's own connection (PostgreSQL).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = DATABASE
    job = tasks.enqueue_close(koperasi=books, to=dt.date(2025, 1, 29), actor=pengurus)
    assert job.status == JobStatus.ANTRI and job.task_id and job.days_total == 3
    assert fakes.CALLS == []
    books.refresh_from_db()
    assert books.business_date == dt.date(2025, 1, 27)
    call_command(
        "db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO()
    )
    job.refresh_from_db()
    assert (job.status, job.days_done, job.days_total) == (JobStatus.SELESAI, 3, 3)
    assert job.started_at and job.finished_at
    books.refresh_from_db()
    assert books.business_date == dt.date(2025, 1, 30)
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_the_task_runs_the_job_and_reports_its_status(
    books: Koperasi, fakes: Any, pengurus: Any
) -> None:
    job = CloseJob.objects.create(koperasi=books, to_date=dt.date(2025, 1, 27))
    result = tasks.close_koperasi.enqueue(job_id=job.pk, actor_id=pengurus.pk)
    assert result.return_value == "selesai"
    job.refresh_from_db()
    assert job.status == JobStatus.SELESAI
