"""``kopdig demo`` on a database without the demo: planned the same way every time, and never
mixed into real data."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from registry import demo
from registry.models import Koperasi
from tests.factories import KoperasiFactory


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--only", "registry", *args, stdout=out)
    return out.getvalue()


def test_the_district_is_planned_the_same_way_every_time(db: Any) -> None:
    today = dt.date(2026, 11, 27)
    first = demo.plan_district(today, demo.Demo(today).rng("koperasi"))
    second = demo.plan_district(today, demo.Demo(today).rng("koperasi"))
    assert [(p.code, p.name, p.status, p.digital_on) for p in first] == [
        (p.code, p.name, p.status, p.digital_on) for p in second
    ]


def test_the_demo_is_not_mixed_into_real_data(db: Any) -> None:
    KoperasiFactory.create(name="KSP Sungguhan")
    with pytest.raises(CommandError, match="bukan bagian dari demo"):
        run()
    with pytest.raises(CommandError, match="bukan bagian dari demo"):
        run("--reset")
    assert list(Koperasi.objects.values_list("name", flat=True)) == ["KSP Sungguhan"]


def test_only_names_apps_that_have_demo_steps(db: Any) -> None:
    assert demo.demo_apps()[0] == "registry"
    with pytest.raises(CommandError, match="Tidak ada langkah demo untuk kasir"):
        run("--only", "kasir")
    assert not Koperasi.objects.exists()
