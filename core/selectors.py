"""Reads over the audit trail and the outbox. A koperasi's rows are read with the koperasi given
explicitly."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from core.dates import DEFAULT_TZ
from core.models import AuditEvent, OutboxMessage
from core.notify.messages import render


def audit_trail(*, koperasi: Any) -> QuerySet[AuditEvent]:
    """Every recorded write that concerns ``koperasi``, newest first."""
    return AuditEvent.objects.filter(koperasi=koperasi).select_related("actor")


def district_audit_trail() -> QuerySet[AuditEvent]:
    """Every recorded write in the installation, newest first (the Dinas admin's view)."""
    return AuditEvent.objects.select_related("actor", "koperasi")


def audit_filtered(
    events: QuerySet[AuditEvent],
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    user: str = "",
    action: str = "",
    tz_name: str = DEFAULT_TZ,
) -> QuerySet[AuditEvent]:
    """``events`` narrowed to days ``date_from``..``date_to`` as the clock of ``tz_name`` (WITA)
    counts them, to actors whose username or name contains ``user``, and to one ``action``."""
    zone = ZoneInfo(tz_name)
    if date_from is not None:
        events = events.filter(at__gte=dt.datetime.combine(date_from, dt.time(), zone))
    if date_to is not None:
        following = date_to + dt.timedelta(days=1)
        events = events.filter(at__lt=dt.datetime.combine(following, dt.time(), zone))
    if user:
        events = events.filter(
            Q(actor__username__icontains=user)
            | Q(actor__first_name__icontains=user)
            | Q(actor__last_name__icontains=user)
        )
    if action:
        events = events.filter(action=action)
    return events


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
