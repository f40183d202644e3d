"""The close of business runner, with fake steps: order, catch-up, idempotency, failures,
reruns, refusals, month-end steps, the lease."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from closing import services
from closing.models import CloseFailure, CloseJob, CloseLock, CloseRun, JobStatus, RunStatus
from registry.models import Koperasi

D = dt.date


def close(koperasi: Koperasi, to: dt.date, actor: Any = None) -> CloseJob:
    return services.close_to(koperasi=koperasi, to=to, actor=actor)


def refreshed(koperasi: Koperasi) -> Koperasi:
    koperasi.refresh_from_db()
    return koperasi


pytestmark = pytest.mark.django_db


def test_steps_run_in_order_and_the_business_date_moves_on(books: Koperasi, fakes: Any) -> None:
    job = close(books, D(2025, 1, 27))
    assert job.status == JobStatus.SELESAI
    assert [c[0] for c in fakes.CALLS] == ["accrue", "denda"]
    assert refreshed(books).business_date == D(2025, 1, 28)
    run = CloseRun.objects.get(koperasi=books, day=D(2025, 1, 27))
    assert run.status == RunStatus.SELESAI
    assert (run.steps_done, run.steps_total, run.objects_done) == (2, 2, 6)
    assert [s.step for s in run.steps.all()] == ["accrue", "denda"]


def test_missed_days_are_caught_up_one_by_one(books: Koperasi, fakes: Any) -> None:
    job = close(books, D(2025, 1, 30))
    assert (job.status, job.days_done, job.days_total) == (JobStatus.SELESAI, 4, 4)
    days = [c[1] for c in fakes.CALLS]
    assert days == [
        d for d in (D(2025, 1, 27), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30)) for _ in (1, 2)
    ]
    assert list(
        CloseRun.objects.filter(koperasi=books).order_by("day").values_list("day", flat=True)
    ) == [
        D(2025, 1, 27),
        D(2025, 1, 28),
        D(2025, 1, 29),
        D(2025, 1, 30),
    ]
    assert refreshed(books).business_date == D(2025, 1, 31)


def test_month_end_steps_only_on_the_last_day_of_the_month(books: Koperasi, fakes: Any) -> None:
    close(books, D(2025, 2, 1))
    month_days = [c[1] for c in fakes.CALLS if c[0] == "month"]
    assert month_days == [D(2025, 1, 31)]
    jan31 = CloseRun.objects.get(koperasi=books, day=D(2025, 1, 31))
    assert [s.step for s in jan31.steps.all()] == ["accrue", "denda", "month"]
    feb1 = CloseRun.objects.get(koperasi=books, day=D(2025, 2, 1))
    assert feb1.steps_total == 2


def test_the_same_date_twice_changes_nothing(books: Koperasi, fakes: Any) -> None:
    close(books, D(2025, 1, 28))
    calls = len(fakes.CALLS)
    again = close(books, D(2025, 1, 28))
    assert again.status == JobStatus.SELESAI and again.days_total == 0
    assert len(fakes.CALLS) == calls
    assert refreshed(books).business_date == D(2025, 1, 29)
    assert CloseRun.objects.filter(koperasi=books).count() == 2
    # close_day on a day already closed returns it untouched
    run = services.close_day(koperasi=books, day=D(2025, 1, 28), actor=None, token="t")
    assert run.status == RunStatus.SELESAI and len(fakes.CALLS) == calls


def test_a_date_before_the_business_date_is_refused(books: Koperasi, fakes: Any) -> None:
    with pytest.raises(services.ClosingError) as exc:
        close(books, D(2025, 1, 20))
    assert "sebelum tanggal buku 27/01/2025" in exc.value.messages[0]
    assert exc.value.code == "past"
    assert fakes.CALLS == [] and not CloseJob.objects.exists()
    assert refreshed(books).business_date == D(2025, 1, 27)


def test_a_date_after_today_is_refused(books: Koperasi, fakes: Any) -> None:
    with pytest.raises(services.ClosingError) as exc:
        close(books, dt.date.today() + dt.timedelta(days=3))
    assert exc.value.code == "future" and "belum tiba" in exc.value.messages[0]
    assert fakes.CALLS == []


def test_one_account_failing_is_recorded_and_the_run_goes_on(books: Koperasi, fakes: Any) -> None:
    fakes.FAILING["accrue"] = {12}
    job = close(books, D(2025, 1, 28))
    assert job.status == JobStatus.GAGAL_SEBAGIAN and job.days_done == 2
    assert refreshed(books).business_date == D(2025, 1, 29)  # the day closes with its failures
    failures = CloseFailure.objects.filter(koperasi=books).order_by("step_run__run__day")
    assert [(f.step_run.run.day, f.step_run.step, f.object_id) for f in failures] == [
        (D(2025, 1, 27), "accrue", 12),
        (D(2025, 1, 28), "accrue", 12),
    ]
    assert failures[0].message == "accrue gagal untuk 12"
    run = CloseRun.objects.get(koperasi=books, day=D(2025, 1, 27))
    assert run.status == RunStatus.GAGAL_SEBAGIAN
    # the other objects and the later step were still done
    assert [c[0] for c in fakes.CALLS if c[1] == D(2025, 1, 27)] == ["accrue", "denda"]
    assert run.objects_done == 5


def test_rerun_runs_the_failed_ones_only(books: Koperasi, fakes: Any, pengurus: Any) -> None:
    fakes.FAILING["accrue"] = {12, 13}
    close(books, D(2025, 1, 27))
    run = CloseRun.objects.get(koperasi=books, day=D(2025, 1, 27))
    fakes.CALLS.clear()
    fakes.FAILING["accrue"] = {13}
    result = services.rerun_failures(run=run, actor=pengurus)
    assert fakes.CALLS == [("accrue", D(2025, 1, 27), (12, 13))]
    assert (result.tried, result.resolved, result.still_failing) == (2, 1, 1)
    f12 = CloseFailure.objects.get(object_id=12)
    assert f12.resolved_at is not None and f12.resolved_by_rerun
    f13 = CloseFailure.objects.get(object_id=13)
    assert f13.resolved_at is None and f13.attempts == 2
    run.refresh_from_db()
    assert run.status == RunStatus.GAGAL_SEBAGIAN
    fakes.FAILING.clear()
    services.rerun_failures(run=run, actor=pengurus)
    run.refresh_from_db()
    assert run.status == RunStatus.SELESAI and run.objects_done == 6
    assert not CloseFailure.objects.filter(resolved_at__isnull=True).exists()
    # nothing left to rerun: the step is not called again
    fakes.CALLS.clear()
    services.rerun_failures(run=run, actor=pengurus)
    assert fakes.CALLS == []


def test_a_step_failing_as_a_whole_stops_the_day_and_the_next_close_resumes(
    books: Koperasi, fakes: Any
) -> None:
    fakes.BROKEN["denda"] = RuntimeError("disk penuh")
    job = close(books, D(2025, 1, 29))
    assert job.status == JobStatus.TERHENTI and job.days_done == 0
    assert "Denda" in job.error and "disk penuh" in job.error
    assert refreshed(books).business_date == D(2025, 1, 27)
    run = CloseRun.objects.get(koperasi=books, day=D(2025, 1, 27))
    assert run.status == RunStatus.TERHENTI and run.steps_done == 1
    del fakes.BROKEN["denda"]
    fakes.CALLS.clear()
    job = close(books, D(2025, 1, 29))
    assert job.status == JobStatus.SELESAI
    # accrue of the 27th was done: only denda reruns for that day
    assert fakes.CALLS[0] == ("denda", D(2025, 1, 27), None)
    assert [c[0] for c in fakes.CALLS].count("accrue") == 2
    assert refreshed(books).business_date == D(2025, 1, 30)
    assert run.steps.get(step="denda").attempts == 2


def test_a_step_that_is_not_installed_is_reported(
    books: Koperasi, fakes: Any, settings: Any
) -> None:
    settings.CLOSING_STEPS = [
        ("bunga", "Akrual bunga pinjaman", "loans.services.tidak_ada:accrue_interest", "daily"),
        *fakes.STEPS,
    ]
    job = close(books, D(2025, 1, 27))
    assert job.status == JobStatus.TERHENTI
    step = CloseRun.objects.get(day=D(2025, 1, 27)).steps.get(step="bunga")
    assert step.status == "galat"
    assert step.error.startswith("Langkah tidak tersedia (loans.services.tidak_ada:accrue_interest")
    assert fakes.CALLS == []


def test_the_real_step_list_resolves_when_the_loans_functions_exist() -> None:
    from closing.steps import STEPS, StepUnavailable, resolve

    keys = [s.key for s in STEPS]
    assert keys == [
        "bunga_pinjaman",
        "denda_pinjaman",
        "tunggakan",
        "ppap",
        "akhir_bulan_simpanan",
        "jatuh_tempo_berjangka",
        "pengingat_anggota",
        "angka_dinas",
    ]
    for spec in STEPS:
        try:
            func = resolve(spec)
        except StepUnavailable:
            assert spec.path.startswith("loans.services.closing:")
        else:
            assert callable(func)


def test_a_second_close_waits_for_the_lease(books: Koperasi, fakes: Any) -> None:
    assert services.take_lease(books, "another")
    job = close(books, D(2025, 1, 27))
    assert job.status == JobStatus.TERHENTI and "sedang berjalan" in job.error
    assert fakes.CALLS == []
    services.release_lease(books, "another")
    assert close(books, D(2025, 1, 27)).status == JobStatus.SELESAI
    assert CloseLock.objects.get(koperasi=books).holder == ""


def test_a_dead_lease_is_taken_over(books: Koperasi, fakes: Any, settings: Any) -> None:
    settings.CLOSING_LEASE_SECONDS = 0
    assert services.take_lease(books, "dead")
    assert close(books, D(2025, 1, 27)).status == JobStatus.SELESAI
