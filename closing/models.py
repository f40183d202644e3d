"""The close of business, as rows: a job (what a person asked for: close koperasi K up to a
date), a run per business day, a step run per step of that day, and the accounts or loans a
step could not handle (:class:`CloseFailure`), which staff rerun.

One run per (koperasi, day): a day is closed once. A run that stopped (a step failed as a
whole, or the process died) is picked up again by the next close of that koperasi, which skips
the steps already done. The lease row (:class:`CloseLock`) keeps two closes of one koperasi
from running at once without holding a transaction open across the steps.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import MoneyField, money_range


class JobStatus(models.TextChoices):
    ANTRI = "antri", _("Menunggu giliran")
    BERJALAN = "berjalan", _("Berjalan")
    SELESAI = "selesai", _("Selesai")
    GAGAL_SEBAGIAN = "gagal_sebagian", _("Selesai, ada yang gagal")
    TERHENTI = "terhenti", _("Terhenti")


class RunStatus(models.TextChoices):
    BERJALAN = "berjalan", _("Berjalan")
    SELESAI = "selesai", _("Selesai")
    GAGAL_SEBAGIAN = "gagal_sebagian", _("Selesai, ada yang gagal")
    TERHENTI = "terhenti", _("Terhenti")


class StepStatus(models.TextChoices):
    BERJALAN = "berjalan", _("Berjalan")
    SELESAI = "selesai", _("Selesai")
    GAGAL_SEBAGIAN = "gagal_sebagian", _("Selesai, ada yang gagal")
    GALAT = "galat", _("Gagal")


# A run or step in these states has done its work for the day (its failures are rerun apart).
CLOSED_RUN = (RunStatus.SELESAI, RunStatus.GAGAL_SEBAGIAN)
DONE_STEP = (StepStatus.SELESAI, StepStatus.GAGAL_SEBAGIAN)


class CloseJob(models.Model):
    """One request to close a koperasi's books up to ``to_date`` (from the page, as a
    background job, or from the command). Its progress is what the page polls."""

    Status = JobStatus

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    to_date = models.DateField(_("sampai tanggal"))
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.ANTRI
    )
    days_total = models.PositiveIntegerField(_("jumlah hari"), default=0)
    days_done = models.PositiveIntegerField(_("hari selesai"), default=0)
    stage = models.CharField(_("sedang"), max_length=200, blank=True)
    error = models.TextField(_("kesalahan"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("tugas tutup buku")
        verbose_name_plural = _("tugas tutup buku")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="closing_job_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(days_done__lte=models.F("days_total")), name="closing_job_days_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id}:→{self.to_date.isoformat()}"

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.ANTRI, JobStatus.BERJALAN)

    @property
    def percent(self) -> int:
        if not self.days_total:
            return 100 if not self.is_active else 0
        return int(100 * self.days_done / self.days_total)


class CloseRun(models.Model):
    """The close of one business day of one koperasi."""

    Status = RunStatus

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("tanggal buku"))
    job = models.ForeignKey(
        CloseJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.BERJALAN
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    steps_total = models.PositiveSmallIntegerField(_("jumlah langkah"), default=0)
    steps_done = models.PositiveSmallIntegerField(_("langkah selesai"), default=0)
    objects_done = models.PositiveIntegerField(_("rekening/pinjaman diproses"), default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("tutup hari")
        verbose_name_plural = _("tutup hari")
        constraints = [
            # A day is closed once; a stopped run is resumed in the same row.
            models.UniqueConstraint(fields=["koperasi", "day"], name="closing_run_once_per_day"),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="closing_run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(steps_done__lte=models.F("steps_total")),
                name="closing_run_steps_le_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.koperasi_id}:{self.day.isoformat()}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_RUN


class CloseStepRun(models.Model):
    """One step of one day's close: what it did, or why it could not run."""

    Status = StepStatus

    run = models.ForeignKey(CloseRun, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("urutan"))
    step = models.CharField(_("langkah"), max_length=40)
    label = models.CharField(_("nama langkah"), max_length=120)
    status = models.CharField(
        _("status"), max_length=16, choices=StepStatus.choices, default=StepStatus.BERJALAN
    )
    done = models.PositiveIntegerField(_("diproses"), default=0)
    total = MoneyField(_("jumlah"), default=Decimal("0"))
    entries = models.JSONField(_("jurnal"), default=list, blank=True)
    error = models.TextField(_("kesalahan"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position"]
        verbose_name = _("langkah tutup hari")
        verbose_name_plural = _("langkah tutup hari")
        constraints = [
            *money_range("closing_step", "total"),
            models.UniqueConstraint(fields=["run", "step"], name="closing_step_once_per_run"),
            models.CheckConstraint(
                condition=Q(status__in=StepStatus.values), name="closing_step_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.step}"

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STEP


class CloseFailure(models.Model):
    """An account or loan a step could not handle on a day, with the message to act on."""

    koperasi = models.ForeignKey("registry.Koperasi", on_delete=models.PROTECT, related_name="+")
    step_run = models.ForeignKey(CloseStepRun, on_delete=models.CASCADE, related_name="failures")
    object_id = models.BigIntegerField(_("id"))
    object_label = models.CharField(_("rekening/pinjaman"), max_length=200, blank=True)
    message = models.TextField(_("pesan"))
    attempts = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(_("beres pada"), null=True, blank=True)
    resolved_by_rerun = models.BooleanField(_("beres dengan ulang"), default=False)

    class Meta:
        ordering = ["step_run", "object_id"]
        verbose_name = _("kegagalan tutup hari")
        verbose_name_plural = _("kegagalan tutup hari")
        constraints = [
            models.UniqueConstraint(
                fields=["step_run", "object_id"], name="closing_failure_once_per_step"
            ),
            models.CheckConstraint(
                condition=Q(resolved_by_rerun=False) | Q(resolved_at__isnull=False),
                name="closing_failure_resolved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step_run_id}:{self.object_id}"


class CloseLock(models.Model):
    """Who is closing a koperasi's books now: a lease, taken and released in short
    transactions, renewed after each step. A lease older than ``CLOSING_LEASE_SECONDS`` (its
    holder died) may be taken over."""

    koperasi = models.OneToOneField(
        "registry.Koperasi", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    holder = models.CharField(max_length=64, blank=True)
    renewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kunci tutup buku")
        verbose_name_plural = _("kunci tutup buku")

    def __str__(self) -> str:
        return f"{self.koperasi_id}:{self.holder or '-'}"
