"""Savings products, their dated terms, and opening members' accounts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core.dates import business_date
from ledger import selectors as ledger_selectors
from ledger.services import LedgerError
from members.models import Member
from registry.models import Koperasi
from savings.models import (
    ALLOWED_WITHDRAWABLE,
    LEDGER_ROLE,
    RATE_CAP_BP,
    Account,
    AtMaturity,
    InterestMethod,
    Kind,
    MonthEndRun,
    MonthEndStep,
    Product,
    ProductTerms,
    Withdrawable,
)
from savings.services._common import (
    ZERO,
    RateAboveCap,
    SavingsError,
    amount_of,
    rupiah,
)

TERM_FIELDS = (
    "rate_percent",
    "interest_method",
    "interest_threshold",
    "min_balance",
    "pokok_amount",
    "pokok_instalments",
    "wajib_amount",
    "wajib_period_months",
    "tenors",
    "early_penalty_percent",
    "at_maturity",
)

DEFAULT_WITHDRAWABLE = {
    Kind.POKOK: Withdrawable.ON_LEAVING,
    Kind.WAJIB: Withdrawable.ON_LEAVING,
    Kind.SUKARELA: Withdrawable.ANY_TIME,
    Kind.BERJANGKA: Withdrawable.AT_MATURITY,
}

_CODE = re.compile(r"^[A-Z0-9]{1,12}$")


def percent_to_bp(value: Any, *, label: str) -> int:
    """``Decimal("6.5")`` / ``"6,5"`` / ``6`` percent → 650 basis points (at most two places)."""
    if isinstance(value, float) or isinstance(value, bool):
        raise SavingsError(_("%(f)s harus berupa angka desimal, bukan float.") % {"f": label})
    try:
        pct = Decimal(str(value).strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        raise SavingsError(
            _("%(f)s “%(v)s” bukan angka persen yang sah.") % {"f": label, "v": value},
            code="percent_invalid",
        ) from None
    if not pct.is_finite():
        raise SavingsError(_("%(f)s bukan angka persen yang sah.") % {"f": label})
    bp = pct * 100
    if bp != bp.to_integral_value():
        raise SavingsError(
            _("%(f)s paling banyak dua angka di belakang koma.") % {"f": label},
            code="percent_places",
        )
    if pct < 0:
        raise SavingsError(_("%(f)s tidak boleh negatif.") % {"f": label}, code="percent_negative")
    return int(bp)


def _clean_terms(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate term values for a product of ``kind``; return model field values."""
    unknown = sorted(set(data) - set(TERM_FIELDS))
    if unknown:
        raise SavingsError(_("Ketentuan tidak dikenal: %(f)s") % {"f": ", ".join(unknown)})
    out: dict[str, Any] = {}
    if "rate_percent" in data:
        bp = percent_to_bp(data["rate_percent"], label=_("Bunga"))
        if bp > RATE_CAP_BP:
            raise RateAboveCap(
                _(
                    "Bunga simpanan paling tinggi 9%% setahun (Permenkop UKM 8/2023 Pasal 26); "
                    "yang diisi %(rate)s%% setahun."
                )
                % {"rate": str(Decimal(bp) / 100).replace(".", ",")},
                code="rate_cap",
            )
        out["rate_bp"] = bp
    if "interest_method" in data:
        if data["interest_method"] not in InterestMethod.values:
            raise SavingsError(
                _("Metode bunga harus saldo harian, saldo rata-rata atau saldo terendah.")
            )
        out["interest_method"] = data["interest_method"]
    for key, label in (
        ("interest_threshold", _("Saldo minimum berbunga")),
        ("min_balance", _("Saldo minimum")),
        ("pokok_amount", _("Jumlah simpanan pokok")),
        ("wajib_amount", _("Jumlah simpanan wajib")),
    ):
        if key in data:
            out[key] = amount_of(data[key], allow_zero=True, label=label)
    if "pokok_instalments" in data:
        n = data["pokok_instalments"]
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 60:
            raise SavingsError(_("Cicilan simpanan pokok harus 1 sampai 60 kali."))
        out["pokok_instalments"] = n
    if "wajib_period_months" in data:
        if data["wajib_period_months"] not in (1, 3, 6, 12):
            raise SavingsError(_("Periode simpanan wajib harus 1, 3, 6 atau 12 bulan."))
        out["wajib_period_months"] = data["wajib_period_months"]
    if "tenors" in data:
        tenors = data["tenors"] or []
        if not all(
            isinstance(t, int) and not isinstance(t, bool) and 1 <= t <= 120 for t in tenors
        ):
            raise SavingsError(_("Jangka waktu harus bilangan bulan antara 1 dan 120."))
        out["tenors"] = sorted(set(tenors))
    if "early_penalty_percent" in data:
        bp = percent_to_bp(data["early_penalty_percent"], label=_("Denda pencairan"))
        if bp > 10000:
            raise SavingsError(
                _("Denda pencairan paling tinggi %(max)s%% dari bunga yang diterima.")
                % {"max": 100}
            )
        out["early_penalty_bp"] = bp
    if "at_maturity" in data:
        if data["at_maturity"] not in AtMaturity.values:
            raise SavingsError(_("Pilihan saat jatuh tempo tidak dikenal."))
        out["at_maturity"] = data["at_maturity"]
    return out


def _check_complete(kind: str, terms: ProductTerms) -> None:
    if kind == Kind.POKOK and terms.pokok_amount <= 0:
        raise SavingsError(_("Jumlah simpanan pokok harus diisi."), code="pokok_amount")
    if kind == Kind.WAJIB and terms.wajib_amount <= 0:
        raise SavingsError(_("Jumlah simpanan wajib harus diisi."), code="wajib_amount")
    if kind == Kind.BERJANGKA and not terms.tenors:
        raise SavingsError(
            _("Simpanan berjangka harus punya sedikitnya satu jangka waktu (misalnya 3, 6, 12)."),
            code="tenors",
        )
    if terms.interest_threshold < 0 or terms.min_balance < 0:
        raise SavingsError(_("Saldo minimum tidak boleh negatif."))


@transaction.atomic
def product_create(
    *,
    koperasi: Koperasi,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    effective_from: dt.date,
    withdrawable: str | None = None,
    open_on_join: bool = False,
    **terms: Any,
) -> Product:
    """Create a product and its first terms; its ledger account is found by role now.

    The role is ``simpanan_<kind>:<CODE>`` (a koperasi may map a product to its own account),
    falling back to ``simpanan_<kind>``.
    """
    code = (code or "").strip().upper()
    name = " ".join((name or "").split())
    if not _CODE.match(code):
        raise SavingsError(
            _("Kode produk 1–12 huruf besar atau angka, misalnya SW atau SIBUHAR."), code="code"
        )
    if not name or len(name) > 100:
        raise SavingsError(_("Nama produk wajib diisi (paling banyak 100 huruf)."), code="name")
    if kind not in Kind.values:
        raise SavingsError(_("Jenis simpanan tidak dikenal: %(k)s") % {"k": kind}, code="kind")
    withdrawable = withdrawable or DEFAULT_WITHDRAWABLE[Kind(kind)]
    if withdrawable not in ALLOWED_WITHDRAWABLE[Kind(kind)]:
        raise SavingsError(
            _("%(kind)s tidak dapat diatur “%(w)s”.")
            % {"kind": Kind(kind).label, "w": Withdrawable(withdrawable).label}
            if withdrawable in Withdrawable.values
            else _("Pilihan penarikan tidak dikenal."),
            code="withdrawable",
        )
    if Product.objects.filter(koperasi=koperasi, code=code).exists():
        raise SavingsError(_("Kode produk %(c)s sudah dipakai.") % {"c": code}, code="code_taken")
    if kind == Kind.POKOK and Product.objects.filter(koperasi=koperasi, kind=Kind.POKOK).exists():
        raise SavingsError(
            _("Koperasi ini sudah punya produk simpanan pokok (satu jumlah untuk semua anggota)."),
            code="one_pokok",
        )
    if kind == Kind.BERJANGKA and open_on_join:
        raise SavingsError(_("Simpanan berjangka tidak dibuka otomatis untuk anggota baru."))
    clean = _clean_terms(kind, terms)
    role = f"{LEDGER_ROLE[Kind(kind)]}:{code}"
    try:
        ledger_account = ledger_selectors.account_for_role(koperasi=koperasi, role=role)
    except LedgerError as exc:
        raise SavingsError(
            _("Akun buku besar untuk %(kind)s belum dipetakan; siapkan bagan akun koperasi dulu.")
            % {"kind": Kind(kind).label},
            code="no_ledger_account",
        ) from exc
    product = Product(
        koperasi=koperasi,
        code=code,
        name=name,
        kind=kind,
        withdrawable=withdrawable,
        open_on_join=open_on_join,
        ledger_account=ledger_account,
        ledger_role=role,
    )
    first = ProductTerms(koperasi=koperasi, effective_from=effective_from, **clean)
    _check_complete(kind, first)
    product.save()
    first.product = product
    first.actor = actor if getattr(actor, "is_authenticated", False) else None
    first.save()
    audit.record(
        actor=actor,
        action="savings.product_create",
        obj=product,
        after={**audit.snapshot(product), "terms": audit.snapshot(first)},
    )
    return product


@transaction.atomic
def product_update(*, product: Product, actor: Any, **changes: Any) -> Product:
    """Rename, (de)activate or change whether new members get an account automatically."""
    unknown = set(changes) - {"name", "is_active", "open_on_join"}
    if unknown:
        raise SavingsError(_("Kolom tidak dapat diubah: %(f)s") % {"f": ", ".join(sorted(unknown))})
    locked = Product.objects.select_for_update().get(pk=product.pk)
    before = audit.snapshot(locked)
    if "name" in changes:
        name = " ".join((changes["name"] or "").split())
        if not name:
            raise SavingsError(_("Nama produk wajib diisi."))
        locked.name = name
    if "is_active" in changes:
        locked.is_active = bool(changes["is_active"])
    if "open_on_join" in changes:
        if changes["open_on_join"] and locked.kind == Kind.BERJANGKA:
            raise SavingsError(_("Simpanan berjangka tidak dibuka otomatis untuk anggota baru."))
        locked.open_on_join = bool(changes["open_on_join"])
    locked.save()
    old, new = audit.changed(before, audit.snapshot(locked))
    if new:
        audit.record(
            actor=actor, action="savings.product_update", obj=locked, before=old, after=new
        )
    return locked


def last_processed_month_end(koperasi: Koperasi) -> dt.date | None:
    run = (
        MonthEndRun.objects.filter(koperasi=koperasi, step=MonthEndStep.BUNGA)
        .order_by("-date")
        .first()
    )
    return run.date if run else None


@transaction.atomic
def product_terms_set(
    *, product: Product, actor: Any, effective_from: dt.date, **terms: Any
) -> ProductTerms:
    """New terms for ``product`` from ``effective_from``; what is not given carries over.

    Terms cannot take effect on or before a month end already processed (its interest was
    computed with the old terms). A row already dated ``effective_from`` is replaced.
    """
    if not isinstance(effective_from, dt.date):
        raise SavingsError(_("Tanggal berlaku wajib diisi."))
    clean = _clean_terms(product.kind, terms)
    done = last_processed_month_end(product.koperasi)
    if done is not None and effective_from <= done:
        raise SavingsError(
            _(
                "Ketentuan baru tidak boleh berlaku surut: akhir bulan %(d)s sudah diproses. "
                "Pilih tanggal sesudahnya."
            )
            % {"d": done.strftime("%d/%m/%Y")},
            code="retroactive",
        )
    base = (
        ProductTerms.objects.filter(product=product, effective_from__lte=effective_from)
        .order_by("-effective_from")
        .first()
    ) or ProductTerms.objects.filter(product=product).order_by("effective_from").first()
    if base is None:
        raise SavingsError(_("Produk belum punya ketentuan."))
    before = audit.snapshot(base)
    values = {
        f.attname: getattr(base, f.attname)
        for f in ProductTerms._meta.concrete_fields
        if f.attname not in ("id", "created_at", "effective_from", "actor_id")
    }
    values.update(clean)
    values["actor_id"] = actor.pk if getattr(actor, "is_authenticated", False) else None
    row = ProductTerms.objects.filter(product=product, effective_from=effective_from).first()
    if row is None:
        row = ProductTerms(effective_from=effective_from)
    for key, value in values.items():
        setattr(row, key, value)
    _check_complete(product.kind, row)
    row.save()
    audit.record(
        actor=actor,
        action="savings.product_terms_set",
        obj=product,
        before=before,
        after=audit.snapshot(row),
    )
    return row


def _account_number(member: Member, product: Product) -> str:
    base = f"{member.number}-{product.code}"
    if product.kind != Kind.BERJANGKA:
        if not Account.objects.filter(koperasi_id=member.koperasi_id, number=base).exists():
            return base
    n = Account.objects.filter(member=member, product=product).count() + 1
    while Account.objects.filter(koperasi_id=member.koperasi_id, number=f"{base}-{n}").exists():
        n += 1
    return f"{base}-{n}"


def open_account(
    *, member: Member, product: Product, actor: Any, on: dt.date, **extra: Any
) -> Account:
    """Open an account (no money moves); shared by the services that need one."""
    if product.koperasi_id != member.koperasi_id:
        raise SavingsError(_("Produk milik koperasi lain."))
    if not member.is_active:
        raise SavingsError(
            _("%(name)s bukan anggota aktif.") % {"name": member.full_name},
            code="member_not_active",
        )
    if not product.is_active:
        raise SavingsError(_("Produk %(p)s sudah tidak aktif.") % {"p": product.name})
    if (
        product.kind != Kind.BERJANGKA
        and Account.objects.filter(
            member=member, product=product, status=Account.Status.AKTIF
        ).exists()
    ):
        raise SavingsError(
            _("%(name)s sudah punya rekening %(p)s.")
            % {"name": member.full_name, "p": product.name},
            code="account_exists",
        )
    account = Account.objects.create(
        koperasi_id=member.koperasi_id,
        member=member,
        product=product,
        kind=product.kind,
        number=_account_number(member, product),
        opened_on=on,
        **extra,
    )
    audit.record(
        actor=actor, action="savings.account_open", obj=account, after=audit.snapshot(account)
    )
    return account


@transaction.atomic
def account_open(*, member: Member, product: Product, actor: Any) -> Account:
    """Open a member's account in a (non-berjangka) product; berjangka opens with money."""
    if product.kind == Kind.BERJANGKA:
        raise SavingsError(
            _("Simpanan berjangka dibuka bersama setorannya (menu Simpanan berjangka).")
        )
    return open_account(
        member=member, product=product, actor=actor, on=business_date(member.koperasi)
    )


@transaction.atomic
def account_wajib_amount_set(*, account: Account, actor: Any, amount: Any | None) -> Account:
    """This member's own monthly wajib (``None``: back to the product's amount)."""
    if account.kind != Kind.WAJIB:
        raise SavingsError(_("Jumlah khusus hanya untuk rekening simpanan wajib."))
    value = None if amount in (None, "") else amount_of(amount, label=_("Simpanan wajib"))
    locked = Account.objects.select_for_update().get(pk=account.pk)
    before = {"wajib_amount": str(locked.wajib_amount) if locked.wajib_amount else None}
    locked.wajib_amount = value
    locked.save(update_fields=["wajib_amount"])
    audit.record(
        actor=actor,
        action="savings.wajib_amount_set",
        obj=locked,
        before=before,
        after={"wajib_amount": str(value) if value is not None else None},
        note=rupiah(value) if value is not None else "",
    )
    return locked


__all__ = [
    "ZERO",
    "account_open",
    "account_wajib_amount_set",
    "open_account",
    "percent_to_bp",
    "product_create",
    "product_terms_set",
    "product_update",
]
