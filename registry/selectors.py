"""Reads over the registry. Every function takes the scope it may read from explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet

from registry.models import AnnualTarget, DigitalStageChange, Koperasi, Region, Role


@dataclass(frozen=True)
class RegistryCounts:
    total: int
    active: int
    digital: int
    by_status: dict[str, int]
    by_stage: dict[str, int]

    @property
    def active_pct(self) -> int:
        return round(100 * self.active / self.total) if self.total else 0

    @property
    def digital_pct(self) -> int:
        return round(100 * self.digital / self.total) if self.total else 0


@dataclass(frozen=True)
class TargetProgress:
    year: int
    target: int | None
    achieved: int

    @property
    def pct(self) -> int | None:
        if not self.target:
            return None
        return min(100, round(100 * self.achieved / self.target))


@dataclass(frozen=True)
class Founded:
    year: int
    count: int


def registry_filter(scope: QuerySet[Koperasi], params: dict[str, Any]) -> QuerySet[Koperasi]:
    """The koperasi in ``scope`` matching the registry page's filters (empty values ignored)."""
    qs = scope.select_related("kecamatan", "desa")
    if kec := params.get("kecamatan"):
        qs = qs.filter(kecamatan_id=kec)
    if kind := params.get("kind"):
        qs = qs.filter(kind=kind)
    if status := params.get("status"):
        qs = qs.filter(status=status)
    if stage := params.get("stage"):
        qs = qs.filter(digital_stage=stage)
    if q := (params.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(nik_koperasi=q))
    return qs.order_by("kecamatan__name", "name")


def registry_counts(qs: QuerySet[Koperasi]) -> RegistryCounts:
    """Counts for the top of the registry page, in two queries whatever the size."""
    status_rows = qs.order_by().values_list("status").annotate(n=Count("id"))
    stage_rows = qs.order_by().values_list("digital_stage").annotate(n=Count("id"))
    by_status = {s: n for s, n in status_rows}
    by_stage = {s: n for s, n in stage_rows}
    return RegistryCounts(
        total=sum(by_status.values()),
        active=sum(by_status.get(s, 0) for s in Koperasi.ACTIVE_STATUSES),
        digital=sum(by_stage.get(s, 0) for s in Koperasi.DIGITAL_STAGES),
        by_status=by_status,
        by_stage=by_stage,
    )


def new_digital_in_year(scope: QuerySet[Koperasi], year: int) -> int:
    """Koperasi that first reached a digital stage during ``year``."""
    first_digital = (
        DigitalStageChange.objects.filter(koperasi__in=scope, to_stage__in=Koperasi.DIGITAL_STAGES)
        .values("koperasi")
        .annotate(first=Min("changed_on"))
        .filter(first__year=year)
    )
    return first_digital.count()


def target_progress(scope: QuerySet[Koperasi], year: int) -> TargetProgress:
    target = AnnualTarget.objects.filter(year=year).values_list("new_digital", flat=True).first()
    return TargetProgress(year=year, target=target, achieved=new_digital_in_year(scope, year))


def kecamatan_choices() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.KECAMATAN).order_by("name")


def desa_of(kecamatan: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent=kecamatan).order_by("name")


def stage_history(koperasi: Koperasi) -> QuerySet[DigitalStageChange]:
    return koperasi.stage_changes.select_related("actor").order_by("changed_on", "id")


def founded_in_year(scope: QuerySet[Koperasi], year: int) -> int:
    return scope.filter(founded_on__year=year).count()


def latest_founding(scope: QuerySet[Koperasi]) -> Founded | None:
    """The most recent year in which a koperasi in ``scope`` was founded, and how many were."""
    year = scope.aggregate(last=Max("founded_on__year"))["last"]
    if year is None:
        return None
    return Founded(year=year, count=founded_in_year(scope, year))


def mentors_of(koperasi: Koperasi) -> list[str]:
    """Names of the konsultan assigned to ``koperasi``."""
    grants = koperasi.role_grants.filter(role=Role.KONSULTAN).select_related("user")
    return sorted(g.user.get_full_name() or g.user.get_username() for g in grants)
