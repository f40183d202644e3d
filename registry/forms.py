from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from core.audit_labels import action_choices
from core.dates import tanggal
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


class AuditFilterForm(forms.Form):
    """The audit page's filters; ``koperasi`` only on the Dinas's page of the whole district."""

    dari = BoundedDateField(
        label=_("Dari tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sampai = BoundedDateField(
        label=_("Sampai tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    pengguna = forms.CharField(label=_("Pengguna"), required=False, max_length=150)
    tindakan = forms.ChoiceField(label=_("Tindakan"), required=False)
    koperasi = forms.ChoiceField(label=_("Koperasi"), required=False)

    def __init__(self, *args: Any, district: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["tindakan"].choices = [("", _("Semua")), *action_choices()]  # type: ignore[attr-defined]
        if district:
            self.fields["koperasi"].choices = [  # type: ignore[attr-defined]
                ("", _("Semua")),
                *Koperasi.objects.order_by("name").values_list("code", "name"),
            ]
        else:
            del self.fields["koperasi"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("dari"), data.get("sampai")
        if start and end and start > end:
            raise forms.ValidationError(
                _("Tanggal awal (%(a)s) sesudah tanggal akhir (%(b)s).")
                % {"a": tanggal(start), "b": tanggal(end)},
                code="date_order",
            )
        return data
