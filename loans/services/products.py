"""Loan products and their dated terms: the writes.

Terms are given in the words a pengurus uses (``rate_percent="1,5"``, ``provisi_percent=1``,
``admin_amount=50000``) and stored as basis points and sen; what a terms row does not name
carries over from the terms in force.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit
from core import money as m
from core.dates import business_date
from ledger import selectors as ledger_selectors
from ledger.services import LedgerError
from loans.models import (
    MAX_DENDA_BP,
    MAX_FEE_BP,
    MAX_GRACE,
    MAX_RATE_BP,
    MAX_TENOR,
    Allocation,
    Charge,
    DendaPer,
    InstalmentFrequency,
    LoanMethod,
    LoanProduct,
    LoanProductTerms,
    OptionalCharge,
    RatePer,
)
from loans.schedule import Frequency, RateBasis
from registry.models import Koperasi

PORTFOLIO_ROLE = "pinjaman_anggota"

_CODE = re.compile(r"^[A-Z0-9]{1,12}$")


class LoansError(ValidationError):
    """A loans write refused; the message is for the pengurus or kasir (Indonesian)."""


# The terms a caller may give, by kind of value.
_CHOICES: dict[str, type[Any]] = {
    "method": LoanMethod,
    "rate_per": RatePer,
    "frequency": InstalmentFrequency,
    "provisi_kind": Charge,
    "admin_kind": Charge,
    "denda_per": DendaPer,
    "denda_kind": Charge,
    "allocation": Allocation,
    "saving_kind": OptionalCharge,
}
_COUNTS = ("min_tenor", "max_tenor", "max_grace", "denda_grace_days")
_AMOUNTS = (
    "min_amount",
    "max_amount",
    "provisi_amount",
    "admin_amount",
    "denda_amount",
    "saving_amount",
)
_PERCENTS = {
    "rate_percent": "rate_bp",
    "provisi_percent": "provisi_bp",
    "admin_percent": "admin_bp",
    "denda_percent": "denda_bp",
    "denda_cap_percent": "denda_cap_bp",
    "early_interest_share_percent": "early_interest_share_bp",
    "early_penalty_percent": "early_penalty_bp",
    "saving_percent": "saving_bp",
}
_FLAGS = (
    "prepayment_allowed",
    "excess_to_sukarela",
    "collateral_required",
    "accrues",
)
TERM_FIELDS = frozenset({*_CHOICES, *_COUNTS, *_AMOUNTS, *_PERCENTS, *_FLAGS, "saving_product"})
REQUIRED = ("method", "rate_percent", "min_tenor", "max_tenor", "min_amount", "max_amount")

_LABELS = {
    "rate_percent": gettext_lazy("Bunga"),
    "provisi_percent": gettext_lazy("Provisi"),
    "admin_percent": gettext_lazy("Administrasi"),
    "denda_percent": gettext_lazy("Denda"),
    "denda_cap_percent": gettext_lazy("Batas denda"),
    "early_interest_share_percent": gettext_lazy("Bagian sisa bunga pada pelunasan dipercepat"),
    "early_penalty_percent": gettext_lazy("Penalti pelunasan dipercepat"),
    "saving_percent": gettext_lazy("Simpanan saat pencairan"),
    "min_amount": gettext_lazy("Pinjaman terkecil"),
    "max_amount": gettext_lazy("Pinjaman terbesar"),
    "provisi_amount": gettext_lazy("Provisi"),
    "admin_amount": gettext_lazy("Administrasi"),
    "denda_amount": gettext_lazy("Denda"),
    "saving_amount": gettext_lazy("Simpanan saat pencairan"),
}


def _label(key: str) -> str:
    return str(_LABELS.get(key, key))


def percent_to_bp(value: Any, *, label: str) -> int:
    """``"1,5"`` / ``Decimal("1.5")`` / ``1`` percent → 150 basis points (two places at most)."""
    if isinstance(value, (float, bool)):
        raise LoansError(_("%(f)s harus berupa angka desimal, bukan float.") % {"f": label})
    try:
        pct = Decimal(str(value).strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        raise LoansError(
            _("%(f)s “%(v)s” bukan angka persen yang sah.") % {"f": label, "v": value},
            code="percent_invalid",
        ) from None
    if not pct.is_finite():
        raise LoansError(_("%(f)s bukan angka persen yang sah.") % {"f": label})
    if pct < 0:
        raise LoansError(_("%(f)s tidak boleh negatif.") % {"f": label}, code="percent_negative")
    bp = pct * 100
    if bp != bp.to_integral_value():
        raise LoansError(
            _("%(f)s paling banyak dua angka di belakang koma.") % {"f": label},
            code="percent_places",
        )
    return int(bp)


def _amount(value: Any, *, label: str) -> Decimal:
    try:
        amount = m.parse_rupiah(value) if isinstance(value, str) else m.money(value)
    except m.InvalidAmount as exc:
        raise LoansError(f"{label}: {exc}", code="amount_invalid") from exc
    if amount < 0:
        raise LoansError(_("%(f)s tidak boleh negatif.") % {"f": label}, code="amount_negative")
    if amount != amount.to_integral_value():
        raise LoansError(
            _("%(f)s harus dalam rupiah penuh, tanpa sen.") % {"f": label}, code="amount_sen"
        )
    return amount


def _count(value: Any, *, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise LoansError(
                _("%(f)s harus bilangan bulat.") % {"f": key}, code="count_invalid"
            ) from None
    return int(value)


def _clean(koperasi: Koperasi, data: dict[str, Any]) -> dict[str, Any]:
    """Terms as given → model field values (each value checked on its own)."""
    unknown = sorted(set(data) - TERM_FIELDS)
    if unknown:
        raise LoansError(_("Ketentuan tidak dikenal: %(f)s") % {"f": ", ".join(unknown)})
    out: dict[str, Any] = {}
    for key, choices in _CHOICES.items():
        if key in data:
            value = data[key] if data[key] is not None else ""
            if value not in choices.values:
                raise LoansError(
                    _("Pilihan “%(v)s” tidak dikenal untuk %(f)s.")
                    % {"v": value, "f": choices.__name__},
                    code="choice",
                )
            out[key] = value
    for key in _COUNTS:
        if key in data:
            out[key] = _count(data[key], key=key)
    for key in _AMOUNTS:
        if key in data:
            out[key] = _amount(data[key], label=_label(key))
    for key, field in _PERCENTS.items():
        if key in data:
            if key == "denda_cap_percent" and data[key] in (None, ""):
                out[field] = None
            else:
                out[field] = percent_to_bp(data[key], label=_label(key))
    for key in _FLAGS:
        if key in data:
            out[key] = bool(data[key])
    if "saving_product" in data:
        product = data["saving_product"]
        if product is not None and product.koperasi_id != koperasi.pk:
            raise LoansError(_("Produk simpanan milik koperasi lain."), code="saving_product")
        out["saving_product"] = product
    return out


def _pct(bp: int) -> str:
    return format(Decimal(bp) / 100, "f").replace(".", ",")


def _check(terms: LoanProductTerms) -> None:
    """The whole row, once every value is known: ranges, order and what goes together.

    The database holds the same rules (``loans.models``); this says which one in Indonesian.
    """
    t = terms
    if t.rate_bp > MAX_RATE_BP[RateBasis(t.rate_per)]:
        raise LoansError(
            _("Bunga paling tinggi %(max)s%% %(per)s; yang diisi %(v)s%%.")
            % {
                "max": _pct(MAX_RATE_BP[RateBasis(t.rate_per)]),
                "per": RatePer(t.rate_per).label,
                "v": _pct(t.rate_bp),
            },
            code="rate_max",
        )
    if t.min_tenor < 1:
        raise LoansError(
            _("Jangka waktu paling sedikit satu angsuran (tidak boleh 0)."), code="tenor_zero"
        )
    limit = MAX_TENOR[Frequency(t.frequency)]
    if t.max_tenor < t.min_tenor:
        raise LoansError(
            _("Jangka waktu terpanjang tidak boleh kurang dari yang terpendek."),
            code="tenor_order",
        )
    if t.max_tenor > limit:
        raise LoansError(
            _("Jangka waktu paling lama %(n)s angsuran (%(f)s).")
            % {"n": limit, "f": InstalmentFrequency(t.frequency).label},
            code="tenor_max",
        )
    if t.max_grace > MAX_GRACE or t.max_grace >= t.min_tenor:
        raise LoansError(
            _(
                "Masa tenggang paling lama %(max)s angsuran dan harus lebih pendek dari jangka "
                "waktu terpendek."
            )
            % {"max": MAX_GRACE},
            code="grace",
        )
    if t.min_amount <= 0:
        raise LoansError(_("Pinjaman terkecil harus lebih dari nol."), code="amount_zero")
    if t.max_amount < t.min_amount:
        raise LoansError(
            _("Pinjaman terbesar tidak boleh kurang dari pinjaman terkecil."),
            code="amount_order",
        )
    for kind, bp, label, cap in (
        (t.provisi_kind, t.provisi_bp, _("Provisi"), MAX_FEE_BP),
        (t.admin_kind, t.admin_bp, _("Administrasi"), MAX_FEE_BP),
        (t.denda_kind, t.denda_bp, _("Denda"), MAX_DENDA_BP),
        (t.saving_kind, t.saving_bp, _("Simpanan saat pencairan"), MAX_FEE_BP),
    ):
        if kind == Charge.PERCENT and bp > cap:
            raise LoansError(
                _("%(f)s paling tinggi %(max)s%%.") % {"f": label, "max": _pct(cap)},
                code="charge_max",
            )
    if t.denda_cap_bp is not None and t.denda_cap_bp > 10_000:
        raise LoansError(_("Batas denda paling tinggi 100%% dari angsuran.") % {}, code="denda_cap")
    if not 0 <= t.denda_grace_days <= 90:
        raise LoansError(_("Hari bebas denda 0 sampai 90 hari."), code="denda_grace")
    if t.early_interest_share_bp > 10_000:
        raise LoansError(
            _("Bagian sisa bunga pada pelunasan dipercepat paling tinggi 100%%.") % {},
            code="early_share",
        )
    if t.early_penalty_bp > MAX_FEE_BP:
        raise LoansError(
            _("Penalti pelunasan dipercepat paling tinggi %(max)s%% dari sisa pokok.")
            % {"max": _pct(MAX_FEE_BP)},
            code="early_penalty",
        )
    if t.saving_kind and t.saving_product is None:
        raise LoansError(
            _("Pilih produk simpanan untuk simpanan yang diambil saat pencairan."),
            code="saving_product",
        )
    if t.saving_product is not None:
        if t.saving_product.kind not in ("wajib", "sukarela") or not t.saving_product.is_active:
            raise LoansError(
                _(
                    "Simpanan saat pencairan masuk ke produk simpanan wajib atau sukarela "
                    "yang aktif."
                ),
                code="saving_product",
            )


def _normalise(terms: LoanProductTerms) -> None:
    """A percent charge carries no fixed amount and the reverse, so the row says one thing."""
    for kind, bp, amount in (
        ("provisi_kind", "provisi_bp", "provisi_amount"),
        ("admin_kind", "admin_bp", "admin_amount"),
        ("denda_kind", "denda_bp", "denda_amount"),
        ("saving_kind", "saving_bp", "saving_amount"),
    ):
        if getattr(terms, kind) != Charge.PERCENT:
            setattr(terms, bp, 0)
        if getattr(terms, kind) != Charge.FIXED:
            setattr(terms, amount, m.ZERO)
    if not terms.saving_kind:
        terms.saving_product = None


@transaction.atomic
def product_create(
    *,
    koperasi: Koperasi,
    actor: Any,
    code: str,
    name: str,
    effective_from: dt.date,
    **terms: Any,
) -> LoanProduct:
    """Create a loan product and its first terms.

    Its portfolio account is found now by the role ``pinjaman_anggota:<CODE>`` (a koperasi may
    map a product to its own account), falling back to ``pinjaman_anggota``.
    """
    code = (code or "").strip().upper()
    name = " ".join((name or "").split())
    if not _CODE.match(code):
        raise LoansError(
            _("Kode produk 1–12 huruf besar atau angka, misalnya PU atau PMB."), code="code"
        )
    if not name or len(name) > 100:
        raise LoansError(_("Nama produk wajib diisi (paling banyak 100 huruf)."), code="name")
    if not isinstance(effective_from, dt.date):
        raise LoansError(_("Tanggal berlaku wajib diisi."), code="date")
    missing = [key for key in REQUIRED if terms.get(key) in (None, "")]
    if missing:
        raise LoansError(
            _("Ketentuan wajib diisi: %(f)s")
            % {"f": ", ".join(_label(k) if k in _LABELS else k for k in missing)},
            code="required",
        )
    if LoanProduct.objects.filter(koperasi=koperasi, code=code).exists():
        raise LoansError(_("Kode produk %(c)s sudah dipakai.") % {"c": code}, code="code_taken")
    clean = _clean(koperasi, terms)
    role = f"{PORTFOLIO_ROLE}:{code}"
    try:
        account = ledger_selectors.account_for_role(koperasi=koperasi, role=role)
    except LedgerError as exc:
        raise LoansError(
            _("Akun pinjaman anggota belum dipetakan; siapkan bagan akun koperasi dulu."),
            code="no_ledger_account",
        ) from exc
    first = LoanProductTerms(koperasi=koperasi, effective_from=effective_from, **clean)
    _normalise(first)
    _check(first)
    product = LoanProduct.objects.create(
        koperasi=koperasi, code=code, name=name, ledger_account=account, ledger_role=role
    )
    first.product = product
    first.actor = actor if getattr(actor, "is_authenticated", False) else None
    first.save()
    audit.record(
        actor=actor,
        action="loans.product_create",
        obj=product,
        after={**audit.snapshot(product), "terms": audit.snapshot(first)},
    )
    return product


@transaction.atomic
def product_update(*, product: LoanProduct, actor: Any, **changes: Any) -> LoanProduct:
    """Rename or (de)activate a product; what a loan costs changes only through new terms."""
    unknown = set(changes) - {"name", "is_active"}
    if unknown:
        raise LoansError(_("Kolom tidak dapat diubah: %(f)s") % {"f": ", ".join(sorted(unknown))})
    locked = LoanProduct.objects.select_for_update().get(pk=product.pk)
    before = audit.snapshot(locked)
    if "name" in changes:
        name = " ".join((changes["name"] or "").split())
        if not name or len(name) > 100:
            raise LoansError(_("Nama produk wajib diisi (paling banyak 100 huruf)."))
        locked.name = name
    if "is_active" in changes:
        locked.is_active = bool(changes["is_active"])
    locked.save()
    old, new = audit.changed(before, audit.snapshot(locked))
    if new:
        audit.record(actor=actor, action="loans.product_update", obj=locked, before=old, after=new)
    return locked


def first_allowed_date(koperasi: Koperasi) -> dt.date:
    """New terms take effect on the business date or later, and after any closed month.

    A loan keeps the terms in force on the day it was applied for, so terms dated earlier would
    rewrite what those loans were promised (savings refuses terms before a processed month end
    for the same reason).
    """
    today = business_date(koperasi)
    closed = ledger_selectors.closed_through(koperasi=koperasi)
    if closed is not None and closed >= today:
        return closed + dt.timedelta(days=1)
    return today


@transaction.atomic
def product_terms_set(
    *, product: LoanProduct, actor: Any, effective_from: dt.date, **terms: Any
) -> LoanProductTerms:
    """New terms for ``product`` from ``effective_from``; what is not given carries over.

    A row already dated ``effective_from`` is replaced; a date before the business date (or
    on or before a closed month) is refused.
    """
    if not isinstance(effective_from, dt.date):
        raise LoansError(_("Tanggal berlaku wajib diisi."), code="date")
    koperasi = product.koperasi
    clean = _clean(koperasi, terms)
    first = first_allowed_date(koperasi)
    if effective_from < first:
        raise LoansError(
            _(
                "Ketentuan baru tidak boleh berlaku surut: paling awal %(d)s. "
                "Pinjaman yang sudah diajukan tetap memakai ketentuan lamanya."
            )
            % {"d": first.strftime("%d/%m/%Y")},
            code="retroactive",
        )
    LoanProduct.objects.select_for_update().filter(pk=product.pk).first()
    base = (
        LoanProductTerms.objects.filter(product=product, effective_from__lte=effective_from)
        .order_by("-effective_from")
        .first()
    ) or LoanProductTerms.objects.filter(product=product).order_by("effective_from").first()
    if base is None:
        raise LoansError(_("Produk belum punya ketentuan."))
    before = audit.snapshot(base)
    values = {
        f.attname: getattr(base, f.attname)
        for f in LoanProductTerms._meta.concrete_fields
        if f.attname not in ("id", "created_at", "effective_from", "actor_id")
    }
    row = LoanProductTerms.objects.filter(product=product, effective_from=effective_from).first()
    if row is None:
        row = LoanProductTerms(effective_from=effective_from)
    for key, value in values.items():
        setattr(row, key, value)
    for key, value in clean.items():
        setattr(row, key, value)
    row.actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    _normalise(row)
    _check(row)
    row.save()
    audit.record(
        actor=actor,
        action="loans.product_terms_set",
        obj=product,
        before=before,
        after=audit.snapshot(row),
    )
    return row


__all__ = [
    "LoansError",
    "first_allowed_date",
    "percent_to_bp",
    "product_create",
    "product_terms_set",
    "product_update",
]
