"""The audit pages in words: labels, field names, Rupiah, WITA; filters, pages and files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from html import unescape
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from core import audit
from registry import services
from registry.models import Koperasi
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
URL = "/k/sinar-bajo/audit/"


def _at(when: dt.datetime) -> Any:
    """Record events as if at ``when`` (the column is filled by the clock, append-only)."""
    return mock.patch("django.utils.timezone.now", return_value=when)


def _full_page(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def _page(client: Client, url: str, **params: Any) -> str:
    """The page's list and what follows it (the filter's choices name every action too)."""
    page = _full_page(client, url, **params)
    start = page.index('class="filters')
    end = page.index("</form>", start)
    return "".join(page[start:end].split("<li>")[1:]) + page[end:]


@pytest.fixture
def events(koperasi: Koperasi, other_koperasi: Koperasi, dinas_admin: Any) -> dict[str, Any]:
    """Three records of sinar-bajo on 10 and 11 March 2026 (WITA) and one of another koperasi."""
    kasir = UserFactory.create(username="kasir.lina", first_name="Lina", last_name="Dangur")
    # 15:30 UTC on 10 March is 23:30 WITA on 10 March; 16:30 UTC is already 11 March in WITA.
    with _at(dt.datetime(2026, 3, 10, 15, 30, tzinfo=UTC)):
        services.koperasi_update(actor=dinas_admin, koperasi=koperasi, name="KSP Sinar Bajo Baru")
    with _at(dt.datetime(2026, 3, 10, 16, 30, tzinfo=UTC)):
        audit.record(
            actor=kasir,
            action="savings.vault_in",
            koperasi=koperasi,
            after={"amount": "1500000.00", "expected": "2750000.50"},
            note="ambil kas pagi",
        )
    with _at(dt.datetime(2026, 3, 11, 2, 0, tzinfo=UTC)):
        audit.record(actor=None, action="closing.day_closed", koperasi=koperasi)
        audit.record(actor=dinas_admin, action="koperasi.update", obj=other_koperasi)
    return {"kasir": kasir}


def test_the_trail_reads_in_words(client: Client, pengawas: Any, events: Any) -> None:
    client.force_login(pengawas)
    page = _page(client, URL)
    # action labels, never the code as the text
    assert "Data koperasi diubah" in page and "Kas diambil dari brankas" in page
    assert "Tutup buku harian" in page
    assert ">savings.vault_in<" not in page
    # field names by their verbose name, amounts as Rupiah, who, when in WITA
    assert "Nama" in page and "<del>KSP Sinar Bajo</del> → KSP Sinar Bajo Baru" in page
    assert "Jumlah" in page and "Rp1.500.000" in page and "Rp2.750.000,50" in page
    assert "Lina Dangur (kasir.lina)" in page and "sistem" in page
    assert "Waktu (WITA)" in page
    assert "10 Mar 2026<br>23:30" in page and "11 Mar 2026<br>00:30" in page
    assert "KSP Rahasia Lain" not in page
    # read-only for the pengawas: a filter and downloads, no form that writes
    full = _full_page(client, URL)
    main = full[full.index("<main") : full.index("</main>")]
    assert 'method="post"' not in main.lower()


def test_filters_by_day_in_wita_by_user_and_by_action(
    client: Client, pengurus: Any, events: Any
) -> None:
    client.force_login(pengurus)
    page = _page(client, URL, dari="2026-03-10", sampai="2026-03-10")
    assert "Data koperasi diubah" in page
    assert "Kas diambil dari brankas" not in page  # 00:30 WITA on the 11th
    page = _page(client, URL, dari="2026-03-11")
    assert "Kas diambil dari brankas" in page and "Tutup buku harian" in page
    assert "Data koperasi diubah" not in page
    page = _page(client, URL, pengguna="lina")
    assert "Kas diambil dari brankas" in page and "Tutup buku harian" not in page
    page = _page(client, URL, tindakan="closing.day_closed")
    assert "Tutup buku harian" in page and "1 catatan" in page


def test_a_bad_filter_says_why_and_lists_nothing(
    client: Client, pengurus: Any, events: Any
) -> None:
    client.force_login(pengurus)
    page = _page(client, URL, dari="2026-03-12", sampai="2026-03-10")
    assert "Tanggal awal (12 Maret 2026) sesudah tanggal akhir (10 Maret 2026)." in page
    assert "Tidak ada catatan yang cocok." in page
    page = _page(client, URL, tindakan="drop.table")
    assert "Masukkan pilihan yang valid" in page and "Tidak ada catatan yang cocok." in page
    page = _page(client, URL, dari="9999-12-31")
    assert "Tanggal harus antara" in page
    # a bad filter downloads nothing either: the page with its message
    response = client.get(URL, {"dari": "kemarin", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_the_trail_pages_fifty_at_a_time(client: Client, pengurus: Any, koperasi: Any) -> None:
    for n in range(51):
        audit.record(actor=None, action="ledger.post", koperasi=koperasi, note=f"entri {n}")
    client.force_login(pengurus)
    first = _page(client, URL)
    assert "Halaman 1 dari 2" in first and "entri 50" in first and "entri 0<" not in first
    assert "entri 0<" in _page(client, URL, page=2)


def test_csv_and_xlsx_hold_the_filtered_trail_in_words(
    client: Client, pengurus: Any, events: Any
) -> None:
    client.force_login(pengurus)
    response = client.get(URL, {"dari": "2026-03-11", "format": "csv"})
    assert response.status_code == 200
    assert 'filename="jejak-audit-sinar-bajo-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Waktu", "Pelaku", "Tindakan", "Kode tindakan", "Koperasi"]
    body = {r[3]: r for r in rows[1:]}
    assert set(body) == {"savings.vault_in", "closing.day_closed"}
    vault = body["savings.vault_in"]
    assert vault[0] == "2026-03-11 00:30" and vault[1] == "Lina Dangur (kasir.lina)"
    assert vault[2] == "Kas diambil dari brankas" and vault[4] == "KSP Sinar Bajo Baru"
    assert "Jumlah: Rp1.500.000" in vault[7] and vault[8] == "ambil kas pagi"

    response = client.get(URL, {"tindakan": "koperasi.update", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    cells = sheet.to_python()
    assert cells[0][0] == "KSP Sinar Bajo Baru"
    header = cells[4]
    assert header[2] == "Tindakan"
    (row,) = cells[5:]
    assert row[2] == "Data koperasi diubah"
    assert row[6] == "Nama: KSP Sinar Bajo" and row[7] == "Nama: KSP Sinar Bajo Baru"


def test_the_dinas_filters_by_koperasi_and_sees_which(
    client: Client, dinas_admin: Any, events: Any
) -> None:
    client.force_login(dinas_admin)
    page = _page(client, "/dinas/audit/")
    assert "KSP Rahasia Lain" in page and "KSP Sinar Bajo Baru" in page
    assert "<th>Koperasi</th>" in page
    page = _page(client, "/dinas/audit/", koperasi="rahasia-lain")
    assert "Kas diambil dari brankas" not in page and "Data koperasi diubah" in page
    response = client.get("/dinas/audit/", {"koperasi": "rahasia-lain", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[4] for r in rows[1:]] == ["KSP Rahasia Lain"]
    response = client.get("/dinas/audit/", {"format": "csv"})
    assert 'filename="jejak-audit-kabupaten-' in response["Content-Disposition"]
    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) == 5


def test_times_follow_the_koperasis_own_zone(
    client: Client, pengurus: Any, koperasi: Koperasi
) -> None:
    Koperasi.objects.filter(pk=koperasi.pk).update(timezone="Asia/Jayapura")
    with _at(dt.datetime(2026, 3, 10, 15, 30, tzinfo=UTC)):
        audit.record(actor=None, action="ledger.post", koperasi=koperasi)
    client.force_login(pengurus)
    page = _page(client, URL)
    assert "Waktu (WIT)" in page, page[:400]
    assert "11 Mar 2026<br>00:30" in page, page[:1200]
    assert dt.datetime(2026, 3, 11, 0, 30, tzinfo=ZoneInfo("Asia/Jayapura")) == dt.datetime(
        2026, 3, 10, 15, 30, tzinfo=UTC
    )
