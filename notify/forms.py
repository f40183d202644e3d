"""The pengurus's form for the koperasi's reminder settings (checked again by the service)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from notify.models import LAST_WAJIB_DAY, MAX_DAYS_BEFORE
from notify.services import parse_overdue_days


class ReminderSettingsForm(forms.Form):
    days_before = forms.IntegerField(
        label=_("Pengingat sebelum jatuh tempo (hari)"),
        min_value=0,
        max_value=MAX_DAYS_BEFORE,
        help_text=_("0: tidak dikirim."),
        error_messages={
            "invalid": _("Tulis jumlah hari sebagai angka."),
            "required": _("Isi jumlah hari."),
            "min_value": _("Paling sedikit 0 hari."),
            "max_value": _("Paling banyak %(limit_value)s hari."),
        },
    )
    due_day = forms.BooleanField(label=_("Pengingat pada hari jatuh tempo"), required=False)
    overdue_days = forms.CharField(
        label=_("Pemberitahuan terlambat, pada hari ke-"),
        required=False,
        max_length=40,
        help_text=_("Angka dipisah koma, misalnya 1, 7, 30. Kosong: tidak dikirim."),
    )
    wajib_day = forms.IntegerField(
        label=_("Tanggal pengingat simpanan wajib"),
        min_value=0,
        max_value=LAST_WAJIB_DAY,
        help_text=_("Tanggal 1 sampai 28 setiap bulan; 0: tidak dikirim."),
        error_messages={
            "invalid": _("Tulis tanggal sebagai angka."),
            "required": _("Isi tanggalnya."),
            "min_value": _("Paling sedikit 0."),
            "max_value": _("Paling besar tanggal %(limit_value)s (ada di setiap bulan)."),
        },
    )

    def clean_overdue_days(self) -> tuple[int, ...]:
        try:
            return parse_overdue_days(self.cleaned_data.get("overdue_days", ""))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    @staticmethod
    def initial_of(reminders: Any) -> dict[str, Any]:
        return {
            "days_before": reminders.days_before,
            "due_day": reminders.due_day,
            "overdue_days": ", ".join(str(d) for d in reminders.overdue_days),
            "wajib_day": reminders.wajib_day,
        }
