"""Savings products (with dated terms), members' accounts, their movements and month-end records.

Database-held rules (see ``migrations/0002_savings_rules.py`` and the ``CheckConstraint``s here):
an account's balance never goes below its ``floor``; a product's rate is within the legal cap;
a movement is non-zero and, once written, never changes; an obligation is never over-paid.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import MoneyField, money_range
from savings.interest import Method

# Permenkop UKM 8/2023 Pasal 26: savings interest at most 9% a year. Rates are stored in basis
# points (hundredths of a percent) so the cap is an exact integer comparison on both databases.
RATE_CAP_BP = 900


class Kind(models.TextChoices):
    POKOK = "pokok", _("Simpanan pokok")
    WAJIB = "wajib", _("Simpanan wajib")
    SUKARELA = "sukarela", _("Simpanan sukarela")
    BERJANGKA = "berjangka", _("Simpanan berjangka")


class Withdrawable(models.TextChoices):
    NEVER = "tidak_pernah", _("Tidak dapat ditarik")
    ON_LEAVING = "saat_keluar", _("Saat keluar dari keanggotaan")
    ANY_TIME = "kapan_saja", _("Kapan saja")
    AT_MATURITY = "jatuh_tempo", _("Saat jatuh tempo")


class InterestMethod(models.TextChoices):
    DAILY = Method.DAILY.value, _("Saldo harian")
    AVERAGE = Method.AVERAGE.value, _("Saldo rata-rata")
    LOWEST = Method.LOWEST.value, _("Saldo terendah")


class AtMaturity(models.TextChoices):
    TO_SUKARELA = "ke_sukarela", _("Dipindahkan ke simpanan sukarela")
    ROLL_OVER = "perpanjang", _("Diperpanjang otomatis")


# Which kinds may be withdrawn how; pokok and wajib never while the member stays.
ALLOWED_WITHDRAWABLE = {
    Kind.POKOK: (Withdrawable.NEVER, Withdrawable.ON_LEAVING),
    Kind.WAJIB: (Withdrawable.NEVER, Withdrawable.ON_LEAVING),
    Kind.SUKARELA: (Withdrawable.ANY_TIME, Withdrawable.ON_LEAVING),
    Kind.BERJANGKA: (Withdrawable.AT_MATURITY,),
}

# The ledger role a product's control account is found by (refined by the product code).
LEDGER_ROLE = {
    Kind.POKOK: "simpanan_pokok",
    Kind.WAJIB: "simpanan_wajib",
    Kind.SUKARELA: "simpanan_sukarela",
    Kind.BERJANGKA: "simpanan_berjangka",
}


class Product(models.Model):
    """A savings product of one koperasi. What may change over time lives in ProductTerms."""

    Kind = Kind
    Withdrawable = Withdrawable

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="savings_products"
    )
    code = models.CharField(
        _("kode"),
        max_length=12,
        help_text=_("Singkat, huruf dan angka, misalnya SP, SW, SIBUHAR, SB6."),
    )
    name = models.CharField(_("nama"), max_length=100)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)
    withdrawable = models.CharField(_("dapat ditarik"), max_length=15, choices=Withdrawable.choices)
    open_on_join = models.BooleanField(
        _("dibuka otomatis untuk anggota baru"),
        default=False,
        help_text=_("Rekening produk ini dibuka untuk setiap anggota yang masuk."),
    )
    ledger_account = models.ForeignKey(
        "ledger.Account",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("akun buku besar"),
    )
    ledger_role = models.CharField(_("peran akun"), max_length=80)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "kind", "code"]
        verbose_name = _("produk simpanan")
        verbose_name_plural = _("produk simpanan")
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "code"], name="savings_product_code"),
            # Simpanan pokok is one equal amount for every member: one product per koperasi.
            models.UniqueConstraint(
                fields=["koperasi"], condition=Q(kind="pokok"), name="savings_one_pokok"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="savings_product_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["pokok", "wajib"], withdrawable__in=["tidak_pernah", "saat_keluar"]
                )
                | Q(kind="sukarela", withdrawable__in=["kapan_saja", "saat_keluar"])
                | Q(kind="berjangka", withdrawable="jatuh_tempo"),
                name="savings_product_withdrawable_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def is_member_capital(self) -> bool:
        """Pokok and wajib: not withdrawable while a member, refunded on leaving."""
        return self.kind in (Kind.POKOK, Kind.WAJIB)


class ProductTerms(models.Model):
    """A product's parameters from ``effective_from`` until the next row's date."""

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="terms")
    effective_from = models.DateField(_("berlaku mulai"))
    rate_bp = models.PositiveIntegerField(
        _("bunga per tahun (basis poin)"), default=0, help_text=_("600 = 6 persen setahun")
    )
    interest_method = models.CharField(
        _("metode bunga"),
        max_length=10,
        choices=InterestMethod.choices,
        default=InterestMethod.DAILY,
    )
    interest_threshold = MoneyField(
        _("saldo minimum berbunga"),
        default=Decimal("0"),
        help_text=_("Di bawah ini tidak berbunga"),
    )
    min_balance = MoneyField(_("saldo minimum"), default=Decimal("0"))
    pokok_amount = MoneyField(_("jumlah simpanan pokok"), default=Decimal("0"))
    pokok_instalments = models.PositiveSmallIntegerField(
        _("simpanan pokok dapat dicicil (kali)"), default=1
    )
    wajib_amount = MoneyField(_("jumlah simpanan wajib"), default=Decimal("0"))
    wajib_period_months = models.PositiveSmallIntegerField(
        _("periode simpanan wajib (bulan)"), default=1
    )
    tenors = models.JSONField(
        _("jangka waktu (bulan)"), default=list, blank=True, help_text=_("misalnya [3, 6, 12]")
    )
    early_penalty_bp = models.PositiveIntegerField(
        _("denda pencairan sebelum jatuh tempo (basis poin dari bunga diterima)"), default=0
    )
    at_maturity = models.CharField(
        _("saat jatuh tempo"),
        max_length=12,
        choices=AtMaturity.choices,
        default=AtMaturity.TO_SUKARELA,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["product", "-effective_from"]
        verbose_name = _("ketentuan produk")
        verbose_name_plural = _("ketentuan produk")
        constraints = [
            *money_range(
                "savings_terms", "interest_threshold", "min_balance", "pokok_amount", "wajib_amount"
            ),
            models.UniqueConstraint(
                fields=["koperasi", "product", "effective_from"], name="savings_terms_date"
            ),
            models.CheckConstraint(
                condition=Q(rate_bp__gte=0, rate_bp__lte=RATE_CAP_BP),
                name="savings_terms_rate_cap",
            ),
            models.CheckConstraint(
                condition=Q(early_penalty_bp__gte=0, early_penalty_bp__lte=10000),
                name="savings_terms_penalty_pct",
            ),
            models.CheckConstraint(
                condition=Q(min_balance__gte=0, interest_threshold__gte=0, pokok_amount__gte=0)
                & Q(wajib_amount__gte=0),
                name="savings_terms_amounts_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(pokok_instalments__gte=1, pokok_instalments__lte=60),
                name="savings_terms_instalments",
            ),
            models.CheckConstraint(
                condition=Q(wajib_period_months__in=[1, 3, 6, 12]),
                name="savings_terms_wajib_period",
            ),
            models.CheckConstraint(
                condition=Q(interest_method__in=InterestMethod.values),
                name="savings_terms_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.effective_from}"

    @property
    def rate_percent(self) -> Decimal:
        return Decimal(self.rate_bp) / 100

    @property
    def early_penalty_percent(self) -> Decimal:
        return Decimal(self.early_penalty_bp) / 100


class AccountStatus(models.TextChoices):
    AKTIF = "aktif", _("Aktif")
    DITUTUP = "ditutup", _("Ditutup")


class CloseReason(models.TextChoices):
    LEFT = "keluar", _("Anggota keluar")
    DIED = "meninggal", _("Anggota meninggal")
    MATURED = "jatuh_tempo", _("Jatuh tempo")
    BROKEN = "dicairkan", _("Dicairkan sebelum jatuh tempo")
    BY_MEMBER = "permintaan", _("Permintaan anggota")


class Account(models.Model):
    """One member's account in one product. Its balance is the sum of its transactions."""

    Status = AccountStatus

    # No index of their own: ``savings_account_number`` (koperasi, number) and
    # ``savings_acc_member`` (member, kind) lead with them, and every index is rewritten when a
    # balance update cannot stay on its page (100 000 of them at a month end).
    koperasi = models.ForeignKey(
        "registry.Koperasi",
        on_delete=models.PROTECT,
        related_name="savings_accounts",
        db_index=False,
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="savings_accounts", db_index=False
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)  # = product.kind
    number = models.CharField(_("nomor rekening"), max_length=60)
    balance = MoneyField(_("saldo"), default=Decimal("0"))
    # What the database guarantees the balance never goes below: the product's minimum balance
    # once reached (zero before, and zero once closed). Services keep it; the CHECK enforces it.
    floor = MoneyField(_("batas saldo"), default=Decimal("0"))
    status = models.CharField(
        _("status"), max_length=8, choices=AccountStatus.choices, default=AccountStatus.AKTIF
    )
    opened_on = models.DateField(_("dibuka"))
    closed_on = models.DateField(_("ditutup"), null=True, blank=True)
    close_reason = models.CharField(
        _("alasan ditutup"), max_length=12, choices=CloseReason.choices, blank=True
    )
    # Wajib: this member's own monthly amount (None: the product's), and what they paid ahead.
    wajib_amount = MoneyField(_("simpanan wajib khusus"), null=True, blank=True)
    prepaid = MoneyField(_("dibayar di muka"), default=Decimal("0"))
    # Berjangka: the current term, its locked rate and the interest it has earned so far.
    tenor_months = models.PositiveSmallIntegerField(
        _("jangka waktu (bulan)"), null=True, blank=True
    )
    rate_bp = models.PositiveIntegerField(_("bunga terkunci (basis poin)"), null=True, blank=True)
    # The previous term's locked rate, for the days of the roll-over month before ``term_start``.
    prior_rate_bp = models.PositiveIntegerField(
        _("bunga terkunci jangka sebelumnya (basis poin)"), null=True, blank=True
    )
    term_start = models.DateField(_("mulai jangka"), null=True, blank=True)
    maturity_date = models.DateField(_("jatuh tempo"), null=True, blank=True)
    at_maturity = models.CharField(
        _("saat jatuh tempo"), max_length=12, choices=AtMaturity.choices, blank=True
    )
    term_interest = MoneyField(_("bunga diterima jangka ini"), default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "number"]
        verbose_name = _("rekening simpanan")
        verbose_name_plural = _("rekening simpanan")
        constraints = [
            *money_range(
                "savings_account", "balance", "floor", "wajib_amount", "prepaid", "term_interest"
            ),
            models.UniqueConstraint(fields=["koperasi", "number"], name="savings_account_number"),
            models.UniqueConstraint(
                fields=["koperasi", "member", "product"],
                condition=Q(status="aktif") & ~Q(kind="berjangka"),
                name="savings_one_open_account_per_product",
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=F("floor")), name="savings_balance_above_floor"
            ),
            models.CheckConstraint(condition=Q(floor__gte=0), name="savings_floor_nonneg"),
            models.CheckConstraint(condition=Q(prepaid__gte=0), name="savings_prepaid_nonneg"),
            models.CheckConstraint(
                condition=Q(status="aktif", closed_on__isnull=True)
                | Q(status="ditutup", closed_on__isnull=False, balance=0),
                name="savings_closed_is_empty",
            ),
            models.CheckConstraint(
                condition=Q(rate_bp__isnull=True) | Q(rate_bp__lte=RATE_CAP_BP),
                name="savings_account_rate_cap",
            ),
            models.CheckConstraint(
                condition=Q(prior_rate_bp__isnull=True) | Q(prior_rate_bp__lte=RATE_CAP_BP),
                name="savings_account_prior_rate_cap",
            ),
        ]
        indexes = [
            models.Index(fields=["koperasi", "product", "status"], name="savings_acc_product"),
            models.Index(fields=["member", "kind"], name="savings_acc_member"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status == AccountStatus.AKTIF

    @property
    def rate_percent(self) -> Decimal | None:
        return None if self.rate_bp is None else Decimal(self.rate_bp) / 100


class CashierSession(models.Model):
    """A kasir's day at the counter: opened with a cash count, closed with a count.

    ``expected`` at close is the opening count plus the cash of every transaction made in the
    session; a difference is posted to the ``selisih_kas`` account and shown to the manager.
    """

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    kasir = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField(_("tanggal buku"))
    opened_at = models.DateTimeField(_("dibuka"), auto_now_add=True)
    opening_count = MoneyField(_("kas awal"))
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    closing_count = MoneyField(_("kas akhir (hitung)"), null=True, blank=True)
    expected = MoneyField(_("kas akhir (menurut catatan)"), null=True, blank=True)
    difference = MoneyField(_("selisih"), null=True, blank=True)
    difference_entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("catatan"), max_length=250, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("sesi kasir")
        verbose_name_plural = _("sesi kasir")
        constraints = [
            *money_range(
                "savings_session", "opening_count", "closing_count", "expected", "difference"
            ),
            models.UniqueConstraint(
                fields=["koperasi", "kasir"],
                condition=Q(closed_at__isnull=True),
                name="savings_one_open_session",
            ),
            models.CheckConstraint(
                condition=Q(opening_count__gte=0), name="savings_session_opening_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kasir_id} {self.business_date}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class VaultMove(models.Model):
    """Cash moved between the vault (kas besar) and a kasir's drawer during a session.

    ``amount`` is signed as the drawer sees it: + taken in from the vault, − handed back to it.
    The chart has one ``kas`` account for the vault and every drawer, so a move changes no
    ledger balance and posts no entry: it changes what the drawer should hold, and the session's
    expected cash counts it (see ``savings.services.drawer``).
    """

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        CashierSession, on_delete=models.PROTECT, related_name="vault_moves"
    )
    amount = MoneyField(_("jumlah"))
    at = models.DateTimeField(_("waktu"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    note = models.CharField(_("keterangan"), max_length=200, blank=True)

    class Meta:
        ordering = ["session", "id"]
        verbose_name = _("pindah kas brankas")
        verbose_name_plural = _("pindah kas brankas")
        constraints = [
            *money_range("savings_vault", "amount"),
            models.CheckConstraint(condition=~Q(amount=0), name="savings_vault_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.amount}"


class Denomination(models.Model):
    """How many notes or coins of one face value the kasir counted when closing a session."""

    session = models.ForeignKey(
        CashierSession, on_delete=models.PROTECT, related_name="denominations"
    )
    face = models.PositiveIntegerField(_("pecahan (rupiah)"))
    pieces = models.PositiveIntegerField(_("lembar/keping"))

    class Meta:
        ordering = ["session", "-face"]
        verbose_name = _("pecahan")
        verbose_name_plural = _("pecahan")
        constraints = [
            models.UniqueConstraint(fields=["session", "face"], name="savings_denomination_once"),
            models.CheckConstraint(
                condition=Q(face__gte=1, face__lte=1000000, pieces__lte=10000000),
                name="savings_denomination_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.face} × {self.pieces}"

    @property
    def total(self) -> Decimal:
        return Decimal(self.face) * self.pieces


class TxKind(models.TextChoices):
    SETORAN = "setoran", _("Setoran")
    PENARIKAN = "penarikan", _("Penarikan")
    TRANSFER_MASUK = "transfer_masuk", _("Pindah buku masuk")
    TRANSFER_KELUAR = "transfer_keluar", _("Pindah buku keluar")
    BUNGA = "bunga", _("Bunga")
    PAJAK = "pajak", _("PPh final bunga")
    POTONG_GAJI = "potong_gaji", _("Potong gaji")
    PENUTUPAN = "penutupan", _("Pengembalian simpanan")
    DENDA = "denda", _("Denda pencairan")
    JATUH_TEMPO = "jatuh_tempo", _("Jatuh tempo")


class Transaction(models.Model):
    """One movement of one account. Append-only; references the ledger entry it is part of."""

    Kind = TxKind

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="transactions", db_index=False
    )
    kind = models.CharField(_("jenis"), max_length=16, choices=TxKind.choices)
    amount = MoneyField(_("jumlah"))  # signed: + into the account, − out of it
    value_date = models.DateField(_("tanggal"))
    created_at = models.DateTimeField(_("dicatat pada"), auto_now_add=True)
    entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    memo = models.CharField(_("keterangan"), max_length=250, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        CashierSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
    )
    cash = MoneyField(_("kas"), default=Decimal("0"))  # into (+) or out of (−) the kasir's drawer
    run = models.ForeignKey(  # indexed by savings_tx_run (run, account)
        "MonthEndRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # A void's movement: the movement it undoes (same kind, opposite amount); the original is
    # left as it was. No index: every index costs each insert, and voids are read by entry.
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
        ordering = ["account", "value_date", "id"]
        verbose_name = _("transaksi simpanan")
        verbose_name_plural = _("transaksi simpanan")
        constraints = [
            *money_range("savings_tx", "amount", "cash"),
            models.CheckConstraint(condition=~Q(amount=0), name="savings_tx_nonzero"),
            models.CheckConstraint(
                condition=Q(kind__in=TxKind.values), name="savings_tx_kind_valid"
            ),
            # Partial: only void movements are in it, so a deposit's insert never touches it.
            models.UniqueConstraint(
                fields=["voids"], condition=Q(voids__isnull=False), name="savings_tx_voided_once"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "value_date"], name="savings_tx_account_date"),
            models.Index(fields=["koperasi", "value_date"], name="savings_tx_date"),
            models.Index(fields=["koperasi", "kind", "value_date"], name="savings_tx_kind_date"),
            models.Index(fields=["entry"], name="savings_tx_entry"),
            models.Index(fields=["run", "account"], name="savings_tx_run"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.amount}"


class VoidStatus(models.TextChoices):
    MENUNGGU = "menunggu", _("Menunggu persetujuan")
    DIBATALKAN = "dibatalkan", _("Dibatalkan")
    DITOLAK = "ditolak", _("Ditolak")


class VoidRequest(models.Model):
    """A request to void (batalkan) a savings transaction, and its outcome.

    The void itself (``savings.services.void``) posts a new entry (``void_entry``) with new
    movements of kind ``batal`` that undo the original's, which stay as they were: this row links
    the two. ``member`` is set when only one member's row of a many-member entry (a payroll
    batch) is voided; otherwise the whole entry is. While the kasir's session is open a void of
    its transaction is asked by the kasir with a reason and approved by a pengurus who is not
    the kasir; once the session is closed (or for transactions without one) the pengurus does
    it. An entry (or a member's row of it) is voided at most once, held by the database.
    """

    Status = VoidStatus

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(
        "ledger.JournalEntry",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("jurnal yang dibatalkan"),
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="+", verbose_name=_("transaksi")
    )
    session = models.ForeignKey(
        CashierSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voids",
        verbose_name=_("sesi kasir"),
    )
    amount = MoneyField(_("jumlah"))
    reason = models.CharField(_("alasan"), max_length=250)
    status = models.CharField(
        _("status"), max_length=10, choices=VoidStatus.choices, default=VoidStatus.MENUNGGU
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("diminta pada"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("diputuskan pada"), null=True, blank=True)
    decision_note = models.CharField(_("catatan keputusan"), max_length=250, blank=True)
    void_entry = models.ForeignKey(
        "ledger.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("jurnal pembatalan"),
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("pembatalan transaksi")
        verbose_name_plural = _("pembatalan transaksi")
        constraints = [
            *money_range("savings_void", "amount"),
            models.UniqueConstraint(
                fields=["koperasi", "entry"],
                condition=Q(member__isnull=True) & ~Q(status="ditolak"),
                name="savings_void_entry_once",
            ),
            models.UniqueConstraint(
                fields=["koperasi", "entry", "member"],
                condition=Q(member__isnull=False) & ~Q(status="ditolak"),
                name="savings_void_row_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=VoidStatus.values), name="savings_void_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="dibatalkan", void_entry__isnull=False, decided_by__isnull=False)
                | (~Q(status="dibatalkan") & Q(void_entry__isnull=True)),
                name="savings_void_done_has_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["koperasi", "status"], name="savings_void_status"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.status}"


class ObligationKind(models.TextChoices):
    WAJIB = "wajib", _("Simpanan wajib")
    POKOK = "pokok", _("Cicilan simpanan pokok")


class Obligation(models.Model):
    """What a member must pay into an account for one period: a month's wajib, or a pokok
    instalment. Payments settle the oldest first; ``paid < amount`` is arrears (tunggakan).

    Wajib is billed on accrual: the unpaid part is a receivable (``piutang_simpanan_wajib``) in
    the ledger, so the simpanan wajib control account equals the members' paid wajib balances
    plus their arrears. Pokok instalments are recorded when paid (no receivable).
    """

    Kind = ObligationKind

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="obligations")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("jenis"), max_length=6, choices=ObligationKind.choices)
    period = models.DateField(_("periode"))  # first day of the month billed / instalment month
    amount = MoneyField(_("tagihan"))
    paid = MoneyField(_("dibayar"), default=Decimal("0"))
    settled_on = models.DateField(_("lunas pada"), null=True, blank=True)
    cancelled = models.BooleanField(_("dibatalkan"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "period"]
        verbose_name = _("tagihan simpanan")
        verbose_name_plural = _("tagihan simpanan")
        constraints = [
            *money_range("savings_obligation", "amount", "paid"),
            models.UniqueConstraint(
                fields=["koperasi", "account", "period"], name="savings_obligation_period"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0, paid__gte=0, paid__lte=F("amount")),
                name="savings_obligation_paid_range",
            ),
        ]
        indexes = [
            models.Index(fields=["koperasi", "kind", "settled_on"], name="savings_obl_open"),
            models.Index(fields=["member", "kind", "period"], name="savings_obl_member"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period:%Y-%m}: {self.paid}/{self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


class MonthEndStep(models.TextChoices):
    BERJANGKA = "berjangka", _("Jatuh tempo simpanan berjangka")
    WAJIB = "wajib", _("Tagihan simpanan wajib")
    BUNGA = "bunga", _("Bunga simpanan")
    PAJAK = "pajak", _("PPh final bunga simpanan")


class MonthEndRun(models.Model):
    """One month-end step done for one koperasi and date; its existence makes a rerun a no-op."""

    Step = MonthEndStep

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("tanggal"))
    step = models.CharField(_("langkah"), max_length=10, choices=MonthEndStep.choices)
    entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    count = models.PositiveIntegerField(_("jumlah baris"), default=0)
    total = MoneyField(_("jumlah"), default=Decimal("0"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("langkah akhir bulan")
        verbose_name_plural = _("langkah akhir bulan")
        constraints = [
            *money_range("savings_monthend", "total"),
            models.UniqueConstraint(fields=["koperasi", "date", "step"], name="savings_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id} {self.date} {self.step}"


class TaxWithholding(models.Model):
    """A member's PPh final on savings interest for one month (the bukti potong), even at 0%."""

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("masa pajak"))  # first day of the month
    gross = MoneyField(_("bunga bruto"))
    tax = MoneyField(_("PPh dipotong"))
    rate_bp = models.PositiveIntegerField(_("tarif (basis poin)"))
    # The month end that withheld it; none when withheld on leaving (the partial month's interest).
    run = models.ForeignKey(
        MonthEndRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["period", "member"]
        verbose_name = _("bukti potong PPh bunga simpanan")
        verbose_name_plural = _("bukti potong PPh bunga simpanan")
        constraints = [
            *money_range("savings_withholding", "gross", "tax"),
            models.UniqueConstraint(
                fields=["koperasi", "member", "period"], name="savings_withholding_once"
            ),
            models.CheckConstraint(
                condition=Q(gross__gte=0, tax__gte=0, tax__lte=F("gross")),
                name="savings_withholding_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.period:%Y-%m}: {self.tax}"


class PayrollBatch(models.Model):
    """An uploaded payroll-deduction file: checked rows kept for the preview, then posted once."""

    class Status(models.TextChoices):
        PREVIEW = "pratinjau", _("Pratinjau")
        POSTED = "diposting", _("Diposting")

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("berkas"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    value_date = models.DateField(_("tanggal"))
    source_role = models.CharField(_("sumber dana"), max_length=40, default="bank")
    rows = models.JSONField(default=list)  # [{"row", "member_id", "number", "name", "amounts"}]
    # The first few hundred problems ([{"sheet","row","column","code","message","text"}]) for the
    # page; all of them counted, and every one in a gzipped CSV for download (core.spreadsheet).
    errors = models.JSONField(default=list)
    error_count = models.PositiveIntegerField(_("kesalahan"), default=0)
    error_report = models.BinaryField(null=True, editable=False)
    total = MoneyField(_("jumlah"), default=Decimal("0"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_only_valid = models.BooleanField(default=False)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("potong gaji")
        verbose_name_plural = _("potong gaji")
        constraints = [*money_range("savings_payroll", "total")]

    def __str__(self) -> str:
        return self.filename


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


class CounterLimits(models.Model):
    """A koperasi's limits at the counter, set by its pengurus (data, not settings).

    Above ``confirm_above`` the kasir sees the amount in words and confirms it; above
    ``approval_threshold`` a deposit, withdrawal or transfer waits for a pengurus's approval
    (:class:`CounterRequest`); above ``ceiling`` it is refused outright.
    """

    koperasi = models.OneToOneField("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    confirm_above = MoneyField(_("konfirmasi terbilang di atas"), default=Decimal("10000000"))
    approval_threshold = MoneyField(
        _("perlu persetujuan pengurus di atas"), default=Decimal("50000000")
    )
    ceiling = MoneyField(_("batas tertinggi per transaksi"), default=Decimal("1000000000"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("batas transaksi kasir")
        verbose_name_plural = _("batas transaksi kasir")
        constraints = [
            *money_range("savings_limits", "confirm_above", "approval_threshold", "ceiling"),
            models.CheckConstraint(
                condition=Q(confirm_above__gt=0)
                & Q(approval_threshold__gt=0)
                & Q(approval_threshold__lte=F("ceiling")),
                name="savings_limits_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id}"


class RequestStatus(models.TextChoices):
    PENDING = "menunggu", _("Menunggu persetujuan")
    APPROVED = "disetujui", _("Disetujui")
    REFUSED = "ditolak", _("Ditolak")


class CounterRequest(models.Model):
    """A counter transaction above the approval threshold, waiting for a pengurus.

    It posts nothing until approved by someone other than the kasir who entered it (held by
    the database too); then it posts once, with the kasir's session. A refused request is kept.
    """

    class Action(models.TextChoices):
        DEPOSIT = "setoran", _("Setoran")
        WITHDRAW = "penarikan", _("Penarikan")
        TRANSFER = "pindah_buku", _("Pindah buku")
        # Counter actions of a higher app (loans), posted by the handler it registers
        # (:func:`savings.services.approvals.register_action`); ``subject`` names what they move.
        LOAN_DISBURSE = "pencairan", _("Pencairan pinjaman")
        LOAN_REPAY = "angsuran", _("Angsuran pinjaman")
        LOAN_SETTLE = "pelunasan", _("Pelunasan pinjaman")
        LOAN_RECOVER = "pemulihan", _("Pemulihan pinjaman dihapusbukukan")

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("jenis"), max_length=12, choices=Action.choices)
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rekening"),
        null=True,
        blank=True,
    )
    # Another app's object the request moves ("loans.Loan:12"), its words for the queue
    # (number and member) and, once posted, its result ("loans.LoanTransaction:34").
    subject = models.CharField(max_length=60, blank=True)
    subject_label = models.CharField(max_length=160, blank=True)
    result = models.CharField(max_length=60, blank=True)
    target = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    amount = MoneyField(_("jumlah"))
    via = models.CharField(max_length=5, default="kas")
    memo = models.CharField(_("keterangan"), max_length=200, blank=True)
    session = models.ForeignKey(
        CashierSession, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    idempotency_key = models.CharField(max_length=64)
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("alasan"), max_length=250, blank=True)
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("permintaan persetujuan")
        verbose_name_plural = _("permintaan persetujuan")
        constraints = [
            *money_range("savings_request", "amount"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="savings_request_positive"),
            models.UniqueConstraint(
                fields=["koperasi", "idempotency_key"], name="savings_request_key_once"
            ),
            models.CheckConstraint(
                condition=Q(checker__isnull=True) | ~Q(checker=F("maker")),
                name="savings_request_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(status=RequestStatus.PENDING, checker__isnull=True)
                | Q(~Q(status=RequestStatus.PENDING), checker__isnull=False),
                name="savings_request_decided_by_checker",
            ),
            models.CheckConstraint(
                condition=Q(transaction__isnull=True, result="") | Q(status=RequestStatus.APPROVED),
                name="savings_request_posts_when_approved",
            ),
            models.CheckConstraint(
                condition=Q(account__isnull=False) | ~Q(subject=""),
                name="savings_request_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.amount}"


class TaxDeposit(models.Model):
    """The deposit (setoran) of one masa's withheld PPh final to the state treasury, with the
    NTPN the bank or post office printed: its own entry, Dr utang pajak / Cr bank or kas.

    One per koperasi and masa (the database refuses a second); the amount is whole rupiah."""

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("masa pajak"))  # first day of the month
    withheld = MoneyField(_("PPh dipotong"))
    amount = MoneyField(_("jumlah disetor"))
    ntpn = models.CharField(_("NTPN"), max_length=16)
    paid_on = models.DateField(_("tanggal setor"))
    via = models.CharField(_("dibayar dari"), max_length=10)
    note = models.CharField(_("catatan"), max_length=250, blank=True)
    entry = models.ForeignKey("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period"]
        verbose_name = _("setoran PPh bunga simpanan")
        verbose_name_plural = _("setoran PPh bunga simpanan")
        constraints = [
            *money_range("savings_tax_deposit", "withheld", "amount"),
            models.UniqueConstraint(fields=["koperasi", "period"], name="savings_tax_deposit_once"),
            models.UniqueConstraint(fields=["koperasi", "ntpn"], name="savings_tax_deposit_ntpn"),
            models.CheckConstraint(
                condition=Q(amount__gt=0, withheld__gte=0), name="savings_tax_deposit_range"
            ),
            models.CheckConstraint(
                condition=Q(via__in=["kas", "bank"]), name="savings_tax_deposit_via"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id} {self.period:%Y-%m}: {self.amount} ({self.ntpn})"
