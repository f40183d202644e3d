"""Members (anggota) of a koperasi, and how each koperasi numbers them.

Money (simpanan pokok on joining, the refund on leaving) lives in the savings app; this app
keeps who the member is and their status.
"""

from __future__ import annotations

import re
import string

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.validators import mask_nik, phone_display
from registry.models import Koperasi, Region


class MemberStatus(models.TextChoices):
    AKTIF = "aktif", _("Aktif")
    KELUAR = "keluar", pgettext_lazy("status anggota", "Keluar")
    MENINGGAL = "meninggal", _("Meninggal")


class Gender(models.TextChoices):
    L = "L", _("Laki-laki")
    P = "P", _("Perempuan")


class NotifyChannel(models.TextChoices):
    """How a member wants receipts and reminders: the outbox's channels, or none (opt-out)."""

    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")
    NONE = "none", _("Tidak usah")


class Member(models.Model):
    Status = MemberStatus
    Gender = Gender
    NotifyChannel = NotifyChannel

    koperasi = models.ForeignKey(
        Koperasi, on_delete=models.PROTECT, related_name="members", verbose_name=_("koperasi")
    )
    number = models.CharField(_("nomor anggota"), max_length=30)
    full_name = models.CharField(_("nama lengkap"), max_length=150)
    # Lower-cased copy of full_name computed by the database, indexed for fast prefix search
    # (a LIKE 'rina%' on PostgreSQL uses the varchar_pattern_ops index below).
    name_search = models.GeneratedField(
        expression=Lower("full_name"),
        output_field=models.CharField(max_length=150),
        db_persist=True,
    )
    nik = models.CharField(_("NIK"), max_length=16)
    birth_date = models.DateField(_("tanggal lahir"))
    gender = models.CharField(_("jenis kelamin"), max_length=1, choices=Gender.choices)
    phone = models.CharField(_("nomor HP"), max_length=16, blank=True)
    notify_channel = models.CharField(
        _("pemberitahuan lewat"),
        max_length=10,
        choices=NotifyChannel.choices,
        default=NotifyChannel.WHATSAPP,
        # Also in the database: bulk loaders (the demo, the migration) insert rows by column.
        db_default=NotifyChannel.WHATSAPP,
    )
    address = models.CharField(_("alamat"), max_length=250, blank=True)
    desa = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("desa/kelurahan"),
        limit_choices_to={"level__in": [Region.Level.DESA, Region.Level.KELURAHAN]},
    )
    occupation = models.CharField(_("pekerjaan"), max_length=100, blank=True)
    heir_name = models.CharField(_("nama ahli waris"), max_length=150, blank=True)
    heir_relation = models.CharField(_("hubungan ahli waris"), max_length=50, blank=True)
    join_date = models.DateField(_("tanggal masuk"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AKTIF
    )
    left_on = models.DateField(_("tanggal keluar/meninggal"), null=True, blank=True)
    left_reason = models.CharField(_("alasan/keterangan"), max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["koperasi", "number"]
        verbose_name = _("anggota")
        verbose_name_plural = _("anggota")
        constraints = [
            models.UniqueConstraint(
                fields=["koperasi", "number"], name="member_number_unique_per_koperasi"
            ),
            models.UniqueConstraint(
                fields=["koperasi", "nik"], name="member_nik_unique_per_koperasi"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MemberStatus.values), name="member_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(gender__in=Gender.values), name="member_gender_valid"
            ),
            models.CheckConstraint(
                condition=Q(notify_channel__in=NotifyChannel.values),
                name="member_notify_channel_valid",
            ),
            models.CheckConstraint(
                condition=(Q(status=MemberStatus.AKTIF, left_on__isnull=True))
                | (~Q(status=MemberStatus.AKTIF) & Q(left_on__isnull=False)),
                name="member_left_on_iff_not_aktif",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("join_date")),
                name="member_left_after_join",
            ),
            models.CheckConstraint(
                condition=Exact(Length("nik"), 16),
                name="member_nik_16_chars",
            ),
        ]
        indexes = [
            # Prefix search (LIKE 'x%') on PostgreSQL needs the pattern operator class.
            models.Index(
                fields=["koperasi", "number"],
                name="member_number_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["koperasi", "name_search"],
                name="member_name_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["koperasi", "phone"],
                name="member_phone_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["koperasi", "status", "number"], name="member_status"),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.full_name}"

    @property
    def nik_masked(self) -> str:
        return mask_nik(self.nik)

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.AKTIF

    @property
    def phone_display(self) -> str:
        """``+6281234567890`` as people write it: ``0812-3456-7890``."""
        return phone_display(self.phone)


class MemberNumberFormat(models.Model):
    """How a koperasi numbers its members, and the next number in the sequence.

    ``pattern`` is a Python format string with ``{seq}`` (required) and optionally ``{year}``,
    e.g. ``{seq:05d}`` or ``AGT-{year}-{seq:04d}``. The row is locked while a number is taken,
    so two kasir registering at once get consecutive numbers with no gap.
    """

    DEFAULT_PATTERN = "{seq:05d}"

    koperasi = models.OneToOneField(
        Koperasi,
        on_delete=models.CASCADE,
        related_name="member_number_format",
        verbose_name=_("koperasi"),
    )
    pattern = models.CharField(_("format nomor"), max_length=40, default=DEFAULT_PATTERN)
    next_seq = models.PositiveIntegerField(_("nomor urut berikutnya"), default=1)
    reset_each_year = models.BooleanField(_("nomor urut mulai dari 1 tiap tahun"), default=False)
    # The year next_seq belongs to, when it resets each year.
    seq_year = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("format nomor anggota")
        verbose_name_plural = _("format nomor anggota")
        constraints = [
            models.CheckConstraint(condition=Q(next_seq__gte=1), name="member_format_seq_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi}: {self.pattern}"

    def format(self, *, seq: int, year: int) -> str:
        return self.pattern.format(seq=seq, year=year)

    def seq_of(self, number: str, year: int) -> int | None:
        """The sequence number inside ``number`` if it follows this pattern for ``year``."""
        regex = ""
        for text, name, _spec, _conv in string.Formatter().parse(self.pattern):
            regex += re.escape(text)
            if name == "seq":
                regex += r"(?P<seq>\d+)"
            elif name == "year":
                regex += re.escape(str(year))
        match = re.fullmatch(regex, number)
        return int(match.group("seq")) if match else None

    def next_free(self, *, seq: int, year: int, taken: set[str]) -> tuple[int, str]:
        """From ``seq`` on, the first sequence number whose member number is not ``taken``.

        When ``seq``'s number is taken (numbers typed in by hand, or the legacy register), the
        search jumps past the highest number of this pattern instead of trying one at a time.
        """
        number = self.format(seq=seq, year=year)
        if number in taken:
            highest = max((n for t in taken if (n := self.seq_of(t, year)) is not None), default=0)
            seq = max(seq, highest + 1)
            number = self.format(seq=seq, year=year)
        while number in taken:  # a pattern whose numbers do not parse back (rare)
            seq += 1
            number = self.format(seq=seq, year=year)
        return seq, number

    def sequence_start(self, year: int) -> int | None:
        """The sequence number the next member joining in ``year`` takes (read, no lock).

        ``None`` when the counter restarts each year and has moved past ``year``: a back-dated
        member of an earlier year needs a number typed by hand.
        """
        if not self.reset_each_year or self.seq_year is None or self.seq_year == year:
            return self.next_seq
        if year > self.seq_year:
            return 1
        return None
