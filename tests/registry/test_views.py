"""Registry pages: who lands where, who sees what, and who may change a koperasi's stage."""

from __future__ import annotations

import datetime as dt
from html import unescape
from typing import Any

import pytest
from django.test import Client

from core import audit
from core.dates import local_today
from core.models import AuditEvent
from registry.models import Koperasi, Role
from tests.factories import PASSWORD, KoperasiFactory, UserFactory, grant, kecamatan

pytestmark = pytest.mark.django_db


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- logging in and landing ----------------------------------------------------------------


def test_login_page_is_in_indonesian(client: Client) -> None:
    page = html(client.get("/masuk/"))
    assert "Masuk ke Kopdig" in page
    assert "Nama pengguna" in page and "Kata sandi" in page
    assert 'lang="id"' in page


def test_wrong_password_gets_an_indonesian_message(client: Client, pengurus: Any) -> None:
    page = html(client.post("/masuk/", {"username": "pengurus", "password": "salah-sekali"}))
    assert "Nama pengguna atau kata sandi salah" in page


def test_anonymous_visitors_are_sent_to_login(client: Client, koperasi: Koperasi) -> None:
    for url in ("/", "/dinas/koperasi/", "/k/sinar-bajo/", "/pilih-koperasi/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/masuk/?next=")


def test_each_person_lands_where_their_work_is(
    client: Client,
    dinas_admin: Any,
    dinas_staff: Any,
    pengurus: Any,
    konsultan: Any,
    koperasi: Koperasi,
) -> None:
    response = client.post("/masuk/", {"username": "dinas", "password": PASSWORD})
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/dinas/"  # the district home
    assert client.get("/dinas/").status_code == 200
    assert login(client, dinas_staff).get("/")["Location"] == "/dinas/"
    assert login(client, pengurus).get("/")["Location"] == "/k/sinar-bajo/"
    assert login(client, konsultan).get("/")["Location"] == "/konsultan/"  # their own page
    assert client.get("/konsultan/").status_code == 200
    nobody = UserFactory(username="tanpa-peran")
    response = login(client, nobody).get("/")
    assert response.status_code == 403
    assert "Belum ada peran" in response.content.decode()


def test_someone_working_in_two_koperasi_chooses(
    client: Client, pengurus: Any, koperasi: Koperasi, other_koperasi: Koperasi
) -> None:
    grant(pengurus, Role.PENGAWAS, other_koperasi)
    KoperasiFactory.create(name="KSP Tidak Terkait", code="tidak-terkait")
    login(client, pengurus)
    assert client.get("/")["Location"] == "/pilih-koperasi/"
    page = html(client.get("/pilih-koperasi/"))
    assert "KSP Sinar Bajo" in page and "KSP Rahasia Lain" in page
    assert "KSP Tidak Terkait" not in page
    assert "Pengurus/manajer" in page and "Pengawas" in page
    assert 'href="/k/rahasia-lain/"' in page
    home = html(client.get("/k/rahasia-lain/"))
    assert "KSP Rahasia Lain" in home and "Ganti koperasi" in home


# --- the Dinas registry ----------------------------------------------------------------------


@pytest.fixture
def district(koperasi: Koperasi) -> list[Koperasi]:
    """Five koperasi: three active, two digital, two in Lembor."""
    Koperasi.objects.filter(pk=koperasi.pk).update(digital_stage=Koperasi.Stage.DIGITAL)
    lembor = kecamatan("53.15.03")
    return [
        koperasi,
        KoperasiFactory.create(
            name="Kopdit Mawar Lembor",
            kecamatan=lembor,
            digital_stage=Koperasi.Stage.AKTIF_DIGUNAKAN,
        ),
        KoperasiFactory.create(
            name="Koperasi Produsen Tani Lembor",
            kecamatan=lembor,
            kind=Koperasi.Kind.PRODUSEN,
            status=Koperasi.Status.AKTIF_BELUM_RAT,
        ),
        KoperasiFactory.create(name="KSU Tidur", status=Koperasi.Status.TIDAK_AKTIF),
        KoperasiFactory.create(name="KSP Bubar", status=Koperasi.Status.BUBAR),
    ]


def count(page: str, key: str) -> str:
    marker = f'data-count="{key}">'
    start = page.index(marker) + len(marker)
    return page[start : page.index("<", start)].strip()


def test_registry_shows_the_district_counts(
    client: Client, dinas_staff: Any, district: list[Koperasi]
) -> None:
    page = html(login(client, dinas_staff).get("/dinas/koperasi/"))
    assert "Registri koperasi Kabupaten Manggarai Barat" in page
    assert count(page, "total") == "5"
    assert count(page, "active") == "3"
    assert "(60%)" in page
    assert count(page, "digital") == "2"
    assert all(k.name in page for k in district)
    assert "Ubah tahap digital" not in page


def test_registry_filters_keep_the_district_counts_on_top(
    client: Client, dinas_staff: Any, district: list[Koperasi]
) -> None:
    login(client, dinas_staff)
    page = html(client.get("/dinas/koperasi/", {"kecamatan": "53.15.03"}))
    assert "Kopdit Mawar Lembor" in page and "Koperasi Produsen Tani Lembor" in page
    assert "KSP Sinar Bajo" not in page
    assert count(page, "total") == "5"
    assert count(page, "filtered").startswith("2 koperasi cocok dengan saringan")
    page = html(client.get("/dinas/koperasi/", {"status": "aktif_belum_rat"}))
    assert "Koperasi Produsen Tani Lembor" in page and "Kopdit Mawar" not in page
    page = html(client.get("/dinas/koperasi/", {"stage": "digital"}))
    assert "KSP Sinar Bajo" in page and "Kopdit Mawar" not in page
    page = html(client.get("/dinas/koperasi/", {"kind": "produsen", "q": "tani"}))
    assert "Koperasi Produsen Tani Lembor" in page and "KSP Sinar Bajo" not in page
    page = html(client.get("/dinas/koperasi/", {"page": "1"}))
    assert 'data-count="filtered"' not in page  # paging is not filtering


def test_konsultan_sees_only_assigned_koperasi(
    client: Client, konsultan: Any, district: list[Koperasi]
) -> None:
    page = html(login(client, konsultan).get("/dinas/koperasi/"))
    assert "Koperasi dampingan saya" in page
    assert "KSP Sinar Bajo" in page
    assert "Kopdit Mawar Lembor" not in page
    assert count(page, "total") == "1"
    assert client.get(f"/dinas/koperasi/{district[1].code}/").status_code == 404


def test_koperasi_staff_may_not_read_the_registry(
    client: Client, kasir: Any, pengurus: Any, district: list[Koperasi]
) -> None:
    for user in (kasir, pengurus):
        assert login(client, user).get("/dinas/koperasi/").status_code == 403


# --- a koperasi's profile and its digital stage -----------------------------------------------


def test_profile_shows_the_registry_data_and_stage_history(
    client: Client, dinas_staff: Any, koperasi: Koperasi
) -> None:
    Koperasi.objects.filter(pk=koperasi.pk).update(
        legal_number="12/BH/XIV.5/2010", last_rat_on=dt.date(2026, 3, 22)
    )
    koperasi.stage_changes.create(to_stage="belum_digital", changed_on=dt.date(2010, 1, 1))
    koperasi.stage_changes.create(
        from_stage="belum_digital", to_stage="pendataan", changed_on=dt.date(2025, 8, 17)
    )
    page = html(login(client, dinas_staff).get("/dinas/koperasi/sinar-bajo/"))
    assert "12/BH/XIV.5/2010" in page
    assert "22 Maret 2026" in page
    assert "17 Agustus 2025" in page and "Pendataan" in page
    assert "Ubah tahap digital" not in page  # Dinas staff read only


def test_staff_see_their_own_profile_but_no_other(
    client: Client, kasir: Any, koperasi: Koperasi, other_koperasi: Koperasi
) -> None:
    login(client, kasir)
    assert "KSP Sinar Bajo" in html(client.get("/dinas/koperasi/sinar-bajo/"))
    assert client.get("/dinas/koperasi/rahasia-lain/").status_code == 404


def change_stage(client: Client, kode: str, **data: Any) -> Any:
    form = {"stage": "pendataan", "on": local_today().isoformat(), "note": "Mulai pendataan"}
    form.update(data)
    return client.post(f"/dinas/koperasi/{kode}/tahap/", form)


def test_dinas_admin_and_assigned_konsultan_change_the_stage(
    client: Client, dinas_admin: Any, konsultan: Any, koperasi: Koperasi
) -> None:
    assert "Ubah tahap digital" in html(
        login(client, dinas_admin).get("/dinas/koperasi/sinar-bajo/")
    )
    response = change_stage(client, "sinar-bajo")
    assert response["Location"] == "/dinas/koperasi/sinar-bajo/"
    page = html(client.get("/dinas/koperasi/sinar-bajo/"))
    assert "Tahap digital diperbarui." in page
    login(client, konsultan)
    assert "Ubah tahap digital" in html(client.get("/dinas/koperasi/sinar-bajo/"))
    change_stage(client, "sinar-bajo", stage="migrasi")
    koperasi.refresh_from_db()
    assert koperasi.digital_stage == "migrasi"
    actors = AuditEvent.objects.filter(action="koperasi.digital_stage").order_by("id")
    assert [e.actor for e in actors] == [dinas_admin, konsultan]


def test_others_may_not_change_the_stage(
    client: Client,
    dinas_staff: Any,
    pengurus: Any,
    pengawas: Any,
    koperasi: Koperasi,
    other_koperasi: Koperasi,
) -> None:
    for user in (dinas_staff, pengurus, pengawas):
        login(client, user)
        assert "Ubah tahap digital" not in html(client.get("/dinas/koperasi/sinar-bajo/"))
        assert change_stage(client, "sinar-bajo").status_code == 403
    konsultan_lain = UserFactory(username="konsultan-lain")
    grant(konsultan_lain, Role.KONSULTAN, other_koperasi)
    assert change_stage(login(client, konsultan_lain), "sinar-bajo").status_code == 404
    assert Koperasi.objects.get(pk=koperasi.pk).digital_stage == "belum_digital"
    assert not AuditEvent.objects.exists()


def test_a_bad_stage_change_says_why_and_changes_nothing(
    client: Client, dinas_admin: Any, koperasi: Koperasi
) -> None:
    login(client, dinas_admin)
    tomorrow = (local_today() + dt.timedelta(days=1)).isoformat()
    response = change_stage(client, "sinar-bajo", on=tomorrow)
    assert response.status_code == 302
    page = html(client.get("/dinas/koperasi/sinar-bajo/"))
    assert "Tanggal perubahan tidak boleh di masa depan." in page
    change_stage(client, "sinar-bajo", on="kemarin")
    assert "Masukkan tanggal yang valid." in html(client.get("/dinas/koperasi/sinar-bajo/"))
    assert Koperasi.objects.get(pk=koperasi.pk).digital_stage == "belum_digital"
    assert not AuditEvent.objects.exists()


# --- the audit trail -------------------------------------------------------------------------


@pytest.fixture
def trail(dinas_admin: Any, koperasi: Koperasi, other_koperasi: Koperasi) -> None:
    audit.record(
        actor=dinas_admin,
        action="koperasi.update",
        obj=koperasi,
        before={"name": "KSP Sinar Lama"},
        after={"name": "KSP Sinar Bajo"},
    )
    audit.record(actor=dinas_admin, action="koperasi.update", obj=other_koperasi, note="rahasia")


def test_pengawas_and_pengurus_read_their_own_koperasis_audit(
    client: Client, pengawas: Any, pengurus: Any, trail: None
) -> None:
    for user in (pengawas, pengurus):
        page = html(login(client, user).get("/k/sinar-bajo/audit/"))
        assert "Jejak audit — KSP Sinar Bajo" in page
        assert "KSP Sinar Lama" in page and "dinas" in page
        assert "KSP Rahasia Lain" not in page and "rahasia" not in page


def test_kasir_may_not_read_the_audit(client: Client, kasir: Any, trail: None) -> None:
    login(client, kasir)
    assert client.get("/k/sinar-bajo/audit/").status_code == 403
    assert 'href="/k/sinar-bajo/audit/"' not in html(client.get("/k/sinar-bajo/", follow=True))


def test_dinas_admin_reads_the_whole_districts_audit(
    client: Client, dinas_admin: Any, dinas_staff: Any, trail: None
) -> None:
    page = html(login(client, dinas_admin).get("/dinas/audit/"))
    assert "seluruh kabupaten" in page
    assert "KSP Sinar Bajo" in page and "KSP Rahasia Lain" in page
    page = html(client.get("/dinas/audit/", {"koperasi": "rahasia-lain"}))
    assert "Jejak audit — KSP Rahasia Lain" in page and "KSP Sinar Lama" not in page
    assert client.get("/dinas/audit/", {"koperasi": "tidak-ada"}).status_code == 404
    assert "/dinas/audit/?koperasi=sinar-bajo" in html(client.get("/dinas/koperasi/sinar-bajo/"))
    assert login(client, dinas_staff).get("/dinas/audit/").status_code == 403


def test_nobody_edits_the_audit_through_a_page(
    client: Client, dinas_admin: Any, trail: None
) -> None:
    login(client, dinas_admin)
    before = list(AuditEvent.objects.values_list("id", "action", "after"))
    assert client.post("/dinas/audit/", {"action": "x"}).status_code in (200, 405)
    assert list(AuditEvent.objects.values_list("id", "action", "after")) == before


def test_the_audit_page_masks_a_members_nik(
    client: Client, pengawas: Any, dinas_admin: Any, koperasi: Koperasi
) -> None:
    # The trail keeps the NIK whole (it is the record of what changed); the page, read by the
    # pengawas, shows it masked like every list does.
    audit.record(
        actor=dinas_admin,
        action="members.update",
        koperasi=koperasi,
        before={"nik": "5315014101900001"},
        after={"nik": "5315014101900002"},
    )
    page = html(login(client, pengawas).get("/k/sinar-bajo/audit/"))
    assert "5315014101900001" not in page and "5315014101900002" not in page
    assert "5315•••••••••001" in page and "5315•••••••••002" in page


def test_pages_travel_compressed_to_a_phone(client: Any, dinas_admin: Any, koperasi: Any) -> None:
    """A browser that accepts gzip (every phone browser does) gets the page compressed."""
    import gzip

    client.force_login(dinas_admin)
    plain = client.get("/dinas/koperasi/")
    packed = client.get("/dinas/koperasi/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    page = gzip.decompress(packed.content).decode()
    assert "Registri koperasi" in page
    assert len(packed.content) < len(plain.content) / 2


def test_the_audit_page_writes_nested_values_in_words(
    client: Client, pengawas: Any, dinas_admin: Any, koperasi: Koperasi
) -> None:
    audit.record(
        actor=dinas_admin,
        action="savings.month_end",
        obj=koperasi,
        after={"steps": {"bunga": {"count": 2, "total": "3600000.00"}}, "empty": ""},
    )
    page = unescape(html(login(client, pengawas).get("/k/sinar-bajo/audit/")))
    assert "bunga: (banyaknya: 2, jumlah: Rp3.600.000)" in page
    assert "{'bunga'" not in page and '{"bunga"' not in page  # neither Python's repr nor JSON
