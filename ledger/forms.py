"""Forms of the ledger pages. They only read and tidy what a person typed; the rules of the
books (balance, open period, posting accounts) are the services' and come back as messages."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import BoundedDateField, RupiahField
from core.money import ZERO, format_rupiah
from ledger import reports, subledgers
from ledger.models import Account, AccountClass, AccountRole, NormalSide
from registry.models import Koperasi

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


def _date_field(label: Any, *, required: bool = False) -> forms.DateField:
    return BoundedDateField(
        label=label, required=required, widget=DATE_INPUT, input_formats=DATE_FORMATS
    )


class _AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


def _account_field(queryset: Any, *, label: Any, required: bool = False, empty: Any = None) -> Any:
    return _AccountChoice(
        queryset=queryset,
        label=label,
        required=required,
        empty_label=empty if empty is not None else "—",
    )


class RangeMixin:
    """Refuse a range that ends before it starts, with a message that says so."""

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(
                _("Tanggal awal (%(a)s) sesudah tanggal akhir (%(b)s).")
                % {"a": start.strftime("%d/%m/%Y"), "b": end.strftime("%d/%m/%Y")}
            )
        return data


class JournalFilterForm(RangeMixin, forms.Form):
    date_from = _date_field(gettext_lazy("Dari tanggal"))
    date_to = _date_field(gettext_lazy("Sampai tanggal"))
    kind = forms.ChoiceField(label=gettext_lazy("Jenis"), required=False)
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    q = forms.CharField(
        label=gettext_lazy("Cari nomor atau keterangan"), required=False, max_length=60
    )

    def __init__(self, *args: Any, koperasi: Koperasi, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field: Any = self.fields["kind"]
        kind_field.choices = [
            ("", _("Semua jenis")),
            *reports.entry_kinds(koperasi=koperasi),
        ]
        self.fields["account"] = _account_field(
            reports.selectors.accounts(koperasi=koperasi).filter(is_group=False),
            label=_("Akun"),
            empty=_("Semua akun"),
        )


class LedgerFilterForm(RangeMixin, forms.Form):
    """Buku besar: which account, from when to when."""

    account = forms.ModelChoiceField(queryset=Account.objects.none())
    date_from = _date_field(gettext_lazy("Dari tanggal"), required=True)
    date_to = _date_field(gettext_lazy("Sampai tanggal"), required=True)

    def __init__(self, *args: Any, koperasi: Koperasi, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"] = _account_field(
            reports.selectors.accounts(koperasi=koperasi).filter(is_group=False),
            label=_("Akun"),
            required=True,
            empty=_("Pilih akun"),
        )


class AsOfForm(forms.Form):
    as_of = _date_field(gettext_lazy("Per tanggal"), required=True)
    semua = forms.BooleanField(label=gettext_lazy("Tampilkan akun bersaldo nol"), required=False)


class RangeForm(RangeMixin, forms.Form):
    date_from = _date_field(gettext_lazy("Dari tanggal"), required=True)
    date_to = _date_field(gettext_lazy("Sampai tanggal"), required=True)


# --- manual journal entry -------------------------------------------------------------------


class EntryForm(forms.Form):
    value_date = _date_field(gettext_lazy("Tanggal buku"), required=True)
    memo = forms.CharField(
        label=gettext_lazy("Keterangan"),
        max_length=250,
        error_messages={"required": gettext_lazy("Keterangan jurnal harus diisi.")},
    )
    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("Formulir tidak lengkap; muat ulang halaman lalu isi lagi."),
            "invalid": gettext_lazy("Formulir tidak lengkap; muat ulang halaman lalu isi lagi."),
        },
    )

    @staticmethod
    def new_key() -> str:
        return str(uuid.uuid4())


class LineForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    debit = RupiahField(label=gettext_lazy("Debit"), required=False)
    credit = RupiahField(label=gettext_lazy("Kredit"), required=False)
    memo = forms.CharField(label=gettext_lazy("Keterangan baris"), max_length=250, required=False)

    def __init__(self, *args: Any, koperasi: Koperasi, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"] = _account_field(
            reports.posting_accounts(koperasi=koperasi), label=_("Akun"), empty=_("Pilih akun")
        )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        account = data.get("account")
        debit = data.get("debit") or ZERO
        credit = data.get("credit") or ZERO
        if self.errors:
            return data
        data["blank"] = account is None and debit == 0 and credit == 0 and not data.get("memo")
        if data["blank"]:
            return data
        if account is None:
            raise forms.ValidationError(_("Pilih akun untuk baris ini."))
        if debit > 0 and credit > 0:
            raise forms.ValidationError(
                _("Isi debit atau kredit saja, tidak keduanya, pada baris %(akun)s.")
                % {"akun": account.code}
            )
        if debit == 0 and credit == 0:
            raise forms.ValidationError(
                _("Isi jumlah debit atau kredit untuk akun %(akun)s.") % {"akun": account.code}
            )
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, koperasi: Koperasi, **kwargs: Any) -> None:
        self.koperasi = koperasi
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"koperasi": self.koperasi}

    @property
    def empty_form(self) -> Any:  # the formset's template row, with the same accounts
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            koperasi=self.koperasi,
        )
        self.add_fields(form, None)
        return form

    def lines(self) -> list[dict[str, Any]]:
        """The filled-in lines (blank rows left out); call after ``is_valid()``."""
        return [
            f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data["blank"]
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        lines = self.lines()
        if not lines:
            raise forms.ValidationError(
                _("Jurnal masih kosong: isi sedikitnya dua baris, satu debit dan satu kredit.")
            )
        if len(lines) < 2:
            raise forms.ValidationError(
                _("Jurnal harus memiliki sedikitnya dua baris, satu debit dan satu kredit.")
            )
        control = subledgers.control_accounts(self.koperasi)
        refused = [
            _(
                "Akun %(akun)s adalah akun kontrol %(buku)s: saldonya harus sama dengan jumlah "
                "saldo anggota, jadi uangnya hanya dipindahkan lewat %(halaman)s, bukan jurnal "
                "umum."
            )
            % {"akun": line["account"], "buku": owner.label(), "halaman": page}
            for line in lines
            if line["account"].pk in control
            for owner, page in [control[line["account"].pk]]
        ]
        if refused:
            raise forms.ValidationError(list(dict.fromkeys(refused)))
        debit = sum((line["debit"] or ZERO for line in lines), ZERO)
        credit = sum((line["credit"] or ZERO for line in lines), ZERO)
        if debit != credit:
            raise forms.ValidationError(
                _(
                    "Jurnal tidak seimbang: jumlah debit %(d)s, jumlah kredit %(k)s, selisih "
                    "%(s)s. Jurnal tidak diposting."
                )
                % {
                    "d": format_rupiah(debit, sen=True),
                    "k": format_rupiah(credit, sen=True),
                    "s": format_rupiah(abs(debit - credit), sen=True),
                }
            )

    def totals(self) -> tuple[Decimal, Decimal]:
        """Debit and credit typed so far (for the page's running check), ignoring bad cells."""
        debit = credit = ZERO
        for f in self.forms:
            data = getattr(f, "cleaned_data", None) or {}
            debit += data.get("debit") or ZERO
            credit += data.get("credit") or ZERO
        return debit, credit


LINES_START = 4
LINES_MAX = 40


def line_formset(extra: int = LINES_START) -> type[BaseLineFormSet]:
    """The lines of a manual entry; ``extra`` empty lines after any given as initial."""
    formset: Any = forms.formset_factory(
        LineForm,
        formset=BaseLineFormSet,
        extra=extra,
        max_num=LINES_MAX,
        absolute_max=LINES_MAX,
        validate_max=True,
    )
    return formset  # type: ignore[no-any-return]


LineFormSet = line_formset()


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Alasan pembalikan"),
        max_length=200,
        error_messages={"required": gettext_lazy("Alasan pembalikan harus diisi.")},
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


# --- chart of accounts ----------------------------------------------------------------------


_AUTO = ("", gettext_lazy("Otomatis dari golongan"))


class AccountForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Kode"),
        max_length=20,
        help_text=gettext_lazy("Angka bertitik, misalnya 1.1.07."),
    )
    name = forms.CharField(label=gettext_lazy("Nama akun"), max_length=120)
    klass = forms.ChoiceField(label=gettext_lazy("Golongan"), choices=AccountClass.choices)
    normal_side = forms.ChoiceField(
        label=gettext_lazy("Saldo normal"),
        choices=[_AUTO, *NormalSide.choices],
        required=False,
    )
    parent = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    is_group = forms.BooleanField(
        label=gettext_lazy("Akun kelompok (hanya mengelompokkan, tidak diposting)"),
        required=False,
    )
    is_active = forms.BooleanField(label=gettext_lazy("Aktif"), required=False)

    def __init__(
        self, *args: Any, koperasi: Koperasi, account: Account | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.koperasi = koperasi
        groups = reports.group_accounts(koperasi=koperasi)
        if account is not None:
            groups = groups.exclude(pk=account.pk)
        self.fields["parent"] = _account_field(
            groups, label=_("Induk"), empty=_("Otomatis dari kode")
        )
        self.fields["parent"].help_text = _(
            "Kosongkan agar induk dipilih dari kode (1.1 untuk 1.1.07)."
        )
        if account is None:
            del self.fields["is_active"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        code = (data.get("code") or "").strip()
        if not data.get("normal_side") and data.get("klass"):
            debit_classes = {AccountClass.ASET, AccountClass.BEBAN}
            data["normal_side"] = (
                NormalSide.DEBIT if data["klass"] in debit_classes else NormalSide.KREDIT
            )
        if data.get("parent") is None and code:
            data["parent"] = reports.suggested_parent(koperasi=self.koperasi, code=code)
        return data


class RoleMapForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Peran"), choices=AccountRole.choices)
    account = forms.ModelChoiceField(queryset=Account.objects.none())

    def __init__(self, *args: Any, koperasi: Koperasi, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field: Any = self.fields["role"]
        # Known roles, and the product-refined ones (simpanan_sukarela:SIBUHAR) already mapped.
        role_field.choices = [
            (r, label) for r, label, _a in reports.role_mappings(koperasi=koperasi)
        ]
        self.fields["account"] = _account_field(
            reports.posting_accounts(koperasi=koperasi),
            label=_("Akun"),
            required=True,
            empty=_("Pilih akun"),
        )


# --- periods --------------------------------------------------------------------------------


class PeriodCloseForm(forms.Form):
    year = forms.IntegerField(min_value=1900, max_value=9999, widget=forms.HiddenInput)
    month = forms.IntegerField(min_value=1, max_value=12, widget=forms.HiddenInput)


class PeriodReopenForm(forms.Form):
    period = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Alasan membuka kembali"),
        max_length=250,
        error_messages={"required": gettext_lazy("Alasan membuka kembali periode harus diisi.")},
    )


class BusinessDateForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Majukan berapa hari"),
        min_value=1,
        max_value=31,
        initial=1,
        error_messages={
            "min_value": gettext_lazy("Tanggal buku hanya dapat dimajukan (sedikitnya 1 hari)."),
            "max_value": gettext_lazy("Majukan paling banyak 31 hari sekaligus."),
        },
    )


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """From the first of the business year (book year = calendar year) to the business date."""
    return dt.date(today.year, 1, 1), today
