"""Reads of the migration: a koperasi's migration history (for the Dinas and the wizard)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from core.dates import DEFAULT_TZ, zone_name
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


# The reconciliation's figures by name (migration.services.importing), for a batch's summary.
FIGURE_LABELS = {
    "simpanan_pokok": gettext_lazy("Simpanan pokok"),
    "simpanan_wajib": gettext_lazy("Simpanan wajib"),
    "simpanan_sukarela": gettext_lazy("Simpanan sukarela"),
    "simpanan_berjangka": gettext_lazy("Simpanan berjangka"),
    "piutang_simpanan_wajib": gettext_lazy("Piutang simpanan wajib (tunggakan)"),
    "pinjaman_anggota": gettext_lazy("Pinjaman anggota (sisa pokok)"),
    "jumlah_debit": gettext_lazy("Jumlah debit"),
    "jumlah_kredit": gettext_lazy("Jumlah kredit"),
    "debit_minus_kredit": gettext_lazy("Selisih debit dan kredit neraca saldo"),
    "selisih_migrasi": gettext_lazy("Selisih migrasi (ditampung untuk diselesaikan pengurus)"),
}


@dataclass
class HistoryRow:
    """One batch as the Dinas sees it: when (in ``zone``), who, which file, what came in, and
    the reconciliation's figures that did not agree (empty: everything agreed)."""

    batch: MigrationBatch
    at: dt.datetime
    zone: str
    actor: str
    members: int
    loans: int
    differences: list[tuple[Any, Decimal]] = field(default_factory=list)


def _actor(batch: MigrationBatch) -> str:
    user = batch.actor
    if user is None:
        return str(gettext_lazy("perintah impor (server)"))
    return str(user.get_full_name() or user.get_username())


def history_rows(*, koperasi: Koperasi, tz_name: str = DEFAULT_TZ) -> list[HistoryRow]:
    """The koperasi's committed and reverted batches, newest first, for the Dinas's page (the
    district's time zone by default: WITA)."""
    zone = ZoneInfo(tz_name)
    rows = []
    for batch in migration_history(koperasi=koperasi):
        created = (batch.counts or {}).get("created") or {}
        differences = []
        for name, figure in ((batch.summary or {}).get("reconciliation") or {}).items():
            try:
                difference = Decimal(str(figure.get("difference", "0")))
            except (InvalidOperation, AttributeError):
                continue
            if difference:
                differences.append((FIGURE_LABELS.get(name, name), difference))
        rows.append(
            HistoryRow(
                batch=batch,
                at=batch.created_at.astimezone(zone),
                zone=zone_name(tz_name),
                actor=_actor(batch),
                members=int(created.get("members") or 0),
                loans=int(created.get("loans") or 0),
                differences=differences,
            )
        )
    return rows
