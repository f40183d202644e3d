"""The figures row is kept up to date by events and the close of business, not per request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from closing import services as closing
from closing.steps import STEPS
from dashboard.models import KoperasiFigures
from members.models import Member
from registry import services as registry

FIGURES_STEP = [s for s in STEPS if s.key == "angka_dinas"]


def test_going_digital_refreshes_the_figures_from_the_books(member: Member, pengurus: Any) -> None:
    koperasi = member.koperasi
    assert not KoperasiFigures.objects.filter(koperasi=koperasi).exists()
    for stage in ("pendataan", "migrasi", "digital"):
        registry.digital_stage_set(
            actor=pengurus, koperasi=koperasi, stage=stage, on=dt.date(2025, 1, 2)
        )
    figures = KoperasiFigures.objects.get(koperasi=koperasi)
    assert figures.source == KoperasiFigures.Source.BUKU
    assert figures.members == 1 and figures.digital_since == dt.date(2025, 1, 2)


def test_the_close_of_business_refreshes_the_figures_as_of_the_day(
    settings: Any, member: Member, kasir: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.CLOSING_STEPS = FIGURES_STEP
    koperasi = member.koperasi
    day = koperasi.business_date
    assert not KoperasiFigures.objects.filter(koperasi=koperasi).exists()
    closing.close_to(koperasi=koperasi, to=day, actor=None)
    figures = KoperasiFigures.objects.get(koperasi=koperasi)
    assert figures.as_of == day
    assert figures.source == KoperasiFigures.Source.DILAPORKAN  # not digital: its reports


def test_the_figures_step_is_the_last_daily_step() -> None:
    assert STEPS[-1].key == "angka_dinas" and STEPS[-1].when == "daily"
