"""Registry writes: each validates first, changes nothing on bad input, and is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.dates import local_today
from core.models import AuditEvent
from registry import services
from registry.models import AnnualTarget, DigitalStageChange, Koperasi, Region, Role, RoleGrant
from tests.factories import UserFactory, kecamatan

pytestmark = pytest.mark.django_db

Stage = Koperasi.Stage


def create(actor: Any, **overrides: Any) -> Koperasi:
    fields: dict[str, Any] = {
        "name": "Kopdit Sinar Harapan Bajo",
        "code": "sinar-harapan",
        "kind": Koperasi.Kind.SIMPAN_PINJAM,
        "kecamatan": kecamatan("53.15.05"),
        "desa": Region.objects.get(code="53.15.05.1025"),  # Labuan Bajo
        "founded_on": dt.date(2015, 3, 22),
        "nik_koperasi": "5315050010001",
    }
    fields.update(overrides)
    return services.koperasi_create(actor=actor, **fields)


def test_registering_a_koperasi_starts_its_stage_history_and_is_audited(dinas_admin: Any) -> None:
    koperasi = create(dinas_admin, stage=Stage.PENDATAAN, stage_since=dt.date(2024, 5, 2))
    assert koperasi.digital_stage == Stage.PENDATAAN
    [first] = koperasi.stage_changes.all()
    assert (first.from_stage, first.to_stage, first.changed_on) == (
        "",
        "pendataan",
        dt.date(2024, 5, 2),
    )
    event = AuditEvent.objects.get(action="koperasi.create")
    assert event.actor == dinas_admin
    assert event.koperasi == koperasi
    assert event.before is None
    assert event.after is not None
    assert event.after["name"] == "Kopdit Sinar Harapan Bajo"
    assert event.after["kecamatan_id"] == "53.15.05"


def test_stage_history_starts_at_the_founding_date_by_default(dinas_admin: Any) -> None:
    koperasi = create(dinas_admin)
    assert koperasi.stage_changes.get().changed_on == dt.date(2015, 3, 22)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"desa": "53.15.03.2003"}, "tidak berada di Kecamatan Komodo"),
        ({"kecamatan": "53.15.05.1025", "desa": None}, "Labuan Bajo bukan kecamatan"),
        ({"code": "sinar-bajo"}, "Kode singkat “sinar-bajo” sudah dipakai."),
        ({"stage": "terbang"}, "Tahap digital tidak dikenal"),
        ({"digital_stage": "digital"}, "Kolom tidak dapat diubah: digital_stage"),
        ({"status": "hilang"}, "bukan pilihan yang valid"),
    ],
)
def test_bad_registration_is_refused_and_changes_nothing(
    dinas_admin: Any, koperasi: Koperasi, overrides: dict[str, Any], message: str
) -> None:
    for key in ("desa", "kecamatan"):
        if isinstance(overrides.get(key), str):
            overrides[key] = Region.objects.get(code=overrides[key])
    with pytest.raises(ValidationError) as caught:
        create(dinas_admin, **overrides)
    assert message in " ".join(caught.value.messages)
    assert Koperasi.objects.count() == 1  # the fixture's own
    assert not AuditEvent.objects.exists()
    assert not DigitalStageChange.objects.exists()


def test_update_audits_only_what_changed(dinas_admin: Any, koperasi: Koperasi) -> None:
    services.koperasi_update(
        actor=dinas_admin,
        koperasi=koperasi,
        name="KSP Sinar Bajo Sejahtera",
        status=Koperasi.Status.AKTIF_BELUM_RAT,
        founded_on=dt.date(2010, 1, 1),  # unchanged
    )
    koperasi.refresh_from_db()
    assert koperasi.name == "KSP Sinar Bajo Sejahtera"
    event = AuditEvent.objects.get(action="koperasi.update")
    assert event.before == {"name": "KSP Sinar Bajo", "status": "aktif"}
    assert event.after == {"name": "KSP Sinar Bajo Sejahtera", "status": "aktif_belum_rat"}
    assert event.object_id == str(koperasi.pk)


def test_an_update_that_changes_nothing_leaves_no_audit(
    dinas_admin: Any, koperasi: Koperasi
) -> None:
    services.koperasi_update(actor=dinas_admin, koperasi=koperasi, name=koperasi.name)
    assert not AuditEvent.objects.exists()


def test_a_bad_update_changes_nothing(dinas_admin: Any, koperasi: Koperasi) -> None:
    with pytest.raises(ValidationError):
        services.koperasi_update(actor=dinas_admin, koperasi=koperasi, name="Baru", status="entah")
    with pytest.raises(ValidationError, match="Kolom tidak dapat diubah: code"):
        services.koperasi_update(actor=dinas_admin, koperasi=koperasi, code="lain")
    koperasi.refresh_from_db()
    assert (koperasi.name, koperasi.status, koperasi.code) == (
        "KSP Sinar Bajo",
        "aktif",
        "sinar-bajo",
    )
    assert not AuditEvent.objects.exists()


def test_digital_stage_moves_are_dated_history_and_audited(
    dinas_admin: Any, koperasi: Koperasi
) -> None:
    today = local_today()
    services.digital_stage_set(
        actor=dinas_admin, koperasi=koperasi, stage=Stage.PENDATAAN, on=dt.date(2025, 2, 1)
    )
    services.digital_stage_set(
        actor=dinas_admin, koperasi=koperasi, stage=Stage.MIGRASI, on=dt.date(2025, 3, 1)
    )
    services.digital_stage_set(
        actor=dinas_admin, koperasi=koperasi, stage=Stage.DIGITAL, on=today, note="Data lengkap"
    )
    koperasi.refresh_from_db()
    assert koperasi.digital_stage == Stage.DIGITAL
    history = [(c.from_stage, c.to_stage, c.changed_on) for c in koperasi.stage_changes.all()]
    assert history == [
        ("belum_digital", "pendataan", dt.date(2025, 2, 1)),
        ("pendataan", "migrasi", dt.date(2025, 3, 1)),
        ("migrasi", "digital", today),
    ]
    events = AuditEvent.objects.filter(action="koperasi.digital_stage").order_by("id")
    assert [e.after["digital_stage"] for e in events if e.after] == [
        "pendataan",
        "migrasi",
        "digital",
    ]
    last = events.last()
    assert last is not None
    assert last.before == {"digital_stage": "migrasi"}
    assert last.note == "Data lengkap"


def test_a_koperasi_may_step_back_when_it_stops_using_the_app(
    dinas_admin: Any, koperasi: Koperasi
) -> None:
    services.digital_stage_set(
        actor=dinas_admin, koperasi=koperasi, stage=Stage.DIGITAL, on=dt.date(2025, 1, 1)
    )
    services.digital_stage_set(
        actor=dinas_admin, koperasi=koperasi, stage=Stage.PENDATAAN, on=dt.date(2025, 6, 1)
    )
    assert Koperasi.objects.get(pk=koperasi.pk).digital_stage == Stage.PENDATAAN


@pytest.mark.parametrize(
    ("stage", "on", "message"),
    [
        ("belum_digital", dt.date(2025, 1, 1), "Koperasi sudah berada di tahap Belum digital."),
        ("terbang", dt.date(2025, 1, 1), "Tahap digital tidak dikenal: terbang"),
        ("digital", dt.date(2024, 12, 31), "tidak boleh sebelum perubahan terakhir (01/01/2025)"),
        ("digital", None, "Tanggal perubahan tidak boleh di masa depan."),
    ],
)
def test_bad_stage_moves_are_refused_and_change_nothing(
    dinas_admin: Any, koperasi: Koperasi, stage: str, on: dt.date | None, message: str
) -> None:
    koperasi.stage_changes.create(
        from_stage="", to_stage="belum_digital", changed_on=dt.date(2025, 1, 1)
    )
    when = on or local_today() + dt.timedelta(days=1)
    with pytest.raises(services.RegistryError) as caught:
        services.digital_stage_set(actor=dinas_admin, koperasi=koperasi, stage=stage, on=when)
    assert message in caught.value.messages[0]
    assert Koperasi.objects.get(pk=koperasi.pk).digital_stage == Stage.BELUM_DIGITAL
    assert koperasi.stage_changes.count() == 1
    assert not AuditEvent.objects.exists()


def test_a_dissolved_koperasi_does_not_go_digital(dinas_admin: Any, koperasi: Koperasi) -> None:
    Koperasi.objects.filter(pk=koperasi.pk).update(status=Koperasi.Status.BUBAR)
    with pytest.raises(services.RegistryError, match="sudah bubar"):
        services.digital_stage_set(
            actor=dinas_admin, koperasi=koperasi, stage=Stage.DIGITAL, on=dt.date(2025, 1, 1)
        )


def test_roles_are_granted_and_revoked_with_an_audit(dinas_admin: Any, koperasi: Koperasi) -> None:
    user: Any = UserFactory(username="kasir.baru")
    grant = services.role_grant(actor=dinas_admin, user=user, role=Role.KASIR, koperasi=koperasi)
    again = services.role_grant(actor=dinas_admin, user=user, role=Role.KASIR, koperasi=koperasi)
    assert again == grant
    services.role_revoke(actor=dinas_admin, grant=grant)
    assert not RoleGrant.objects.filter(user=user).exists()
    events = list(
        AuditEvent.objects.order_by("id").values_list("action", "koperasi", "before", "after")
    )
    assert events == [
        ("role.grant", koperasi.pk, None, {"user": "kasir.baru", "role": "kasir"}),
        ("role.revoke", koperasi.pk, {"user": "kasir.baru", "role": "kasir"}, None),
    ]


def test_a_role_must_match_its_scope(dinas_admin: Any, koperasi: Koperasi) -> None:
    user: Any = UserFactory(username="bingung")
    with pytest.raises(services.RegistryError, match="Peran Dinas berlaku untuk seluruh kabupaten"):
        services.role_grant(actor=dinas_admin, user=user, role=Role.DINAS_ADMIN, koperasi=koperasi)
    with pytest.raises(services.RegistryError, match="Peran Dinas berlaku untuk seluruh kabupaten"):
        services.role_grant(actor=dinas_admin, user=user, role=Role.KASIR)
    with pytest.raises(services.RegistryError, match="Peran tidak dikenal"):
        services.role_grant(actor=dinas_admin, user=user, role="raja", koperasi=koperasi)
    assert not RoleGrant.objects.filter(user=user).exists()
    assert not AuditEvent.objects.exists()


def test_target_changes_keep_the_old_value(dinas_admin: Any) -> None:
    services.target_set(actor=dinas_admin, year=2026, new_digital=30)
    services.target_set(actor=dinas_admin, year=2026, new_digital=35)
    assert AnnualTarget.objects.get(year=2026).new_digital == 35
    with pytest.raises(services.RegistryError, match="Target tidak boleh negatif."):
        services.target_set(actor=dinas_admin, year=2026, new_digital=-1)
    changes = list(AuditEvent.objects.order_by("id").values_list("before", "after"))
    assert changes == [
        (None, {"year": 2026, "new_digital": 30}),
        ({"year": 2026, "new_digital": 30}, {"year": 2026, "new_digital": 35}),
    ]
