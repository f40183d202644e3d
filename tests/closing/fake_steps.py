"""Steps for the runner's tests: they record their calls and fail as told."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.steps import StepFailure, StepOutcome

CALLS: list[tuple[str, dt.date, tuple[int, ...] | None]] = []
# step name → ids that fail (per object) until removed
FAILING: dict[str, set[int]] = {}
# step name → exception to raise (the whole step fails)
BROKEN: dict[str, Exception] = {}
OBJECTS = (11, 12, 13)
# (step, day) pairs already done: a second run of the same day does nothing
DONE: set[tuple[str, dt.date, int]] = set()


def reset() -> None:
    CALLS.clear()
    FAILING.clear()
    BROKEN.clear()
    DONE.clear()


def _step(name: str, day: dt.date, only: list[int] | None) -> StepOutcome:
    CALLS.append((name, day, tuple(only) if only is not None else None))
    if name in BROKEN:
        raise BROKEN[name]
    outcome = StepOutcome()
    for obj in OBJECTS if only is None else only:
        if obj in FAILING.get(name, set()):
            outcome.failures.append(StepFailure(obj, f"{name} gagal untuk {obj}"))
            continue
        if (name, day, obj) in DONE:
            continue
        DONE.add((name, day, obj))
        outcome.done += 1
        outcome.total += Decimal("100")
    return outcome


def accrue(
    *, koperasi: Any, day: dt.date, actor: Any, only: list[int] | None = None
) -> StepOutcome:
    return _step("accrue", day, only)


def denda(*, koperasi: Any, day: dt.date, actor: Any, only: list[int] | None = None) -> StepOutcome:
    return _step("denda", day, only)


def month(*, koperasi: Any, day: dt.date, actor: Any, only: list[int] | None = None) -> StepOutcome:
    return _step("month", day, only)


STEPS = [
    ("accrue", "Akrual", "tests.closing.fake_steps:accrue", "daily"),
    ("denda", "Denda", "tests.closing.fake_steps:denda", "daily"),
    ("month", "Akhir bulan", "tests.closing.fake_steps:month", "month_end"),
]
