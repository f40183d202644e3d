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

from core.fields import MoneyField, money_range
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
            *money_range(
                "loans_terms",
                "min_amount",
                "max_amount",
                "provisi_amount",
                "admin_amount",
                "denda_amount",
                "saving_amount",
            ),
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


# ---------------------------------------------------------------------------------------------
# Loans: one row per loan from application to its end, its schedule rows and its movements.
# ---------------------------------------------------------------------------------------------


class LoanStatus(models.TextChoices):
    DIAJUKAN = "diajukan", _("Diajukan")  # entered, waiting for approval
    DISETUJUI = "disetujui", _("Disetujui")  # approved, waiting for disbursement
    DITOLAK = "ditolak", _("Ditolak")
    BATAL = "batal", _("Dibatalkan")  # withdrawn before disbursement
    AKTIF = "aktif", _("Berjalan")  # disbursed, something still owed
    LUNAS = "lunas", _("Lunas")
    HAPUS_BUKU = "hapus_buku", _("Dihapusbukukan")


class Kolektibilitas(models.TextChoices):
    """Grades in order of risk; the numbers (1–4) are their order, used to compare grades."""

    LANCAR = "lancar", _("Lancar")
    KURANG_LANCAR = "kurang_lancar", _("Kurang Lancar")
    DIRAGUKAN = "diragukan", _("Diragukan")
    MACET = "macet", _("Macet")


class GradeOverride(models.TextChoices):
    NONE = "", _("Tidak ada")
    DIRAGUKAN = "diragukan", _("Diragukan")
    MACET = "macet", _("Macet")


class Loan(models.Model):
    """A member's loan, from the application to lunas or write-off.

    The loan's running figures (``outstanding_principal``, ``accrued_interest``, ``allowance``)
    are the loan sub-ledger: the loans services change them in the same transaction as the
    ledger entry that moves the control accounts, and ``kopdig ledger verify`` reconciles their
    sums with those accounts to the sen. The applied-for price and shape (method, rate, tenor,
    grace) are copied from the product's terms in force on the application day and kept.
    """

    Status = LoanStatus

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="loans"
    )
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="loans")
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="loans")
    terms = models.ForeignKey(LoanProductTerms, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("nomor pinjaman"), max_length=60)
    status = models.CharField(
        _("status"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.DIAJUKAN
    )

    # What was applied for (and, once approved, what was agreed).
    principal = MoneyField(_("pokok pinjaman"))
    method = models.CharField(_("metode bunga"), max_length=8, choices=LoanMethod.choices)
    rate_bp = models.PositiveIntegerField(_("bunga (basis poin)"))
    rate_per = models.CharField(_("bunga dihitung"), max_length=5, choices=RatePer.choices)
    frequency = models.CharField(_("angsuran"), max_length=8, choices=InstalmentFrequency.choices)
    tenor = models.PositiveSmallIntegerField(_("jangka waktu (angsuran)"))
    grace = models.PositiveSmallIntegerField(_("masa tenggang (angsuran)"), default=0)
    purpose = models.CharField(_("tujuan pinjaman"), max_length=200, blank=True)
    collateral = models.TextField(_("jaminan"), blank=True)
    related_party = models.BooleanField(
        _("pihak terkait"),
        default=False,
        help_text=_("Pengurus, pengawas atau koperasi afiliasi: perlu persetujuan keduanya"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("petugas"),
    )

    # Maker and checker.
    applied_on = models.DateField(_("tanggal pengajuan"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("disetujui pada"), null=True, blank=True)
    # A related-party loan's second approval (the pengawas), besides the pengurus's.
    approved_by_pengawas = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rate_cap_acknowledged = models.BooleanField(_("bunga di atas batas diketahui"), default=False)
    decision_note = models.CharField(_("catatan keputusan"), max_length=250, blank=True)

    # Disbursement.
    disbursed_on = models.DateField(_("tanggal pencairan"), null=True, blank=True)
    maturity_date = models.DateField(_("jatuh tempo"), null=True, blank=True)
    disbursement_entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fees = MoneyField(_("provisi dan administrasi"), default=Decimal("0"))
    saving_taken = MoneyField(_("simpanan dipotong saat pencairan"), default=Decimal("0"))

    # The sub-ledger: what the member still owes and what the books hold against it.
    outstanding_principal = MoneyField(_("sisa pokok"), default=Decimal("0"))
    accrued_interest = MoneyField(_("bunga akrual belum dibayar"), default=Decimal("0"))
    allowance = MoneyField(_("PPAP dibentuk"), default=Decimal("0"))
    written_off = MoneyField(_("pokok dihapusbukukan"), default=Decimal("0"))
    recovered = MoneyField(_("pemulihan setelah hapus buku"), default=Decimal("0"))

    # Arrears, kept by the close of business.
    days_past_due = models.PositiveIntegerField(_("hari tunggakan"), default=0)
    kolektibilitas = models.CharField(
        _("kolektibilitas"),
        max_length=14,
        choices=Kolektibilitas.choices,
        default=Kolektibilitas.LANCAR,
    )
    grade_since = models.DateField(_("kolektibilitas sejak"), null=True, blank=True)
    grade_override = models.CharField(
        _("kolektibilitas manual"), max_length=10, choices=GradeOverride.choices, blank=True
    )
    override_reason = models.CharField(
        _("alasan kolektibilitas manual"), max_length=250, blank=True
    )
    # The member's monthly income declared on the application (kemampuan bayar); empty: none.
    declared_income = MoneyField(_("penghasilan sebulan"), null=True, blank=True)
    # A restructured loan keeps its grade until this many instalments in a row are paid on time.
    restructured_count = models.PositiveSmallIntegerField(_("kali direstrukturisasi"), default=0)
    on_time_streak = models.PositiveSmallIntegerField(_("angsuran tepat waktu berturut"), default=0)
    schedule_version = models.PositiveSmallIntegerField(default=1)

    closed_on = models.DateField(_("tanggal lunas atau hapus buku"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "number"]
        verbose_name = _("pinjaman")
        verbose_name_plural = _("pinjaman")
        constraints = [
            *money_range(
                "loans_loan",
                "principal",
                "fees",
                "saving_taken",
                "outstanding_principal",
                "accrued_interest",
                "allowance",
                "written_off",
                "recovered",
                "declared_income",
            ),
            models.UniqueConstraint(fields=["koperasi", "number"], name="loans_loan_number"),
            _choice("status", LoanStatus, "loans_loan_status_valid"),
            _choice("method", LoanMethod, "loans_loan_method_valid"),
            _choice("rate_per", RatePer, "loans_loan_rate_per_valid"),
            _choice("frequency", InstalmentFrequency, "loans_loan_frequency_valid"),
            _choice("kolektibilitas", Kolektibilitas, "loans_loan_grade_valid"),
            _choice("grade_override", GradeOverride, "loans_loan_override_valid"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="loans_loan_principal_pos"),
            models.CheckConstraint(
                condition=Q(tenor__gte=1, grace__gte=0, grace__lt=F("tenor")),
                name="loans_loan_tenor_range",
            ),
            models.CheckConstraint(
                condition=Q(rate_per="bulan", rate_bp__lte=MAX_RATE_BP[RateBasis.PER_MONTH])
                | Q(rate_per="tahun", rate_bp__lte=MAX_RATE_BP[RateBasis.PER_YEAR]),
                name="loans_loan_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    outstanding_principal__gte=0,
                    accrued_interest__gte=0,
                    allowance__gte=0,
                    written_off__gte=0,
                    recovered__gte=0,
                    fees__gte=0,
                    saving_taken__gte=0,
                ),
                name="loans_loan_figures_nonneg",
            ),
            # Maker-checker, held by the database: whoever entered a loan never approves it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("applied_by")),
                name="loans_loan_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(approved_by_pengawas__isnull=True)
                | (
                    ~Q(approved_by_pengawas=F("applied_by"))
                    & ~Q(approved_by_pengawas=F("approved_by"))
                ),
                name="loans_loan_four_eyes_pengawas",
            ),
            # Nothing is owed before disbursement, and once lunas or written off.
            models.CheckConstraint(
                condition=Q(status__in=["aktif"]) | Q(outstanding_principal=0, accrued_interest=0),
                name="loans_loan_owed_only_when_active",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["diajukan", "ditolak", "batal"])
                | Q(status="disetujui", approved_by__isnull=False)
                | Q(approved_by__isnull=False, disbursed_on__isnull=False),
                name="loans_loan_disbursed_after_approval",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["diajukan", "disetujui", "ditolak", "batal"])
                | Q(related_party=False)
                | Q(approved_by_pengawas__isnull=False),
                name="loans_loan_related_party_pengawas",
            ),
            models.CheckConstraint(
                condition=Q(grade_override="") | ~Q(override_reason=""),
                name="loans_loan_override_has_reason",
            ),
            # A written-off loan's recoveries never exceed what was written off.
            models.CheckConstraint(
                condition=Q(recovered__lte=F("written_off")),
                name="loans_loan_recovered_within",
            ),
        ]
        indexes = [
            models.Index(fields=["koperasi", "status"], name="loans_loan_status"),
            models.Index(fields=["member", "status"], name="loans_loan_member"),
            models.Index(fields=["koperasi", "kolektibilitas"], name="loans_loan_grade"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_active(self) -> bool:
        return self.status == LoanStatus.AKTIF

    @property
    def rate_percent(self) -> Decimal:
        return Decimal(self.rate_bp) / 100

    @property
    def grade(self) -> str:
        """The grade that counts: the manual override when there is one."""
        return self.grade_override or self.kolektibilitas


class Instalment(models.Model):
    """One instalment of a loan's schedule (one schedule version: a restructuring makes a new
    version from the next instalment on and marks the old unpaid rows superseded)."""

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="instalments")
    version = models.PositiveSmallIntegerField(default=1)
    number = models.PositiveSmallIntegerField(_("angsuran ke"))
    due_date = models.DateField(_("jatuh tempo"))
    principal_due = MoneyField(_("pokok"))
    interest_due = MoneyField(_("bunga"))
    principal_paid = MoneyField(_("pokok dibayar"), default=Decimal("0"))
    interest_paid = MoneyField(_("bunga dibayar"), default=Decimal("0"))
    # Denda charged so far on this instalment by the close of business (income when paid).
    denda_due = MoneyField(_("denda"), default=Decimal("0"))
    denda_paid = MoneyField(_("denda dibayar"), default=Decimal("0"))
    denda_waived = MoneyField(_("denda dihapus"), default=Decimal("0"))
    # The last day the close of business charged denda for (a day is charged once).
    denda_through = models.DateField(_("denda dihitung sampai"), null=True, blank=True)
    paid_on = models.DateField(_("lunas pada"), null=True, blank=True)
    superseded = models.BooleanField(_("diganti restrukturisasi"), default=False)

    class Meta:
        ordering = ["loan", "version", "number"]
        verbose_name = _("angsuran")
        verbose_name_plural = _("angsuran")
        constraints = [
            *money_range(
                "loans_inst",
                "principal_due",
                "interest_due",
                "principal_paid",
                "interest_paid",
                "denda_due",
                "denda_paid",
                "denda_waived",
            ),
            models.UniqueConstraint(fields=["loan", "version", "number"], name="loans_inst_number"),
            models.CheckConstraint(
                condition=Q(principal_due__gte=0, interest_due__gte=0, denda_due__gte=0)
                & Q(principal_paid__gte=0, interest_paid__gte=0, denda_paid__gte=0)
                & Q(denda_waived__gte=0),
                name="loans_inst_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(principal_paid__lte=F("principal_due"))
                & Q(interest_paid__lte=F("interest_due")),
                name="loans_inst_paid_within_due",
            ),
            models.CheckConstraint(
                condition=Q(denda_paid__lte=F("denda_due") - F("denda_waived")),
                name="loans_inst_denda_paid_within_due",
            ),
        ]
        indexes = [
            models.Index(
                fields=["loan", "superseded", "paid_on", "due_date"], name="loans_inst_open"
            ),
            models.Index(fields=["koperasi", "due_date"], name="loans_inst_due"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} #{self.number}"

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due

    @property
    def owed(self) -> Decimal:
        """Principal, interest and denda still unpaid on this instalment."""
        return (
            self.principal_due
            - self.principal_paid
            + self.interest_due
            - self.interest_paid
            + self.denda_due
            - self.denda_waived
            - self.denda_paid
        )


class LoanTxKind(models.TextChoices):
    PENCAIRAN = "pencairan", _("Pencairan")
    ANGSURAN = "angsuran", _("Angsuran")
    PELUNASAN = "pelunasan", _("Pelunasan dipercepat")
    POTONG_GAJI = "potong_gaji", _("Angsuran potong gaji")
    AKRUAL = "akrual", _("Akrual bunga")
    AKRUAL_BALIK = "akrual_balik", _("Pembalikan bunga akrual")
    DENDA = "denda", _("Denda")
    RESTRUKTURISASI = "restruktur", _("Restrukturisasi")
    PPAP = "ppap", _("Pembentukan PPAP")
    HAPUS_BUKU = "hapus_buku", _("Hapus buku")
    PEMULIHAN = "pemulihan", _("Pemulihan setelah hapus buku")
    NETTING = "netting", _("Potong simpanan saat keluar")


class LoanTransaction(models.Model):
    """One movement of one loan, part of one ledger entry. Append-only.

    Signed changes of the loan's sub-ledger figures: ``principal`` (+ lent, − repaid or written
    off), ``accrued`` (+ accrued, − paid or reversed), ``allowance`` (+ formed, − released or
    used); and what was paid: ``interest_paid`` (interest income received, accrued or not),
    ``denda_paid``, ``fees``; ``cash`` into (+) or out of (−) the kasir's drawer.
    """

    Kind = LoanTxKind

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="transactions", db_index=False
    )
    kind = models.CharField(_("jenis"), max_length=12, choices=LoanTxKind.choices)
    value_date = models.DateField(_("tanggal"))
    created_at = models.DateTimeField(_("dicatat pada"), auto_now_add=True)
    entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    principal = MoneyField(_("pokok"), default=Decimal("0"))
    accrued = MoneyField(_("bunga akrual"), default=Decimal("0"))
    allowance = MoneyField(_("PPAP"), default=Decimal("0"))
    interest_paid = MoneyField(_("bunga dibayar"), default=Decimal("0"))
    denda_paid = MoneyField(_("denda dibayar"), default=Decimal("0"))
    fees = MoneyField(_("provisi dan administrasi"), default=Decimal("0"))
    cash = MoneyField(_("kas"), default=Decimal("0"))
    memo = models.CharField(_("keterangan"), max_length=250, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        "savings.CashierSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    voids = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("membatalkan"),
    )

    class Meta:
        ordering = ["loan", "value_date", "id"]
        verbose_name = _("transaksi pinjaman")
        verbose_name_plural = _("transaksi pinjaman")
        constraints = [
            *money_range(
                "loans_tx",
                "principal",
                "accrued",
                "allowance",
                "interest_paid",
                "denda_paid",
                "fees",
                "cash",
            ),
            _choice("kind", LoanTxKind, "loans_tx_kind_valid"),
            models.CheckConstraint(
                condition=~Q(
                    principal=0,
                    accrued=0,
                    allowance=0,
                    interest_paid=0,
                    denda_paid=0,
                    fees=0,
                    cash=0,
                ),
                name="loans_tx_not_empty",
            ),
            models.UniqueConstraint(
                fields=["voids"], condition=Q(voids__isnull=False), name="loans_tx_voided_once"
            ),
        ]
        indexes = [
            models.Index(fields=["loan", "value_date"], name="loans_tx_loan_date"),
            models.Index(fields=["koperasi", "kind", "value_date"], name="loans_tx_kind_date"),
            models.Index(fields=["entry"], name="loans_tx_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.kind}"


class LoanEvent(models.Model):
    """What happened to a loan that is not money: applied, approved, refused, grade changed,
    override set, restructured (with the old and new terms), written off, letter printed.
    The loan's history page reads these beside its transactions."""

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("peristiwa"), max_length=30)
    on = models.DateField(_("tanggal"))
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("catatan"), max_length=250, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["loan", "created_at", "id"]
        verbose_name = _("peristiwa pinjaman")
        verbose_name_plural = _("peristiwa pinjaman")

    def __str__(self) -> str:
        return f"{self.loan_id} {self.kind}"


class LoanSettings(models.Model):
    """A koperasi's loan settings: kolektibilitas day thresholds, PPAP rates, related-party
    limit. One row per koperasi, made with defaults (DOMAIN.md) when first read."""

    koperasi = models.OneToOneField(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="loan_settings"
    )
    # Days past due above which a monthly loan is Kurang Lancar, Diragukan, Macet.
    monthly_kl_days = models.PositiveSmallIntegerField(default=90)
    monthly_d_days = models.PositiveSmallIntegerField(default=180)
    monthly_m_days = models.PositiveSmallIntegerField(default=360)
    # The same for weekly (and daily) instalments.
    weekly_kl_days = models.PositiveSmallIntegerField(default=30)
    weekly_d_days = models.PositiveSmallIntegerField(default=60)
    weekly_m_days = models.PositiveSmallIntegerField(default=90)
    # PPAP rates per grade, basis points of the gross outstanding principal.
    ppap_lancar_bp = models.PositiveIntegerField(default=50)
    ppap_kurang_lancar_bp = models.PositiveIntegerField(default=1_000)
    ppap_diragukan_bp = models.PositiveIntegerField(default=5_000)
    ppap_macet_bp = models.PositiveIntegerField(default=10_000)
    # Related-party loans: at most this share of own capital (basis points; 1000 = 10%).
    related_party_limit_bp = models.PositiveIntegerField(default=1_000)
    # Per-member maximum for other borrowers (BMPP); empty: none.
    member_limit = MoneyField(_("batas pinjaman per anggota"), null=True, blank=True)
    # Repayment capacity: all of a member's instalments (a month's worth) at most this share of
    # the declared monthly income (basis points; 3333 ≈ a third); above it the page warns.
    capacity_bp = models.PositiveIntegerField(_("batas angsuran dari penghasilan"), default=3_333)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pengaturan pinjaman")
        verbose_name_plural = _("pengaturan pinjaman")
        constraints = [
            *money_range("loans_settings", "member_limit"),
            models.CheckConstraint(
                condition=Q(monthly_kl_days__lt=F("monthly_d_days"))
                & Q(monthly_d_days__lt=F("monthly_m_days"))
                & Q(weekly_kl_days__lt=F("weekly_d_days"))
                & Q(weekly_d_days__lt=F("weekly_m_days")),
                name="loans_settings_days_ordered",
            ),
            models.CheckConstraint(
                condition=Q(ppap_lancar_bp__lte=10_000)
                & Q(ppap_kurang_lancar_bp__lte=10_000)
                & Q(ppap_diragukan_bp__lte=10_000)
                & Q(ppap_macet_bp__lte=10_000)
                & Q(related_party_limit_bp__lte=10_000)
                & Q(capacity_bp__lte=10_000),
                name="loans_settings_rates_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id}"


class InstalmentMovement(models.Model):
    """What one loan movement did to one instalment: paid (+) or, for a void, unpaid (−)
    principal, interest and denda, and interest cut from the schedule (a prepayment that
    shortens the tenor, or a settlement: ``interest_cut`` > 0 lowers ``interest_due``).
    The receipt's breakdown reads these; a void puts every figure back exactly."""

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    transaction = models.ForeignKey(
        LoanTransaction, on_delete=models.PROTECT, related_name="allocations"
    )
    instalment = models.ForeignKey(
        Instalment, on_delete=models.PROTECT, related_name="movements", db_index=False
    )
    principal = MoneyField(_("pokok"), default=Decimal("0"))
    interest = MoneyField(_("bunga"), default=Decimal("0"))
    denda = MoneyField(_("denda"), default=Decimal("0"))
    interest_cut = MoneyField(_("bunga dihapus dari jadwal"), default=Decimal("0"))

    class Meta:
        ordering = ["transaction", "instalment"]
        verbose_name = _("alokasi angsuran")
        verbose_name_plural = _("alokasi angsuran")
        constraints = [
            *money_range("loans_alloc", "principal", "interest", "denda", "interest_cut"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id} → {self.instalment_id}"


class LoanVoidStatus(models.TextChoices):
    MENUNGGU = "menunggu", _("Menunggu persetujuan")
    DIBATALKAN = "dibatalkan", _("Dibatalkan")
    DITOLAK = "ditolak", _("Ditolak")


class LoanVoidRequest(models.Model):
    """A request to void one loan movement (a repayment, a settlement, a disbursement with
    nothing after it), made with a reason and decided by a pengurus who did not ask."""

    Status = LoanVoidStatus

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="void_requests")
    transaction = models.ForeignKey(
        LoanTransaction, on_delete=models.PROTECT, related_name="void_requests"
    )
    reason = models.CharField(_("alasan"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=LoanVoidStatus.choices,
        default=LoanVoidStatus.MENUNGGU,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("catatan"), max_length=250, blank=True)
    void_entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("pembatalan transaksi pinjaman")
        verbose_name_plural = _("pembatalan transaksi pinjaman")
        constraints = [
            _choice("status", LoanVoidStatus, "loans_void_status_valid"),
            models.UniqueConstraint(
                fields=["transaction"],
                condition=~Q(status="ditolak"),
                name="loans_void_once",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="loans_void_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(status="dibatalkan") | Q(void_entry__isnull=False),
                name="loans_void_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.status}"


class RequestStatus(models.TextChoices):
    MENUNGGU = "menunggu", _("Menunggu persetujuan")
    DISETUJUI = "disetujui", _("Disetujui")
    DITOLAK = "ditolak", _("Ditolak")


class LoanRestructure(models.Model):
    """A request to restructure a running loan: a new schedule (the next version) for what is
    outstanding, with a new tenor (and perhaps rate and method), arrears interest capitalised
    or not. Asked with a reason; approved or refused by a pengurus who did not ask."""

    Status = RequestStatus

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="restructures")
    tenor = models.PositiveSmallIntegerField(_("jangka waktu baru (angsuran)"))
    rate_bp = models.PositiveIntegerField(_("bunga baru (basis poin)"))
    method = models.CharField(_("metode bunga baru"), max_length=8, choices=LoanMethod.choices)
    capitalise = models.BooleanField(_("bunga tunggakan dijadikan pokok"), default=False)
    reason = models.CharField(_("alasan"), max_length=200)
    requested_on = models.DateField(_("tanggal pengajuan"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.MENUNGGU
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("catatan"), max_length=250, blank=True)
    entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("restrukturisasi pinjaman")
        verbose_name_plural = _("restrukturisasi pinjaman")
        constraints = [
            _choice("status", RequestStatus, "loans_restr_status_valid"),
            _choice("method", LoanMethod, "loans_restr_method_valid"),
            models.CheckConstraint(
                condition=Q(tenor__gte=1, tenor__lte=MAX_TENOR[Frequency.WEEKLY])
                & Q(rate_bp__lte=MAX_RATE_BP[RateBasis.PER_YEAR]),
                name="loans_restr_terms_range",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="loans_restr_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["loan"], condition=Q(status="menunggu"), name="loans_restr_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.status}"


class LoanWriteOff(models.Model):
    """A request to write a loan off (hapus buku), approved by a pengurus who did not ask; the
    pengawas is informed (``informed_pengawas_at`` once a pengawas has read it)."""

    Status = RequestStatus

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="writeoffs")
    reason = models.CharField(_("alasan"), max_length=200)
    requested_on = models.DateField(_("tanggal pengajuan"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.MENUNGGU
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("catatan"), max_length=250, blank=True)
    entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seen_by_pengawas = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seen_by_pengawas_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("hapus buku pinjaman")
        verbose_name_plural = _("hapus buku pinjaman")
        constraints = [
            _choice("status", RequestStatus, "loans_wo_status_valid"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="loans_wo_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(status="disetujui") | Q(entry__isnull=False),
                name="loans_wo_has_entry",
            ),
            models.UniqueConstraint(
                fields=["loan"], condition=~Q(status="ditolak"), name="loans_wo_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.status}"


class LoanPayrollStatus(models.TextChoices):
    PREVIEW = "pratinjau", _("Pratinjau")
    POSTED = "diposting", _("Diposting")


class LoanPayrollBatch(models.Model):
    """A payroll file of loan instalments (potong gaji): the checked rows kept for the preview,
    then posted once in one entry (read as the savings payroll is: :mod:`core.spreadsheet`)."""

    Status = LoanPayrollStatus

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("berkas"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    value_date = models.DateField(_("tanggal"))
    source_role = models.CharField(_("sumber dana"), max_length=40, default="bank")
    rows = models.JSONField(default=list)  # [{"row", "loan_id", "loan", "name", "amount"}]
    errors = models.JSONField(default=list)
    error_count = models.PositiveIntegerField(_("kesalahan"), default=0)
    error_report = models.BinaryField(null=True, editable=False)
    total = MoneyField(_("jumlah"), default=Decimal("0"))
    status = models.CharField(
        max_length=10, choices=LoanPayrollStatus.choices, default=LoanPayrollStatus.PREVIEW
    )
    entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_only_valid = models.BooleanField(default=False)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("potong gaji angsuran")
        verbose_name_plural = _("potong gaji angsuran")
        constraints = [
            *money_range("loans_payroll", "total"),
            _choice("status", LoanPayrollStatus, "loans_payroll_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="diposting") | Q(entry__isnull=False),
                name="loans_payroll_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return self.filename
