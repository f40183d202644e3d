"""The tutup buku page: who may see and do what, the form, the job's progress, reruns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from closing import services
from closing.models import CloseFailure, CloseJob, CloseRun, JobStatus, RunStatus
from registry.models import Koperasi

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def url(name: str, koperasi: Koperasi, **kw: Any) -> str:
    return reverse(f"closing:{name}", kwargs={"kode": koperasi.code, **kw})


def test_every_reader_sees_the_page_only_the_pengurus_gets_the_form(
    books: Koperasi, fakes: Any, pengurus: Any, kasir: Any, pengawas: Any, konsultan: Any
) -> None:
    for user in (kasir, pengawas, konsultan):
        r = client_for(user).get(url("home", books))
        assert r.status_code == 200
        body = r.content.decode()
        assert "27 Januari 2025" in body  # the business date
        assert "Mulai tutup buku" not in body
        assert client_for(user).post(url("home", books), {"to": "2025-01-27"}).status_code == 403
    assert not CloseJob.objects.exists()
    body = client_for(pengurus).get(url("home", books)).content.decode()
    assert "Mulai tutup buku" in body and "Akrual" in body and "Denda" in body


def test_start_the_close_as_a_background_job(books: Koperasi, fakes: Any, pengurus: Any) -> None:
    c = client_for(pengurus)
    r = c.post(url("home", books), {"to": "2025-01-31"})
    assert r.status_code == 302
    job = CloseJob.objects.get()
    assert job.status == JobStatus.SELESAI and job.task_id  # the immediate backend ran it
    assert job.requested_by == pengurus
    books.refresh_from_db()
    assert books.business_date == dt.date(2025, 2, 1)
    body = c.get(url("home", books)).content.decode()
    assert "1 Februari 2025" in body and 'data-run="2025-01-31"' in body
    # The progress fragment: no polling once finished, and the page reloads once.
    fragment = c.get(url("job", books, close_job_id=job.pk), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "hx-trigger" not in fragment.content.decode()
    assert fragment["HX-Refresh"] == "true"


def test_a_running_job_is_polled(books: Koperasi, pengurus: Any) -> None:
    job = CloseJob.objects.create(
        koperasi=books, to_date=dt.date(2025, 1, 30), status="berjalan", days_total=4, days_done=1
    )
    body = client_for(pengurus).get(url("job", books, close_job_id=job.pk)).content.decode()
    assert 'hx-trigger="every 2s"' in body and "1 dari 4 hari" in body and "width:25%" in body


def test_a_refused_date_is_shown_on_the_form(books: Koperasi, fakes: Any, pengurus: Any) -> None:
    r = client_for(pengurus).post(url("home", books), {"to": "2025-01-01"})
    assert r.status_code == 400
    assert "sebelum tanggal buku 27/01/2025" in r.content.decode()
    assert not CloseJob.objects.exists()


def test_failures_are_listed_and_the_pengurus_reruns_them(
    books: Koperasi, fakes: Any, pengurus: Any, kasir: Any
) -> None:
    fakes.FAILING["denda"] = {12}
    services.close_to(koperasi=books, to=dt.date(2025, 1, 27), actor=pengurus)
    run = CloseRun.objects.get(koperasi=books)
    body = client_for(kasir).get(url("home", books)).content.decode()
    assert "denda gagal untuk 12" in body and "Jalankan ulang" not in body
    detail = client_for(kasir).get(url("run", books, close_run_id=run.pk))
    assert detail.status_code == 200 and "denda gagal untuk 12" in detail.content.decode()
    assert client_for(kasir).post(url("rerun", books, close_run_id=run.pk)).status_code == 403
    c = client_for(pengurus)
    assert "Jalankan ulang" in c.get(url("home", books)).content.decode()
    fakes.FAILING.clear()
    fakes.CALLS.clear()
    r = c.post(url("rerun", books, close_run_id=run.pk), {"step": "denda", "next": "home"})
    assert r.status_code == 302 and r["Location"] == url("home", books)
    assert fakes.CALLS == [("denda", dt.date(2025, 1, 27), (12,))]
    run.refresh_from_db()
    assert run.status == RunStatus.SELESAI
    assert CloseFailure.objects.get().resolved_by_rerun
    assert client_for(pengurus).get(url("rerun", books, close_run_id=run.pk)).status_code == 405


def test_another_koperasi_sees_nothing(
    books: Koperasi, fakes: Any, other_koperasi: Koperasi, pengurus: Any
) -> None:
    services.close_to(koperasi=books, to=dt.date(2025, 1, 27), actor=pengurus)
    run = CloseRun.objects.get()
    job = CloseJob.objects.get()
    from registry.models import Role
    from tests.factories import staff_user

    stranger = client_for(staff_user("pengurus.lain", Role.PENGURUS, other_koperasi))
    assert stranger.get(url("home", books)).status_code == 404
    assert stranger.get(url("run", other_koperasi, close_run_id=run.pk)).status_code == 404
    assert stranger.get(url("job", other_koperasi, close_job_id=job.pk)).status_code == 404
    assert stranger.post(url("rerun", other_koperasi, close_run_id=run.pk)).status_code == 404
