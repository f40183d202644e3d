"""Forms for the loan product pages. They shape input; the services validate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField, RupiahField
from loans.models import (
    Allocation,
    Charge,
    DendaPer,
    InstalmentFrequency,
    LoanMethod,
    OptionalCharge,
    RatePer,
)
from members.forms import DATE
from savings.models import Kind, Product


def _percent(label: Any, help_text: Any = "", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=8,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class TermsForm(forms.Form):
    effective_from = BoundedDateField(label=_("Berlaku mulai"), widget=DATE)
    method = forms.ChoiceField(label=_("Metode bunga"), choices=LoanMethod.choices)
    rate_percent = _percent(_("Bunga (persen)"), _("Contoh: 1,5"), required=True)
    rate_per = forms.ChoiceField(label=_("Bunga dihitung"), choices=RatePer.choices)
    frequency = forms.ChoiceField(label=_("Angsuran"), choices=InstalmentFrequency.choices)
    min_tenor = forms.IntegerField(label=_("Jangka waktu terpendek (angsuran)"), min_value=0)
    max_tenor = forms.IntegerField(label=_("Jangka waktu terpanjang (angsuran)"), min_value=0)
    max_grace = forms.IntegerField(
        label=_("Masa tenggang terpanjang (angsuran)"), min_value=0, required=False
    )
    min_amount = RupiahField(label=_("Pinjaman terkecil"))
    max_amount = RupiahField(label=_("Pinjaman terbesar"))
    provisi_kind = forms.ChoiceField(label=_("Provisi"), choices=Charge.choices)
    provisi_percent = _percent(_("Provisi (persen)"))
    provisi_amount = RupiahField(label=_("Provisi (jumlah tetap)"), required=False)
    admin_kind = forms.ChoiceField(label=_("Administrasi"), choices=Charge.choices)
    admin_percent = _percent(_("Administrasi (persen)"))
    admin_amount = RupiahField(label=_("Administrasi (jumlah tetap)"), required=False)
    denda_per = forms.ChoiceField(label=_("Denda dihitung"), choices=DendaPer.choices)
    denda_kind = forms.ChoiceField(label=_("Denda"), choices=Charge.choices)
    denda_percent = _percent(_("Denda (persen dari angsuran tertunggak)"), _("Contoh: 0,1"))
    denda_amount = RupiahField(label=_("Denda (jumlah tetap)"), required=False)
    denda_grace_days = forms.IntegerField(label=_("Hari bebas denda"), min_value=0, required=False)
    denda_cap_percent = _percent(
        _("Batas denda per angsuran (persen dari angsuran)"), _("100 = sebesar angsuran itu")
    )
    allocation = forms.ChoiceField(label=_("Urutan pembayaran"), choices=Allocation.choices)
    prepayment_allowed = forms.BooleanField(
        label=_("Pelunasan sebagian di muka boleh"), required=False
    )
    excess_to_sukarela = forms.BooleanField(
        label=_("Kelebihan bayar masuk simpanan sukarela"), required=False
    )
    early_interest_share_percent = _percent(
        _("Pelunasan dipercepat: bagian sisa bunga flat (persen)")
    )
    early_penalty_percent = _percent(_("Pelunasan dipercepat: penalti (persen dari sisa pokok)"))
    collateral_required = forms.BooleanField(label=_("Wajib jaminan"), required=False)
    saving_kind = forms.ChoiceField(
        label=_("Simpanan saat pencairan"), choices=OptionalCharge.choices, required=False
    )
    saving_percent = _percent(_("Simpanan saat pencairan (persen)"))
    saving_amount = RupiahField(label=_("Simpanan saat pencairan (jumlah tetap)"), required=False)
    saving_product = forms.ModelChoiceField(
        label=_("Ke produk simpanan"), queryset=Product.objects.none(), required=False
    )
    accrues = forms.BooleanField(label=_("Bunga diakui harian (akrual)"), required=False)

    def __init__(self, *args: Any, koperasi: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["saving_product"].queryset = Product.objects.filter(  # type: ignore[attr-defined]
            koperasi=koperasi, kind__in=[Kind.WAJIB, Kind.SUKARELA], is_active=True
        )

    def terms(self) -> dict[str, Any]:
        """The service's keyword arguments: what was filled in (a blank text keeps the old)."""
        out: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name in ("effective_from", "code", "name"):
                continue
            field = self.fields[name]
            if isinstance(field, forms.BooleanField):
                out[name] = bool(value)
            elif name == "saving_product":
                out[name] = value
            elif name == "denda_cap_percent" and value == "" and "denda_cap_percent" in self.data:
                out[name] = None
            elif value not in (None, ""):
                out[name] = value
        return out


class ProductForm(TermsForm):
    code = forms.CharField(label=_("Kode"), max_length=12, help_text=_("Misalnya PU, PMB."))
    name = forms.CharField(label=_("Nama produk"), max_length=100)

    field_order = ["code", "name", "effective_from"]


class SimulateForm(forms.Form):
    jumlah = RupiahField(label=_("Jumlah pinjaman"), allow_zero=False)
    tenor = forms.IntegerField(label=_("Jangka waktu (angsuran)"), min_value=1, max_value=520)
    tenggang = forms.IntegerField(
        label=_("Masa tenggang (angsuran)"), min_value=0, max_value=12, required=False
    )

    def __init__(self, *args: Any, terms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product_terms = terms
        if terms is None or not terms.max_grace:
            del self.fields["tenggang"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        t = self.product_terms
        amount, tenor = data.get("jumlah"), data.get("tenor")
        grace = data.get("tenggang") or 0
        if t is None:
            return data
        if amount is not None and not t.min_amount <= amount <= t.max_amount:
            self.add_error("jumlah", _("Di luar batas pinjaman produk ini."))
        elif amount is not None and amount != amount.to_integral_value():
            self.add_error("jumlah", _("Pinjaman dalam rupiah penuh, tanpa sen."))
        if tenor is not None and not t.min_tenor <= tenor <= t.max_tenor:
            self.add_error("tenor", _("Di luar batas jangka waktu produk ini."))
        if grace > t.max_grace:
            self.add_error("tenggang", _("Lebih panjang dari masa tenggang produk ini."))
        elif tenor is not None and grace >= tenor:
            self.add_error("tenggang", _("Harus lebih pendek dari jangka waktu."))
        data["tenggang"] = grace
        return data
