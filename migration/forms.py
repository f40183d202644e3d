"""Forms of the migration pages: what a person uploads and confirms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class UploadForm(_Form):
    """A spreadsheet; its size and content are checked by the safe reader, not here."""

    file = forms.FileField(
        label=_("Berkas"),
        help_text=_("XLSX, XLS, ODS atau CSV."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv"}),
    )
