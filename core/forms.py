"""Form fields that understand how Indonesians write amounts and identities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core import money as m
from core import validators
from core.dates import tanggal


class RupiahField(forms.CharField):
    """Takes ``1.500.000`` or ``1500000`` or ``1.500.000,50``; gives a ``Decimal`` amount."""

    default_error_messages = {
        "negative": _("Jumlah tidak boleh negatif."),
        "zero": _("Jumlah harus lebih dari nol."),
    }

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = True, **kwargs: Any):
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            amount = m.parse_rupiah(value)
        except m.InvalidAmount as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
        if amount < 0 and not self.allow_negative:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if amount == 0 and not self.allow_zero:
            raise forms.ValidationError(self.error_messages["zero"], code="zero")
        return amount

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            # "1.500.000" / "-1.500,50": what the person would type back, without "Rp".
            return m.format_rupiah(value, sen=value != value.to_integral_value()).replace(
                "Rp", "", 1
            )
        return value


class NikField(forms.CharField):
    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        return validators.validate_nik(value).nik


class PhoneField(forms.CharField):
    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        return validators.normalize_phone(value)


# Dates a person may type into any Kopdig form: a wider range is a typing slip (9999-12-31),
# and at the edges of the calendar date arithmetic (a month later, a year earlier) overflows.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


class BoundedDateField(forms.DateField):
    """A date between :data:`FIRST_DAY` and :data:`LAST_DAY`, else a message (never a 500)."""

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                _("Tanggal harus antara %(a)s dan %(b)s.")
                % {"a": tanggal(FIRST_DAY), "b": tanggal(LAST_DAY)},
                code="date_out_of_range",
            )
        return day
