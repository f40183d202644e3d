"""The audit trail is append-only: the database itself refuses to edit or delete it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from core import audit
from core.models import AuditEvent
from registry.models import Koperasi

pytestmark = pytest.mark.django_db

REFUSAL = "Jejak audit tidak dapat diubah atau dihapus"


@pytest.fixture
def event(koperasi: Koperasi, dinas_admin: Any) -> AuditEvent:
    return audit.record(
        actor=dinas_admin,
        action="koperasi.update",
        obj=koperasi,
        before={"name": "KSP Lama"},
        after={"name": koperasi.name},
    )


def test_record_keeps_who_what_when_and_the_values(event: AuditEvent, koperasi: Koperasi) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor is not None and stored.actor.username == "dinas"
    assert stored.koperasi == koperasi  # a koperasi's own events are found under it
    assert stored.object_type == "registry.Koperasi"
    assert stored.object_id == str(koperasi.pk)
    assert stored.object_repr == "KSP Sinar Bajo"
    assert stored.before == {"name": "KSP Lama"}
    assert stored.after == {"name": "KSP Sinar Bajo"}
    assert stored.at is not None


def test_snapshot_and_changed_keep_only_what_differs(koperasi: Koperasi) -> None:
    before = audit.snapshot(koperasi)
    assert before["kecamatan_id"] == "53.15.05"
    assert before["founded_on"] == "2010-01-01"
    koperasi.name = "KSP Sinar Bajo Baru"
    old, new = audit.changed(before, audit.snapshot(koperasi))
    assert (old, new) == ({"name": "KSP Sinar Bajo"}, {"name": "KSP Sinar Bajo Baru"})


def _refused(sql: str, params: list[Any]) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(caught.value)


def test_raw_sql_update_is_refused_by_the_database(event: AuditEvent) -> None:
    message = _refused("UPDATE core_auditevent SET action = %s WHERE id = %s", ["x", event.pk])
    assert REFUSAL in message
    assert AuditEvent.objects.get(pk=event.pk).action == "koperasi.update"


def test_raw_sql_delete_is_refused_by_the_database(event: AuditEvent) -> None:
    assert REFUSAL in _refused("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_orm_update_and_delete_are_refused_too(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(after={"name": "dipalsukan"})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).after == {"name": "KSP Sinar Bajo"}


def test_admin_shows_the_trail_but_offers_no_edit(admin_client: Any, event: AuditEvent) -> None:
    listing = admin_client.get("/admin/core/auditevent/")
    assert listing.status_code == 200
    assert "koperasi.update" in listing.content.decode()
    assert admin_client.get("/admin/core/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    change = admin_client.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "x"})
    assert change.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "koperasi.update"
