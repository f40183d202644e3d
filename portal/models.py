"""The members' app's own rows: logins, activation codes, attempts, loan requests, phone changes.

Nothing here is money. A loan applied for in the app is an ordinary ``loans.Loan`` in the
koperasi's approval queue; :class:`LoanRequest` only remembers which phone request made it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Koperasi


class MemberLogin(models.Model):
    """A member's way into the app: their phone number and a 6-digit PIN (hashed).

    ``session_version`` is stored in each of the member's sessions; "keluar dari semua
    perangkat" increments it, and every older session stops working at its next request.
    """

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="app_login"
    )
    phone = models.CharField(_("nomor HP"), max_length=16)  # E.164: +628…
    pin_hash = models.CharField(max_length=200, blank=True)
    failed_pins = models.PositiveSmallIntegerField(_("PIN salah berturut"), default=0)
    locked_until = models.DateTimeField(_("terkunci sampai"), null=True, blank=True)
    session_version = models.PositiveIntegerField(default=1)
    activated_at = models.DateTimeField(_("diaktifkan pada"), null=True, blank=True)
    last_login_at = models.DateTimeField(_("terakhir masuk"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("akses aplikasi anggota")
        verbose_name_plural = _("akses aplikasi anggota")
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "member"], name="portal_login_member"),
            models.CheckConstraint(
                condition=Q(phone__startswith="+62"), name="portal_login_phone_e164"
            ),
        ]
        indexes = [models.Index(fields=["phone"], name="portal_login_phone")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.phone}"


class Channel(models.TextChoices):
    CETAK = "cetak", _("Dicetak / dibacakan")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class ActivationCode(models.Model):
    """A one-time code for a member to set (or reset) their PIN; only its hash is kept.

    Valid for a few days, spent by its first use, void after a few wrong tries or when a newer
    one is issued for the same member.
    """

    Channel = Channel

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="activation_codes"
    )
    code_hash = models.CharField(max_length=200)
    channel = models.CharField(_("dikirim lewat"), max_length=10, choices=Channel.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    failed_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("kode aktivasi")
        verbose_name_plural = _("kode aktivasi")
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="portal_code_channel_valid"
            ),
        ]
        indexes = [models.Index(fields=["member", "used_at"], name="portal_code_member")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.created_at:%Y-%m-%d %H:%M}"


class AttemptKind(models.TextChoices):
    AKTIVASI = "aktivasi", _("Aktivasi")
    PIN = "pin", _("PIN")
    CEK_STRUK = "cek_struk", _("Cek struk")


class AccessAttempt(models.Model):
    """A failed activation or PIN attempt, by address and phone number, or a look-up on the
    public receipt check (:mod:`notify.views`), by address: the rate limits count these over a
    window (in the database, so every server process sees the same count)."""

    kind = models.CharField(max_length=10, choices=AttemptKind.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AttemptKind.values), name="portal_attempt_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "ip", "at"], name="portal_attempt_ip"),
            models.Index(fields=["kind", "phone", "at"], name="portal_attempt_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ip} {self.phone} {self.at:%H:%M}"


class LoanRequest(models.Model):
    """A loan application sent from the app, keyed by the idempotency key the phone made.

    The phone may send the same application again (a retry after a lost answer, the offline
    queue replayed); the key is unique, so the second send finds the first loan."""

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=64)
    loan = models.OneToOneField("loans.Loan", on_delete=models.PROTECT, related_name="app_request")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pengajuan dari aplikasi")
        verbose_name_plural = _("pengajuan dari aplikasi")
        constraints = [
            models.UniqueConstraint(
                fields=["koperasi", "idempotency_key"], name="portal_loanrequest_key"
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class PhoneChangeStatus(models.TextChoices):
    MENUNGGU = "menunggu", _("Menunggu konfirmasi")
    DISETUJUI = "disetujui", _("Dikonfirmasi")
    DITOLAK = "ditolak", _("Ditolak")


class PhoneChange(models.Model):
    """A member's request to sign in with another phone number, confirmed by the koperasi."""

    Status = PhoneChangeStatus

    koperasi = models.ForeignKey(Koperasi, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    old_phone = models.CharField(_("nomor lama"), max_length=16)
    new_phone = models.CharField(_("nomor baru"), max_length=16)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PhoneChangeStatus.choices,
        default=PhoneChangeStatus.MENUNGGU,
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("perubahan nomor HP")
        verbose_name_plural = _("perubahan nomor HP")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PhoneChangeStatus.values), name="portal_phone_status"
            ),
            models.UniqueConstraint(
                fields=["koperasi", "member"],
                condition=Q(status="menunggu"),
                name="portal_phone_one_open",
            ),
            models.CheckConstraint(
                condition=Q(new_phone__startswith="+62"), name="portal_phone_new_e164"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.new_phone} ({self.status})"
