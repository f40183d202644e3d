from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from members import services
from members.models import Member, MemberNumberFormat
from registry.models import Koperasi, Region
from tests.factories import MemberFactory, make_nik

# Rina, born 5 June 1990, a woman: day 05 + 40 = 45.
RINA_NIK = "5315054506900001"
RINA_BORN = dt.date(1990, 6, 5)


def register(koperasi: Koperasi, actor: Any, **overrides: Any) -> tuple[Member, list[str]]:
    kwargs: dict[str, Any] = {
        "koperasi": koperasi,
        "actor": actor,
        "full_name": "Rina Marlina",
        "nik": RINA_NIK,
        "birth_date": RINA_BORN,
        "gender": "P",
        "join_date": dt.date(2026, 3, 2),
    }
    kwargs.update(overrides)
    return services.member_register(**kwargs)


def nik_for(n: int) -> str:
    return make_nik(dt.date(1980, 1, 1), "L", n)


# --- numbering -----------------------------------------------------------------------------------


def test_default_numbering_is_five_digits_from_one(koperasi: Koperasi, kasir: Any) -> None:
    first, _ = register(koperasi, kasir)
    second, _ = register(koperasi, kasir, nik=nik_for(2), gender="L", full_name="Budi")
    assert (first.number, second.number) == ("00001", "00002")


def test_numbering_format_with_year(koperasi: Koperasi, pengurus: Any) -> None:
    services.member_number_format_set(
        koperasi=koperasi, actor=pengurus, pattern="AGT-{year}-{seq:04d}", next_seq=41
    )
    member, _ = register(koperasi, pengurus)
    assert member.number == "AGT-2026-0041"
    assert MemberNumberFormat.objects.get(koperasi=koperasi).next_seq == 42


def test_numbering_restarts_each_year_when_asked(koperasi: Koperasi, pengurus: Any) -> None:
    services.member_number_format_set(
        koperasi=koperasi, actor=pengurus, pattern="{year}/{seq:03d}", reset_each_year=True
    )
    fmt = MemberNumberFormat.objects.get(koperasi=koperasi)
    fmt.seq_year, fmt.next_seq = 2025, 57
    fmt.save()
    member, _ = register(koperasi, pengurus, join_date=dt.date(2026, 1, 5))
    assert member.number == "2026/001"


def test_numbering_steps_over_a_legacy_number(koperasi: Koperasi, kasir: Any) -> None:
    MemberFactory.create(koperasi=koperasi, number="00001")
    member, _ = register(koperasi, kasir)
    assert member.number == "00002"


def test_numbering_continues_after_the_legacy_register(koperasi: Koperasi, kasir: Any) -> None:
    for number in ("00001", "00002", "00417", "LAMA-9999", "AGT-2026-0050"):
        MemberFactory.create(koperasi=koperasi, number=number)
    member, _ = register(koperasi, kasir)
    assert member.number == "00418"
    assert MemberNumberFormat.objects.get(koperasi=koperasi).next_seq == 419


def test_failed_registration_leaves_no_gap(koperasi: Koperasi, kasir: Any) -> None:
    """An outer transaction that fails after registering (say, pokok could not be charged)
    gives the number back: the next member takes it."""
    with pytest.raises(RuntimeError), transaction.atomic():
        register(koperasi, kasir)
        raise RuntimeError("pokok gagal")
    member, _ = register(koperasi, kasir)
    assert member.number == "00001"


def test_given_number_must_be_free(koperasi: Koperasi, kasir: Any) -> None:
    MemberFactory.create(koperasi=koperasi, number="L-17", full_name="Yosef Lado")
    with pytest.raises(services.DuplicateNumber) as err:
        register(koperasi, kasir, number="L-17")
    assert "L-17 sudah dipakai oleh Yosef Lado" in err.value.message_dict["number"][0]
    assert Member.objects.filter(koperasi=koperasi).count() == 1


def test_given_number_is_kept_and_does_not_move_the_counter(koperasi: Koperasi, kasir: Any) -> None:
    member, _ = register(koperasi, kasir, number="LAMA-0093")
    assert member.number == "LAMA-0093"
    assert not MemberNumberFormat.objects.filter(koperasi=koperasi).exists()


def test_same_number_in_another_koperasi_is_fine(
    koperasi: Koperasi, other_koperasi: Koperasi, kasir: Any
) -> None:
    MemberFactory.create(koperasi=other_koperasi, number="00001", nik=RINA_NIK)
    member, _ = register(koperasi, kasir)
    assert (member.number, member.nik) == ("00001", RINA_NIK)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("AGT-{year}", "harus memuat {seq}"),
        ("{seq:05d}-{desa}", "tidak dikenal: desa"),
        ("{seq:05d", "tidak dapat dibaca"),
        ("{seq:040d}", "terlalu panjang"),
    ],
)
def test_bad_number_format_refused(
    koperasi: Koperasi, pengurus: Any, pattern: str, words: str
) -> None:
    with pytest.raises(services.NumberFormatError) as err:
        services.member_number_format_set(koperasi=koperasi, actor=pengurus, pattern=pattern)
    assert words in err.value.message_dict["pattern"][0]
    assert not MemberNumberFormat.objects.exists()
    assert not AuditEvent.objects.filter(action="members.number_format_set").exists()


def test_yearly_restart_needs_year_in_format(koperasi: Koperasi, pengurus: Any) -> None:
    with pytest.raises(services.NumberFormatError) as err:
        services.member_number_format_set(
            koperasi=koperasi, actor=pengurus, pattern="{seq:05d}", reset_each_year=True
        )
    assert "{year}" in err.value.message_dict["reset_each_year"][0]


def test_number_format_change_is_audited(koperasi: Koperasi, pengurus: Any) -> None:
    services.member_number_format_set(
        koperasi=koperasi, actor=pengurus, pattern="A{seq:04d}", next_seq=300
    )
    event = AuditEvent.objects.get(action="members.number_format_set")
    assert event.before == {"pattern": "{seq:05d}", "next_seq": 1}
    assert event.after == {"pattern": "A{seq:04d}", "next_seq": 300}
    assert event.koperasi == koperasi


# --- registration --------------------------------------------------------------------------------


def test_register_normalises_and_audits(koperasi: Koperasi, kasir: Any) -> None:
    desa = Region.objects.filter(level=Region.Level.DESA).first()
    member, warnings = register(
        koperasi,
        kasir,
        full_name="  rina   Marlina ",
        nik="5315 0545 0690 0001",
        phone="0812-3456-7890",
        desa=desa,
        heir_name="Yohanes",
        heir_relation="suami",
    )
    member.refresh_from_db()
    assert warnings == []
    assert member.full_name == "rina Marlina"
    assert member.nik == RINA_NIK
    assert member.phone == "+6281234567890"
    assert member.status == Member.Status.AKTIF and member.left_on is None
    assert member.desa == desa
    event = AuditEvent.objects.get(action="members.register")
    assert event.actor == kasir and event.koperasi == koperasi
    assert event.object_id == str(member.pk)
    assert event.after is not None
    assert event.after["nik"] == RINA_NIK and event.after["number"] == "00001"


def test_join_date_defaults_to_business_date(koperasi: Koperasi, kasir: Any) -> None:
    koperasi.business_date = dt.date(2026, 2, 14)
    koperasi.save()
    member, _ = register(koperasi, kasir, join_date=None)
    assert member.join_date == dt.date(2026, 2, 14)


def test_duplicate_nik_refused_naming_the_member(koperasi: Koperasi, kasir: Any) -> None:
    MemberFactory.create(koperasi=koperasi, number="00007", full_name="Maria Goreti", nik=RINA_NIK)
    before = AuditEvent.objects.count()
    with pytest.raises(services.DuplicateNik) as err:
        register(koperasi, kasir, nik="5315-0545-0690-0001")
    message = err.value.message_dict["nik"][0]
    assert "sudah terdaftar" in message
    assert "Maria Goreti" in message and "00007" in message
    assert Member.objects.filter(koperasi=koperasi).count() == 1
    assert AuditEvent.objects.count() == before
    assert not MemberNumberFormat.objects.filter(koperasi=koperasi).exists()


def test_database_refuses_duplicate_nik_behind_python(koperasi: Koperasi) -> None:
    MemberFactory.create(koperasi=koperasi, nik=RINA_NIK)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory.create(koperasi=koperasi, nik=RINA_NIK)


@pytest.mark.parametrize("raw", ["3,31501E+15", "5315054506900000.0", 5315054506900000.0])
def test_excel_damaged_nik_refused_with_explanation(
    koperasi: Koperasi, kasir: Any, raw: Any
) -> None:
    with pytest.raises(services.MemberError) as err:
        register(koperasi, kasir, nik=raw)
    message = err.value.message_dict["nik"][0]
    assert "Excel" in message and "15 digit" in message
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("nik", "words"),
    [
        ("531505450690001", "16 digit"),
        ("53150545069000AB", "hanya boleh berisi angka"),
        ("9915054506900001", "kode provinsi"),
        ("5315059906900001", "bukan tanggal yang sah"),
    ],
)
def test_invalid_nik_refused(koperasi: Koperasi, kasir: Any, nik: str, words: str) -> None:
    with pytest.raises(services.MemberError) as err:
        register(koperasi, kasir, nik=nik)
    assert words in err.value.message_dict["nik"][0]
    assert not Member.objects.exists()


@pytest.mark.parametrize("phone", ["12345", "0211234567", "+1 555 1234"])
def test_invalid_phone_refused(koperasi: Koperasi, kasir: Any, phone: str) -> None:
    with pytest.raises(services.MemberError) as err:
        register(koperasi, kasir, phone=phone)
    assert "bukan nomor HP Indonesia" in err.value.message_dict["phone"][0]
    assert not Member.objects.exists()
    assert not AuditEvent.objects.filter(action="members.register").exists()


def test_every_problem_reported_at_once(koperasi: Koperasi, kasir: Any) -> None:
    with pytest.raises(services.MemberError) as err:
        register(koperasi, kasir, full_name="  ", nik="123", phone="x", gender="X")
    assert set(err.value.message_dict) == {"full_name", "nik", "phone", "gender"}
    assert err.value.message_dict["full_name"] == ["Nama lengkap wajib diisi."]


def test_dates_checked(koperasi: Koperasi, kasir: Any) -> None:
    koperasi.business_date = dt.date(2026, 3, 2)
    koperasi.save()
    with pytest.raises(services.MemberError) as err:
        register(koperasi, kasir, join_date=dt.date(2026, 3, 3))
    assert "tanggal buku" in err.value.message_dict["join_date"][0]
    with pytest.raises(services.MemberError) as err:
        register(koperasi, kasir, join_date=dt.date(1989, 1, 1))
    assert "sebelum tanggal lahir" in err.value.message_dict["join_date"][0]
    assert not Member.objects.exists()


def test_desa_must_be_a_desa(koperasi: Koperasi, kasir: Any) -> None:
    kecamatan = Region.objects.filter(level=Region.Level.KECAMATAN).first()
    with pytest.raises(services.MemberError) as err:
        register(koperasi, kasir, desa=kecamatan)
    assert "desa" in err.value.message_dict["desa"][0]


def test_mismatch_with_nik_warns_but_registers(koperasi: Koperasi, kasir: Any) -> None:
    member, warnings = register(koperasi, kasir, birth_date=dt.date(1990, 6, 15), gender="L")
    assert Member.objects.filter(pk=member.pk).exists()
    assert len(warnings) == 2
    assert "15/06/1990" in warnings[0] and "05/06/1990" in warnings[0]
    assert "Jenis kelamin tidak sesuai" in warnings[1] and "perempuan" in warnings[1]


def test_young_member_warns(koperasi: Koperasi, kasir: Any) -> None:
    born = dt.date(2012, 5, 1)
    _, warnings = register(koperasi, kasir, nik=make_nik(born, "L", 5), birth_date=born, gender="L")
    assert any("di bawah 17 tahun" in w for w in warnings)


# --- update --------------------------------------------------------------------------------------


def test_update_audits_only_what_changed(koperasi: Koperasi, kasir: Any) -> None:
    member, _ = register(koperasi, kasir, phone="081234567890")
    member, warnings = services.member_update(
        member=member,
        actor=kasir,
        full_name="Rina Marlina Dewi",
        phone="+62 813 1111 2222",
        occupation="Petani",
    )
    assert warnings == []
    member.refresh_from_db()
    assert member.name_search == "rina marlina dewi"
    event = AuditEvent.objects.get(action="members.update")
    assert event.before == {
        "full_name": "Rina Marlina",
        "phone": "+6281234567890",
        "occupation": "",
    }
    assert event.after == {
        "full_name": "Rina Marlina Dewi",
        "phone": "+6281311112222",
        "occupation": "Petani",
    }


def test_update_without_change_writes_no_audit(koperasi: Koperasi, kasir: Any) -> None:
    member, _ = register(koperasi, kasir)
    services.member_update(member=member, actor=kasir, full_name="Rina Marlina")
    assert not AuditEvent.objects.filter(action="members.update").exists()


def test_nik_change_revalidated(koperasi: Koperasi, kasir: Any) -> None:
    member, _ = register(koperasi, kasir)
    other = MemberFactory.create(koperasi=koperasi, number="00099", full_name="Kornelis")
    with pytest.raises(services.DuplicateNik) as err:
        services.member_update(member=member, actor=kasir, nik=other.nik)
    assert "Kornelis" in err.value.message_dict["nik"][0]
    with pytest.raises(services.MemberError) as bad:
        services.member_update(member=member, actor=kasir, nik="3,31501E+15")
    assert "Excel" in bad.value.message_dict["nik"][0]
    member.refresh_from_db()
    assert member.nik == RINA_NIK
    assert not AuditEvent.objects.filter(action="members.update").exists()


def test_nik_change_warns_on_mismatch(koperasi: Koperasi, kasir: Any) -> None:
    member, _ = register(koperasi, kasir)
    man = make_nik(RINA_BORN, "L", 8)
    member, warnings = services.member_update(member=member, actor=kasir, nik=man)
    assert member.nik == man
    assert any("Jenis kelamin" in w for w in warnings)


def test_status_cannot_be_edited_directly(koperasi: Koperasi, kasir: Any) -> None:
    member, _ = register(koperasi, kasir)
    with pytest.raises(services.MemberError):
        services.member_update(member=member, actor=kasir, status="keluar")


# --- leaving and death ---------------------------------------------------------------------------


def test_leave_sets_status_date_and_reason(koperasi: Koperasi, pengurus: Any) -> None:
    member, _ = register(koperasi, pengurus)
    left = services.member_leave(
        member=member, actor=pengurus, on=dt.date(2026, 3, 20), reason="Pindah ke Labuan Bajo"
    )
    left.refresh_from_db()
    assert left.status == Member.Status.KELUAR
    assert left.left_on == dt.date(2026, 3, 20)
    assert left.left_reason == "Pindah ke Labuan Bajo"
    event = AuditEvent.objects.get(action="members.leave")
    assert event.before == {"status": "aktif", "left_on": None, "left_reason": ""}
    assert event.after == {
        "status": "keluar",
        "left_on": "2026-03-20",
        "left_reason": "Pindah ke Labuan Bajo",
    }


def test_death_sets_status_and_date(koperasi: Koperasi, pengurus: Any) -> None:
    member, _ = register(koperasi, pengurus)
    dead = services.member_death(member=member, actor=pengurus, on=dt.date(2026, 4, 1), note="")
    assert dead.status == Member.Status.MENINGGAL and dead.left_on == dt.date(2026, 4, 1)
    event = AuditEvent.objects.get(action="members.death")
    assert event.after is not None and event.after["status"] == "meninggal"


def test_cannot_leave_twice(koperasi: Koperasi, pengurus: Any) -> None:
    member, _ = register(koperasi, pengurus)
    services.member_leave(member=member, actor=pengurus, on=dt.date(2026, 3, 20), reason="x")
    with pytest.raises(services.MemberNotActive) as err:
        services.member_death(member=member, actor=pengurus, on=dt.date(2026, 4, 1))
    assert "sudah berstatus keluar sejak 20/03/2026" in err.value.messages[0]
    member.refresh_from_db()
    assert member.status == Member.Status.KELUAR


def test_leave_needs_reason_and_sane_date(koperasi: Koperasi, pengurus: Any) -> None:
    koperasi.business_date = dt.date(2026, 5, 1)
    koperasi.save()
    member, _ = register(koperasi, pengurus)
    with pytest.raises(services.MemberError) as err:
        services.member_leave(member=member, actor=pengurus, on=dt.date(2026, 1, 1), reason=" ")
    assert "sebelum tanggal masuk" in err.value.message_dict["on"][0]
    assert "Alasan keluar wajib diisi." in err.value.message_dict["reason"]
    with pytest.raises(services.MemberError) as err:
        services.member_leave(member=member, actor=pengurus, on=dt.date(2026, 5, 2), reason="x")
    assert "tanggal buku" in err.value.message_dict["on"][0]
    member.refresh_from_db()
    assert member.status == Member.Status.AKTIF and member.left_on is None


def test_database_refuses_status_without_date(koperasi: Koperasi) -> None:
    member = MemberFactory.create(koperasi=koperasi)
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(status="keluar")
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(left_on=dt.date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(status="pindah", left_on=dt.date(2026, 1, 1))


def test_services_nest_in_an_outer_transaction(koperasi: Koperasi, pengurus: Any) -> None:
    """The savings app registers (or ends) a member and posts money in one transaction; a
    refusal here leaves that transaction usable."""
    MemberFactory.create(koperasi=koperasi, nik=RINA_NIK)
    with transaction.atomic():
        with pytest.raises(services.DuplicateNik):
            register(koperasi, pengurus)
        member, _ = register(koperasi, pengurus, nik=nik_for(3), gender="L", full_name="Ok")
    assert Member.objects.filter(pk=member.pk).exists()
