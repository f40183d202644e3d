from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One write, as the service that made it recorded it. Append-only (database triggers)."""

    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pelaku"),
    )
    # Null for district-level events (the registry, roles); else the koperasi it concerns.
    koperasi = models.ForeignKey(
        "registry.Koperasi",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("koperasi"),
    )
    action = models.CharField(_("tindakan"), max_length=80)
    object_type = models.CharField(_("jenis objek"), max_length=80, blank=True)
    object_id = models.CharField(_("id objek"), max_length=64, blank=True)
    object_repr = models.CharField(_("objek"), max_length=200, blank=True)
    before = models.JSONField(_("sebelum"), null=True, blank=True)
    after = models.JSONField(_("sesudah"), null=True, blank=True)
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("catatan audit")
        verbose_name_plural = _("jejak audit")
        indexes = [models.Index(fields=["koperasi", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class OutboxChannel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    SENDING = "sending", _("Sedang dikirim")
    SENT = "sent", _("Terkirim")
    FAILED = "failed", _("Gagal")


class OutboxMessage(models.Model):
    """A message to a member, written in the transaction of what it announces and delivered
    later, at least once, by a backend (:mod:`core.outbox`). ``dedupe_key`` makes a second
    enqueue of the same message a no-op, so a member never gets it twice from us; the gateway
    gets the same key on a retry. ``context`` holds only what the template needs."""

    Channel = OutboxChannel
    Status = OutboxStatus

    koperasi = models.ForeignKey(
        "registry.Koperasi",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the unique (koperasi, dedupe_key) leads with it
        verbose_name=_("koperasi"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # (member, created_at) below
        verbose_name=_("anggota"),
    )
    kind = models.CharField(_("jenis"), max_length=20)
    channel = models.CharField(_("saluran"), max_length=10, choices=OutboxChannel.choices)
    to = models.CharField(_("tujuan"), max_length=16)  # E.164: +628…
    template = models.CharField(_("templat"), max_length=40)
    context = models.JSONField(_("isi"), default=dict)
    dedupe_key = models.CharField(max_length=120)
    status = models.CharField(
        _("status"), max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    # When it may be tried next; while ``sending``, when the claim lapses (a worker that died
    # mid-send leaves it to be tried again: at least once).
    next_attempt_at = models.DateTimeField(_("coba lagi pada"))
    last_error = models.CharField(_("galat terakhir"), max_length=500, blank=True)
    provider_ref = models.CharField(_("nomor dari gateway"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    sent_at = models.DateTimeField(_("terkirim pada"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pesan keluar")
        verbose_name_plural = _("kotak keluar")
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "dedupe_key"], name="outbox_dedupe"),
            models.CheckConstraint(
                condition=models.Q(status__in=OutboxStatus.values), name="outbox_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=OutboxChannel.values), name="outbox_channel_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status=OutboxStatus.SENT, sent_at__isnull=False)
                | (~models.Q(status=OutboxStatus.SENT) & models.Q(sent_at__isnull=True)),
                name="outbox_sent_at_iff_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["member", "-created_at"], name="outbox_member"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.to} ({self.status})"
