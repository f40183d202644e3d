"""Writes of the members' app: activation codes, PIN sign-in, sessions, applications, adoption.

The rules a member meets:
- the kasir, a pengurus or the konsultan issues a one-time activation code (shown once, kept
  hashed, valid :data:`CODE_VALID_FOR`, void after :data:`CODE_MAX_TRIES` wrong tries or when a
  newer one is issued); with it the member sets a 6-digit PIN. A new code is also how the
  koperasi resets a forgotten PIN or a locked account;
- :data:`PIN_MAX_FAILS` wrong PINs in a row lock the login for :data:`PIN_LOCK_FOR`;
- failed activations are limited per address and per phone number, failed PINs per address,
  counted in the database (:class:`~portal.models.AccessAttempt`) so every server process agrees;
- "keluar dari semua perangkat" increments ``session_version``: every session made before
  stops at its next request.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, outbox
from core.dates import local_now, local_today
from core.notify.messages import short_name
from core.validators import normalize_phone
from dashboard.models import MemberAppAccount, MemberAppActivity
from loans import services as loan_services
from loans.models import Loan, LoanProduct
from members.models import Member
from members.services import member_update
from portal.models import (
    AccessAttempt,
    ActivationCode,
    AttemptKind,
    Channel,
    LoanRequest,
    MemberLogin,
    PhoneChange,
    PhoneChangeStatus,
)
from registry.access import roles_in
from registry.models import Koperasi, Role

CODE_VALID_FOR = dt.timedelta(days=7)
CODE_MAX_TRIES = 5
CODE_DIGITS = 8
PIN_MAX_FAILS = 5
PIN_LOCK_FOR = dt.timedelta(minutes=30)
# Failed attempts allowed within ATTEMPT_WINDOW before the address or phone waits.
ATTEMPT_WINDOW = dt.timedelta(hours=1)
ACTIVATION_FAILS_PER_IP = 10
ACTIVATION_FAILS_PER_PHONE = 5
PIN_FAILS_PER_IP = 20
ISSUERS = {Role.KASIR, Role.PENGURUS, Role.KONSULTAN}


class PortalError(ValidationError):
    """A request of the members' app refused; the message is for the member (Indonesian)."""


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --- Activation codes ---------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def _digits(text: Any) -> str:
    return "".join(c for c in str(text or "") if c.isdigit())


@transaction.atomic
def issue_activation_code(*, member: Member, actor: Any, channel: str = Channel.CETAK) -> str:
    """A new activation code for ``member``, returned once (the slip shows it); any earlier
    unused code stops working. Also how a forgotten PIN or a locked login is reset."""
    if channel not in Channel.values:
        raise PortalError(_("Cara pengiriman kode tidak dikenal."), code="channel")
    if not roles_in(actor, member.koperasi) & ISSUERS:
        raise PortalError(
            _("Kode aktivasi dibuat oleh kasir, pengurus atau konsultan koperasi ini."),
            code="who",
        )
    if not member.is_active:
        raise PortalError(
            _("%(name)s bukan anggota aktif.") % {"name": member.full_name}, code="inactive"
        )
    if not member.phone:
        raise PortalError(
            _("Isi dulu nomor HP %(name)s di data anggota: anggota masuk dengan nomor itu.")
            % {"name": member.full_name},
            code="no_phone",
        )
    now = timezone.now()
    ActivationCode.objects.filter(member=member, used_at=None, voided_at=None).update(voided_at=now)
    code = _new_code()
    issued = ActivationCode.objects.create(
        koperasi_id=member.koperasi_id,
        member=member,
        code_hash=make_password(code),
        channel=channel,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=now + CODE_VALID_FOR,
    )
    if channel in (Channel.WHATSAPP, Channel.SMS):
        # Sent through the outbox (the code waits there until the worker delivers it).
        outbox.enqueue(
            koperasi=member.koperasi,
            member=member,
            to=member.phone,
            channel=channel,
            kind="portal.activation",
            template="portal.activation",
            context={
                "k": short_name(member.koperasi.name),
                "code": code,
                "date": timezone.localtime(issued.expires_at).strftime("%d/%m/%Y"),
            },
            dedupe_key=f"portal.activation:{issued.pk}",
        )
    audit.record(
        actor=actor,
        action="portal.activation_code",
        obj=member,
        koperasi=member.koperasi,
        after={"channel": channel, "expires_at": issued.expires_at.isoformat()},
    )
    return code


# --- Rate limits ---------------------------------------------------------------------------


def _failed(kind: str, *, ip: str | None, phone: str) -> None:
    """Record a failed attempt, outside the refused request's transaction (it must stay)."""
    AccessAttempt.objects.create(kind=kind, ip=ip or None, phone=phone[:32])


def _check_rate(kind: str, *, ip: str | None, phone: str = "") -> None:
    since = timezone.now() - ATTEMPT_WINDOW
    recent = AccessAttempt.objects.filter(kind=kind, at__gte=since)
    if kind == AttemptKind.AKTIVASI:
        per_ip, per_phone = ACTIVATION_FAILS_PER_IP, ACTIVATION_FAILS_PER_PHONE
    else:
        per_ip, per_phone = PIN_FAILS_PER_IP, 0
    too_many = bool(ip) and recent.filter(ip=ip).count() >= per_ip
    if not too_many and per_phone and phone:
        too_many = recent.filter(phone=phone).count() >= per_phone
    if too_many:
        raise PortalError(
            _(
                "Terlalu banyak percobaan yang salah. Tunggu satu jam, atau minta bantuan "
                "kasir koperasi."
            ),
            code="rate_limited",
        )


def within_limit(*, kind: str, ip: str | None, limit: int, window: dt.timedelta) -> bool:
    """Count one use by ``ip`` (the public receipt check's look-ups) and say whether it stays
    within ``limit`` uses per ``window``: counted in the database like the failed attempts, so
    every gunicorn worker sees the same count (a per-process cache gave each worker its own)."""
    ip = ip or None
    since = timezone.now() - window
    AccessAttempt.objects.filter(kind=kind, ip=ip, at__lt=since).delete()  # counted no more
    AccessAttempt.objects.create(kind=kind, ip=ip, phone="")
    return AccessAttempt.objects.filter(kind=kind, ip=ip, at__gte=since).count() <= limit


# --- PIN -----------------------------------------------------------------------------------


def _check_pin(pin: str, pin_again: str) -> str:
    if len(pin) != 6 or not pin.isdigit():
        raise PortalError(_("PIN terdiri dari 6 angka."), code="pin_format")
    if pin != pin_again:
        raise PortalError(_("Kedua PIN tidak sama. Ketik ulang."), code="pin_mismatch")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        raise PortalError(
            _("PIN ini terlalu mudah ditebak (misalnya 111111 atau 123456). Pilih yang lain."),
            code="pin_weak",
        )
    return pin


def _phone(raw: Any) -> str:
    try:
        return normalize_phone(raw)
    except ValidationError as exc:
        raise PortalError(_message(exc), code="phone") from exc


def activate(
    *,
    phone: Any,
    member_number: str,
    code: str,
    pin: str,
    pin_again: str,
    ip: str | None = None,
    koperasi: Koperasi | None = None,
) -> MemberLogin:
    """The member's first sign-in (or a reset): phone, member number and code → their PIN.

    Wrong details are one message whatever was wrong (nobody learns which phone is a member's);
    each counts against the address and the phone, and a wrong code against that code."""
    _check_rate(AttemptKind.AKTIVASI, ip=ip)
    e164 = _phone(phone)
    _check_rate(AttemptKind.AKTIVASI, ip=None, phone=e164)
    pin = _check_pin(str(pin or "").strip(), str(pin_again or "").strip())
    refused = PortalError(
        _(
            "Nomor HP, nomor anggota atau kode aktivasi salah, atau kode sudah tidak berlaku. "
            "Periksa slip kode Anda, atau minta kode baru di koperasi."
        ),
        code="activation_refused",
    )
    members = Member.objects.filter(
        phone=e164, number=str(member_number or "").strip(), status=Member.Status.AKTIF
    )
    if koperasi is not None:
        members = members.filter(koperasi=koperasi)
    found = list(members.select_related("koperasi")[:2])
    if len(found) != 1:
        _failed(AttemptKind.AKTIVASI, ip=ip, phone=e164)
        raise refused
    member = found[0]
    with transaction.atomic():
        issued = (
            ActivationCode.objects.select_for_update()
            .filter(
                member=member,
                used_at=None,
                voided_at=None,
                expires_at__gt=timezone.now(),
                failed_tries__lt=CODE_MAX_TRIES,
            )
            .first()
        )
        right = issued is not None and check_password(_digits(code), issued.code_hash)
        if issued is not None and not right:
            issued.failed_tries = F("failed_tries") + 1
            issued.save(update_fields=["failed_tries"])
    if not right or issued is None:
        _failed(AttemptKind.AKTIVASI, ip=ip, phone=e164)
        raise refused
    return _set_pin(member=member, issued=issued, phone=e164, pin=pin)


@transaction.atomic
def _set_pin(*, member: Member, issued: ActivationCode, phone: str, pin: str) -> MemberLogin:
    issued = ActivationCode.objects.select_for_update().get(pk=issued.pk)
    if issued.used_at is not None or issued.voided_at is not None:
        raise PortalError(_("Kode ini sudah dipakai. Minta kode baru di koperasi."), code="used")
    now = timezone.now()
    # Two members sharing one phone (a couple) sign in with the same number: their PINs differ.
    for other in MemberLogin.objects.filter(phone=phone).exclude(member=member):
        if other.pin_hash and check_password(pin, other.pin_hash):
            raise PortalError(
                _("Nomor HP ini dipakai anggota lain dengan PIN yang sama. Pilih PIN lain."),
                code="pin_shared",
            )
    login, created = MemberLogin.objects.select_for_update().get_or_create(
        member=member, defaults={"koperasi_id": member.koperasi_id, "phone": phone}
    )
    login.phone = phone
    login.pin_hash = make_password(pin)
    login.failed_pins = 0
    login.locked_until = None
    login.activated_at = login.activated_at or now
    if not created:
        login.session_version += 1  # a reset: the lost phone's session stops
    login.save()
    issued.used_at = now
    issued.save(update_fields=["used_at"])
    MemberAppAccount.objects.get_or_create(
        member=member,
        defaults={"koperasi_id": member.koperasi_id, "activated_on": local_today()},
    )
    audit.record(
        actor=None,
        action="portal.activate" if created else "portal.pin_reset",
        obj=member,
        koperasi=member.koperasi,
        after={"channel": issued.channel},
    )
    return login


def _locked_message(until: dt.datetime) -> str:
    return _(
        "Akses terkunci sampai pukul %(time)s WITA karena %(n)s kali PIN salah. Tunggu, atau "
        "minta kode aktivasi baru di koperasi."
    ) % {"time": until.astimezone(local_now().tzinfo).strftime("%H.%M"), "n": PIN_MAX_FAILS}


def authenticate(*, phone: Any, pin: str, ip: str | None = None) -> Member:
    """The member whose phone and PIN these are, or a :class:`PortalError` that says why not
    (wrong PIN with the tries left, or locked until when)."""
    _check_rate(AttemptKind.PIN, ip=ip)
    e164 = _phone(phone)
    pin = str(pin or "").strip()
    wrong = PortalError(_("Nomor HP atau PIN salah."), code="pin_wrong")
    with transaction.atomic():
        logins = list(
            MemberLogin.objects.select_for_update()
            .filter(phone=e164, member__status=Member.Status.AKTIF)
            .exclude(pin_hash="")
            .select_related("member", "member__koperasi")
            .order_by("pk")
        )
        now = timezone.now()
        usable = []
        for login in logins:
            if login.locked_until is not None and login.locked_until > now:
                continue
            if login.locked_until is not None:  # the lock has run out: a fresh start
                login.locked_until = None
                login.failed_pins = 0
            usable.append(login)
        for login in usable:
            if check_password(pin, login.pin_hash):
                login.failed_pins = 0
                login.last_login_at = now
                login.save(update_fields=["failed_pins", "locked_until", "last_login_at"])
                record_activity(member=login.member, login=True)
                return login.member
        error: PortalError = wrong
        if logins and not usable:
            until = min(lg.locked_until for lg in logins if lg.locked_until is not None)
            error = PortalError(_locked_message(until), code="locked")
        for login in usable:
            login.failed_pins += 1
            if login.failed_pins >= PIN_MAX_FAILS:
                login.locked_until = now + PIN_LOCK_FOR
                error = PortalError(_locked_message(login.locked_until), code="locked")
            elif len(usable) == 1:
                error = PortalError(
                    _("PIN salah. Sisa percobaan: %(n)s.")
                    % {"n": PIN_MAX_FAILS - login.failed_pins},
                    code="pin_wrong",
                )
            login.save(update_fields=["failed_pins", "locked_until"])
    _failed(AttemptKind.PIN, ip=ip, phone=e164)
    raise error


def logout_everywhere(*, member: Member) -> None:
    """Every session of the member, on every phone, stops at its next request."""
    MemberLogin.objects.filter(member=member).update(session_version=F("session_version") + 1)
    record_activity(member=member, action=True)


# --- Adoption ------------------------------------------------------------------------------


def record_activity(
    *, member: Member, screen: str = "", action: bool = False, login: bool = False
) -> None:
    """Count the member's use of the app today: sign-ins, actions, and which screens were
    opened (by name only). No figure of the member's finances is written."""
    today = local_today()
    with transaction.atomic():
        row, created = MemberAppActivity.objects.select_for_update().get_or_create(
            koperasi_id=member.koperasi_id,
            member=member,
            on=today,
            defaults={
                "actions": int(action),
                "logins": int(login),
                "screens": [screen] if screen else [],
            },
        )
        if created:
            return
        fields = []
        if action:
            row.actions += 1
            fields.append("actions")
        if login:
            row.logins += 1
            fields.append("logins")
        if screen and screen not in row.screens:
            row.screens = [*row.screens, screen]
            fields.append("screens")
        if fields:
            row.save(update_fields=fields)


# --- Loan applications ---------------------------------------------------------------------


def app_user(koperasi: Koperasi) -> Any:
    """The user that enters applications made in the app (``aplikasi.<kode>``).

    A loan's maker must be a user (the database's four-eyes rule compares users); this one
    cannot sign in and holds no role, so every person of the koperasi can approve its loans.
    """
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=f"aplikasi.{koperasi.code}"[:150],
        defaults={"is_active": False, "first_name": _("Aplikasi anggota")[:150]},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def loan_request(
    *,
    member: Member,
    product: LoanProduct,
    amount: Any,
    tenor: Any,
    purpose: str = "",
    idempotency_key: str,
) -> Loan:
    """Send a loan application from the app into the koperasi's approval queue.

    The same ``idempotency_key`` sent again returns the first application and makes nothing."""
    key = str(idempotency_key or "").strip()[:64]
    if len(key) < 8:
        raise PortalError(_("Permintaan tanpa kunci pengiriman; muat ulang halaman."), code="key")
    found = LoanRequest.objects.filter(koperasi_id=member.koperasi_id, idempotency_key=key)
    existing = found.select_related("loan").first()
    if existing is not None:
        if existing.member_id != member.pk:
            raise PortalError(_("Kunci pengiriman sudah dipakai."), code="key_conflict")
        return existing.loan
    if product.koperasi_id != member.koperasi_id or not product.is_active:
        raise PortalError(_("Produk pinjaman tidak ditemukan."), code="product")
    try:
        with transaction.atomic():
            loan = loan_services.loan_apply(
                koperasi=member.koperasi,
                member=member,
                product=product,
                principal=amount,
                tenor=tenor,
                purpose=purpose or _("Diajukan lewat aplikasi anggota"),
                actor=app_user(member.koperasi),
            )
            LoanRequest.objects.create(
                koperasi_id=member.koperasi_id, member=member, idempotency_key=key, loan=loan
            )
    except IntegrityError:
        # The same key arrived twice at once: the other request made the loan.
        existing = found.select_related("loan").first()
        if existing is None or existing.member_id != member.pk:
            raise
        return existing.loan
    except loan_services.LoansError as exc:
        raise PortalError(_message(exc), code=exc.code) from exc
    record_activity(member=member, action=True)
    return loan


# --- Phone number changes ------------------------------------------------------------------


@transaction.atomic
def phone_change_request(*, member: Member, new_phone: Any) -> PhoneChange:
    """The member asks to sign in with another number; the koperasi confirms it."""
    e164 = _phone(new_phone)
    if e164 == member.phone:
        raise PortalError(_("Itu nomor HP Anda sekarang."), code="same")
    PhoneChange.objects.filter(member=member, status=PhoneChangeStatus.MENUNGGU).update(
        status=PhoneChangeStatus.DITOLAK, decided_at=timezone.now()
    )
    change = PhoneChange.objects.create(
        koperasi_id=member.koperasi_id, member=member, old_phone=member.phone, new_phone=e164
    )
    record_activity(member=member, action=True)
    return change


@transaction.atomic
def phone_change_decide(*, change: PhoneChange, actor: Any, approve: bool) -> PhoneChange:
    """A kasir or pengurus confirms (or refuses) a member's new phone number."""
    locked = PhoneChange.objects.select_for_update().select_related("member").get(pk=change.pk)
    if not roles_in(actor, locked.member.koperasi) & {Role.KASIR, Role.PENGURUS}:
        raise PortalError(_("Dikonfirmasi oleh kasir atau pengurus."), code="who")
    if locked.status != PhoneChangeStatus.MENUNGGU:
        raise PortalError(_("Permintaan ini sudah diputuskan."), code="decided")
    locked.status = PhoneChangeStatus.DISETUJUI if approve else PhoneChangeStatus.DITOLAK
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        member_update(member=locked.member, actor=actor, phone=locked.new_phone)
        MemberLogin.objects.filter(member=locked.member).update(phone=locked.new_phone)
    audit.record(
        actor=actor,
        action="portal.phone_change",
        obj=locked.member,
        koperasi=locked.member.koperasi,
        after={"approved": approve},
    )
    return locked
