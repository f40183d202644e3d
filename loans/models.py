"""Loan products and their dated terms.

Database-held rules (the ``CheckConstraint``s here): every rate, fee, share and limit is within
its range; tenor and amount limits are ordered; a choice field holds one of its choices; an
optional compulsory saving names its savings product exactly when it is taken. Every unique
constraint leads with the koperasi.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import MoneyField
from core.money import RUPIAH, ZERO, quantize
from loans.schedule import Frequency, Method, RateBasis, period_rate

# Rates are basis points (hundredths of a percent) per month or per year, so that every range
# is an exact integer comparison on both databases. 10% a month (120% a year) is far above any
# lawful loan: the 24% cap is a warning on the effective rate (loans.rates), not a refusal.
MAX_RATE_BP = {RateBasis.PER_MONTH: 1_000, RateBasis.PER_YEAR: 12_000}
MAX_FEE_BP = 1_000  # provisi, administrasi, compulsory saving: at most 10% of the principal
MAX_DENDA_BP = 1_000  # per day or per month, of the overdue instalment
MAX_TENOR = {Frequency.MONTHLY: 120, Frequency.WEEKLY: 520}  # 10 years
MAX_GRACE = 12


class LoanMethod(models.TextChoices):
    FLAT = Method.FLAT.value, _("Flat")
    ANUITAS = Method.ANUITAS.value, _("Anuitas")
    MENURUN = Method.MENURUN.value, _("Menurun (efektif)")


class RatePer(models.TextChoices):
    MONTH = RateBasis.PER_MONTH.value, _("per bulan")
    YEAR = RateBasis.PER_YEAR.value, _("per tahun")


class InstalmentFrequency(models.TextChoices):
    MONTHLY = Frequency.MONTHLY.value, _("Bulanan")
    WEEKLY = Frequency.WEEKLY.value, _("Mingguan")


class Charge(models.TextChoices):
    """How a fee or saving is set: a percent of an amount, or a fixed amount."""

    PERCENT = "persen", _("Persen")
    FIXED = "tetap", _("Jumlah tetap")


class OptionalCharge(models.TextChoices):
    NONE = "", _("Tidak ada")
    PERCENT = "persen", _("Persen dari pinjaman")
    FIXED = "tetap", _("Jumlah tetap")


class DendaPer(models.TextChoices):
    DAY = "hari", _("per hari")
    MONTH = "bulan", _("per bulan")


class Allocation(models.TextChoices):
    VERTICAL = "vertikal", _("Vertikal: angsuran tertua dulu, denda → bunga → pokok")
    HORIZONTAL = "horizontal", _("Horizontal: semua denda, lalu semua bunga, lalu pokok")


class LoanProduct(models.Model):
    """A loan product of one koperasi. What may change over time lives in LoanProductTerms."""

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="loan_products"
    )
    code = models.CharField(
        _("kode"), max_length=12, help_text=_("Singkat, huruf dan angka, misalnya PU, PMB.")
    )
    name = models.CharField(_("nama"), max_length=100)
    # The portfolio (pinjaman anggota) control account, found by the role
    # ``pinjaman_anggota:<CODE>`` when the product was made (falling back to the plain role).
    ledger_account = models.ForeignKey(
        "ledger.Account",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("akun pinjaman"),
    )
    ledger_role = models.CharField(_("peran akun"), max_length=80)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "code"]
        verbose_name = _("produk pinjaman")
        verbose_name_plural = _("produk pinjaman")
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "code"], name="loans_product_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


def _choice(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def _charge(kind: str, bp: str, amount: str, max_bp: int, name: str) -> models.CheckConstraint:
    """A percent charge has a basis-point value in range and no amount; a fixed one the reverse
    (an optional charge that is not taken has neither)."""
    return models.CheckConstraint(
        condition=Q(**{kind: "persen", f"{bp}__gte": 0, f"{bp}__lte": max_bp, amount: 0})
        | Q(**{kind: "tetap", bp: 0, f"{amount}__gte": 0})
        | Q(**{kind: "", bp: 0, amount: 0}),
        name=name,
    )


class LoanProductTerms(models.Model):
    """A loan product's parameters from ``effective_from`` until the next row's date.

    A loan takes the terms in force on the day it is applied for and keeps them.
    """

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="terms")
    effective_from = models.DateField(_("berlaku mulai"))

    # The price and the shape of the schedule.
    method = models.CharField(_("metode bunga"), max_length=8, choices=LoanMethod.choices)
    rate_bp = models.PositiveIntegerField(
        _("bunga (basis poin)"), help_text=_("100 = 1 persen per bulan atau per tahun")
    )
    rate_per = models.CharField(
        _("bunga dihitung"), max_length=5, choices=RatePer.choices, default=RatePer.MONTH
    )
    frequency = models.CharField(
        _("angsuran"),
        max_length=8,
        choices=InstalmentFrequency.choices,
        default=InstalmentFrequency.MONTHLY,
    )
    min_tenor = models.PositiveSmallIntegerField(_("jangka waktu terpendek (angsuran)"))
    max_tenor = models.PositiveSmallIntegerField(_("jangka waktu terpanjang (angsuran)"))
    max_grace = models.PositiveSmallIntegerField(
        _("masa tenggang terpanjang (angsuran)"),
        default=0,
        help_text=_("Angsuran pertama yang hanya membayar bunga"),
    )
    min_amount = MoneyField(_("pinjaman terkecil"))
    max_amount = MoneyField(_("pinjaman terbesar"))

    # Fees at disbursement, recognised as income then (DOMAIN.md, Loans).
    provisi_kind = models.CharField(
        _("provisi"), max_length=6, choices=Charge.choices, default=Charge.PERCENT
    )
    provisi_bp = models.PositiveIntegerField(_("provisi (basis poin)"), default=0)
    provisi_amount = MoneyField(_("provisi (jumlah tetap)"), default=Decimal("0"))
    admin_kind = models.CharField(
        _("administrasi"), max_length=6, choices=Charge.choices, default=Charge.FIXED
    )
    admin_bp = models.PositiveIntegerField(_("administrasi (basis poin)"), default=0)
    admin_amount = MoneyField(_("administrasi (jumlah tetap)"), default=Decimal("0"))

    # Denda on an overdue instalment (principal + interest), after the grace days.
    denda_per = models.CharField(
        _("denda dihitung"), max_length=5, choices=DendaPer.choices, default=DendaPer.DAY
    )
    denda_kind = models.CharField(
        _("denda"), max_length=6, choices=Charge.choices, default=Charge.PERCENT
    )
    denda_bp = models.PositiveIntegerField(
        _("denda (basis poin dari angsuran tertunggak)"), default=0, help_text=_("10 = 0,1 persen")
    )
    denda_amount = MoneyField(_("denda (jumlah tetap)"), default=Decimal("0"))
    denda_grace_days = models.PositiveSmallIntegerField(_("hari bebas denda"), default=3)
    denda_cap_bp = models.PositiveIntegerField(
        _("batas denda per angsuran (basis poin dari angsuran)"),
        null=True,
        blank=True,
        default=10_000,
        help_text=_("10000 = sebesar angsuran itu; kosong = tanpa batas"),
    )

    # Payments.
    allocation = models.CharField(
        _("urutan pembayaran"), max_length=10, choices=Allocation.choices, default="vertikal"
    )
    prepayment_allowed = models.BooleanField(_("pelunasan sebagian di muka boleh"), default=True)
    excess_to_sukarela = models.BooleanField(
        _("kelebihan bayar masuk simpanan sukarela"),
        default=False,
        help_text=_("Jika tidak, pembayaran di atas yang terutang ditolak"),
    )
    early_interest_share_bp = models.PositiveIntegerField(
        _("pelunasan dipercepat: bagian sisa bunga flat (basis poin)"), default=0
    )
    early_penalty_bp = models.PositiveIntegerField(
        _("pelunasan dipercepat: penalti (basis poin dari sisa pokok)"), default=0
    )

    collateral_required = models.BooleanField(_("wajib jaminan"), default=False)

    # An optional saving taken out of the principal at disbursement.
    saving_kind = models.CharField(
        _("simpanan wajib saat pencairan"),
        max_length=6,
        choices=OptionalCharge.choices,
        default="",
        blank=True,
    )
    saving_bp = models.PositiveIntegerField(_("simpanan saat pencairan (basis poin)"), default=0)
    saving_amount = MoneyField(_("simpanan saat pencairan (jumlah tetap)"), default=Decimal("0"))
    saving_product = models.ForeignKey(
        "savings.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ke produk simpanan"),
    )

    accrues = models.BooleanField(
        _("bunga diakui harian (akrual)"),
        default=True,
        help_text=_("Jika tidak, bunga diakui saat dibayar"),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["product", "-effective_from"]
        verbose_name = _("ketentuan produk pinjaman")
        verbose_name_plural = _("ketentuan produk pinjaman")
        constraints = [
            models.UniqueConstraint(
                fields=["koperasi", "product", "effective_from"], name="loans_terms_date"
            ),
            _choice("method", LoanMethod, "loans_terms_method_valid"),
            _choice("rate_per", RatePer, "loans_terms_rate_per_valid"),
            _choice("frequency", InstalmentFrequency, "loans_terms_frequency_valid"),
            _choice("denda_per", DendaPer, "loans_terms_denda_per_valid"),
            _choice("allocation", Allocation, "loans_terms_allocation_valid"),
            models.CheckConstraint(
                condition=Q(
                    rate_per="bulan", rate_bp__gte=0, rate_bp__lte=MAX_RATE_BP[RateBasis.PER_MONTH]
                )
                | Q(rate_per="tahun", rate_bp__gte=0, rate_bp__lte=MAX_RATE_BP[RateBasis.PER_YEAR]),
                name="loans_terms_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(min_tenor__gte=1, max_tenor__gte=F("min_tenor"))
                & (
                    Q(frequency="bulanan", max_tenor__lte=MAX_TENOR[Frequency.MONTHLY])
                    | Q(frequency="mingguan", max_tenor__lte=MAX_TENOR[Frequency.WEEKLY])
                ),
                name="loans_terms_tenor_range",
            ),
            models.CheckConstraint(
                condition=Q(max_grace__gte=0, max_grace__lte=MAX_GRACE)
                & Q(max_grace__lt=F("min_tenor")),
                name="loans_terms_grace_range",
            ),
            models.CheckConstraint(
                condition=Q(min_amount__gt=0, max_amount__gte=F("min_amount")),
                name="loans_terms_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(provisi_kind__in=Charge.values) & Q(admin_kind__in=Charge.values),
                name="loans_terms_fee_kind_valid",
            ),
            _charge("provisi_kind", "provisi_bp", "provisi_amount", MAX_FEE_BP, "loans_provisi"),
            _charge("admin_kind", "admin_bp", "admin_amount", MAX_FEE_BP, "loans_admin"),
            _charge("denda_kind", "denda_bp", "denda_amount", MAX_DENDA_BP, "loans_denda"),
            _charge("saving_kind", "saving_bp", "saving_amount", MAX_FEE_BP, "loans_saving"),
            models.CheckConstraint(
                condition=Q(denda_kind__in=Charge.values), name="loans_terms_denda_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(saving_kind="", saving_product__isnull=True)
                | Q(saving_kind__in=["persen", "tetap"], saving_product__isnull=False),
                name="loans_terms_saving_product",
            ),
            models.CheckConstraint(
                condition=Q(denda_grace_days__gte=0, denda_grace_days__lte=90),
                name="loans_terms_denda_grace_range",
            ),
            models.CheckConstraint(
                condition=Q(denda_cap_bp__isnull=True)
                | Q(denda_cap_bp__gte=0, denda_cap_bp__lte=10_000),
                name="loans_terms_denda_cap_range",
            ),
            models.CheckConstraint(
                condition=Q(early_interest_share_bp__gte=0, early_interest_share_bp__lte=10_000)
                & Q(early_penalty_bp__gte=0, early_penalty_bp__lte=MAX_FEE_BP),
                name="loans_terms_early_settlement_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.effective_from}"

    @property
    def rate_percent(self) -> Decimal:
        return Decimal(self.rate_bp) / 100

    @property
    def period_rate(self) -> Decimal:
        """The rate per instalment period, a fraction (:func:`loans.schedule.period_rate`)."""
        return period_rate(
            self.rate_percent, basis=RateBasis(self.rate_per), frequency=Frequency(self.frequency)
        )

    def fee(self, kind: str, bp: int, amount: Decimal, principal: Decimal) -> Decimal:
        """A percent or fixed charge on ``principal``, rounded half-up to the rupiah."""
        if kind == Charge.PERCENT:
            return quantize(principal * bp / 10_000, rounding=ROUND_HALF_UP, unit=RUPIAH)
        if kind == Charge.FIXED:
            return amount
        return ZERO

    def fees(self, principal: Decimal) -> Decimal:
        """Provisi + administrasi on ``principal``: what the member does not receive."""
        return self.fee(
            self.provisi_kind, self.provisi_bp, self.provisi_amount, principal
        ) + self.fee(self.admin_kind, self.admin_bp, self.admin_amount, principal)
