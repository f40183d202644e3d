"""The close of business's steps, in order, as data.

Each step is a function with :mod:`core.steps`'s signature,
``step(*, koperasi, day, actor, only=None) -> StepOutcome``, named by a dotted path
``"package.module:function"`` and imported only when a close runs: a step whose module or
function is missing is reported in the run as *langkah tidak tersedia* and stops that day
(nothing later in the day runs and the business date does not move).

``when`` is ``"daily"`` (every business day) or ``"month_end"`` (the last day of a month only).

Tests (and only tests) replace the list with ``settings.CLOSING_STEPS``: a list of
``(key, label, path, when)``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.steps import StepOutcome

DAILY: Literal["daily"] = "daily"
MONTH_END: Literal["month_end"] = "month_end"

StepFunction = Callable[..., StepOutcome]


@dataclass(frozen=True)
class StepSpec:
    key: str  # stored on the step run; never renamed
    label: Any  # Indonesian, lazily translated
    path: str  # "package.module:function"
    when: Literal["daily", "month_end"] = DAILY
    objects: str = ""  # what the failures' ids name: "loan", "savings_account" (for labels)

    def applies(self, day: dt.date) -> bool:
        return self.when == DAILY or is_month_end(day)


STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        "bunga_pinjaman",
        _("Akrual bunga pinjaman"),
        "loans.services.closing:accrue_interest",
        DAILY,
        "loan",
    ),
    StepSpec(
        "denda_pinjaman",
        _("Denda pinjaman"),
        "loans.services.closing:charge_denda",
        DAILY,
        "loan",
    ),
    StepSpec(
        "tunggakan",
        _("Tunggakan dan kolektibilitas"),
        "loans.services.closing:update_arrears",
        DAILY,
        "loan",
    ),
    StepSpec(
        "ppap",
        _("PPAP (cadangan kerugian pinjaman)"),
        "loans.services.closing:book_ppap",
        MONTH_END,
        "loan",
    ),
    StepSpec(
        "akhir_bulan_simpanan",
        _("Akhir bulan simpanan"),
        "closing.savings_steps:savings_month_end",
        MONTH_END,
    ),
    StepSpec(
        "jatuh_tempo_berjangka",
        _("Jatuh tempo simpanan berjangka"),
        "closing.savings_steps:berjangka_maturities",
        DAILY,
        "savings_account",
    ),
    # After the loan steps: it reads the arrears they brought up to date.
    StepSpec(
        "pengingat_anggota",
        _("Pengingat angsuran, tunggakan dan simpanan wajib ke anggota"),
        "notify.reminders:send_reminders",
        DAILY,
        "loan",
    ),
    # Last: the day's figures for the Dinas's pages, from the books as the steps left them.
    StepSpec(
        "angka_dinas",
        _("Angka koperasi untuk dasbor Dinas"),
        "dashboard.services:figures_step",
        DAILY,
    ),
)


def is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def step_list() -> tuple[StepSpec, ...]:
    override = getattr(settings, "CLOSING_STEPS", None)
    if override is None:
        return STEPS
    return tuple(s if isinstance(s, StepSpec) else StepSpec(*s) for s in override)


def steps_for(day: dt.date) -> list[tuple[int, StepSpec]]:
    """The steps that run on ``day``, each with its position in the full list."""
    return [(i, s) for i, s in enumerate(step_list(), start=1) if s.applies(day)]


def spec_of(key: str) -> StepSpec | None:
    return next((s for s in step_list() if s.key == key), None)


class StepUnavailable(Exception):
    """The step's module or function cannot be imported."""


def resolve(spec: StepSpec) -> StepFunction:
    module_name, _sep, name = spec.path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StepUnavailable(f"{spec.path}: {exc}") from exc
    func = getattr(module, name, None)
    if not callable(func):
        raise StepUnavailable(f"{spec.path}: fungsi {name} tidak ada")
    return func
