"""Support staff's Django admin writes through the services, so its changes are audited too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.models import AuditEvent
from registry.models import AnnualTarget, Koperasi, Role, RoleGrant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "KSP Baru Bajo",
        "code": "ksp-baru",
        "nik_koperasi": "",
        "legal_number": "",
        "kind": "simpan_pinjam",
        "kecamatan": "53.15.05",
        "desa": "53.15.05.1025",
        "address": "",
        "status": "aktif",
        "timezone": "Asia/Makassar",
    }
    data.update(overrides)
    return data


def test_registering_and_editing_a_koperasi_in_the_admin_is_audited(admin_client: Client) -> None:
    response = admin_client.post("/admin/registry/koperasi/add/", form())
    assert response.status_code == 302, response.content.decode()[:2000]
    koperasi = Koperasi.objects.get(code="ksp-baru")
    assert koperasi.stage_changes.count() == 1
    response = admin_client.post(
        f"/admin/registry/koperasi/{koperasi.pk}/change/",
        form(name="KSP Baru Labuan Bajo", status="aktif_belum_rat"),
    )
    assert response.status_code == 302
    events = AuditEvent.objects.order_by("id")
    assert [e.action for e in events] == ["koperasi.create", "koperasi.update"]
    assert events[1].before == {"name": "KSP Baru Bajo", "status": "aktif"}
    assert events[1].after == {"name": "KSP Baru Labuan Bajo", "status": "aktif_belum_rat"}
    assert all(e.actor is not None and e.actor.username == "admin" for e in events)


def test_a_bad_koperasi_in_the_admin_changes_nothing(admin_client: Client) -> None:
    response = admin_client.post("/admin/registry/koperasi/add/", form(desa="53.15.03.2003"))
    assert response.status_code == 200  # the form again, with the reason
    assert "Desa Wae Wako tidak berada di Kecamatan Komodo." in response.content.decode()
    assert not Koperasi.objects.exists()
    assert not AuditEvent.objects.exists()


def test_roles_and_targets_in_the_admin_are_audited(
    admin_client: Client, koperasi: Koperasi
) -> None:
    user: Any = UserFactory(username="kasir.baru")
    response = admin_client.post(
        "/admin/registry/rolegrant/add/",
        {"user": user.pk, "role": Role.KASIR, "koperasi": koperasi.pk},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=user)
    response = admin_client.post(f"/admin/registry/rolegrant/{grant.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(user=user).exists()
    admin_client.post("/admin/registry/annualtarget/add/", {"year": 2026, "new_digital": 30})
    assert AnnualTarget.objects.get(year=2026).new_digital == 30
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["role.grant", "role.revoke", "target.set"]
