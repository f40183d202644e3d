"""What the database holds for the close, each shown with raw SQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from closing.models import CloseFailure, CloseJob, CloseRun, CloseStepRun
from registry.models import Koperasi

pytestmark = pytest.mark.django_db


def refused(sql: str, params: list[Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def run_row(koperasi: Koperasi) -> CloseRun:
    return CloseRun.objects.create(koperasi=koperasi, day="2025-01-15", steps_total=2)


def test_a_day_is_closed_once(koperasi: Koperasi) -> None:
    run_row(koperasi)
    refused(
        f"INSERT INTO {table(CloseRun)} (koperasi_id, day, status, steps_total, steps_done, "
        "objects_done, started_at) VALUES (%s, %s, 'selesai', 0, 0, 0, CURRENT_TIMESTAMP)",
        [koperasi.pk, "2025-01-15"],
    )


def test_run_status_and_step_count(koperasi: Koperasi) -> None:
    run = run_row(koperasi)
    refused(f"UPDATE {table(CloseRun)} SET status = 'ditutup' WHERE id = %s", [run.pk])
    refused(f"UPDATE {table(CloseRun)} SET steps_done = 3 WHERE id = %s", [run.pk])


def test_job_status_and_days(koperasi: Koperasi) -> None:
    job = CloseJob.objects.create(koperasi=koperasi, to_date="2025-01-15", days_total=2)
    refused(f"UPDATE {table(CloseJob)} SET status = 'x' WHERE id = %s", [job.pk])
    refused(f"UPDATE {table(CloseJob)} SET days_done = 3 WHERE id = %s", [job.pk])


def test_step_once_per_run_and_failure_once_per_step(koperasi: Koperasi) -> None:
    run = run_row(koperasi)
    step = CloseStepRun.objects.create(run=run, position=1, step="a", label="A")
    refused(
        f"UPDATE {table(CloseStepRun)} SET status = 'rusak' WHERE id = %s",
        [step.pk],
    )
    refused(
        f"INSERT INTO {table(CloseStepRun)} (run_id, position, step, label, status, done, total, "
        "entries, error, attempts) VALUES (%s, 2, 'a', 'A', 'selesai', 0, 0, '[]', '', 0)",
        [run.pk],
    )
    failure = CloseFailure.objects.create(
        koperasi=koperasi, step_run=step, object_id=7, message="m"
    )
    refused(
        f"INSERT INTO {table(CloseFailure)} (koperasi_id, step_run_id, object_id, object_label, "
        "message, attempts, created_at, resolved_by_rerun) "
        "VALUES (%s, %s, 7, '', 'm', 1, CURRENT_TIMESTAMP, false)",
        [koperasi.pk, step.pk],
    )
    # resolved by a rerun needs the time it was resolved
    refused(
        f"UPDATE {table(CloseFailure)} SET resolved_by_rerun = true WHERE id = %s",
        [failure.pk],
    )
