from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEvent
from ledger import services as ledger
from members.models import Member, MemberNumberFormat
from registry.models import Koperasi, Region
from tests.factories import MemberFactory, savings_products

RINA_NIK = "5315054506900001"


@pytest.fixture
def rina(koperasi: Koperasi) -> Member:
    return MemberFactory.create(
        koperasi=koperasi,
        number="00012",
        full_name="Rina Marlina",
        nik=RINA_NIK,
        birth_date=dt.date(1990, 6, 5),
        gender="P",
        phone="+6281234567890",
    )


def url(name: str, koperasi: Koperasi, **kwargs: Any) -> str:
    if name == "register":  # the Anggota page's form, served by the savings app
        return reverse("savings:member_register", kwargs={"kode": koperasi.code})
    return reverse(f"members:{name}", kwargs={"kode": koperasi.code, **kwargs})


@pytest.fixture
def savings_ready(koperasi: Koperasi, pengurus: Any) -> None:
    """Registering opens savings accounts: the koperasi needs its chart and products."""
    ledger.chart_setup(koperasi=koperasi, actor=pengurus)
    savings_products(koperasi, pengurus)


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "full_name": "Rina Marlina",
        "nik": RINA_NIK,
        "birth_date": "1990-06-05",
        "gender": "P",
        "phone": "0812 3456 7890",
        "address": "Jl. Soekarno Hatta 5",
        "desa": "",
        "occupation": "Pedagang",
        "heir_name": "Yohanes",
        "heir_relation": "suami",
        "join_date": "2026-03-02",
        "number": "",
    }
    data.update(overrides)
    return data


# --- register ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("savings_ready")
def test_kasir_registers_a_member(client: Any, koperasi: Koperasi, kasir: Any) -> None:
    desa = Region.objects.filter(level=Region.Level.DESA, parent=koperasi.kecamatan).first()
    assert desa is not None
    client.force_login(kasir)
    response = client.post(url("register", koperasi), form_data(desa=desa.code), follow=True)
    member = Member.objects.get(koperasi=koperasi)
    assert response.redirect_chain[-1][0] == url("detail", koperasi, member_id=member.pk)
    assert (member.number, member.phone, member.desa) == ("00001", "+6281234567890", desa)
    page = response.content.decode()
    assert "Rina Marlina terdaftar sebagai anggota nomor 00001." in page
    assert RINA_NIK in page  # the kasir sees the full NIK
    assert AuditEvent.objects.filter(action="members.register", actor=kasir).count() == 1


@pytest.mark.usefixtures("savings_ready")
def test_register_form_offers_the_next_number(
    client: Any, koperasi: Koperasi, kasir: Any, rina: Member
) -> None:
    client.force_login(kasir)
    response = client.get(url("register", koperasi))
    assert response.status_code == 200
    assert "Nomor otomatis berikutnya: <b>00001</b>" in response.content.decode()
    MemberFactory.create(koperasi=koperasi, number="00001")
    response = client.get(url("register", koperasi))
    assert "Nomor otomatis berikutnya: <b>00013</b>" in response.content.decode()


@pytest.mark.usefixtures("savings_ready")
def test_nik_mismatch_warning_shown_after_saving(
    client: Any, koperasi: Koperasi, kasir: Any
) -> None:
    client.force_login(kasir)
    response = client.post(url("register", koperasi), form_data(gender="L"), follow=True)
    assert Member.objects.filter(koperasi=koperasi).count() == 1
    page = response.content.decode()
    assert "Jenis kelamin tidak sesuai dengan NIK (NIK menunjukkan perempuan)." in page
    assert 'class="msg warning"' in page


@pytest.mark.usefixtures("savings_ready")
def test_duplicate_nik_shows_indonesian_message_and_creates_nothing(
    client: Any, koperasi: Koperasi, kasir: Any, rina: Member
) -> None:
    client.force_login(kasir)
    events = AuditEvent.objects.count()
    response = client.post(url("register", koperasi), form_data(full_name="Rina Lain"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "NIK ini sudah terdaftar di koperasi ini atas nama Rina Marlina" in page
    assert "nomor anggota 00012" in page
    assert "Data belum disimpan." in page
    assert Member.objects.filter(koperasi=koperasi).count() == 1
    assert AuditEvent.objects.count() == events
    assert not MemberNumberFormat.objects.exists()


@pytest.mark.usefixtures("savings_ready")
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("nik", "3,31501E+15", "Excel hanya menyimpan 15 digit"),
        ("nik", "53150545069", "NIK harus 16 digit; yang diisi 11 digit."),
        ("phone", "12345", "bukan nomor HP Indonesia"),
        ("full_name", "", "This field is required"),
    ],
)
def test_bad_input_shows_message_and_creates_nothing(
    client: Any, koperasi: Koperasi, kasir: Any, field: str, value: str, words: str
) -> None:
    client.force_login(kasir)
    response = client.post(url("register", koperasi), form_data(**{field: value}))
    assert response.status_code == 400
    page = response.content.decode()
    if words == "This field is required":
        words = "Bidang ini tidak boleh kosong."
    assert words in page
    assert not Member.objects.exists()
    assert not AuditEvent.objects.filter(action="members.register").exists()


@pytest.mark.parametrize("role", ["pengawas", "konsultan"])
def test_readers_cannot_register(
    client: Any, koperasi: Koperasi, role: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert client.get(url("register", koperasi)).status_code == 403
    assert client.post(url("register", koperasi), form_data()).status_code == 403
    assert not Member.objects.exists()


def test_pengawas_sees_masked_nik_and_no_buttons(
    client: Any, koperasi: Koperasi, pengawas: Any, rina: Member
) -> None:
    client.force_login(pengawas)
    page = client.get(url("detail", koperasi, member_id=rina.pk)).content.decode()
    assert "Rina Marlina" in page
    assert RINA_NIK not in page
    assert "5315•••••••••001" in page
    assert url("edit", koperasi, member_id=rina.pk) not in page


# --- edit, leave ---------------------------------------------------------------------------------


def test_edit_saves_and_audits(client: Any, koperasi: Koperasi, kasir: Any, rina: Member) -> None:
    client.force_login(kasir)
    page = client.get(url("edit", koperasi, member_id=rina.pk)).content.decode()
    assert 'value="Rina Marlina"' in page
    response = client.post(
        url("edit", koperasi, member_id=rina.pk),
        form_data(number="00012", phone="085200001111", occupation="Guru"),
    )
    assert response.status_code == 302
    rina.refresh_from_db()
    assert (rina.phone, rina.occupation) == ("+6285200001111", "Guru")
    event = AuditEvent.objects.get(action="members.update")
    assert event.before is not None and event.after is not None
    assert (event.before["phone"], event.after["phone"]) == ("+6281234567890", "+6285200001111")
    assert (event.before["occupation"], event.after["occupation"]) == ("", "Guru")
    assert "nik" not in event.after and "number" not in event.after  # unchanged: not recorded


def test_edit_refuses_a_taken_number(
    client: Any, koperasi: Koperasi, kasir: Any, rina: Member
) -> None:
    MemberFactory.create(koperasi=koperasi, number="00099", full_name="Kornelis")
    client.force_login(kasir)
    response = client.post(url("edit", koperasi, member_id=rina.pk), form_data(number="00099"))
    assert response.status_code == 400
    assert "Nomor anggota 00099 sudah dipakai oleh Kornelis." in response.content.decode()
    rina.refresh_from_db()
    assert rina.number == "00012"


def test_kasir_cannot_end_membership(
    client: Any, koperasi: Koperasi, kasir: Any, rina: Member
) -> None:
    client.force_login(kasir)
    response = client.post(
        url("end", koperasi, member_id=rina.pk),
        {"kind": "keluar", "on": "2026-01-10", "reason": "x"},
    )
    assert response.status_code == 403
    rina.refresh_from_db()
    assert rina.status == "aktif"


def test_number_format_page(client: Any, koperasi: Koperasi, pengurus: Any) -> None:
    client.force_login(pengurus)
    response = client.post(
        url("number_format", koperasi), {"pattern": "AGT-{year}-{seq:04d}", "next_seq": "7"}
    )
    assert response.status_code == 302
    fmt = MemberNumberFormat.objects.get(koperasi=koperasi)
    assert (fmt.pattern, fmt.next_seq) == ("AGT-{year}-{seq:04d}", 7)
    response = client.post(url("number_format", koperasi), {"pattern": "AGT", "next_seq": "7"})
    assert response.status_code == 400
    assert "Format nomor harus memuat {seq}" in response.content.decode()


# --- list, search, export ------------------------------------------------------------------------


def test_list_masks_nik_and_filters(
    client: Any, koperasi: Koperasi, kasir: Any, rina: Member
) -> None:
    MemberFactory.create(
        koperasi=koperasi,
        number="00013",
        full_name="Yosef Lado",
        status="keluar",
        left_on=dt.date(2026, 1, 2),
    )
    client.force_login(kasir)
    page = client.get(url("list", koperasi)).content.decode()
    assert "Rina Marlina" in page and "Yosef Lado" in page
    assert RINA_NIK not in page and "5315•••••••••001" in page
    page = client.get(url("list", koperasi), {"status": "keluar"}).content.decode()
    assert "Yosef Lado" in page and "Rina Marlina" not in page


def test_list_paginates(client: Any, koperasi: Koperasi, pengawas: Any) -> None:
    MemberFactory.create_batch(55, koperasi=koperasi)
    client.force_login(pengawas)
    page = client.get(url("list", koperasi)).content.decode()
    assert "Halaman 1 dari 3" in page
    assert client.get(url("list", koperasi), {"page": 2}).status_code == 200


def test_live_search_needs_three_characters(
    client: Any, koperasi: Koperasi, kasir: Any, rina: Member
) -> None:
    client.force_login(kasir)
    short = client.get(url("search", koperasi), {"q": "ri"}, HTTP_HX_REQUEST="true")
    assert "Ketik paling sedikit 3 huruf atau angka." in short.content.decode()
    assert "Rina" not in short.content.decode()
    for q in ("rin", "00012", "0812 345", "0001"):
        found = client.get(url("search", koperasi), {"q": q}).content.decode()
        assert "Rina Marlina" in found, q
        assert url("detail", koperasi, member_id=rina.pk) in found
        assert RINA_NIK not in found
    none = client.get(url("search", koperasi), {"q": "zzz"}).content.decode()
    assert "Tidak ada anggota yang cocok" in none


def test_live_search_stays_in_koperasi(
    client: Any, koperasi: Koperasi, other_koperasi: Koperasi, kasir: Any
) -> None:
    MemberFactory.create(koperasi=other_koperasi, full_name="Rahasia Orang Lain")
    client.force_login(kasir)
    assert "Rahasia" not in client.get(url("search", koperasi), {"q": "rahasia"}).content.decode()


def test_export_csv_masks_nik(client: Any, koperasi: Koperasi, pengawas: Any, rina: Member) -> None:
    MemberFactory.create(koperasi=koperasi, number="00013", full_name="=HYPERLINK(1)")
    client.force_login(pengawas)
    response = client.get(url("export_csv", koperasi))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Nomor anggota", "Nama lengkap", "NIK"]
    assert rows[1][:3] == ["00012", "Rina Marlina", "5315•••••••••001"]
    assert rows[1][4] == "5 Juni 1990"
    assert rows[2][1] == "'=HYPERLINK(1)"  # a name is never a formula in Excel
    assert RINA_NIK not in text


def test_export_xlsx_masks_nik(client: Any, koperasi: Koperasi, kasir: Any, rina: Member) -> None:
    client.force_login(kasir)
    response = client.get(url("export_xlsx", koperasi), {"q": "rina"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("Nomor anggota", "Nama lengkap", "NIK")
    assert rows[2][:3] == ("00012", "Rina Marlina", "5315•••••••••001")
    assert rows[2][4] == dt.datetime(1990, 6, 5)
    assert len(rows) == 3
    assert RINA_NIK.encode() not in response.content


def test_ending_a_membership_goes_to_the_exit_with_the_refund(
    client: Any, koperasi: Koperasi, pengurus: Any, rina: Member
) -> None:
    # Marking a member as left without refunding their savings would strand the money: the
    # members page sends the pengurus to the savings exit, where both happen in one entry.
    member = rina
    client.force_login(pengurus)
    response = client.get(f"/k/{koperasi.code}/anggota/{member.pk}/berhenti/")
    assert response.status_code == 302
    assert response["Location"] == f"/k/{koperasi.code}/simpanan/anggota/{member.pk}/keluar/"
    detail = client.get(f"/k/{koperasi.code}/anggota/{member.pk}/").content.decode()
    assert f"/k/{koperasi.code}/simpanan/anggota/{member.pk}/keluar/" in detail
    member.refresh_from_db()
    assert member.status == "aktif"
