"""Writes of the API itself: issuing, checking and revoking tokens.

Staff sign in as on the sign-in page: the same authentication backends (so django-axes counts
and locks failures), the two-step code when the account has it (a wrong code is a failed sign-in
too), and no token while a temporary password waits to be changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from core import audit
from portal import selectors as portal_selectors
from portal import services as portal_services
from registry import access, user_services
from registry.models import Koperasi

STAFF_TOKEN_LIFETIME = dt.timedelta(hours=12)  # a kasir's working day
MEMBER_TOKEN_LIFETIME = dt.timedelta(days=30)  # the member's own phone: weeks, as the app's session
# ``last_used_at`` is written at most this often: a write per request would queue every read
# behind the one SQLite writer.
LAST_USED_EVERY = dt.timedelta(minutes=5)
PREFIX = "kd_"


class ApiError(ValidationError):
    """A refusal with its HTTP status (a ``ValidationError`` so its message is Indonesian text
    like every service error)."""

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message, code=code)
        self.status = status


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, koperasi: Koperasi, user: Any = None, member: Any = None, device: str = ""
) -> tuple[str, ApiToken]:
    """A new token for an owner already authenticated; the raw token is returned once."""
    version = None
    if member is not None:
        login = portal_selectors.login_of(member_id=member.pk)
        version = login.session_version if login is not None else 0
    raw = PREFIX + secrets.token_urlsafe(32)
    lifetime = MEMBER_TOKEN_LIFETIME if member is not None else STAFF_TOKEN_LIFETIME
    now = timezone.now()
    token = ApiToken.objects.create(
        koperasi=koperasi,
        user=user,
        member=member,
        key_hash=_hash(raw),
        prefix=raw[:10],
        device=" ".join(device.split())[:100],
        session_version=version,
        created_at=now,
        expires_at=now + lifetime,
    )
    audit.record(
        actor=user,
        action="api.token_issue",
        obj=token,
        koperasi=koperasi,
        after={"prefix": token.prefix, "owner": token.owner_key, "device": token.device},
    )
    return raw, token


def _invalid_login() -> ApiError:
    return ApiError(
        _("Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil."),
        code="invalid_login",
        status=401,
    )


def token_issue_staff(
    *,
    request: HttpRequest,
    username: str,
    password: str,
    koperasi_code: str = "",
    totp_code: str = "",
    device: str = "",
) -> tuple[str, ApiToken]:
    """A token for a staff member acting in one koperasi (the only one they work in, or the
    one named by ``koperasi_code``). Not one transaction: a failed attempt must stay counted
    by django-axes when the refusal is raised."""
    try:
        user = authenticate(request, username=username, password=password)
    except AxesBackendPermissionDenied as exc:
        raise _locked(request) from exc
    if getattr(request, "axes_locked_out", False):
        raise _locked(request)
    if user is None:
        raise _invalid_login()
    places = access.staff_koperasi(user)
    if koperasi_code:
        koperasi = next((k for k in places if k.code == koperasi_code), None)
    else:
        koperasi = places[0] if len(places) == 1 else None
    if koperasi is None:
        message = (
            _("Anda tidak bekerja di koperasi %(kode)s.") % {"kode": koperasi_code}
            if koperasi_code
            else _("Sebutkan kode koperasi tempat Anda bekerja.")
            if places
            else _("Akun ini tidak bekerja di koperasi mana pun.")
        )
        raise ApiError(message, code="koperasi", status=403)
    if user_services.totp_enabled(user):
        if not totp_code:
            raise ApiError(
                _("Masukkan kode enam angka dari aplikasi autentikator Anda."),
                code="totp_required",
                status=401,
            )
        if not user_services.totp_check(user=user, code=totp_code):
            # A wrong code counts as a failed sign-in for the lockout, as on the sign-in page.
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=request
            )
            if getattr(request, "axes_locked_out", False):
                raise _locked(request)
            raise ApiError(
                _("Kode salah atau sudah kedaluwarsa. Periksa jam ponsel Anda."),
                code="totp_invalid",
                status=401,
            )
    if user_services.must_change_password(user):
        raise ApiError(
            _("Ganti dulu kata sandi sementara Anda di halaman akun, lalu masuk lagi."),
            code="must_change_password",
            status=403,
        )
    return token_create(koperasi=koperasi, user=user, device=device)


def _locked(request: HttpRequest) -> ApiError:
    # The refusal is this JSON, not django-axes's lockout page (its middleware answers with the
    # page whenever the request is marked locked out).
    request.axes_locked_out = False  # type: ignore[attr-defined]
    return ApiError(
        _("Terlalu banyak percobaan masuk yang gagal. Coba lagi 15 menit lagi."),
        code="locked",
        status=429,
    )


def token_issue_member(
    *, request: HttpRequest, phone: str, pin: str, device: str = ""
) -> tuple[str, ApiToken]:
    """A token for a member's phone: phone and PIN checked by the app's own sign-in
    (:func:`portal.services.authenticate`: its wrong-PIN lock and per-address rate limit)."""
    try:
        member = portal_services.authenticate(
            phone=phone, pin=pin, ip=request.META.get("REMOTE_ADDR")
        )
    except portal_services.PortalError as exc:
        status = {"pin_wrong": 401, "locked": 429, "rate_limited": 429}.get(str(exc.code), 422)
        raise ApiError(" ".join(exc.messages), code=str(exc.code), status=status) from exc
    return token_create(koperasi=member.koperasi, member=member, device=device)


def token_check(raw: str) -> ApiToken | None:
    """The live token for ``raw`` (not revoked, not expired, its owner still active), or None."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("koperasi", "user", "member")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None:
        return None
    if token.user is not None and not token.user.is_active:
        return None
    if token.member is not None:
        if token.member.status != "aktif":
            return None
        login = portal_selectors.login_of(member_id=token.member.pk)
        if login is None or login.session_version != token.session_version:
            return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def token_revoke(*, token: ApiToken, everywhere: bool = False) -> int:
    """Sign this phone out (or every phone of the token's owner); returns how many tokens."""
    now = timezone.now()
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    if everywhere and token.member is not None:
        # The app's web sessions too (and so every member token, by their version).
        portal_services.logout_everywhere(member=token.member)
    if everywhere:
        owner = {"user": token.user} if token.user_id else {"member": token.member}
        tokens = tokens.filter(**owner)
    else:
        tokens = tokens.filter(pk=token.pk)
    count = tokens.update(revoked_at=now)
    audit.record(
        actor=token.user,
        action="api.token_revoke",
        obj=token,
        koperasi=token.koperasi,
        after={"owner": token.owner_key, "everywhere": everywhere, "count": count},
    )
    return count
