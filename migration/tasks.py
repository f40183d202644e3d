"""The wizard's plan and commit as background jobs (django-tasks; run by ``kopdig db_worker``),
as the close of business runs (:mod:`closing.tasks`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django_tasks import task

from migration import uploads
from migration.models import MigrationUpload


def _actor(actor_id: int | None) -> Any:
    if actor_id is None:
        return None
    return get_user_model().objects.filter(pk=actor_id).first()


@task()
def plan_upload(upload_id: int, actor_id: int | None = None) -> str:
    return str(uploads.run(upload_id, commit=False, actor=_actor(actor_id)).state)


@task()
def commit_upload(upload_id: int, actor_id: int | None = None) -> str:
    return str(uploads.run(upload_id, commit=True, actor=_actor(actor_id)).state)


def enqueue(*, upload: MigrationUpload, commit: bool, actor: Any) -> MigrationUpload:
    """Mark the upload as running and hand the job to the worker."""
    uploads.start(upload, commit=commit)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    job = commit_upload if commit else plan_upload
    result = job.enqueue(upload_id=upload.pk, actor_id=actor_id)
    MigrationUpload.objects.filter(pk=upload.pk).update(task_id=str(result.id)[:64])
    upload.refresh_from_db()
    return upload
