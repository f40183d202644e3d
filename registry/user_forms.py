"""Forms for accounts and roles; the rules themselves live in ``registry.user_services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import KOPERASI_ROLES, Koperasi, Role

# The roles in the order an admin most often gives them: a koperasi's staff first.
ALL_ROLES = [
    (r.value, r.label)
    for r in (*KOPERASI_ROLES, Role.KONSULTAN, Role.DINAS_STAFF, Role.DINAS_ADMIN)
]


def _password(label: Any, autocomplete: str = "new-password") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class _NewPasswordMixin(_Form):
    """Two fields that must match; what makes a password good is checked by the service."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("Kedua kata sandi tidak sama."))
        return data


class StaffCreateForm(_NewPasswordMixin):
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=200)
    username = forms.CharField(
        label=_("Nama pengguna"),
        max_length=150,
        help_text=_("Untuk masuk, misalnya kasir.rina. Huruf, angka dan . - _ saja."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Peran"), choices=[(r.value, r.label) for r in KOPERASI_ROLES])
    password1 = _password(_("Kata sandi sementara"))
    password2 = _password(_("Ulangi kata sandi sementara"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = _(
            "Minimal 10 karakter, tidak mirip nama pengguna, bukan angka saja. "
            "Pengguna menggantinya saat pertama masuk."
        )


class DistrictCreateForm(StaffCreateForm):
    role = forms.ChoiceField(label=_("Peran"), choices=ALL_ROLES)
    koperasi = forms.ModelChoiceField(
        label=_("Koperasi"),
        queryset=Koperasi.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("— tanpa koperasi (peran Dinas) —"),
        help_text=_("Untuk pengurus, kasir, pengawas dan konsultan; kosong untuk peran Dinas."),
    )

    field_order = ["full_name", "username", "role", "koperasi", "password1", "password2"]


class GrantForm(_Form):
    role = forms.ChoiceField(label=_("Peran"), choices=[(r.value, r.label) for r in KOPERASI_ROLES])


class DistrictGrantForm(GrantForm):
    role = forms.ChoiceField(label=_("Peran"), choices=ALL_ROLES)
    koperasi = forms.ModelChoiceField(
        label=_("Koperasi"),
        queryset=Koperasi.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("— tanpa koperasi (peran Dinas) —"),
    )


class PasswordChangeForm(_NewPasswordMixin):
    old_password = _password(_("Kata sandi sekarang"), "current-password")
    password1 = _password(_("Kata sandi baru"))
    password2 = _password(_("Ulangi kata sandi baru"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = _(
            "Minimal 10 karakter, tidak mirip nama pengguna atau nama Anda, bukan kata sandi "
            "umum, bukan angka saja."
        )


class ResetWithCodeForm(_NewPasswordMixin):
    username = forms.CharField(
        label=_("Nama pengguna"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username"}),
    )
    code = forms.CharField(
        label=_("Kode dari admin"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    password1 = _password(_("Kata sandi baru"))
    password2 = _password(_("Ulangi kata sandi baru"))


class TotpCodeForm(_Form):
    code = forms.CharField(
        label=_("Kode 6 angka dari aplikasi autentikator"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )


class TotpDisableForm(_Form):
    password = _password(_("Kata sandi Anda"), "current-password")
