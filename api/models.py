"""Bearer tokens of mobile clients, and the stored first response of each idempotent write."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A phone's sign-in: for a staff user acting in one koperasi, or for one member.

    The token itself is shown once; the table keeps its SHA-256 (a 256-bit random token needs no
    slow hash: there is nothing to guess from it), and a short prefix to tell tokens apart."""

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.CASCADE, related_name="api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
    )
    key_hash = models.CharField(max_length=64)
    prefix = models.CharField(_("awalan"), max_length=12)
    device = models.CharField(_("perangkat"), max_length=100, blank=True)
    # A member's token lives while the member's app login keeps this version ("keluar dari
    # semua perangkat" in the app bumps it: portal.MemberLogin.session_version).
    session_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        constraints = [
            models.UniqueConstraint(
                fields=["koperasi", "key_hash"], name="api_token_key_unique_per_koperasi"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False, member__isnull=True)
                | Q(user__isnull=True, member__isnull=False),
                name="api_token_user_xor_member",
            ),
        ]
        indexes = [models.Index(fields=["key_hash"], name="api_token_key_hash")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.owner_key})"

    @property
    def owner_key(self) -> str:
        """Who the token acts for, as idempotency keys are scoped: ``u<id>`` or ``m<id>``."""
        return f"u{self.user_id}" if self.user_id else f"m{self.member_id}"

    @property
    def is_member(self) -> bool:
        return self.member_id is not None


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an ``Idempotency-Key``.

    The unique constraint is the concurrency guard: two requests with the same key race to insert
    the same row, inside the transaction that also does the write; the second waits for the first
    to commit and then finds its answer (PostgreSQL: the unique index blocks it; SQLite: one
    writer at a time)."""

    koperasi = models.ForeignKey(
        "registry.Koperasi", on_delete=models.CASCADE, related_name="api_idempotency_records"
    )
    owner = models.CharField(max_length=24)  # ApiToken.owner_key
    key = models.CharField(max_length=64)
    operation = models.CharField(max_length=200)  # method and path
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the operation and the body
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kunci idempotensi")
        verbose_name_plural = _("kunci idempotensi")
        constraints = [
            models.UniqueConstraint(
                fields=["koperasi", "owner", "key"], name="api_idempotency_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"
