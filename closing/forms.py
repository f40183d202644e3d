from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from members.forms import DATE


class CloseForm(forms.Form):
    to = forms.DateField(
        label=_("Tutup sampai tanggal"),
        widget=DATE,
        help_text=_("Semua hari dari tanggal buku sampai tanggal ini ditutup satu per satu."),
    )
