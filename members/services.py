"""Writes to the member register: join, change, leave, death, and the numbering rule.

These services move no money. The savings app wraps them (charging simpanan pokok on joining,
refunding on leaving) inside its own transaction: each function here is atomic on its own and
nests as a savepoint in the caller's transaction, validates everything before writing, and
raises a :class:`MemberError` (a ``ValidationError`` whose messages are keyed by the argument
that is wrong) before anything is written.
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import audit
from core.dates import business_date
from core.validators import NikInfo, nik_mismatches, normalize_phone, validate_nik
from members.models import Member, MemberNumberFormat
from members.selectors import number_format_get
from registry.models import Koperasi, Region

NUMBER_MAX_LENGTH = Member._meta.get_field("number").max_length or 30

# What member_update may change; status changes go through member_leave/member_death.
EDITABLE_FIELDS = (
    "number",
    "full_name",
    "nik",
    "birth_date",
    "gender",
    "phone",
    "address",
    "desa",
    "occupation",
    "heir_name",
    "heir_relation",
    "join_date",
)
ADULT_AGE = 17


class MemberError(ValidationError):
    """Bad input for a member service; ``message_dict`` keys are the argument names."""


class DuplicateNik(MemberError):
    pass


class DuplicateNumber(MemberError):
    pass


class MemberNotActive(MemberError):
    pass


class NumberFormatError(MemberError):
    pass


# --- numbering ---------------------------------------------------------------------------------


def _check_pattern(pattern: str) -> None:
    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name]
    except ValueError as exc:
        raise NumberFormatError(
            {"pattern": [_("Format nomor tidak dapat dibaca: %(err)s") % {"err": exc}]}
        ) from exc
    if "seq" not in fields:
        raise NumberFormatError(
            {"pattern": [_("Format nomor harus memuat {seq}, misalnya {seq:05d}.")]}
        )
    unknown = sorted(set(fields) - {"seq", "year"})
    if unknown:
        raise NumberFormatError(
            {
                "pattern": [
                    _("Format nomor hanya boleh memakai {seq} dan {year}; tidak dikenal: %(f)s")
                    % {"f": ", ".join(unknown)}
                ]
            }
        )
    try:
        sample = pattern.format(seq=99999, year=2099)
    except (ValueError, KeyError, IndexError) as exc:
        raise NumberFormatError(
            {"pattern": [_("Format nomor tidak dapat dipakai: %(err)s") % {"err": exc}]}
        ) from exc
    if not sample.strip() or len(sample) > NUMBER_MAX_LENGTH:
        raise NumberFormatError(
            {
                "pattern": [
                    ngettext(
                        "Nomor anggota yang dihasilkan terlalu panjang "
                        "(paling banyak %(n)d huruf).",
                        "Nomor anggota yang dihasilkan terlalu panjang "
                        "(paling banyak %(n)d huruf).",
                        NUMBER_MAX_LENGTH,
                    )
                    % {"n": NUMBER_MAX_LENGTH}
                ]
            }
        )


def _sequence_start(fmt: MemberNumberFormat, year: int) -> int:
    seq = fmt.sequence_start(year)
    if seq is None:
        raise NumberFormatError(
            {
                "number": [
                    _(
                        "Nomor urut sudah berjalan untuk tahun %(now)d; isi nomor anggota untuk "
                        "tahun masuk %(year)d secara manual."
                    )
                    % {"now": fmt.seq_year, "year": year}
                ]
            }
        )
    return seq


def _allocate_number(*, koperasi: Koperasi, join_date: dt.date) -> str:
    """Take the next member number, holding the koperasi's format row locked until commit.

    Called inside the registration's transaction: if anything later fails, the counter rolls
    back with it, so numbers have no gaps. Numbers already held (legacy numbers typed in by
    hand) are stepped over: the counter continues after the highest of them.
    """
    MemberNumberFormat.objects.get_or_create(koperasi=koperasi)
    fmt = MemberNumberFormat.objects.select_for_update().get(koperasi=koperasi)
    year = join_date.year
    seq = _sequence_start(fmt, year)
    number = fmt.format(seq=seq, year=year)
    if Member.objects.filter(koperasi=koperasi, number=number).exists():
        taken = set(Member.objects.filter(koperasi=koperasi).values_list("number", flat=True))
        seq, number = fmt.next_free(seq=seq, year=year, taken=taken)
    fmt.next_seq = seq + 1
    if fmt.reset_each_year:
        fmt.seq_year = year
    fmt.save(update_fields=["next_seq", "seq_year", "updated_at"])
    return number


@transaction.atomic
def member_number_format_set(
    *,
    koperasi: Koperasi,
    actor: Any,
    pattern: str,
    next_seq: int | None = None,
    reset_each_year: bool = False,
) -> MemberNumberFormat:
    """Set how the koperasi numbers new members, e.g. ``AGT-{year}-{seq:04d}``.

    ``next_seq`` moves the counter (for example to continue after the legacy numbers); left
    out, the counter stays where it is.
    """
    pattern = (pattern or "").strip()
    _check_pattern(pattern)
    if reset_each_year and "{year" not in pattern:
        raise NumberFormatError(
            {
                "reset_each_year": [
                    _("Nomor urut hanya boleh mulai dari 1 tiap tahun bila format memuat {year}.")
                ]
            }
        )
    if next_seq is not None and next_seq < 1:
        raise NumberFormatError({"next_seq": [_("Nomor urut berikutnya paling kecil 1.")]})
    MemberNumberFormat.objects.get_or_create(koperasi=koperasi)
    fmt = MemberNumberFormat.objects.select_for_update().get(koperasi=koperasi)
    fields = ["pattern", "next_seq", "reset_each_year", "seq_year"]
    before = audit.snapshot(fmt, fields)
    fmt.pattern = pattern
    fmt.reset_each_year = reset_each_year
    if next_seq is not None:
        fmt.next_seq = next_seq
    if reset_each_year and fmt.seq_year is None:
        fmt.seq_year = business_date(koperasi).year
    if not reset_each_year:
        fmt.seq_year = None
    fmt.save()
    old, new = audit.changed(before, audit.snapshot(fmt, fields))
    if new:
        audit.record(
            actor=actor, action="members.number_format_set", obj=fmt, before=old, after=new
        )
    return fmt


# --- validation shared by register and update --------------------------------------------------


Errors = dict[str, list[ValidationError]]


def _add(errors: Errors, key: str, message: str, code: str = "invalid") -> None:
    errors.setdefault(key, []).append(ValidationError(message, code=code))


def _too_long(limit: int) -> str:
    return ngettext(
        "Terlalu panjang: paling banyak %(n)d huruf.",
        "Terlalu panjang: paling banyak %(n)d huruf.",
        limit,
    ) % {"n": limit}


def _clean_text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _clean(
    *,
    koperasi: Koperasi,
    data: dict[str, Any],
    errors: Errors,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    """Normalise ``data`` in place of the caller; collect every problem into ``errors``."""
    out: dict[str, Any] = {}
    for key in ("full_name", "address", "occupation", "heir_name", "heir_relation"):
        if key in data:
            out[key] = _clean_text(data[key])
            limit = getattr(Member._meta.get_field(key), "max_length", None) or 0
            if len(out[key]) > limit:
                _add(errors, key, _too_long(limit))
    if "full_name" in out and not out["full_name"]:
        _add(errors, "full_name", _("Nama lengkap wajib diisi."))

    if "nik" in data:
        try:
            out["nik_info"] = validate_nik(data["nik"])
            out["nik"] = out["nik_info"].nik
        except ValidationError as exc:
            errors.setdefault("nik", []).extend(exc.error_list)

    if "gender" in data:
        out["gender"] = data["gender"]
        if out["gender"] not in Member.Gender.values:
            _add(errors, "gender", _("Jenis kelamin harus L (laki-laki) atau P (perempuan)."))

    today = business_date(koperasi)
    if "birth_date" in data:
        out["birth_date"] = data["birth_date"]
        if not isinstance(out["birth_date"], dt.date):
            _add(errors, "birth_date", _("Tanggal lahir wajib diisi."))
        elif out["birth_date"] > today:
            _add(errors, "birth_date", _("Tanggal lahir tidak boleh di masa depan."))
    if "join_date" in data:
        out["join_date"] = data["join_date"]
        if not isinstance(out["join_date"], dt.date):
            _add(errors, "join_date", _("Tanggal masuk wajib diisi."))
        elif out["join_date"] > today:
            _add(
                errors,
                "join_date",
                _("Tanggal masuk tidak boleh sesudah tanggal buku (%(d)s).")
                % {"d": today.strftime("%d/%m/%Y")},
            )

    if "phone" in data:
        raw = _clean_text(data["phone"])
        out["phone"] = ""
        if raw:
            try:
                out["phone"] = normalize_phone(raw)
            except ValidationError as exc:
                errors.setdefault("phone", []).extend(exc.error_list)

    if "desa" in data:
        desa = data["desa"]
        if desa is not None and (
            not isinstance(desa, Region)
            or desa.level not in (Region.Level.DESA, Region.Level.KELURAHAN)
        ):
            _add(errors, "desa", _("Pilih desa atau kelurahan dari daftar."))
        out["desa"] = desa

    if "number" in data and data["number"] is not None:
        number = _clean_text(data["number"])
        out["number"] = number
        if not number:
            _add(errors, "number", _("Nomor anggota tidak boleh kosong."))
        elif len(number) > NUMBER_MAX_LENGTH:
            _add(
                errors,
                "number",
                ngettext(
                    "Nomor anggota paling banyak %(n)d huruf.",
                    "Nomor anggota paling banyak %(n)d huruf.",
                    NUMBER_MAX_LENGTH,
                )
                % {"n": NUMBER_MAX_LENGTH},
            )
        else:
            clash = Member.objects.filter(koperasi=koperasi, number=number)
            if exclude_pk is not None:
                clash = clash.exclude(pk=exclude_pk)
            holder = clash.first()
            if holder is not None:
                _add(
                    errors,
                    "number",
                    _("Nomor anggota %(number)s sudah dipakai oleh %(name)s.")
                    % {"number": number, "name": holder.full_name},
                    "duplicate_number",
                )
    return out


def _duplicate_nik_message(holder: Member) -> str:
    return _(
        "NIK ini sudah terdaftar di koperasi ini atas nama %(name)s (nomor anggota %(number)s)."
    ) % {"name": holder.full_name, "number": holder.number}


def _check_nik_free(
    *, koperasi: Koperasi, nik: str, errors: Errors, exclude_pk: int | None = None
) -> None:
    clash = Member.objects.filter(koperasi=koperasi, nik=nik)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    holder = clash.first()
    if holder is not None:
        _add(errors, "nik", _duplicate_nik_message(holder), "duplicate_nik")


def _raise(errors: Errors) -> None:
    if not errors:
        return
    codes = {e.code for errs in errors.values() for e in errs}
    if "duplicate_nik" in codes:
        raise DuplicateNik(errors)
    if "duplicate_number" in codes:
        raise DuplicateNumber(errors)
    raise MemberError(errors)


def _nik_info(nik: str) -> NikInfo | None:
    try:
        return validate_nik(nik)
    except ValidationError:
        return None  # a legacy NIK that does not decode: nothing to cross-check


def _warnings(member: Member, nik_info: NikInfo | None) -> list[str]:
    warnings: list[str] = []
    if nik_info is not None:
        warnings += nik_mismatches(nik_info, birth_date=member.birth_date, gender=member.gender)
    born = member.birth_date
    at_join = member.join_date
    age = at_join.year - born.year - ((at_join.month, at_join.day) < (born.month, born.day))
    if age < ADULT_AGE:
        warnings.append(
            ngettext(
                "Umur anggota saat masuk %(age)d tahun (di bawah %(adult)d tahun).",
                "Umur anggota saat masuk %(age)d tahun (di bawah %(adult)d tahun).",
                age,
            )
            % {"age": age, "adult": ADULT_AGE}
        )
    return warnings


def _save(member: Member, *, update_fields: list[str] | None = None) -> None:
    """Save, turning a unique-constraint race (two kasir, same NIK) into a clear message."""
    try:
        with transaction.atomic():
            member.save(update_fields=update_fields)
    except IntegrityError as exc:
        holder = (
            Member.objects.filter(koperasi=member.koperasi, nik=member.nik)
            .exclude(pk=member.pk)
            .first()
        )
        if holder is not None:
            raise DuplicateNik({"nik": [_duplicate_nik_message(holder)]}) from exc
        raise DuplicateNumber(
            {"number": [_("Nomor anggota %(number)s sudah dipakai.") % {"number": member.number}]}
        ) from exc


# --- the lifecycle -----------------------------------------------------------------------------


@transaction.atomic
def member_register(
    *,
    koperasi: Koperasi,
    actor: Any,
    full_name: str,
    nik: Any,
    birth_date: dt.date,
    gender: str,
    phone: str = "",
    address: str = "",
    desa: Region | None = None,
    occupation: str = "",
    heir_name: str = "",
    heir_relation: str = "",
    join_date: dt.date | None = None,
    number: str | None = None,
) -> tuple[Member, list[str]]:
    """Register a member; return it with warnings (NIK vs. birth date/gender, age).

    ``number`` is taken from the koperasi's numbering rule unless given (the migration gives
    the legacy number). ``join_date`` defaults to the koperasi's business date.
    """
    errors: Errors = {}
    data: dict[str, Any] = {
        "full_name": full_name,
        "nik": nik,
        "birth_date": birth_date,
        "gender": gender,
        "phone": phone,
        "address": address,
        "desa": desa,
        "occupation": occupation,
        "heir_name": heir_name,
        "heir_relation": heir_relation,
        "join_date": join_date or business_date(koperasi),
        "number": number,
    }
    clean = _clean(koperasi=koperasi, data=data, errors=errors)
    if "nik" in clean:
        _check_nik_free(koperasi=koperasi, nik=clean["nik"], errors=errors)
    if not errors and clean["join_date"] < clean["birth_date"]:
        _add(errors, "join_date", _("Tanggal masuk tidak boleh sebelum tanggal lahir."))
    if number is None and not errors:
        try:
            _sequence_start(number_format_get(koperasi=koperasi), clean["join_date"].year)
        except NumberFormatError as exc:
            errors.update(exc.error_dict)
    _raise(errors)

    nik_info = clean.pop("nik_info")
    if number is None:
        clean["number"] = _allocate_number(koperasi=koperasi, join_date=clean["join_date"])
    member = Member(koperasi=koperasi, status=Member.Status.AKTIF, **clean)
    _save(member)
    audit.record(actor=actor, action="members.register", obj=member, after=_snapshot(member))
    return member, _warnings(member, nik_info)


def _snapshot(member: Member) -> dict[str, Any]:
    data = audit.snapshot(member)
    for key in ("name_search", "created_at", "updated_at"):
        data.pop(key, None)
    return data


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk, koperasi_id=member.koperasi_id)


@transaction.atomic
def member_update(*, member: Member, actor: Any, **changes: Any) -> tuple[Member, list[str]]:
    """Change a member's particulars (not the status); return it with NIK warnings.

    Only the fields that change are audited, with their values before and after.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise MemberError(_("Kolom tidak dapat diubah: %(f)s") % {"f": ", ".join(unknown)})
    locked = _lock(member)
    koperasi = locked.koperasi
    errors: Errors = {}
    if "number" in changes and changes["number"] is None:
        _add(errors, "number", _("Nomor anggota tidak boleh kosong."))
    clean = _clean(koperasi=koperasi, data=changes, errors=errors, exclude_pk=locked.pk)
    if "nik" in clean:
        _check_nik_free(koperasi=koperasi, nik=clean["nik"], errors=errors, exclude_pk=locked.pk)
    birth = clean.get("birth_date", locked.birth_date)
    joined = clean.get("join_date", locked.join_date)
    if not errors and joined < birth:
        _add(errors, "join_date", _("Tanggal masuk tidak boleh sebelum tanggal lahir."))
    if not errors and locked.left_on is not None and joined > locked.left_on:
        _add(errors, "join_date", _("Tanggal masuk tidak boleh sesudah tanggal keluar/meninggal."))
    _raise(errors)

    nik_info = clean.pop("nik_info", None) or _nik_info(locked.nik)
    before = _snapshot(locked)
    for key, value in clean.items():
        setattr(locked, key, value)
    old, new = audit.changed(before, _snapshot(locked))
    if new:
        _save(locked)
        locked.refresh_from_db(fields=["name_search"])
        audit.record(actor=actor, action="members.update", obj=locked, before=old, after=new)
    return locked, _warnings(locked, nik_info)


@transaction.atomic
def set_notification_preference(*, member: Member, channel: str, actor: Any = None) -> Member:
    """How the member wants receipts and reminders: ``whatsapp``, ``sms`` or ``none`` (no
    messages at all). Staff set it on the member's page; the member in the members' app."""
    if channel not in Member.NotifyChannel.values:
        raise MemberError(
            {"channel": [_("Pilih WhatsApp, SMS, atau tidak usah dikirimi pesan.")]},
            code="channel",
        )
    locked = _lock(member)
    before = locked.notify_channel
    if before != channel:
        locked.notify_channel = channel
        locked.save(update_fields=["notify_channel", "updated_at"])
        audit.record(
            actor=actor,
            action="members.notify_channel",
            obj=locked,
            before={"notify_channel": before},
            after={"notify_channel": channel},
        )
    member.notify_channel = channel
    return locked


def _end_membership(
    *, member: Member, actor: Any, on: Any, text: str, status: str, action: str, field: str
) -> Member:
    locked = _lock(member)
    errors: Errors = {}
    if locked.status != Member.Status.AKTIF:
        raise MemberNotActive(
            _("%(name)s sudah berstatus %(status)s sejak %(date)s.")
            % {
                "name": locked.full_name,
                "status": locked.get_status_display().lower(),
                "date": locked.left_on.strftime("%d/%m/%Y") if locked.left_on else "—",
            }
        )
    today = business_date(locked.koperasi)
    if not isinstance(on, dt.date):
        _add(errors, "on", _("Tanggal wajib diisi."))
    elif on < locked.join_date:
        _add(
            errors,
            "on",
            _("Tanggal tidak boleh sebelum tanggal masuk (%(d)s).")
            % {"d": locked.join_date.strftime("%d/%m/%Y")},
        )
    elif on > today:
        _add(
            errors,
            "on",
            _("Tanggal tidak boleh sesudah tanggal buku (%(d)s).")
            % {"d": today.strftime("%d/%m/%Y")},
        )
    text = _clean_text(text)
    if status == Member.Status.KELUAR and not text:
        _add(errors, field, _("Alasan keluar wajib diisi."))
    if len(text) > 250:
        _add(errors, field, _too_long(250))
    if errors:
        raise MemberError(errors)
    before = _snapshot(locked)
    locked.status = status
    locked.left_on = on
    locked.left_reason = text
    locked.save(update_fields=["status", "left_on", "left_reason", "updated_at"])
    old, new = audit.changed(before, _snapshot(locked))
    audit.record(actor=actor, action=action, obj=locked, before=old, after=new)
    return locked


@transaction.atomic
def member_leave(*, member: Member, actor: Any, on: dt.date, reason: str) -> Member:
    """Record that an active member left (status only: the savings app refunds the money)."""
    return _end_membership(
        member=member,
        actor=actor,
        on=on,
        text=reason,
        status=Member.Status.KELUAR,
        action="members.leave",
        field="reason",
    )


@transaction.atomic
def member_death(*, member: Member, actor: Any, on: dt.date, note: str = "") -> Member:
    """Record an active member's death (status only: the savings app pays the heir)."""
    return _end_membership(
        member=member,
        actor=actor,
        on=on,
        text=note,
        status=Member.Status.MENINGGAL,
        action="members.death",
        field="note",
    )
