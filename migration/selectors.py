"""Reads of the migration: a koperasi's migration history (for the Dinas and the wizard)."""

from __future__ import annotations

from django.db.models import QuerySet

from migration.models import BatchStatus, MigrationBatch, SavedMapping
from registry.models import Koperasi


def migration_history(
    *, koperasi: Koperasi, include_plans: bool = False
) -> QuerySet[MigrationBatch]:
    """The koperasi's migration batches, newest first: committed and reverted ones, and the
    plans (dry runs) too when asked."""
    batches = MigrationBatch.objects.filter(koperasi=koperasi).select_related(
        "actor", "reverted_by"
    )
    if not include_plans:
        batches = batches.exclude(status=BatchStatus.PLANNED)
    return batches.order_by("-created_at", "-id")


def batch_get(*, koperasi: Koperasi, pk: int) -> MigrationBatch:
    """One batch of this koperasi (another koperasi's is ``DoesNotExist``, a 404)."""
    return MigrationBatch.objects.get(koperasi=koperasi, pk=pk)


def mappings_of(*, koperasi: Koperasi) -> QuerySet[SavedMapping]:
    return SavedMapping.objects.filter(koperasi=koperasi).order_by("name")
