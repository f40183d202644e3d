"""Writes about people: accounts, their roles, passwords, two-step sign-in and unlocking.

Who may do what to whom, in one rule (:func:`may_manage_role`, :func:`may_manage_person`):
the Dinas admin manages everyone in the district; a pengurus manages the kasir, pengawas and
pengurus of their own koperasi, and a person only when every role that person holds is in a
koperasi where the actor is pengurus (so a pengurus cannot reset the password of someone who
also works elsewhere). Nobody grants a role to themselves, so nobody raises their own role.

Every password Kopdig sets passes Django's validators (``AUTH_PASSWORD_VALIDATORS``); only the
demo command writes its shared password around them. Every write leaves an audit record.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pyotp
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from registry import access
from registry.models import (
    DISTRICT_ROLES,
    KOPERASI_ROLES,
    AccountSecurity,
    Koperasi,
    PasswordResetCode,
    Role,
    RoleGrant,
)
from registry.services import role_grant, role_revoke

RESET_CODE_ALPHABET = (
    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed on a phone
)
RESET_CODE_LENGTH = 8
RESET_CODE_VALID_FOR = dt.timedelta(hours=24)
RESET_CODE_MAX_TRIES = 5
TOTP_ISSUER = "Kopdig"
# The roles that may turn on two-step sign-in: those who manage people.
TOTP_ROLES = (Role.DINAS_ADMIN, Role.PENGURUS)


class UserError(ValidationError):
    pass


# --- who may ----------------------------------------------------------------------------------


def may_manage_role(actor: Any, role: str, koperasi: Koperasi | None) -> bool:
    """Whether ``actor`` may grant or revoke ``role`` (in ``koperasi``) for someone else."""
    if access.is_dinas_admin(actor):
        return True
    return (
        role in KOPERASI_ROLES
        and koperasi is not None
        and Role.PENGURUS in access.roles_in(actor, koperasi)
    )


def may_manage_person(actor: Any, user: Any) -> bool:
    """Whether ``actor`` may reset the password of, unlock or deactivate ``user``."""
    if actor.pk == user.pk or not getattr(actor, "is_active", False):
        return False
    if user.is_superuser and not actor.is_superuser:
        return False
    if access.is_dinas_admin(actor):
        return True
    grants = list(RoleGrant.objects.filter(user=user).select_related("koperasi"))
    return bool(grants) and all(
        g.koperasi is not None and may_manage_role(actor, g.role, g.koperasi) for g in grants
    )


def _refuse_unless_manages_person(actor: Any, user: Any) -> None:
    if actor.pk == user.pk:
        raise UserError(_("Tindakan ini tidak dapat dilakukan pada akun Anda sendiri."))
    if not may_manage_person(actor, user):
        raise UserError(
            _("Anda tidak berwenang mengelola akun %(u)s.") % {"u": user.get_username()}
        )


def _refuse_unless_manages_role(actor: Any, user: Any, role: str, koperasi: Any) -> None:
    if actor.pk == user.pk:
        raise UserError(_("Tidak ada yang dapat mengubah perannya sendiri."))
    if role not in Role.values:
        raise UserError(_("Peran tidak dikenal: %(r)s") % {"r": role})
    if not may_manage_role(actor, role, koperasi):
        raise UserError(
            _("Anda tidak berwenang memberi atau mencabut peran %(r)s di sini.")
            % {"r": Role(role).label}
        )


# --- passwords --------------------------------------------------------------------------------


def _checked_password(user: Any, password: str) -> str:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UserError(exc.messages) from exc
    return password


def _security(user: Any) -> AccountSecurity:
    security, _created = AccountSecurity.objects.get_or_create(user=user)
    return security


def must_change_password(user: Any) -> bool:
    return AccountSecurity.objects.filter(user=user, must_change_password=True).exists()


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    password: str,
    role: str,
    koperasi: Koperasi | None = None,
) -> Any:
    """A new account holding ``role``; the password given is temporary (changed at sign-in)."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise UserError(_("Nama pengguna wajib diisi."))
    if (role in DISTRICT_ROLES) != (koperasi is None):
        raise UserError(
            _("Peran Dinas berlaku untuk seluruh kabupaten; peran lain harus menyebut koperasi.")
        )
    if not may_manage_role(actor, role, koperasi):
        raise UserError(
            _("Anda tidak berwenang memberi peran %(r)s di sini.") % {"r": Role(role).label}
        )
    if User.objects.filter(username__iexact=username).exists():
        raise UserError(_("Nama pengguna “%(u)s” sudah dipakai.") % {"u": username})
    first, _sep, last = full_name.strip().partition(" ")
    user = User(username=username, first_name=first[:150], last_name=last[:150])
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise UserError(exc.messages) from exc
    user.set_password(_checked_password(user, password))
    user.save()
    AccountSecurity.objects.create(user=user, must_change_password=True)
    audit.record(
        actor=actor,
        action="user.create",
        obj=user,
        koperasi=koperasi,
        after={"username": user.username, "name": full_name.strip()},
    )
    role_grant(actor=actor, user=user, role=role, koperasi=koperasi)
    return user


def role_give(*, actor: Any, user: Any, role: str, koperasi: Koperasi | None) -> RoleGrant:
    """Grant ``role`` to someone else, within the actor's authority."""
    _refuse_unless_manages_role(actor, user, role, koperasi)
    if RoleGrant.objects.filter(user=user, role=role, koperasi=koperasi).exists():
        raise UserError(_("%(u)s sudah memegang peran ini.") % {"u": user.get_username()})
    try:
        return role_grant(actor=actor, user=user, role=role, koperasi=koperasi)
    except ValidationError as exc:
        raise UserError(exc.messages) from exc


@transaction.atomic
def role_take(*, actor: Any, grant: RoleGrant) -> None:
    """Revoke someone else's role, within the actor's authority; never one's own (a pengurus
    cannot leave their koperasi with one pengurus fewer by mistake, nor anyone change their
    own standing)."""
    grant = RoleGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    if grant.user_id == actor.pk:
        if grant.role == Role.PENGURUS:
            raise UserError(_("Anda tidak dapat mencabut peran pengurus Anda sendiri."))
        raise UserError(_("Tidak ada yang dapat mengubah perannya sendiri."))
    _refuse_unless_manages_role(actor, grant.user, grant.role, grant.koperasi)
    role_revoke(actor=actor, grant=grant)


@transaction.atomic
def user_set_active(*, actor: Any, user: Any, active: bool) -> Any:
    """Deactivate (cannot sign in; history kept) or reactivate an account."""
    _refuse_unless_manages_person(actor, user)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        obj=user,
        koperasi=_only_koperasi(user),
        before={"is_active": not active},
        after={"is_active": active},
    )
    return user


def _only_koperasi(user: Any) -> Koperasi | None:
    """The koperasi whose audit should show a change to ``user``: the one they work in."""
    ids = {g.koperasi_id for g in RoleGrant.objects.filter(user=user) if g.koperasi_id}
    return Koperasi.objects.get(pk=ids.pop()) if len(ids) == 1 else None


@transaction.atomic
def password_change(*, user: Any, old_password: str, new_password: str) -> Any:
    """A person changes their own password, knowing the current one."""
    if not user.check_password(old_password):
        raise UserError(_("Kata sandi lama salah."))
    if old_password == new_password:
        raise UserError(_("Kata sandi baru harus berbeda dari yang lama."))
    user.set_password(_checked_password(user, new_password))
    user.save(update_fields=["password"])
    AccountSecurity.objects.filter(user=user).update(must_change_password=False)
    audit.record(actor=user, action="user.password_change", obj=user, koperasi=_only_koperasi(user))
    return user


def _new_code() -> str:
    raw = "".join(secrets.choice(RESET_CODE_ALPHABET) for _ in range(RESET_CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def _normal_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


@transaction.atomic
def reset_code_issue(*, actor: Any, user: Any) -> str:
    """A one-time code for ``user`` to set a new password; returned once, kept only hashed.

    Any earlier unused code of the same person stops working.
    """
    _refuse_unless_manages_person(actor, user)
    if not user.is_active:
        raise UserError(_("Akun ini tidak aktif; aktifkan dulu."))
    now = timezone.now()
    PasswordResetCode.objects.filter(user=user, used_at=None, voided_at=None).update(voided_at=now)
    code = _new_code()
    issued = PasswordResetCode.objects.create(
        user=user,
        code_hash=make_password(_normal_code(code)),
        created_by=actor,
        expires_at=now + RESET_CODE_VALID_FOR,
    )
    audit.record(
        actor=actor,
        action="user.password_reset_code",
        obj=user,
        koperasi=_only_koperasi(user),
        after={"username": user.get_username(), "expires_at": issued.expires_at.isoformat()},
    )
    return code


def password_reset_with_code(*, username: str, code: str, new_password: str) -> Any:
    """The person sets a new password with the code an admin gave them.

    A wrong code counts against that code (void after a few), even though the attempt fails.
    """
    refused = UserError(
        _("Nama pengguna atau kode salah, atau kode sudah tidak berlaku. Minta kode baru.")
    )
    user = get_user_model().objects.filter(username__iexact=username.strip(), is_active=True)
    person = user.first()
    if person is None:
        raise refused
    with transaction.atomic():
        issued = (
            PasswordResetCode.objects.select_for_update()
            .filter(
                user=person,
                used_at=None,
                voided_at=None,
                expires_at__gt=timezone.now(),
                failed_tries__lt=RESET_CODE_MAX_TRIES,
            )
            .first()
        )
        if issued is None:
            raise refused
        if not check_password(_normal_code(code), issued.code_hash):
            issued.failed_tries += 1
            issued.save(update_fields=["failed_tries"])
            wrong = True
        else:
            wrong = False
    if wrong:
        raise refused
    with transaction.atomic():
        issued = PasswordResetCode.objects.select_for_update().get(pk=issued.pk)
        if issued.used_at is not None:
            raise refused
        person.set_password(_checked_password(person, new_password))
        person.save(update_fields=["password"])
        issued.used_at = timezone.now()
        issued.save(update_fields=["used_at"])
        AccountSecurity.objects.filter(user=person).update(must_change_password=False)
        audit.record(
            actor=person,
            action="user.password_reset",
            obj=person,
            koperasi=_only_koperasi(person),
        )
    _unlock(person)
    return person


def _unlock(user: Any) -> int:
    from axes.utils import reset

    return reset(username=user.get_username())


@transaction.atomic
def login_unlock(*, actor: Any, user: Any) -> int:
    """Clear the failed sign-ins that locked ``user`` out; how many records were cleared."""
    _refuse_unless_manages_person(actor, user)
    cleared = _unlock(user)
    audit.record(
        actor=actor,
        action="user.unlock",
        obj=user,
        koperasi=_only_koperasi(user),
        after={"cleared": cleared},
    )
    return cleared


# --- two-step sign-in (TOTP) -------------------------------------------------------------------


def totp_available(user: Any) -> bool:
    if access.is_dinas_admin(user):
        return True
    return RoleGrant.objects.filter(user=user, role=Role.PENGURUS).exists()


def totp_enabled(user: Any) -> bool:
    return AccountSecurity.objects.filter(user=user, totp_enabled_at__isnull=False).exists()


@transaction.atomic
def totp_begin(*, user: Any) -> str:
    """A new secret for the authenticator app, kept until the first code confirms it."""
    if not totp_available(user):
        raise UserError(_("Verifikasi dua langkah tersedia untuk Admin Dinas dan pengurus."))
    security = _security(user)
    if security.totp_enabled:
        raise UserError(_("Verifikasi dua langkah sudah aktif."))
    security.totp_secret = pyotp.random_base32()
    security.save(update_fields=["totp_secret"])
    return security.totp_secret


def totp_uri(*, user: Any, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=TOTP_ISSUER)


def _accept_code(security: AccountSecurity, code: str) -> bool:
    """Whether ``code`` is the current one (or the one just before or after it), not used."""
    totp = pyotp.TOTP(security.totp_secret)
    code = "".join(c for c in code if c.isdigit())
    if len(code) != 6:
        return False
    now = timezone.now()
    for drift in (0, -1, 1):
        at = now + dt.timedelta(seconds=30 * drift)
        step = totp.timecode(at)
        if step > security.totp_last_step and secrets.compare_digest(totp.at(at), code):
            security.totp_last_step = step
            security.save(update_fields=["totp_last_step"])
            return True
    return False


@transaction.atomic
def totp_enable(*, user: Any, code: str) -> None:
    security = AccountSecurity.objects.select_for_update().filter(user=user).first()
    if security is None or not security.totp_secret:
        raise UserError(_("Mulai lagi: pindai kode QR dulu."))
    if security.totp_enabled:
        raise UserError(_("Verifikasi dua langkah sudah aktif."))
    if not _accept_code(security, code):
        raise UserError(_("Kode salah atau sudah kedaluwarsa. Periksa jam ponsel Anda."))
    security.totp_enabled_at = timezone.now()
    security.save(update_fields=["totp_enabled_at"])
    audit.record(actor=user, action="user.totp_enable", obj=user, koperasi=_only_koperasi(user))


def totp_check(*, user: Any, code: str) -> bool:
    """At sign-in: whether ``code`` is good for ``user`` (each code is taken once)."""
    with transaction.atomic():
        security = AccountSecurity.objects.select_for_update().filter(user=user).first()
        return bool(security and security.totp_enabled and _accept_code(security, code))


@transaction.atomic
def totp_disable(*, actor: Any, user: Any, password: str = "") -> None:
    """Turn two-step sign-in off: by the person (with their password), or by an admin over
    them (a lost phone)."""
    if actor.pk == user.pk:
        if not user.check_password(password):
            raise UserError(_("Kata sandi salah."))
    else:
        _refuse_unless_manages_person(actor, user)
    updated = AccountSecurity.objects.filter(user=user, totp_enabled_at__isnull=False).update(
        totp_enabled_at=None, totp_secret="", totp_last_step=0
    )
    if not updated:
        raise UserError(_("Verifikasi dua langkah tidak aktif."))
    audit.record(actor=actor, action="user.totp_disable", obj=user, koperasi=_only_koperasi(user))
