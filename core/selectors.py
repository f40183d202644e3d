"""Reads over the audit trail and the outbox. A koperasi's rows are read with the koperasi given
explicitly."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.models import AuditEvent, OutboxMessage
from core.notify.messages import render


def audit_trail(*, koperasi: Any) -> QuerySet[AuditEvent]:
    """Every recorded write that concerns ``koperasi``, newest first."""
    return AuditEvent.objects.filter(koperasi=koperasi).select_related("actor")


def district_audit_trail() -> QuerySet[AuditEvent]:
    """Every recorded write in the installation, newest first (the Dinas admin's view)."""
    return AuditEvent.objects.select_related("actor", "koperasi")


def member_messages(*, koperasi: Any, member: Any, limit: int = 5) -> list[OutboxMessage]:
    """The last messages to ``member``, newest first, each with its ``text`` as sent (for the
    staff: what the member was told, whether it arrived, the gateway's last error)."""
    rows = list(
        OutboxMessage.objects.filter(koperasi=koperasi, member=member).order_by(
            "-created_at", "-id"
        )[:limit]
    )
    for row in rows:
        try:
            row.text = render(row.template, row.context)  # type: ignore[attr-defined]
        except (KeyError, TypeError, ValueError):
            row.text = row.template  # type: ignore[attr-defined]
    return rows
