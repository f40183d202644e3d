"""The koperasi's reminder settings: when the close of business reminds members of what is due
(:mod:`notify.reminders`). One row per koperasi, set by a pengurus; without one, the defaults."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Length, Replace
from django.db.models.lookups import Exact, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

# The defaults (and the bounds a pengurus may choose within; notify.services checks them first,
# with a message, and the database holds them).
DAYS_BEFORE = 3
OVERDUE_DAYS = (1, 7, 30)
WAJIB_DAY = 5
MAX_DAYS_BEFORE = 14
MAX_OVERDUE_DAY = 90
MAX_OVERDUE_NOTICES = 5
LAST_WAJIB_DAY = 28  # a day every month has


def _without(text: Combinable, characters: str) -> Combinable:
    """``text`` with each of ``characters`` taken out (nested REPLACE, on every engine)."""
    for ch in characters:
        text = Replace(text, Value(ch), Value(""))
    return text


class ReminderSettings(models.Model):
    koperasi = models.OneToOneField(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="reminder_settings"
    )
    # Days before the due date of the first instalment reminder; 0: none.
    days_before = models.PositiveSmallIntegerField(
        _("pengingat sebelum jatuh tempo (hari)"), default=DAYS_BEFORE
    )
    due_day = models.BooleanField(_("pengingat pada hari jatuh tempo"), default=True)
    # Days late on which the overdue notice goes out, ascending, comma-separated ("1,7,30");
    # empty: none.
    overdue_days = models.CharField(
        _("pemberitahuan terlambat (hari)"),
        max_length=40,
        blank=True,
        default=",".join(str(d) for d in OVERDUE_DAYS),
    )
    # Day of the month members with unpaid wajib are reminded; 0: none.
    wajib_day = models.PositiveSmallIntegerField(
        _("tanggal pengingat simpanan wajib"), default=WAJIB_DAY
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pengaturan pengingat")
        verbose_name_plural = _("pengaturan pengingat")
        constraints = [
            models.CheckConstraint(
                condition=Q(days_before__lte=MAX_DAYS_BEFORE) & Q(wajib_day__lte=LAST_WAJIB_DAY),
                name="notify_reminders_range",
            ),
            # Digits and commas only, five two-digit days at most; written without REGEXP (a
            # function of Django's connections only: the sqlite3 shell and the backup's
            # integrity check could not read a table whose CHECK calls it).
            models.CheckConstraint(
                condition=Exact(_without(F("overdue_days"), "0123456789,"), Value(""))
                & LessThanOrEqual(Length("overdue_days"), 14),
                name="notify_reminders_overdue_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id}"

    @property
    def overdue(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.overdue_days.split(",") if d)
