"""The books: chart of accounts, role mapping, journal entries and postings, periods.

The rules money depends on are held by the database (see ``migrations/0002_ledger_rules.py``;
on PostgreSQL checked once per statement since ``0008_running_balances.py``):
a posting is non-zero, an entry balances before it counts as posted, a posted entry and its
postings never change, a closed period takes no posting, and a posting's account belongs to
the posting's koperasi.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import MoneyField, money_range


class AccountClass(models.TextChoices):
    ASET = "aset", _("Aset")
    LIABILITAS = "liabilitas", _("Liabilitas")
    EKUITAS = "ekuitas", _("Ekuitas")
    PENDAPATAN = "pendapatan", _("Pendapatan")
    BEBAN = "beban", _("Beban")


class NormalSide(models.TextChoices):
    DEBIT = "debit", _("Debit")
    KREDIT = "kredit", _("Kredit")


class AccountRole(models.TextChoices):
    """What a process needs an account for. Processes name accounts only through these roles.

    A product may refine a role with a suffix, e.g. ``simpanan_sukarela:SIBUHAR`` for the
    control account of one savings product; :func:`ledger.selectors.account_for_role` falls
    back to the plain role when the refined one is not mapped.
    """

    KAS = "kas", _("Kas")
    BANK = "bank", _("Bank")
    PINJAMAN = "pinjaman_anggota", _("Pinjaman anggota")
    BUNGA_PINJAMAN = "pendapatan_jasa_pinjaman", _("Pendapatan jasa pinjaman")
    DENDA = "pendapatan_denda", _("Pendapatan denda")
    PROVISI_ADMIN = "pendapatan_provisi_admin", _("Pendapatan provisi dan administrasi")
    BUNGA_PINJAMAN_DITERIMA = (
        "bunga_pinjaman_diterima",
        _("Bunga pinjaman masih harus diterima"),
    )
    PEMULIHAN_PINJAMAN = (
        "pendapatan_pemulihan_pinjaman",
        _("Pendapatan pemulihan pinjaman yang dihapusbukukan"),
    )
    SIMPANAN_POKOK = "simpanan_pokok", _("Simpanan pokok")
    SIMPANAN_WAJIB = "simpanan_wajib", _("Simpanan wajib")
    SIMPANAN_SUKARELA = "simpanan_sukarela", _("Simpanan sukarela")
    SIMPANAN_BERJANGKA = "simpanan_berjangka", _("Simpanan berjangka")
    BEBAN_BUNGA_SIMPANAN = "beban_bunga_simpanan", _("Beban bunga simpanan")
    BUNGA_SIMPANAN_TERUTANG = "bunga_simpanan_terutang", _("Bunga simpanan terutang")
    UTANG_PAJAK = "utang_pajak", _("Utang pajak")
    PPAP = "penyisihan_pinjaman", _("Penyisihan penghapusan pinjaman (PPAP)")
    BEBAN_PPAP = "beban_penyisihan_pinjaman", _("Beban penyisihan pinjaman")
    PIUTANG_WAJIB = "piutang_simpanan_wajib", _("Piutang simpanan wajib")
    SELISIH_KAS = "selisih_kas", _("Selisih kas")
    MIGRASI = "kliring_migrasi", _("Kliring migrasi")
    # What a migration's reconciliation could not explain, held for the pengurus to resolve.
    SELISIH_MIGRASI = "selisih_migrasi", _("Selisih migrasi")
    PEMBULATAN = "pembulatan", _("Selisih pembulatan")
    SHU_BERJALAN = "shu_tahun_berjalan", _("SHU tahun berjalan")
    PENDAPATAN_LAIN = "pendapatan_lain", _("Pendapatan lain-lain")


class Account(models.Model):
    """One account of one koperasi's chart. Codes are dotted (``1.1.01``) and unique per koperasi.

    A group account (``is_group``) only gathers its children in reports and takes no posting.
    """

    Class = AccountClass
    Side = NormalSide

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="accounts"
    )
    code = models.CharField(_("kode"), max_length=20)
    name = models.CharField(_("nama"), max_length=120)
    klass = models.CharField(_("golongan"), max_length=12, choices=AccountClass.choices)
    normal_side = models.CharField(_("saldo normal"), max_length=6, choices=NormalSide.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("induk"),
    )
    is_group = models.BooleanField(_("akun kelompok"), default=False)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ["koperasi", "code"]
        verbose_name = _("akun")
        verbose_name_plural = _("bagan akun")
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "code"], name="ledger_account_code_unique"),
            models.CheckConstraint(
                condition=Q(klass__in=AccountClass.values), name="ledger_account_class_valid"
            ),
            models.CheckConstraint(
                condition=Q(normal_side__in=NormalSide.values), name="ledger_account_side_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RoleMapping(models.Model):
    """Role → account, per koperasi: how products and processes find their accounts."""

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="account_roles"
    )
    role = models.CharField(_("peran"), max_length=80)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="roles", verbose_name=_("akun")
    )

    class Meta:
        ordering = ["koperasi", "role"]
        verbose_name = _("peran akun")
        verbose_name_plural = _("peran akun")
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "role"], name="ledger_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.role} → {self.account_id}"


SHORT_HASH = 12  # characters of an entry's hash printed on receipts as its verification code


class ShortHash(models.Func):
    """``SUBSTR(hash, 1, 12)`` with the numbers written into the SQL, not bound as parameters:
    SQLite uses an index on an expression only for a query spelling the same expression."""

    function = "SUBSTR"
    template = f"%(function)s(%(expressions)s, 1, {SHORT_HASH})"
    output_field = models.CharField(max_length=SHORT_HASH)


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    POSTED = "posted", _("Diposting")


class JournalEntry(models.Model):
    """One balanced financial event. Born ``draft``, becomes ``posted`` once, then never changes.

    ``number`` is gap-free per koperasi and year (``JU/2026/000123``, counted in
    ``EntrySequence``; ``year`` and ``seq`` are its parts); ``chain_index`` orders
    the koperasi's hash chain (1, 2, 3 … over all years); ``hash`` covers the entry, its
    postings and ``prev_hash``.
    """

    Status = EntryStatus

    # No single-column indexes on koperasi or reverses: the unique constraints below lead
    # with koperasi and cover (koperasi, reverses); every index costs each insert.
    koperasi = models.ForeignKey(
        "registry.Koperasi",
        on_delete=models.PROTECT,
        related_name="journal_entries",
        db_index=False,
    )
    number = models.CharField(_("nomor"), max_length=30)
    year = models.PositiveIntegerField(_("tahun"))
    seq = models.PositiveIntegerField(_("urutan"))
    chain_index = models.BigIntegerField(_("urutan rantai"))
    value_date = models.DateField(_("tanggal buku"))
    created_at = models.DateTimeField(_("dicatat pada"))
    kind = models.CharField(_("jenis"), max_length=40)
    memo = models.CharField(_("keterangan"), max_length=250, blank=True)
    source = models.CharField(_("sumber"), max_length=120, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pelaku"),
        db_index=False,
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("membalik"),
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=6, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["koperasi", "chain_index"]
        verbose_name = _("jurnal")
        verbose_name_plural = _("jurnal")
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "number"], name="ledger_entry_number"),
            models.UniqueConstraint(
                fields=["koperasi", "chain_index"], name="ledger_entry_chain_index"
            ),
            # Partial: most entries have neither, and an index they are not in costs nothing.
            models.UniqueConstraint(
                fields=["koperasi", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ledger_entry_idempotency",
            ),
            models.UniqueConstraint(
                fields=["koperasi", "reverses"],
                condition=Q(reverses__isnull=False),
                name="ledger_entry_reversed_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="ledger_entry_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["koperasi", "value_date"], name="ledger_entry_date"),
            # A receipt's verification code (its entry's short hash) looked up on the
            # koperasi's public check page (notify.selectors.receipt_by_code).
            models.Index(models.F("koperasi"), ShortHash("hash"), name="ledger_entry_short_hash"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def short_hash(self) -> str:
        """The first 12 characters of the hash, printed on receipts."""
        return self.hash[:SHORT_HASH]


class EntrySequence(models.Model):
    """The last number given to an entry of one koperasi in one year (gap-free numbering).
    Written under the koperasi's chain-head lock, in the same transaction as the entries."""

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("nomor jurnal terakhir")
        verbose_name_plural = _("nomor jurnal terakhir")
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "year"], name="ledger_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id}/{self.year}: {self.last_seq}"


class Posting(models.Model):
    """One line of an entry: ``amount`` is signed, debit > 0 and credit < 0.

    ``koperasi`` and ``value_date`` repeat the entry's (the database checks they agree) so a
    balance reads one index, ``(account, value_date)``, from the last closed period on. Reads
    over a whole koperasi go through the entry's ``(koperasi, value_date)`` index instead.
    """

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", db_index=False
    )
    amount = MoneyField(_("jumlah"))
    memo = models.CharField(_("keterangan"), max_length=250, blank=True)
    value_date = models.DateField(_("tanggal buku"))

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("posting")
        verbose_name_plural = _("posting")
        constraints = [
            *money_range("ledger_posting", "amount"),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_posting_nonzero"),
        ]
        indexes = [
            models.Index(fields=["account", "value_date"], name="ledger_posting_account_date"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.account_id} {self.amount}"

    @property
    def debit(self) -> Decimal | None:
        return self.amount if self.amount > 0 else None

    @property
    def credit(self) -> Decimal | None:
        return -self.amount if self.amount < 0 else None


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Terbuka")
    CLOSED = "closed", _("Ditutup")


class Period(models.Model):
    """A calendar month of one koperasi's books. Closed months form an unbroken run from the
    first close onwards, and only the latest closed month can be reopened (by a second person).
    """

    Status = PeriodStatus

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="ledger_periods"
    )
    year = models.PositiveIntegerField(_("tahun"))
    month = models.PositiveSmallIntegerField(_("bulan"))
    start_date = models.DateField(_("mulai"))
    end_date = models.DateField(_("akhir"))
    status = models.CharField(
        _("status"), max_length=6, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    closed_at = models.DateTimeField(_("ditutup pada"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ditutup oleh"),
    )
    reopened_at = models.DateTimeField(_("dibuka kembali pada"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dibuka kembali oleh"),
    )
    reopen_reason = models.CharField(_("alasan dibuka kembali"), max_length=250, blank=True)

    class Meta:
        ordering = ["koperasi", "start_date"]
        verbose_name = _("periode buku")
        verbose_name_plural = _("periode buku")
        constraints = [
            models.UniqueConstraint(
                fields=["koperasi", "year", "month"], name="ledger_period_unique"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="ledger_period_month_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PeriodStatus.values), name="ledger_period_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["koperasi", "status", "end_date"], name="ledger_period_closed")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class PeriodBalance(models.Model):
    """An account's balance at the end of a closed period (cumulative since the first entry).

    Only non-zero balances are stored; a missing row means zero.
    """

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="balances")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    balance = MoneyField(_("saldo"))

    class Meta:
        verbose_name = _("saldo penutupan")
        verbose_name_plural = _("saldo penutupan")
        constraints = [
            *money_range("ledger_period_balance", "balance"),
            models.UniqueConstraint(
                fields=["koperasi", "period", "account"], name="ledger_period_balance_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.account_id}: {self.balance}"


class ChainHead(models.Model):
    """The end of a koperasi's hash chain. Locking this row serialises that koperasi's writers
    (numbering, chaining, closing) on PostgreSQL; SQLite has one writer anyway.
    """

    koperasi = models.OneToOneField(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", primary_key=True
    )
    last_index = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ujung rantai jurnal")
        verbose_name_plural = _("ujung rantai jurnal")

    def __str__(self) -> str:
        return f"{self.koperasi_id}: {self.last_index}"


class AccountPeriodBalance(models.Model):
    """What an account moved in one calendar month: the sum of its posted postings dated in
    that month (signed, debit-positive), kept as the books are written.

    The database writes it, never the application: turning an entry ``posted`` adds the
    entry's postings to its month's row in the same statement (triggers in
    ``migrations/0008_running_balances.py``; on SQLite the posting trigger marks its entry so
    the table's own triggers refuse any other write, ``0010_sqlite_month_totals_guard.py``), and
    nothing may delete it. A balance as of any date is then the stored closing balance of the
    last closed period, plus these monthly totals, less (or plus) the postings of the date's own
    month after (or up to) the date: a read never touches more than one month of postings.
    ``ledger verify`` recomputes them.
    """

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # No index of its own: the unique (account, month) leads with it.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", db_index=False)
    month = models.DateField(_("bulan"))  # the first day of the month
    amount = MoneyField(_("mutasi"))

    class Meta:
        verbose_name = _("mutasi bulanan akun")
        verbose_name_plural = _("mutasi bulanan akun")
        constraints = [
            *money_range("ledger_apb", "amount"),
            models.UniqueConstraint(fields=["account", "month"], name="ledger_apb_unique"),
        ]
        indexes = [models.Index(fields=["koperasi", "month"], name="ledger_apb_koperasi_month")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}: {self.amount}"
