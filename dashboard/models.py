from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import MoneyField
from registry.models import Koperasi

NIK_CERTIFICATE_YEARS = 2


class OfficerPosition(models.TextChoices):
    KETUA = "ketua", _("Ketua")
    SEKRETARIS = "sekretaris", _("Sekretaris")
    BENDAHARA = "bendahara", _("Bendahara")
    PENGURUS = "pengurus", _("Pengurus lain")
    KETUA_PENGAWAS = "ketua_pengawas", _("Ketua pengawas")
    PENGAWAS = "pengawas", _("Pengawas")
    MANAJER = "manajer", _("Manajer")


SUPERVISORY = (OfficerPosition.KETUA_PENGAWAS, OfficerPosition.PENGAWAS)


class Officer(models.Model):
    """A pengurus, pengawas or manager of a koperasi, with the term the RAT elected them for."""

    Position = OfficerPosition

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="officers")
    position = models.CharField(_("jabatan"), max_length=20, choices=OfficerPosition.choices)
    name = models.CharField(_("nama"), max_length=150)
    term_start = models.DateField(_("masa jabatan mulai"))
    term_end = models.DateField(_("masa jabatan berakhir"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "-term_end", "position"]
        verbose_name = _("pengurus/pengawas")
        verbose_name_plural = _("pengurus dan pengawas")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=F("term_start")), name="officer_term_ordered"
            ),
            models.CheckConstraint(
                condition=Q(position__in=OfficerPosition.values), name="officer_position_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()}: {self.name}"


class ContactKind(models.TextChoices):
    TELEPON = "telepon", _("Telepon/WhatsApp")
    EMAIL = "email", _("Surel")
    ALAMAT = "alamat", _("Alamat surat")


class Contact(models.Model):
    """How the Dinas reaches a koperasi (its office, not its members)."""

    Kind = ContactKind

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("jenis"), max_length=10, choices=ContactKind.choices)
    value = models.CharField(_("kontak"), max_length=200)
    person = models.CharField(_("atas nama"), max_length=150, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "kind", "id"]
        verbose_name = _("kontak koperasi")
        verbose_name_plural = _("kontak koperasi")

    def __str__(self) -> str:
        return self.value


class RatRecord(models.Model):
    """One Rapat Anggota Tahunan: the book year it closed, when it was held, report received."""

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="rat_records")
    book_year = models.PositiveIntegerField(_("tahun buku"))
    held_on = models.DateField(_("tanggal RAT"))
    report_received_on = models.DateField(_("laporan RAT diterima"), null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "-book_year"]
        verbose_name = _("RAT")
        verbose_name_plural = _("riwayat RAT")
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "book_year"], name="rat_once_per_year"),
            models.CheckConstraint(
                condition=Q(report_received_on__isnull=True)
                | Q(report_received_on__gte=F("held_on")),
                name="rat_report_after_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"RAT {self.book_year}"


class NikCertificate(models.Model):
    """A NIK koperasi certificate: valid two years from its date, then renewed."""

    koperasi = models.ForeignKey(
        Koperasi, on_delete=models.CASCADE, related_name="nik_certificates"
    )
    number = models.CharField(_("NIK koperasi"), max_length=20)
    issued_on = models.DateField(_("tanggal sertifikat"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "-issued_on"]
        verbose_name = _("sertifikat NIK koperasi")
        verbose_name_plural = _("sertifikat NIK koperasi")

    def __str__(self) -> str:
        return f"{self.number} ({self.issued_on})"

    @property
    def valid_until(self) -> dt.date:
        try:
            return self.issued_on.replace(year=self.issued_on.year + NIK_CERTIFICATE_YEARS)
        except ValueError:  # 29 February
            return self.issued_on.replace(year=self.issued_on.year + NIK_CERTIFICATE_YEARS, day=28)


class VisitKind(models.TextChoices):
    KUNJUNGAN = "kunjungan", _("Kunjungan")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEPON = "telepon", _("Telepon")
    PELATIHAN = "pelatihan", _("Pelatihan")


class Visit(models.Model):
    """A consultant's visit or contact with a koperasi (pendampingan)."""

    Kind = VisitKind
    PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
    PHOTO_MAX_BYTES = 2 * 1024 * 1024

    koperasi = models.ForeignKey(Koperasi, on_delete=models.PROTECT, related_name="visits")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits"
    )
    on = models.DateField(_("tanggal"))
    kind = models.CharField(_("jenis"), max_length=10, choices=VisitKind.choices)
    topics = models.CharField(_("topik"), max_length=250)
    attendees = models.CharField(_("yang hadir"), max_length=250, blank=True)
    findings = models.TextField(_("temuan"), blank=True)
    # Kept in the database, served only through the access-checked view: no public media URL.
    photo = models.BinaryField(_("foto"), null=True, blank=True, editable=False)
    photo_type = models.CharField(max_length=20, blank=True, editable=False)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("kunjungan")
        verbose_name_plural = _("kunjungan dan kontak")
        indexes = [models.Index(fields=["koperasi", "on"], name="visit_koperasi_on")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=VisitKind.values), name="visit_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}: {self.topics}"


class FollowUp(models.Model):
    """What was agreed at a visit, who checks it by when, and whether it was done."""

    koperasi = models.ForeignKey(Koperasi, on_delete=models.PROTECT, related_name="follow_ups")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="follow_ups")
    description = models.CharField(_("tindak lanjut"), max_length=250)
    due_on = models.DateField(_("batas waktu"))
    done_on = models.DateField(_("selesai"), null=True, blank=True)

    class Meta:
        ordering = ["done_on", "due_on", "id"]
        verbose_name = _("tindak lanjut")
        verbose_name_plural = _("tindak lanjut")
        indexes = [models.Index(fields=["koperasi", "done_on", "due_on"], name="followup_due")]

    def __str__(self) -> str:
        return self.description


class MemberAppAccount(models.Model):
    """A member's account in the members' app, written by the portal when it exists.

    Until then there are none, and adoption is zero: it is never estimated.
    """

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="app_account"
    )
    activated_on = models.DateField(_("diaktifkan"))

    class Meta:
        verbose_name = _("akun aplikasi anggota")
        verbose_name_plural = _("akun aplikasi anggota")
        indexes = [models.Index(fields=["koperasi", "activated_on"], name="appaccount_activated")]

    def __str__(self) -> str:
        return f"{self.member_id} ({self.activated_on})"


class MemberAppActivity(models.Model):
    """A member's actions in the app on one day (one row per member and day, counted)."""

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    on = models.DateField(_("tanggal"))
    actions = models.PositiveIntegerField(_("jumlah tindakan"), default=1)
    # Written by the portal: sign-ins that day, and the names of the screens opened (each once,
    # e.g. ["beranda", "pinjaman"]); never an amount or an account of the member.
    logins = models.PositiveIntegerField(_("jumlah masuk"), default=0)
    screens = models.JSONField(_("layar dibuka"), default=list, blank=True)

    class Meta:
        verbose_name = _("aktivitas aplikasi anggota")
        verbose_name_plural = _("aktivitas aplikasi anggota")
        constraints = [
            models.UniqueConstraint(
                fields=["koperasi", "member", "on"], name="appactivity_once_per_day"
            ),
        ]
        indexes = [models.Index(fields=["koperasi", "on"], name="appactivity_day")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on}: {self.actions}"


class FiguresSource(models.TextChoices):
    BUKU = "buku", _("Dihitung dari buku")
    DILAPORKAN = "dilaporkan", _("Dilaporkan")


class KoperasiFigures(models.Model):
    """The koperasi's current figures, refreshed by ``dashboard.services.figures_refresh``.

    For a digital koperasi they are computed from its books and records; for the others they
    come from the last annual report entered by the Dinas (``source = dilaporkan``).
    """

    Source = FiguresSource

    koperasi = models.OneToOneField(Koperasi, on_delete=models.CASCADE, related_name="figures")
    source = models.CharField(max_length=10, choices=FiguresSource.choices)
    as_of = models.DateField()
    members = models.PositiveIntegerField(default=0)
    activated = models.PositiveIntegerField(default=0)
    monthly_active = models.PositiveIntegerField(default=0)
    app_actions = models.PositiveIntegerField(default=0)  # this month
    counter_actions = models.PositiveIntegerField(default=0)  # this month
    modal_sendiri = MoneyField(default=Decimal("0"))
    modal_luar = MoneyField(default=Decimal("0"))
    assets = MoneyField(default=Decimal("0"))
    shu = MoneyField(default=Decimal("0"))
    loans_outstanding = MoneyField(default=Decimal("0"))
    loans_allowance = MoneyField(default=Decimal("0"))
    productive_assets = MoneyField(default=Decimal("0"))
    loans_disbursed_year = MoneyField(default=Decimal("0"))
    # The bad-loan share in percent, to the hundredth; None: no loan sub-ledger rows to grade.
    npl = MoneyField(null=True, blank=True)
    digital_since = models.DateField(null=True, blank=True)
    low_adoption = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("angka koperasi")
        verbose_name_plural = _("angka koperasi")

    def __str__(self) -> str:
        return f"{self.koperasi_id} ({self.as_of})"

    @property
    def activated_pct(self) -> int:
        return round(100 * self.activated / self.members) if self.members else 0

    @property
    def monthly_active_pct(self) -> int:
        return round(100 * self.monthly_active / self.members) if self.members else 0


class AdoptionMonth(models.Model):
    """A koperasi's adoption figures at a month's end: the trend, and the past as it was."""

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day
    members = models.PositiveIntegerField(default=0)
    activated = models.PositiveIntegerField(default=0)
    monthly_active = models.PositiveIntegerField(default=0)
    app_actions = models.PositiveIntegerField(default=0)
    counter_actions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["koperasi", "month"]
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "month"], name="adoption_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id} {self.month:%Y-%m}"


class ReportedFigures(models.Model):
    """A non-digital koperasi's figures for a book year, entered from its annual report."""

    koperasi = models.ForeignKey(
        Koperasi, on_delete=models.CASCADE, related_name="reported_figures"
    )
    book_year = models.PositiveIntegerField(_("tahun buku"))
    members = models.PositiveIntegerField(_("anggota"))
    managers = models.PositiveIntegerField(_("pengurus"), default=0)
    staff = models.PositiveIntegerField(_("karyawan"), default=0)
    modal_sendiri = MoneyField(_("modal sendiri"))
    modal_luar = MoneyField(_("modal luar"))
    assets = MoneyField(_("aset"))
    volume = MoneyField(_("volume usaha"))
    shu = MoneyField(_("SHU"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["koperasi", "-book_year"]
        verbose_name = _("angka dilaporkan")
        verbose_name_plural = _("angka dilaporkan")
        constraints = [
            models.UniqueConstraint(
                fields=["koperasi", "book_year"], name="reported_once_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id} {self.book_year}"
