"""The close of business as a background job (django-tasks; run by ``kopdig db_worker``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django_tasks import task

from closing import services
from closing.models import CloseJob


@task()
def close_koperasi(job_id: int, actor_id: int | None = None) -> str:
    """Run the close job ``job_id`` (see :func:`closing.services.run_job`); returns its status."""
    job = CloseJob.objects.select_related("koperasi").get(pk=job_id)
    actor: Any = None
    if actor_id is not None:
        actor = get_user_model().objects.filter(pk=actor_id).first()
    return str(services.run_job(job=job, actor=actor).status)


def enqueue_close(*, koperasi: Any, to: Any, actor: Any) -> CloseJob:
    """Check the date, record the job and hand it to the worker."""
    job = services.start_job(koperasi=koperasi, to=to, actor=actor)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    result = close_koperasi.enqueue(job_id=job.pk, actor_id=actor_id)
    CloseJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job
