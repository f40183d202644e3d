"""Read-only JSON for the Dinas (django-ninja): the same selectors as the district home."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import SessionAuth

from api.schemas import Error
from dashboard import selectors
from registry import access
from registry.models import Koperasi


class DinasSession(SessionAuth):
    """The browser session of a Dinas user (no API keys yet); others get 401."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and access.is_dinas(user):
            return user
        return None


router = Router(auth=DinasSession(csrf=False), tags=["district"])
# Documented refusals (bodies from api.errors): not signed in as Dinas, a malformed date.
REFUSALS = {401: Error, 422: Error}


class YearOut(Schema):
    year: int
    target: int | None
    reached: int


class FoundedOut(Schema):
    year: int
    count: int


class SummaryOut(Schema):
    per: dt.date
    koperasi_total: int
    aktif: int
    aktif_belum_rat: int
    aktif_pct: int
    digital: int
    aktif_digunakan: int
    founded_this_year: int
    founded_per_year: list[FoundedOut]
    target_per_year: list[YearOut]
    members: int
    activated_members: int
    members_basis: str


class StageOut(Schema):
    stage: str
    label: str
    count: int


class KoperasiOut(Schema):
    code: str
    name: str
    kecamatan: str
    status: str
    stage: str


def _per(per: dt.date | None) -> dt.date:
    return selectors.parse_per(per.isoformat() if per else None)


@router.get("/summary", response={200: SummaryOut, **REFUSALS}, url_name="district_summary")
def summary(request: HttpRequest, per: dt.date | None = None) -> dict[str, Any]:
    day = _per(per)
    d = selectors.district(Koperasi.objects.all(), day)
    founded: dict[int, int] = {}
    for r in d.koperasi:
        if r.founded_on:
            founded[r.founded_on.year] = founded.get(r.founded_on.year, 0) + 1
    return {
        "per": day,
        "koperasi_total": d.total,
        "aktif": d.active,
        "aktif_belum_rat": d.active_belum_rat,
        "aktif_pct": d.active_pct,
        "digital": d.digital,
        "aktif_digunakan": d.in_use,
        "founded_this_year": d.founded_this_year,
        "founded_per_year": [{"year": y, "count": n} for y, n in sorted(founded.items())],
        "target_per_year": [
            {"year": y.year, "target": y.target, "reached": y.reached} for y in d.years
        ],
        "members": d.members,
        "activated_members": d.activated,
        "members_basis": "akhir bulan" if d.members_note else "hari ini",
    }


@router.get("/funnel", response={200: list[StageOut], **REFUSALS}, url_name="district_funnel")
def funnel(request: HttpRequest, per: dt.date | None = None) -> list[dict[str, Any]]:
    d = selectors.district(Koperasi.objects.all(), _per(per))
    return [{"stage": s, "label": label, "count": n} for s, label, n in d.funnel]


@router.get(
    "/koperasi", response={200: list[KoperasiOut], **REFUSALS}, url_name="district_koperasi"
)
def koperasi(request: HttpRequest, per: dt.date | None = None) -> list[dict[str, Any]]:
    rows = selectors.koperasi_at(Koperasi.objects.all(), _per(per))
    return [
        {
            "code": r.code,
            "name": r.name,
            "kecamatan": r.kecamatan,
            "status": r.status,
            "stage": r.stage,
        }
        for r in rows
    ]
