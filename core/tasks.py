"""Background jobs of core (django-tasks; run by ``kopdig db_worker``)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from core import outbox


@task()
def deliver_outbox() -> str:
    """Send what the outbox holds that is due, then hand itself to the worker again for the
    earliest message left waiting (a retry after its backoff, a reminder for the morning)."""
    report = outbox.deliver_due()
    later = outbox.next_due()
    if later is not None:
        outbox.schedule_delivery(max(later, timezone.now() + outbox.COALESCE))
    return f"sent={report.sent} retrying={report.retrying} failed={report.failed}"
