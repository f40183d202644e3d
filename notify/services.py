"""Writes of the notify app: the koperasi's reminder settings (read by :mod:`notify.reminders`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from notify.models import (
    DAYS_BEFORE,
    LAST_WAJIB_DAY,
    MAX_DAYS_BEFORE,
    MAX_OVERDUE_DAY,
    MAX_OVERDUE_NOTICES,
    OVERDUE_DAYS,
    WAJIB_DAY,
    ReminderSettings,
)
from registry.models import Koperasi


class ReminderSettingsError(ValidationError):
    pass


@dataclass(frozen=True)
class Reminders:
    """When members are reminded; 0 or empty: that reminder is not sent."""

    days_before: int = DAYS_BEFORE
    due_day: bool = True
    overdue_days: tuple[int, ...] = OVERDUE_DAYS
    wajib_day: int = WAJIB_DAY


def reminders_of(koperasi: Koperasi) -> Reminders:
    """The koperasi's reminder settings, or the defaults when a pengurus set none."""
    found = ReminderSettings.objects.filter(koperasi=koperasi).first()
    if found is None:
        return Reminders()
    return Reminders(
        days_before=found.days_before,
        due_day=found.due_day,
        overdue_days=found.overdue,
        wajib_day=found.wajib_day,
    )


def parse_overdue_days(text: str) -> tuple[int, ...]:
    """``"1, 7, 30"`` → ``(1, 7, 30)``: whole days from 1 to 90, at most five, each once, in
    any order (sorted here); empty: no overdue notice."""
    parts = [p for p in re.split(r"[\s,;]+", str(text or "").strip()) if p]
    if not all(p.isdigit() for p in parts):
        raise ReminderSettingsError(
            _("Hari terlambat ditulis sebagai angka dipisah koma, misalnya 1, 7, 30."),
            code="overdue_format",
        )
    days = sorted({int(p) for p in parts})
    if len(days) != len(parts):
        raise ReminderSettingsError(
            _("Setiap hari terlambat cukup ditulis sekali."), code="overdue_repeated"
        )
    if days and (days[0] < 1 or days[-1] > MAX_OVERDUE_DAY):
        raise ReminderSettingsError(
            _("Hari terlambat antara 1 dan %(max)d hari.") % {"max": MAX_OVERDUE_DAY},
            code="overdue_range",
        )
    if len(days) > MAX_OVERDUE_NOTICES:
        raise ReminderSettingsError(
            _("Paling banyak %(n)d pemberitahuan terlambat.") % {"n": MAX_OVERDUE_NOTICES},
            code="overdue_count",
        )
    return tuple(days)


def _whole(value: Any, *, low: int, high: int, message: str, code: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ReminderSettingsError(message, code=code) from None
    if not low <= number <= high:
        raise ReminderSettingsError(message, code=code)
    return number


@transaction.atomic
def reminders_set(
    *,
    koperasi: Koperasi,
    days_before: Any,
    due_day: bool,
    overdue_days: Any,
    wajib_day: Any,
    actor: Any,
) -> ReminderSettings:
    """Set when the close of business reminds members (validated first; nothing changes on a
    bad value)."""
    before = _whole(
        days_before,
        low=0,
        high=MAX_DAYS_BEFORE,
        message=_("Pengingat sebelum jatuh tempo: 0 sampai %(max)d hari (0: tidak dikirim).")
        % {"max": MAX_DAYS_BEFORE},
        code="days_before_range",
    )
    late = (
        tuple(overdue_days)
        if isinstance(overdue_days, list | tuple)
        else parse_overdue_days(overdue_days)
    )
    late = parse_overdue_days(",".join(str(d) for d in late))
    wajib = _whole(
        wajib_day,
        low=0,
        high=LAST_WAJIB_DAY,
        message=_("Tanggal pengingat simpanan wajib: 1 sampai %(max)d (0: tidak dikirim).")
        % {"max": LAST_WAJIB_DAY},
        code="wajib_day_range",
    )
    old = reminders_of(koperasi)
    row, _created = ReminderSettings.objects.select_for_update().get_or_create(koperasi=koperasi)
    row.days_before = before
    row.due_day = bool(due_day)
    row.overdue_days = ",".join(str(d) for d in late)
    row.wajib_day = wajib
    row.updated_by = actor if getattr(actor, "pk", None) else None
    row.save()
    audit.record(
        actor=actor,
        action="notify.reminder_settings",
        obj=row,
        koperasi=koperasi,
        before=_plain(old),
        after=_plain(reminders_of(koperasi)),
    )
    return row


def _plain(reminders: Reminders) -> dict[str, Any]:
    return {
        "days_before": reminders.days_before,
        "due_day": reminders.due_day,
        "overdue_days": list(reminders.overdue_days),
        "wajib_day": reminders.wajib_day,
    }
