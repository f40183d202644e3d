from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.models import Contact, Officer, Visit
from registry.models import Koperasi, Region


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class KoperasiForm(_Form):
    """Every field of the koperasi's foundation; the region is checked by the service."""

    name = forms.CharField(label=_("Nama"), max_length=150)
    code = forms.SlugField(label=_("Kode singkat"), max_length=20)
    kind = forms.ChoiceField(label=_("Jenis"), choices=Koperasi.Kind.choices)
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"),
        queryset=Region.objects.filter(level=Region.Level.KECAMATAN).order_by("name"),
    )
    desa = forms.ModelChoiceField(
        label=_("Desa/kelurahan"),
        required=False,
        queryset=Region.objects.filter(
            level__in=[Region.Level.DESA, Region.Level.KELURAHAN]
        ).order_by("name"),
    )
    address = forms.CharField(label=_("Alamat"), max_length=250, required=False)
    legal_number = forms.CharField(label=_("Nomor badan hukum"), max_length=80, required=False)
    legal_date = _date(_("Tanggal badan hukum"), required=False)
    founded_on = _date(_("Tanggal berdiri"))
    status = forms.ChoiceField(label=_("Status"), choices=Koperasi.Status.choices)
    status_on = _date(_("Status berlaku sejak"), required=False)


class OfficerForm(_Form):
    position = forms.ChoiceField(label=_("Jabatan"), choices=Officer.Position.choices)
    name = forms.CharField(label=_("Nama"), max_length=150)
    term_start = _date(_("Masa jabatan mulai"))
    term_end = _date(_("Masa jabatan berakhir"))


class ContactForm(_Form):
    kind = forms.ChoiceField(label=_("Jenis"), choices=Contact.Kind.choices)
    value = forms.CharField(label=_("Kontak"), max_length=200)
    person = forms.CharField(label=_("Atas nama"), max_length=150, required=False)


class RatForm(_Form):
    book_year = forms.IntegerField(label=_("Tahun buku"), min_value=1960, max_value=2100)
    held_on = _date(_("Tanggal RAT"))
    report_received_on = _date(_("Laporan RAT diterima"), required=False)


class CertificateForm(_Form):
    number = forms.CharField(label=_("NIK koperasi"), max_length=20)
    issued_on = _date(_("Tanggal sertifikat"))


class ReportedForm(_Form):
    book_year = forms.IntegerField(label=_("Tahun buku"), min_value=1960, max_value=2100)
    members = forms.IntegerField(label=_("Anggota"), min_value=0)
    managers = forms.IntegerField(label=_("Pengurus"), min_value=0)
    staff = forms.IntegerField(label=_("Karyawan"), min_value=0)
    modal_sendiri = forms.DecimalField(label=_("Modal sendiri (Rp)"), min_value=0, decimal_places=2)
    modal_luar = forms.DecimalField(label=_("Modal luar (Rp)"), min_value=0, decimal_places=2)
    assets = forms.DecimalField(label=_("Aset (Rp)"), min_value=0, decimal_places=2)
    volume = forms.DecimalField(label=_("Volume usaha (Rp)"), min_value=0, decimal_places=2)
    shu = forms.DecimalField(label=_("SHU (Rp)"), decimal_places=2)


class TargetForm(_Form):
    year = forms.IntegerField(label=_("Tahun"), min_value=2000, max_value=2100)
    new_digital = forms.IntegerField(label=_("Target koperasi digital baru"))


class AssignForm(_Form):
    consultant: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Konsultan"),
        queryset=None,  # type: ignore[arg-type]
    )
    koperasi = forms.ModelChoiceField(
        label=_("Koperasi"), queryset=Koperasi.objects.exclude(status=Koperasi.Status.BUBAR)
    )

    def __init__(self, *args: Any, consultants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = consultants  # type: ignore[attr-defined]
        self.fields["consultant"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: u.get_full_name() or u.get_username()
        )


class VisitForm(_Form):
    on = _date(_("Tanggal"))
    kind = forms.ChoiceField(label=_("Jenis"), choices=Visit.Kind.choices)
    topics = forms.CharField(label=_("Topik"), max_length=250)
    attendees = forms.CharField(label=_("Yang hadir"), max_length=250, required=False)
    findings = forms.CharField(
        label=_("Temuan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up = forms.CharField(label=_("Tindak lanjut"), max_length=250, required=False)
    follow_up_due = _date(_("Batas waktu tindak lanjut"), required=False)
    photo = forms.FileField(label=_("Foto (boleh kosong, paling besar 2 MB)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("follow_up") and not data.get("follow_up_due"):
            self.add_error("follow_up_due", _("Isi batas waktu untuk tindak lanjut ini."))
        return data
