from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core import money as m

_NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}
_PIN = {**_NUMERIC, "pattern": "[0-9]{6}", "maxlength": "6", "autocomplete": "new-password"}


class ActivateForm(forms.Form):
    phone = forms.CharField(
        label=_("Nomor HP"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    member_number = forms.CharField(label=_("Nomor anggota"), max_length=30)
    code = forms.CharField(
        label=_("Kode aktivasi (dari slip)"),
        max_length=20,
        widget=forms.TextInput(attrs=_NUMERIC),
    )
    pin = forms.CharField(
        label=_("PIN baru (6 angka)"), max_length=6, widget=forms.PasswordInput(attrs=_PIN)
    )
    pin_again = forms.CharField(
        label=_("Ulangi PIN"), max_length=6, widget=forms.PasswordInput(attrs=_PIN)
    )


class LoginForm(forms.Form):
    phone = forms.CharField(
        label=_("Nomor HP"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=6,
        widget=forms.PasswordInput(
            attrs={**_NUMERIC, "maxlength": "6", "autocomplete": "current-password"}
        ),
    )


class AmountField(forms.CharField):
    """A rupiah amount as people type it (``1.500.000``), whole rupiah."""

    def clean(self, value: Any) -> Decimal:  # type: ignore[override]
        text = super().clean(value)
        try:
            amount = m.parse_rupiah(text)
        except m.InvalidAmount as exc:
            raise forms.ValidationError(str(exc)) from exc
        if amount <= 0:
            raise forms.ValidationError(_("Jumlah harus lebih dari nol."))
        return amount


class LoanForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Produk pinjaman"), coerce=int)
    amount = AmountField(
        label=_("Jumlah pinjaman (Rp)"), max_length=20, widget=forms.TextInput(attrs=_NUMERIC)
    )
    tenor = forms.IntegerField(
        label=_("Jangka waktu (angsuran)"),
        min_value=1,
        max_value=520,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, products: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.pk, p.name) for p in products]  # type: ignore[attr-defined]


class ApplyForm(LoanForm):
    purpose = forms.CharField(label=_("Untuk apa?"), max_length=200, required=False)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)


class PhoneChangeForm(forms.Form):
    new_phone = forms.CharField(
        label=_("Nomor HP baru"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
