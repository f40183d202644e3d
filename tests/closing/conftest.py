from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from ledger import services as ledger
from registry.models import Koperasi
from tests.closing import fake_steps

# 27 January 2025: a few ordinary days before the month end (31 January).
BUSINESS_DATE = dt.date(2025, 1, 27)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = IMMEDIATE


@pytest.fixture
def fakes(settings: Any) -> Iterator[Any]:
    """The runner with the fake steps (accrue, denda daily; month at month end)."""
    settings.CLOSING_STEPS = fake_steps.STEPS
    fake_steps.reset()
    yield fake_steps
    fake_steps.reset()


@pytest.fixture
def books(koperasi: Koperasi, pengurus: Any) -> Koperasi:
    """KSP Sinar Bajo with the KSP chart, on business date 27 January 2025."""
    koperasi.business_date = BUSINESS_DATE
    koperasi.save(update_fields=["business_date"])
    ledger.chart_setup(koperasi=koperasi, actor=pengurus)
    return koperasi
