"""Forms for the savings and counter pages. They shape input; the services validate it.

Counter forms carry an idempotency key: a hidden UUID made when the form is shown, so pressing
"Simpan" twice (or the phone resending on a bad connection) posts once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField, RupiahField
from members.forms import DATE, MemberForm
from members.models import Member
from savings.models import (
    ALLOWED_WITHDRAWABLE,
    RATE_CAP_BP,
    Account,
    AtMaturity,
    InterestMethod,
    Kind,
    Product,
    Withdrawable,
)


def _percent_text(message: str, **params: object) -> str:
    """``message`` translated when shown, then %-formatted with ``params``.

    A text with a literal percent sign is always %-formatted, its sign written ``%%``: gettext
    then reads every such msgid the same way (python-format), and no "% s" in "9% setahun" is
    taken for a directive. Mark ``message`` with ``gettext_noop`` so makemessages finds it.
    """
    return lazy(lambda: gettext(message) % params, str)()


def new_key() -> str:
    return uuid.uuid4().hex


class KeyedForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)


class AmountForm(KeyedForm):
    amount = RupiahField(label=_("Jumlah"), allow_zero=False)
    memo = forms.CharField(label=_("Keterangan"), required=False, max_length=200)


class TransferForm(KeyedForm):
    source = forms.ModelChoiceField(label=_("Dari rekening"), queryset=Account.objects.none())
    target = forms.ModelChoiceField(label=_("Ke rekening"), queryset=Account.objects.none())
    amount = RupiahField(label=_("Jumlah"), allow_zero=False)

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = member.savings_accounts.filter(status=Account.Status.AKTIF).select_related("product")
        self.fields["source"].queryset = own.filter(  # type: ignore[attr-defined]
            product__withdrawable=Withdrawable.ANY_TIME
        )
        self.fields["target"].queryset = own.exclude(kind=Kind.BERJANGKA)  # type: ignore[attr-defined]
        for name in ("source", "target"):
            self.fields[name].label_from_instance = (  # type: ignore[attr-defined]
                lambda a: f"{a.number} — {a.product.name}"
            )


class BerjangkaForm(KeyedForm):
    product = forms.ModelChoiceField(label=_("Produk"), queryset=Product.objects.none())
    amount = RupiahField(label=_("Jumlah"), allow_zero=False)
    tenor_months = forms.TypedChoiceField(label=_("Jangka waktu"), coerce=int, choices=[])
    via = forms.ChoiceField(
        label=_("Dana dari"),
        choices=[("kas", _("Tunai (kas)")), ("sukarela", _("Simpanan sukarela"))],
    )
    at_maturity = forms.ChoiceField(label=_("Saat jatuh tempo"), choices=AtMaturity.choices)

    def __init__(self, *args: Any, koperasi: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(koperasi=koperasi, kind=Kind.BERJANGKA, is_active=True)
        self.fields["product"].queryset = products  # type: ignore[attr-defined]
        tenors: set[int] = set()
        for product in products:
            latest = product.terms.order_by("-effective_from").first()
            if latest:
                tenors.update(latest.tenors)
        self.fields["tenor_months"].choices = [  # type: ignore[attr-defined]
            (t, _("%(n)d bulan") % {"n": t}) for t in sorted(tenors)
        ]


class BreakForm(KeyedForm):
    to = forms.ChoiceField(
        label=_("Dicairkan ke"),
        choices=[("kas", _("Tunai (kas)")), ("sukarela", _("Simpanan sukarela"))],
    )


class JoinForm(MemberForm):
    pokok_paid = RupiahField(
        label=_("Simpanan pokok dibayar"),
        required=False,
        allow_zero=False,
        help_text=_("Kosongkan untuk jumlah menurut aturan koperasi."),
    )
    wajib_paid = RupiahField(label=_("Simpanan wajib pertama"), required=False)
    sukarela_paid = RupiahField(label=_("Setoran sukarela awal"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)
        # The join date is the day the pokok is paid: the business date.
        del self.fields["join_date"]

    def service_kwargs(self) -> dict[str, Any]:
        data = super().service_kwargs()
        for key in ("wajib_paid", "sukarela_paid"):
            if data.get(key) is None:
                data.pop(key)
        return data


class ExitForm(KeyedForm):
    KIND_CHOICES = [
        (Member.Status.KELUAR, _("Keluar (berhenti menjadi anggota)")),
        (Member.Status.MENINGGAL, _("Meninggal dunia (diserahkan kepada ahli waris)")),
    ]
    kind = forms.ChoiceField(label=_("Jenis"), choices=KIND_CHOICES, widget=forms.RadioSelect)
    on = BoundedDateField(label=_("Tanggal keluar/meninggal"), widget=DATE)
    reason = forms.CharField(label=_("Alasan/keterangan"), required=False, max_length=250)


class CountForm(forms.Form):
    count = RupiahField(label=_("Uang tunai dihitung"))
    note = forms.CharField(
        label=_("Keterangan selisih"),
        required=False,
        max_length=250,
        help_text=_("Wajib diisi bila hitungan berbeda dengan catatan."),
    )


class CloseForm(CountForm):
    """The close: notes and coins by pecahan (their total is the count), or one total."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from savings.services.drawer import DENOMINATIONS

        super().__init__(*args, **kwargs)
        self.fields["count"].required = False
        self.fields["count"].label = _("atau total uang tunai dihitung")
        self.faces = DENOMINATIONS
        for face in DENOMINATIONS:
            self.fields[f"p{face}"] = forms.IntegerField(
                label=_("Rp%(face)s") % {"face": f"{face:,}".replace(",", ".")},
                required=False,
                min_value=0,
                max_value=10_000_000,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            )
        self.order_fields([*(f"p{f}" for f in DENOMINATIONS), "count", "note"])

    def pecahan(self) -> dict[int, int] | None:
        pieces = {f: self.cleaned_data.get(f"p{f}") or 0 for f in self.faces}
        return pieces if any(pieces.values()) else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("count") is None and not self.pecahan():
            raise forms.ValidationError(_("Isi jumlah lembar/keping per pecahan, atau totalnya."))
        return data


class VaultForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Arah"),
        choices=[
            ("in", _("Ambil dari brankas ke laci")),
            ("out", _("Setor dari laci ke brankas")),
        ],
        widget=forms.RadioSelect,
        initial="in",
    )
    amount = RupiahField(label=_("Jumlah"), allow_zero=False)
    note = forms.CharField(label=_("Keterangan"), required=False, max_length=200)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Cari anggota"), required=False, max_length=60)


class StatementForm(forms.Form):
    start = BoundedDateField(label=_("Dari"), widget=DATE)
    end = BoundedDateField(label=_("Sampai"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("Tanggal awal harus sebelum tanggal akhir."))
        return data


class MonthEndForm(forms.Form):
    on = BoundedDateField(label=_("Tanggal akhir bulan"), widget=DATE)


class PayrollUploadForm(forms.Form):
    file = forms.FileField(label=_("Berkas potong gaji (CSV atau XLSX)"))
    via = forms.ChoiceField(
        label=_("Dana diterima lewat"), choices=[("bank", _("Bank")), ("kas", _("Kas"))]
    )
    value_date = BoundedDateField(label=_("Tanggal"), widget=DATE)


class PayrollPostForm(forms.Form):
    only_valid = forms.BooleanField(
        label=_("Posting baris yang benar saja (baris yang salah ditinggalkan)"), required=False
    )


def _tenors(value: str) -> list[int]:
    parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise forms.ValidationError(
            _("Tulis jangka waktu dalam bulan, misalnya 3, 6, 12.")
        ) from None


class TermsForm(forms.Form):
    effective_from = BoundedDateField(label=_("Berlaku mulai"), widget=DATE)
    rate_percent = forms.CharField(
        label=_percent_text(gettext_noop("Bunga per tahun (%%)")),
        required=False,
        max_length=8,
        help_text=_percent_text(
            gettext_noop("Paling tinggi %(cap)s%% setahun. Contoh: 3 atau 4,5."),
            cap=Decimal(RATE_CAP_BP) / 100,
        ),
    )
    interest_method = forms.ChoiceField(label=_("Metode bunga"), choices=InterestMethod.choices)
    interest_threshold = RupiahField(label=_("Saldo minimum berbunga"), required=False)
    min_balance = RupiahField(label=_("Saldo minimum"), required=False)
    pokok_amount = RupiahField(label=_("Jumlah simpanan pokok"), required=False)
    pokok_instalments = forms.IntegerField(
        label=_("Cicilan simpanan pokok (kali)"), min_value=1, max_value=60, required=False
    )
    wajib_amount = RupiahField(label=_("Simpanan wajib per periode"), required=False)
    wajib_period_months = forms.TypedChoiceField(
        label=_("Periode simpanan wajib"),
        coerce=int,
        required=False,
        choices=[(1, _("Bulanan")), (3, _("Triwulan")), (6, _("Semester")), (12, _("Tahunan"))],
    )
    tenors = forms.CharField(label=_("Jangka waktu (bulan)"), required=False, max_length=60)
    early_penalty_percent = forms.CharField(
        label=_percent_text(gettext_noop("Denda pencairan awal (%% dari bunga diterima)")),
        required=False,
        max_length=8,
    )
    at_maturity = forms.ChoiceField(
        label=_("Saat jatuh tempo"), choices=AtMaturity.choices, required=False
    )

    KIND_FIELDS = {
        Kind.POKOK: ("pokok_amount", "pokok_instalments"),
        Kind.WAJIB: ("wajib_amount", "wajib_period_months"),
        Kind.SUKARELA: ("min_balance",),
        Kind.BERJANGKA: ("min_balance", "tenors", "early_penalty_percent", "at_maturity"),
    }
    COMMON = ("rate_percent", "interest_method", "interest_threshold")

    def __init__(self, *args: Any, kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product_kind = kind
        if kind is not None:
            keep = {"effective_from", *self.COMMON, *self.KIND_FIELDS[Kind(kind)]}
            for name in list(self.fields):
                if name not in keep and name in self.term_names():
                    del self.fields[name]

    @classmethod
    def term_names(cls) -> set[str]:
        return {n for names in cls.KIND_FIELDS.values() for n in names} | set(cls.COMMON)

    def clean_tenors(self) -> list[int] | None:
        value = self.cleaned_data.get("tenors")
        return _tenors(value) if value else None

    def terms(self, kind: str) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for name in {*self.COMMON, *self.KIND_FIELDS[Kind(kind)]}:
            value = data.get(name)
            if value not in (None, "", []):
                out[name] = value
        return out


class ProductForm(TermsForm):
    code = forms.CharField(label=_("Kode"), max_length=12, help_text=_("Misalnya SW, SIBUHAR."))
    name = forms.CharField(label=_("Nama produk"), max_length=100)
    kind = forms.ChoiceField(label=_("Jenis"), choices=Kind.choices)
    withdrawable = forms.ChoiceField(label=_("Dapat ditarik"), choices=Withdrawable.choices)
    open_on_join = forms.BooleanField(label=_("Dibuka otomatis untuk anggota baru"), required=False)

    field_order = ["code", "name", "kind", "withdrawable", "open_on_join", "effective_from"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, withdrawable = data.get("kind"), data.get("withdrawable")
        if kind and withdrawable and withdrawable not in ALLOWED_WITHDRAWABLE[Kind(kind)]:
            self.add_error(
                "withdrawable",
                _("Pilihan ini tidak berlaku untuk %(k)s.") % {"k": Kind(kind).label},
            )
        return data


class ListSearchForm(forms.Form):
    """The search box of the long savings lists (arrears, bukti potong): member number or name
    (and NIK or phone, as the member list searches)."""

    q = forms.CharField(label=_("Cari nomor atau nama anggota"), required=False, max_length=60)


class TaxFilterForm(ListSearchForm):
    dipotong = forms.BooleanField(label=_("Hanya yang dipotong PPh"), required=False)


class TaxDepositForm(KeyedForm):
    """The deposit of one masa's withheld PPh, as printed on the bank's or post office's receipt."""

    masa = BoundedDateField(widget=forms.HiddenInput)
    amount = RupiahField(label=_("Jumlah disetor"), allow_zero=False)
    ntpn = forms.CharField(
        label=_("NTPN"),
        max_length=24,
        help_text=_("16 huruf/angka pada bukti penerimaan negara."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    paid_on = BoundedDateField(label=_("Tanggal setor"), widget=DATE)
    via = forms.ChoiceField(
        label=_("Dibayar dari"), choices=[("bank", _("Bank")), ("kas", _("Kas"))]
    )
    reason = forms.CharField(
        label=_("Alasan bila jumlahnya berbeda"), required=False, max_length=200
    )
