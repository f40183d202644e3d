from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.dates import DEFAULT_TZ


class Region(models.Model):
    """Kemendagri region: the kabupaten, its kecamatan, and their desa/kelurahan."""

    class Level(models.TextChoices):
        KABUPATEN = "kabupaten", _("Kabupaten")
        KECAMATAN = "kecamatan", _("Kecamatan")
        DESA = "desa", _("Desa")
        KELURAHAN = "kelurahan", _("Kelurahan")

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_constraint=False,  # the kabupaten's parent (the province) is not loaded
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")

    def __str__(self) -> str:
        return self.name


class KoperasiKind(models.TextChoices):
    SIMPAN_PINJAM = "simpan_pinjam", _("Simpan pinjam")
    KONSUMEN = "konsumen", _("Konsumen")
    PRODUSEN = "produsen", _("Produsen")
    PEMASARAN = "pemasaran", _("Pemasaran")
    JASA = "jasa", _("Jasa")
    SERBA_USAHA = "serba_usaha", _("Serba usaha")


class KoperasiStatus(models.TextChoices):
    AKTIF = "aktif", _("Aktif")
    AKTIF_BELUM_RAT = "aktif_belum_rat", _("Aktif belum RAT")
    TIDAK_AKTIF = "tidak_aktif", _("Tidak aktif")
    DALAM_PEMBUBARAN = "dalam_pembubaran", _("Dalam pembubaran")
    BUBAR = "bubar", _("Bubar")


class DigitalStage(models.TextChoices):
    BELUM_DIGITAL = "belum_digital", _("Belum digital")
    PENDATAAN = "pendataan", _("Pendataan")
    MIGRASI = "migrasi", _("Migrasi data")
    DIGITAL = "digital", _("Digital")
    AKTIF_DIGUNAKAN = "aktif_digunakan", _("Aktif digunakan")


class Koperasi(models.Model):
    Kind = KoperasiKind
    Status = KoperasiStatus
    Stage = DigitalStage

    ACTIVE_STATUSES = (Status.AKTIF, Status.AKTIF_BELUM_RAT)
    DIGITAL_STAGES = (Stage.DIGITAL, Stage.AKTIF_DIGUNAKAN)
    STAGE_ORDER = [s.value for s in Stage]

    name = models.CharField(_("nama"), max_length=150)
    code = models.SlugField(
        _("kode singkat"),
        max_length=20,
        unique=True,
        help_text=_("Dipakai di alamat halaman dan perintah, misalnya ksp-sinar-bajo."),
    )
    nik_koperasi = models.CharField(_("NIK koperasi"), max_length=20, blank=True)
    legal_number = models.CharField(_("nomor badan hukum"), max_length=80, blank=True)
    legal_date = models.DateField(_("tanggal badan hukum"), null=True, blank=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    kecamatan = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("kecamatan"),
        limit_choices_to={"level": Region.Level.KECAMATAN},
    )
    desa = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("desa/kelurahan"),
        limit_choices_to={"level__in": [Region.Level.DESA, Region.Level.KELURAHAN]},
    )
    address = models.CharField(_("alamat"), max_length=250, blank=True)
    founded_on = models.DateField(_("tanggal berdiri"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AKTIF
    )
    last_rat_on = models.DateField(_("RAT terakhir"), null=True, blank=True)
    digital_stage = models.CharField(
        _("tahap digital"), max_length=20, choices=Stage.choices, default=Stage.BELUM_DIGITAL
    )
    timezone = models.CharField(_("zona waktu"), max_length=40, default=DEFAULT_TZ)
    business_date = models.DateField(
        _("tanggal buku"),
        null=True,
        blank=True,
        help_text=_("Tanggal transaksi koperasi; dimajukan oleh tutup hari."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("koperasi")
        verbose_name_plural = _("koperasi")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=KoperasiStatus.values), name="koperasi_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(digital_stage__in=DigitalStage.values),
                name="koperasi_stage_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_digital(self) -> bool:
        return self.digital_stage in self.DIGITAL_STAGES


class DigitalStageChange(models.Model):
    """One step of a koperasi's digital journey, dated; the first row is where it started."""

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Koperasi.Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Koperasi.Stage.choices)
    changed_on = models.DateField(_("tanggal"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("catatan"), max_length=250, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "changed_on", "id"]
        verbose_name = _("perubahan tahap digital")
        verbose_name_plural = _("riwayat tahap digital")
        indexes = [models.Index(fields=["to_stage", "changed_on"])]

    def __str__(self) -> str:
        return f"{self.changed_on}: {self.from_stage or '—'} → {self.to_stage}"


class StatusChange(models.Model):
    """A koperasi's status from a date on; with the stage history it answers "as of any day"."""

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=20, choices=KoperasiStatus.choices)
    changed_on = models.DateField(_("tanggal"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "changed_on", "id"]
        verbose_name = _("perubahan status")
        verbose_name_plural = _("riwayat status")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=KoperasiStatus.values), name="statuschange_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.changed_on}: {self.status}"


class AnnualTarget(models.Model):
    """The Dinas's yearly target for new digital koperasi."""

    year = models.PositiveIntegerField(_("tahun"), unique=True)
    new_digital = models.PositiveIntegerField(_("target koperasi digital baru"))

    class Meta:
        ordering = ["-year"]
        verbose_name = _("target tahunan")
        verbose_name_plural = _("target tahunan")

    def __str__(self) -> str:
        return f"{self.year}: {self.new_digital}"


class Role(models.TextChoices):
    DINAS_ADMIN = "dinas_admin", _("Admin Dinas")
    DINAS_STAFF = "dinas_staff", _("Staf Dinas")
    KONSULTAN = "konsultan", _("Konsultan pendamping")
    PENGURUS = "pengurus", _("Pengurus/manajer")
    KASIR = "kasir", _("Kasir")
    PENGAWAS = "pengawas", _("Pengawas")


DISTRICT_ROLES = (Role.DINAS_ADMIN, Role.DINAS_STAFF)
KOPERASI_ROLES = (Role.PENGURUS, Role.KASIR, Role.PENGAWAS)


class RoleGrant(models.Model):
    """A person's role: district-wide (Dinas) or in one koperasi (konsultan and staff)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    koperasi = models.ForeignKey(
        Koperasi, on_delete=models.CASCADE, null=True, blank=True, related_name="role_grants"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("peran")
        verbose_name_plural = _("peran")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=[r.value for r in DISTRICT_ROLES], koperasi__isnull=True)
                    | (
                        ~Q(role__in=[r.value for r in DISTRICT_ROLES])
                        & Q(role__in=[r.value for r in Role], koperasi__isnull=False)
                    )
                ),
                name="rolegrant_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "koperasi"], name="rolegrant_unique_koperasi"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(koperasi__isnull=True),
                name="rolegrant_unique_district",
            ),
        ]

    def __str__(self) -> str:
        where = self.koperasi.name if self.koperasi is not None else "Dinas"
        return f"{self.user} — {self.get_role_display()} — {where}"


class AccountSecurity(models.Model):
    """What Kopdig keeps about a person's sign-in beyond the password: the two-step secret,
    and whether the password an admin set must be changed at the next sign-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security"
    )
    must_change_password = models.BooleanField(_("wajib ganti kata sandi"), default=False)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled_at = models.DateTimeField(_("verifikasi dua langkah sejak"), null=True)
    # The last 30-second step a code was accepted for: a code seen once is not taken again.
    totp_last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("keamanan akun")
        verbose_name_plural = _("keamanan akun")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None


class PasswordResetCode(models.Model):
    """A one-time code an admin gives a person who forgot their password (no e-mail needed).

    Only a hash is kept; the code is shown once, to the admin who made it. It expires, it is
    spent by its first use, and it is void after a few wrong tries or when a newer one is made.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reset_codes"
    )
    code_hash = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    failed_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("kode atur ulang kata sandi")
        verbose_name_plural = _("kode atur ulang kata sandi")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
