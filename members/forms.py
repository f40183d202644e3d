"""Forms for the member pages. They only shape input; the services validate it.

Field names are the services' argument names, so a :class:`members.services.MemberError`
(messages keyed by argument) lands on the right field with ``form.add_error(None, exc)``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField
from members.models import Member
from registry.models import Koperasi, Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def desa_choices(koperasi: Koperasi) -> list[Any]:
    """Desa/kelurahan of the koperasi's kabupaten, by kecamatan, its own kecamatan first."""
    kabupaten = koperasi.kecamatan.parent_id
    places = (
        Region.objects.filter(
            level__in=[Region.Level.DESA, Region.Level.KELURAHAN],
            parent__parent_id=kabupaten,
        )
        .select_related("parent")
        .order_by("parent__name", "name")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for place in places:
        groups.setdefault(place.parent.name if place.parent else "", []).append(
            (place.code, place.name)
        )
    own = koperasi.kecamatan.name
    ordered = sorted(groups.items(), key=lambda item: (item[0] != own, item[0]))
    return [("", _("— pilih desa/kelurahan —")), *[(f"Kec. {k}", v) for k, v in ordered]]


class MemberForm(forms.Form):
    number = forms.CharField(
        label=_("Nomor anggota"),
        required=False,
        max_length=30,
        help_text=_("Kosongkan untuk nomor otomatis."),
    )
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    nik = forms.CharField(
        label=_("NIK"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("16 digit, sesuai KTP."),
    )
    birth_date = BoundedDateField(label=_("Tanggal lahir"), widget=DATE)
    gender = forms.ChoiceField(
        label=_("Jenis kelamin"), choices=Member.Gender.choices, widget=forms.RadioSelect
    )
    phone = forms.CharField(
        label=_("Nomor HP"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Misalnya 081234567890."),
    )
    address = forms.CharField(label=_("Alamat"), required=False, max_length=250)
    desa = forms.ChoiceField(label=_("Desa/kelurahan"), required=False)
    occupation = forms.CharField(label=_("Pekerjaan"), required=False, max_length=100)
    heir_name = forms.CharField(label=_("Nama ahli waris"), required=False, max_length=150)
    heir_relation = forms.CharField(
        label=_("Hubungan ahli waris"),
        required=False,
        max_length=50,
        help_text=_("Misalnya suami, istri, anak."),
    )
    join_date = BoundedDateField(label=_("Tanggal masuk"), widget=DATE)

    def __init__(self, *args: Any, koperasi: Koperasi, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["desa"].choices = desa_choices(koperasi)  # type: ignore[attr-defined]
        if editing:
            self.fields["number"].required = True
            self.fields["number"].help_text = ""

    def clean_desa(self) -> Region | None:
        code = self.cleaned_data.get("desa")
        if not code:
            return None
        return Region.objects.filter(code=code).first()

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("number"):
            data["number"] = None
        return data


class NumberFormatForm(forms.Form):
    pattern = forms.CharField(
        label=_("Format nomor"),
        max_length=40,
        help_text=_(
            "{seq} = nomor urut, {year} = tahun masuk. Contoh: {seq:05d} → 00012; "
            "AGT-{year}-{seq:04d} → AGT-2026-0012."
        ),
    )
    next_seq = forms.IntegerField(label=_("Nomor urut berikutnya"), min_value=1)
    reset_each_year = forms.BooleanField(
        label=_("Nomor urut mulai dari 1 tiap tahun"), required=False
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Cari"), required=False, max_length=60)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua status")), *Member.Status.choices],
    )
