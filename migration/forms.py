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


class MappingForm(_Form):
    """Each sheet's kind, and for each field of that kind the sheet's column holding it.

    Built from what the upload found and what the person chose so far; choosing another kind
    re-draws the sheet's fields (the select submits the form, ``step=refresh``)."""

    save_as = forms.CharField(
        label=_("Simpan pemetaan ini dengan nama"),
        required=False,
        max_length=100,
        help_text=_("Opsional: dipakai lagi untuk berkas berikutnya dari koperasi ini."),
    )

    def __init__(
        self, *args: Any, sheets: list[dict[str, Any]], kinds: dict[str, str],
        mappings: dict[str, dict[str, str]], **kwargs: Any,
    ) -> None:  # fmt: skip
        from migration.report import kind_label
        from migration.table import FIELDS, KOPERASI_KINDS, REQUIRED
        from migration.uploads import field_label

        super().__init__(*args, **kwargs)
        self.sheets = sheets
        self.groups: list[tuple[dict[str, Any], str, list[str]]] = []
        kind_choices = [("unknown", _("Lewati lembar ini"))] + [
            (k, kind_label(k)) for k in KOPERASI_KINDS
        ]
        for i, sheet in enumerate(sheets):
            kind = kinds.get(sheet["name"], "unknown")
            name = f"s{i}-kind"
            self.fields[name] = forms.ChoiceField(
                label=_("Isi lembar"),
                choices=kind_choices,
                initial=kind,
                widget=forms.Select(attrs={"data-autosubmit": ""}),
            )
            names = [name]
            if kind in FIELDS:
                columns = [("", "—")] + [(label, label) for label in sheet["labels"] if label]
                chosen = mappings.get(sheet["name"], {})
                for field in FIELDS[kind]:
                    key = f"s{i}-f-{field}"
                    self.fields[key] = forms.ChoiceField(
                        label=field_label(kind, field) + (" *" if field in REQUIRED[kind] else ""),
                        choices=columns,
                        initial=chosen.get(field, ""),
                        required=False,
                    )
                    names.append(key)
            self.groups.append((sheet, kind, names))

    def sections(self) -> list[tuple[dict[str, Any], str, Any, list[Any]]]:
        return [
            (sheet, kind, self[names[0]], [self[n] for n in names[1:]])
            for sheet, kind, names in self.groups
        ]

    def chosen(self) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        """(kinds, mappings) from the submitted data (kinds as posted, even before cleaning)."""
        from migration.table import FIELDS

        kinds: dict[str, str] = {}
        mappings: dict[str, dict[str, str]] = {}
        data = self.data
        for i, sheet in enumerate(self.sheets):
            kind = data.get(f"s{i}-kind", "unknown")
            if kind == "unknown":
                continue
            kinds[sheet["name"]] = kind
            prefix = f"s{i}-f-"
            mappings[sheet["name"]] = {
                key[len(prefix) :]: value
                for key, value in data.items()
                if key.startswith(prefix) and value and key[len(prefix) :] in FIELDS.get(kind, {})
            }
        return kinds, mappings


class CommitForm(_Form):
    accept_partial = forms.BooleanField(
        label=_("Impor baris yang benar saja; baris yang ditolak menunggu berkas perbaikan"),
        required=False,
    )
