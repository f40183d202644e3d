from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField
from registry.models import Koperasi
from registry.selectors import kecamatan_choices


class RegistryFilterForm(forms.Form):
    q = forms.CharField(label=_("Cari"), required=False)
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    kind = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Semua")), *Koperasi.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua")), *Koperasi.Status.choices],
    )
    stage = forms.ChoiceField(
        label=_("Tahap digital"),
        required=False,
        choices=[("", _("Semua")), *Koperasi.Stage.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [  # type: ignore[attr-defined]
            ("", _("Semua")),
            *[(r.code, r.name) for r in kecamatan_choices()],
        ]


class DigitalStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Tahap baru"), choices=Koperasi.Stage.choices)
    # A date input's value is always ISO (yyyy-mm-dd), whatever the language shown.
    on = BoundedDateField(
        label=_("Tanggal"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Catatan"), required=False, max_length=250)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil."
        ),
        "inactive": _("Akun ini tidak aktif. Hubungi admin Dinas."),
    }
