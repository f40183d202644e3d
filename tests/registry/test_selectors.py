"""Registry reads: the counts at the top of the Dinas page, filters, and the yearly target."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from registry import selectors
from registry.models import AnnualTarget, Koperasi
from tests.factories import KoperasiFactory, kecamatan

pytestmark = pytest.mark.django_db

Stage, Status = Koperasi.Stage, Koperasi.Status


def make(stage: str = Stage.BELUM_DIGITAL, status: str = Status.AKTIF, **kw: Any) -> Koperasi:
    return KoperasiFactory.create(digital_stage=stage, status=status, **kw)


def moved(k: Koperasi, *steps: tuple[str, dt.date]) -> None:
    previous = ""
    for stage, on in steps:
        k.stage_changes.create(from_stage=previous, to_stage=stage, changed_on=on)
        previous = stage


def test_counts_are_per_status_and_stage_with_percentages() -> None:
    make(Stage.DIGITAL)
    make(Stage.AKTIF_DIGUNAKAN, Status.AKTIF_BELUM_RAT)
    make(Stage.MIGRASI)
    make(status=Status.TIDAK_AKTIF)
    make(status=Status.BUBAR)
    counts = selectors.registry_counts(Koperasi.objects.all())
    assert (counts.total, counts.active, counts.digital) == (5, 3, 2)
    assert (counts.active_pct, counts.digital_pct) == (60, 40)
    assert counts.by_status["tidak_aktif"] == 1
    assert counts.by_stage["migrasi"] == 1


def test_counts_of_nothing_are_zero() -> None:
    counts = selectors.registry_counts(Koperasi.objects.none())
    assert (counts.total, counts.active_pct, counts.digital_pct) == (0, 0, 0)


def test_filter_by_kecamatan_kind_status_stage_and_name() -> None:
    bajo = make(Stage.DIGITAL, name="Kopdit Sinar Harapan Bajo", code="sinar-harapan")
    lembor = make(
        kecamatan=kecamatan("53.15.03"),
        kind=Koperasi.Kind.PRODUSEN,
        status=Status.TIDAK_AKTIF,
        name="Koperasi Produsen Tani Lembor",
    )
    scope = Koperasi.objects.all()

    def names(**params: str) -> list[str]:
        return [k.name for k in selectors.registry_filter(scope, params)]

    assert names(kecamatan="53.15.03") == [lembor.name]
    assert names(kind="produsen") == [lembor.name]
    assert names(status="tidak_aktif") == [lembor.name]
    assert names(stage="digital") == [bajo.name]
    assert names(q="harapan") == [bajo.name]
    assert names(q="sinar-harapan") == [bajo.name]
    assert names(kecamatan="", kind="", q="  ") == [bajo.name, lembor.name]  # Komodo < Lembor


def test_new_digital_counts_a_koperasi_in_the_year_it_first_went_digital() -> None:
    moved(
        make(Stage.AKTIF_DIGUNAKAN),
        ("belum_digital", dt.date(2020, 1, 1)),
        ("digital", dt.date(2025, 4, 1)),
        ("aktif_digunakan", dt.date(2026, 2, 1)),
    )
    moved(make(Stage.DIGITAL), ("migrasi", dt.date(2025, 12, 1)), ("digital", dt.date(2026, 1, 5)))
    moved(make(Stage.MIGRASI), ("migrasi", dt.date(2026, 3, 1)))
    # went digital in 2024, stepped back, digital again in 2026: not new in 2026
    moved(
        make(Stage.DIGITAL),
        ("digital", dt.date(2024, 1, 1)),
        ("migrasi", dt.date(2024, 6, 1)),
        ("digital", dt.date(2026, 6, 1)),
    )
    scope = Koperasi.objects.all()
    assert selectors.new_digital_in_year(scope, 2025) == 1
    assert selectors.new_digital_in_year(scope, 2026) == 1
    assert selectors.new_digital_in_year(scope, 2024) == 1
    AnnualTarget.objects.create(year=2026, new_digital=30)
    progress = selectors.target_progress(scope, 2026)
    assert (progress.target, progress.achieved, progress.pct) == (30, 1, 3)
    assert selectors.target_progress(scope, 2030).pct is None


def test_target_progress_is_capped_at_a_full_bar() -> None:
    moved(make(Stage.DIGITAL), ("digital", dt.date(2026, 1, 5)))
    moved(make(Stage.DIGITAL), ("digital", dt.date(2026, 1, 6)))
    AnnualTarget.objects.create(year=2026, new_digital=1)
    assert selectors.target_progress(Koperasi.objects.all(), 2026).pct == 100


def test_latest_founding_year_and_its_count() -> None:
    assert selectors.latest_founding(Koperasi.objects.all()) is None
    make(founded_on=dt.date(2019, 5, 1))
    make(founded_on=dt.date(2022, 2, 1))
    make(founded_on=dt.date(2022, 11, 30))
    make(founded_on=None)
    latest = selectors.latest_founding(Koperasi.objects.all())
    assert latest is not None
    assert (latest.year, latest.count) == (2022, 2)
