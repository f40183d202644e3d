"""Reads over the audit trail. A koperasi's trail is read with the koperasi given explicitly."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.models import AuditEvent


def audit_trail(*, koperasi: Any) -> QuerySet[AuditEvent]:
    """Every recorded write that concerns ``koperasi``, newest first."""
    return AuditEvent.objects.filter(koperasi=koperasi).select_related("actor")


def district_audit_trail() -> QuerySet[AuditEvent]:
    """Every recorded write in the installation, newest first (the Dinas admin's view)."""
    return AuditEvent.objects.select_related("actor", "koperasi")
