"""Writes to the registry. Each is atomic, validates first and leaves an audit record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core.dates import local_today
from registry.models import (
    DISTRICT_ROLES,
    AnnualTarget,
    DigitalStageChange,
    Koperasi,
    Region,
    Role,
    RoleGrant,
    StatusChange,
)

EDITABLE_FIELDS = (
    "name",
    "nik_koperasi",
    "legal_number",
    "legal_date",
    "kind",
    "kecamatan",
    "desa",
    "address",
    "founded_on",
    "status",
    "last_rat_on",
    "timezone",
)


class RegistryError(ValidationError):
    pass


def check_region(kecamatan: Region, desa: Region | None) -> None:
    if kecamatan.level != Region.Level.KECAMATAN:
        raise RegistryError(_("%(name)s bukan kecamatan.") % {"name": kecamatan.name})
    if desa is not None and desa.parent_id != kecamatan.pk:
        raise RegistryError(
            _("Desa %(desa)s tidak berada di Kecamatan %(kec)s.")
            % {"desa": desa.name, "kec": kecamatan.name}
        )


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise RegistryError(_("Kolom tidak dapat diubah: %(f)s") % {"f": ", ".join(unknown)})


@transaction.atomic
def koperasi_create(
    *,
    actor: Any,
    name: str,
    code: str,
    kind: str,
    kecamatan: Region,
    desa: Region | None = None,
    stage: str = Koperasi.Stage.BELUM_DIGITAL,
    stage_since: dt.date | None = None,
    status_since: dt.date | None = None,
    **fields: Any,
) -> Koperasi:
    """Register a koperasi; its digital journey starts at ``stage`` on ``stage_since``."""
    _check_fields(fields)
    check_region(kecamatan, desa)
    if stage not in Koperasi.Stage.values:
        raise RegistryError(_("Tahap digital tidak dikenal: %(s)s") % {"s": stage})
    if Koperasi.objects.filter(code=code).exists():
        raise RegistryError(_("Kode singkat “%(code)s” sudah dipakai.") % {"code": code})
    koperasi = Koperasi(
        name=name,
        code=code,
        kind=kind,
        kecamatan=kecamatan,
        desa=desa,
        digital_stage=stage,
        **fields,
    )
    koperasi.full_clean()
    koperasi.save()
    DigitalStageChange.objects.create(
        koperasi=koperasi,
        from_stage="",
        to_stage=stage,
        changed_on=stage_since or koperasi.founded_on or local_today(koperasi.timezone),
        actor=_user(actor),
        note=_("Terdaftar"),
    )
    StatusChange.objects.create(
        koperasi=koperasi,
        status=koperasi.status,
        changed_on=status_since or stage_since or koperasi.founded_on or local_today(),
        actor=_user(actor),
    )
    audit.record(
        actor=actor, action="koperasi.create", obj=koperasi, after=audit.snapshot(koperasi)
    )
    return koperasi


@transaction.atomic
def koperasi_update(
    *, actor: Any, koperasi: Koperasi, status_on: dt.date | None = None, **changes: Any
) -> Koperasi:
    """Change a koperasi's registry data; the audit keeps only the fields that changed.

    A change of status is also kept, dated ``status_on`` (default today), in its history.
    """
    _check_fields(changes)
    locked = Koperasi.objects.select_for_update().get(pk=koperasi.pk)
    before = audit.snapshot(locked)
    for key, value in changes.items():
        setattr(locked, key, value)
    check_region(locked.kecamatan, locked.desa)
    locked.full_clean()
    locked.save()
    old, new = audit.changed(before, audit.snapshot(locked))
    if "status" in new:
        on = status_on or local_today(locked.timezone)
        last = locked.status_changes.order_by("-changed_on", "-id").first()
        if last is not None and on < last.changed_on:
            raise RegistryError(
                _("Tanggal perubahan status tidak boleh sebelum perubahan terakhir (%(d)s).")
                % {"d": last.changed_on.strftime("%d/%m/%Y")}
            )
        if on > local_today(locked.timezone):
            raise RegistryError(_("Tanggal perubahan status tidak boleh di masa depan."))
        StatusChange.objects.create(
            koperasi=locked, status=locked.status, changed_on=on, actor=_user(actor)
        )
    if new:
        audit.record(actor=actor, action="koperasi.update", obj=locked, before=old, after=new)
    return locked


@transaction.atomic
def digital_stage_set(
    *, actor: Any, koperasi: Koperasi, stage: str, on: dt.date, note: str = ""
) -> DigitalStageChange:
    """Move a koperasi to another digital stage on a date, keeping the history.

    Any stage may follow any other (a koperasi that stops using its app goes back), but not
    itself, not before the last change, not in the future, and not for a dissolved koperasi.
    """
    if stage not in Koperasi.Stage.values:
        raise RegistryError(_("Tahap digital tidak dikenal: %(s)s") % {"s": stage})
    locked = Koperasi.objects.select_for_update().get(pk=koperasi.pk)
    if locked.status == Koperasi.Status.BUBAR:
        raise RegistryError(_("Koperasi yang sudah bubar tidak dapat diubah tahap digitalnya."))
    if locked.digital_stage == stage:
        raise RegistryError(
            _("Koperasi sudah berada di tahap %(s)s.") % {"s": Koperasi.Stage(stage).label}
        )
    last = locked.stage_changes.order_by("-changed_on", "-id").first()
    if last is not None and on < last.changed_on:
        raise RegistryError(
            _("Tanggal perubahan tidak boleh sebelum perubahan terakhir (%(d)s).")
            % {"d": last.changed_on.strftime("%d/%m/%Y")}
        )
    if on > local_today(locked.timezone):
        raise RegistryError(_("Tanggal perubahan tidak boleh di masa depan."))
    change = DigitalStageChange.objects.create(
        koperasi=locked,
        from_stage=locked.digital_stage,
        to_stage=stage,
        changed_on=on,
        actor=_user(actor),
        note=note,
    )
    audit.record(
        actor=actor,
        action="koperasi.digital_stage",
        obj=locked,
        before={"digital_stage": locked.digital_stage},
        after={"digital_stage": stage, "changed_on": on.isoformat()},
        note=note,
    )
    locked.digital_stage = stage
    locked.save(update_fields=["digital_stage"])
    koperasi.digital_stage = stage
    for listener in _STAGE_LISTENERS.values():
        listener(locked)
    return change


# What a higher app keeps from a koperasi's stage (the dashboard's figures row: digital or
# reported, low adoption), registered from its ``AppConfig.ready()``: the registry cannot import
# it. Each listener runs inside the stage change's transaction.
StageListener = Callable[[Koperasi], object]
_STAGE_LISTENERS: dict[str, StageListener] = {}


def register_stage_listener(name: str, listener: StageListener) -> None:
    """Declare work to do, in the same transaction, when a koperasi's digital stage changes."""
    _STAGE_LISTENERS[name] = listener


@transaction.atomic
def role_grant(*, actor: Any, user: Any, role: str, koperasi: Koperasi | None = None) -> RoleGrant:
    if role not in Role.values:
        raise RegistryError(_("Peran tidak dikenal: %(r)s") % {"r": role})
    if (role in DISTRICT_ROLES) != (koperasi is None):
        raise RegistryError(
            _("Peran Dinas berlaku untuk seluruh kabupaten; peran lain harus menyebut koperasi.")
        )
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role, koperasi=koperasi)
    if created:
        audit.record(
            actor=actor,
            action="role.grant",
            obj=grant,
            koperasi=koperasi,
            after={"user": user.username, "role": role},
        )
    return grant


@transaction.atomic
def role_revoke(*, actor: Any, grant: RoleGrant) -> None:
    audit.record(
        actor=actor,
        action="role.revoke",
        obj=grant,
        koperasi=grant.koperasi,
        before={"user": grant.user.username, "role": grant.role},
    )
    grant.delete()


@transaction.atomic
def target_set(*, actor: Any, year: int, new_digital: int) -> AnnualTarget:
    """The Dinas's target of new digital koperasi for ``year``."""
    if new_digital < 0:
        raise RegistryError(_("Target tidak boleh negatif."))
    existing = AnnualTarget.objects.select_for_update().filter(year=year).first()
    before = {"year": year, "new_digital": existing.new_digital} if existing else None
    target, _created = AnnualTarget.objects.update_or_create(
        year=year, defaults={"new_digital": new_digital}
    )
    audit.record(
        actor=actor,
        action="target.set",
        obj=target,
        before=before,
        after={"year": year, "new_digital": new_digital},
    )
    return target


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None
