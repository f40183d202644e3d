"""Two kasir registering at the same moment (PostgreSQL: real row locks, real threads)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from members import services
from members.models import Member, MemberNumberFormat
from registry.models import Koperasi, Role
from tests.factories import KoperasiFactory, UserFactory, grant, make_nik
from tests.threads import at_once

pytestmark = pytest.mark.postgres


def registration(koperasi: Koperasi, actor: Any, n: int, nik: str | None = None) -> Any:
    born = dt.date(1980, 1, 1)

    def job() -> Member:
        member, _ = services.member_register(
            koperasi=koperasi,
            actor=actor,
            full_name=f"Anggota {n}",
            nik=nik or make_nik(born, "L", n),
            birth_date=born,
            gender="L",
            join_date=dt.date(2026, 3, 2),
        )
        return member

    return job


@pytest.fixture
def setup(transactional_db: Any) -> tuple[Koperasi, Any]:
    koperasi = KoperasiFactory.create()
    kasir = UserFactory.create(username="kasir-pg")
    grant(kasir, Role.KASIR, koperasi)
    return koperasi, kasir


def test_two_kasir_at_once_get_consecutive_numbers(setup: tuple[Koperasi, Any]) -> None:
    koperasi, kasir = setup
    # No numbering row yet: both threads also race to create it.
    results = at_once([registration(koperasi, kasir, n) for n in (1, 2)])
    assert all(isinstance(r, Member) for r in results), results
    assert sorted(r.number for r in results) == ["00001", "00002"]
    assert MemberNumberFormat.objects.get(koperasi=koperasi).next_seq == 3


def test_many_registrations_at_once_leave_no_gap(setup: tuple[Koperasi, Any]) -> None:
    koperasi, kasir = setup
    services.member_number_format_set(
        koperasi=koperasi, actor=kasir, pattern="AGT-{year}-{seq:04d}", next_seq=10
    )
    results = at_once([registration(koperasi, kasir, n) for n in range(1, 6)])
    assert all(isinstance(r, Member) for r in results), results
    assert sorted(r.number for r in results) == [f"AGT-2026-{n:04d}" for n in range(10, 15)]
    assert MemberNumberFormat.objects.get(koperasi=koperasi).next_seq == 15


def test_same_nik_at_once_registers_one(setup: tuple[Koperasi, Any]) -> None:
    koperasi, kasir = setup
    nik = make_nik(dt.date(1980, 1, 1), "L", 77)
    results = at_once([registration(koperasi, kasir, n, nik=nik) for n in (1, 2)])
    members = [r for r in results if isinstance(r, Member)]
    refused = [r for r in results if isinstance(r, services.DuplicateNik)]
    assert len(members) == 1 and len(refused) == 1, results
    assert "sudah terdaftar" in refused[0].message_dict["nik"][0]
    assert Member.objects.filter(koperasi=koperasi).count() == 1
    # The refused registration gave its number back: the next one follows without a gap.
    assert MemberNumberFormat.objects.get(koperasi=koperasi).next_seq == 2
