"""What a migration wrote, so that it can be repeated and reverted.

A :class:`MigrationBatch` is one import of one file into one koperasi (a dry run is kept too,
``dry_run=True``, and wrote nothing else). Each object the commit created is named by a
:class:`MigrationRecord` with its legacy key (member number, loan number, trial-balance account
code): the same key never comes in twice, which makes a second import of the same file create
nothing and a fixed file bring in only the rows that were rejected before; revert walks the same
records back. A :class:`SavedMapping` is a koperasi's confirmed column mapping, reused by the
wizard and given to the command as a file.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Koperasi


class BatchStatus(models.TextChoices):
    PLANNED = "planned", _("Rencana (uji coba)")
    COMMITTED = "committed", _("Diimpor")
    REVERTED = "reverted", _("Dibatalkan")


class RecordKind(models.TextChoices):
    MEMBER = "member", _("Anggota")
    SAVINGS_ACCOUNT = "savings_account", _("Rekening simpanan")
    LOAN = "loan", _("Pinjaman")
    TRIAL_BALANCE = "trial_balance", _("Saldo awal akun")
    ENTRY = "entry", _("Jurnal")


class MigrationBatch(models.Model):
    """One import (or dry run) of one file into one koperasi."""

    Status = BatchStatus

    koperasi = models.ForeignKey(Koperasi, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("nama berkas"), max_length=255)
    sha256 = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=BatchStatus.choices)
    dry_run = models.BooleanField(default=False)
    migrated_on = models.DateField(_("tanggal migrasi"), null=True, blank=True)
    # Rows read, imported and rejected per kind; the CLI's --json object (without error list).
    counts = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["koperasi", "-created_at", "-id"]
        verbose_name = _("batch migrasi")
        verbose_name_plural = _("riwayat migrasi")
        indexes = [models.Index(fields=["koperasi", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(dry_run=True) | Q(status=BatchStatus.PLANNED),
                name="migration_batch_dry_run_planned",
            ),
            models.CheckConstraint(
                condition=Q(reverted_at__isnull=True) | Q(status=BatchStatus.REVERTED),
                name="migration_batch_reverted_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class MigrationRecord(models.Model):
    """One object a committed batch created, under its legacy key.

    ``legacy_key`` is normalised (``migration.checks.member_key`` for member numbers) so that
    ``00126`` and ``126`` are the same member; unique per koperasi and kind while the batch
    stands (a reverted batch's records are deleted with what they named).
    """

    Kind = RecordKind

    koperasi = models.ForeignKey(Koperasi, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(MigrationBatch, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=20, choices=RecordKind.choices)
    legacy_key = models.CharField(max_length=120)
    sheet = models.CharField(max_length=120, blank=True)
    row = models.PositiveIntegerField(null=True, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()

    class Meta:
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["koperasi", "kind", "legacy_key"], name="migration_record_key_once"
            )
        ]
        indexes = [models.Index(fields=["batch", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.legacy_key}"


class SavedMapping(models.Model):
    """A koperasi's confirmed mapping: sheet → kind, and sheet → (field → header text)."""

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nama"), max_length=100)
    kinds = models.JSONField(default=dict, blank=True)
    mappings = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["koperasi", "name"]
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "name"], name="migration_mapping_name")
        ]

    def __str__(self) -> str:
        return self.name

    def as_file(self) -> dict[str, object]:
        """The mapping as ``--mapping FILE`` takes it (JSON)."""
        return {"kinds": self.kinds, "mappings": self.mappings}


MAX_UPLOAD_BYTES = 60 * 1024 * 1024  # migration.reading.LIMITS.max_bytes: checked before saving


class UploadState(models.TextChoices):
    UPLOADED = "uploaded", _("Diunggah")
    PLANNING = "planning", _("Sedang diperiksa")
    PLANNED = "planned", _("Rencana siap")
    COMMITTING = "committing", _("Sedang diimpor")
    COMMITTED = "committed", _("Diimpor")
    FAILED = "failed", _("Gagal")


class MigrationUpload(models.Model):
    """A file a koperasi's staff or konsultan uploaded in the wizard, kept while it is mapped,
    planned and committed (each a background job whose progress is polled from this row), with
    the confirmed mapping, the last result's summary and its report workbook."""

    State = UploadState
    ACTIVE = (UploadState.PLANNING, UploadState.COMMITTING)

    koperasi = models.ForeignKey(Koperasi, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("nama berkas"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("ukuran"))
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What each sheet was found to hold when uploaded: [{name, kind, header_row, labels,
    # columns: {field: column}}]; and what the person confirmed.
    sheets = models.JSONField(default=list, blank=True)
    kinds = models.JSONField(default=dict, blank=True)
    mappings = models.JSONField(default=dict, blank=True)
    accept_partial = models.BooleanField(default=False)
    state = models.CharField(
        _("keadaan"), max_length=12, choices=UploadState.choices, default=UploadState.UPLOADED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    stage = models.CharField(_("sedang"), max_length=200, blank=True)
    error = models.TextField(_("kesalahan"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # The last plan or commit: its batch, its result (MigrationResult.as_json and more), and
    # the report workbook written from it.
    batch = models.ForeignKey(
        MigrationBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)
    report = models.BinaryField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["koperasi", "-created_at", "-id"]
        verbose_name = _("unggahan migrasi")
        verbose_name_plural = _("unggahan migrasi")
        indexes = [models.Index(fields=["koperasi", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=UploadState.values), name="migration_upload_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(size__lte=MAX_UPLOAD_BYTES), name="migration_upload_size_limit"
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")) | Q(total=0),
                name="migration_upload_done_le_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0
