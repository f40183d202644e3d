"""``kopdig demo``: the district of 22 March 2022, then its movement to today."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from core.dates import local_today
from dashboard.models import KoperasiFigures
from registry import demo
from registry.models import Koperasi, Region, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def district(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The registry's and the dashboard's demo steps (not savings: minutes, tested there)."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo", "--only", "registry", "dashboard", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _dinas(client: Client) -> Client:
    response = client.post("/masuk/", {"username": "dinas", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def test_the_seed_day_has_the_dinas_figures(client: Client, district: str) -> None:
    data = _dinas(client).get("/api/v1/district/summary?per=2022-03-22").json()
    assert (data["koperasi_total"], data["aktif"], data["aktif_pct"], data["digital"]) == (
        145,
        87,
        60,
        32,
    )
    assert data["founded_this_year"] == 2
    assert {"year": 2022, "count": 2} in data["founded_per_year"]
    assert data["target_per_year"][-1]["target"] == 30
    page = client.get("/dinas/?per=2022-03-22").content.decode()
    assert 'data-count="total">145<' in page
    assert 'data-count="active">87 <small>(60%)</small><' in page
    assert 'data-count="digital">32 <small>(22%)</small><' in page
    assert 'data-count="founded">2<' in page


def test_today_follows_from_the_history(client: Client, district: str) -> None:
    data = _dinas(client).get("/api/v1/district/summary").json()
    today = local_today()
    villages = Region.objects.filter(level__in=["desa", "kelurahan"]).count()
    assert villages == 169
    if today.year >= 2026:
        assert data["koperasi_total"] == 145 + villages  # the Merah Putih wave of 2025
        reached = {y["year"]: (y["target"], y["reached"]) for y in data["target_per_year"]}
        assert reached[2023][1] < 30 and reached[2025][1] >= 30  # short, then met
    assert data["digital"] > 32
    for k in Koperasi.objects.filter(digital_stage__in=Koperasi.DIGITAL_STAGES):
        assert k.role_grants.filter(role=Role.KONSULTAN).exists(), k.code
    assert KoperasiFigures.objects.count() == Koperasi.objects.count()
    assert "Merah Putih" in district
