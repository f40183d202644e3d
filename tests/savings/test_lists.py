"""The long savings lists (bukti potong, wajib arrears, kasir sessions, a payroll file) by pages
of 50, with their totals over the whole list, a search, and the full list as CSV and XLSX.

The rows are written straight to their tables (as the month end would leave them): these tests
are about reading a list of 60 members, not about how the month end computes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.validators import mask_nik
from members.models import Member
from registry.models import Koperasi
from savings.models import CashierSession, MonthEndRun, Obligation, PayrollBatch, TaxWithholding
from tests.factories import MemberFactory, savings_account, savings_products

D = Decimal
MASA = dt.date(2025, 1, 1)
N = 60  # members: page 1 holds 50, page 2 the other 10
WITHHELD = range(56, 61)  # members 00056…00060 earn over Rp240.000 of interest: 10%


def url(name: str, koperasi: Koperasi, **kwargs: Any) -> str:
    return reverse(f"savings:{name}", kwargs={"kode": koperasi.code, **kwargs})


def gross_of(i: int) -> Decimal:
    """Rp1.000,25 for member 1 … Rp60.000,25 for member 60; the withheld ones Rp250.0xx,50."""
    return D(f"2500{i:02d}.50") if i in WITHHELD else D(f"{i}000.25")


def tax_of(i: int) -> Decimal:
    return D(f"250{i:02d}.05") if i in WITHHELD else D("0")


def _members(koperasi: Koperasi, n: int, prefix: str = "") -> list[Member]:
    return [
        MemberFactory.create(
            koperasi=koperasi,
            number=f"{prefix}{i:05d}",
            full_name=f"{prefix or 'Anggota'} Nomor {i}",
            address=f"Kampung {i}, Labuan Bajo",
            phone=f"+62812000{i:05d}",
        )
        for i in range(1, n + 1)
    ]


def _withholdings(koperasi: Koperasi, members: list[Member]) -> None:
    run = MonthEndRun.objects.create(koperasi=koperasi, date=dt.date(2025, 1, 31), step="pajak")
    TaxWithholding.objects.bulk_create(
        TaxWithholding(
            koperasi=koperasi,
            member=m,
            period=MASA,
            gross=gross_of(i),
            tax=tax_of(i),
            rate_bp=1000 if i in WITHHELD else 0,
            run=run,
        )
        for i, m in enumerate(members, start=1)
    )


def _arrears(koperasi: Koperasi, members: list[Member]) -> None:
    """Member i owes i months of Rp50.000 wajib (member 1 has paid Rp20.000 of hers)."""
    savings_products(koperasi)
    obligations = []
    for i, m in enumerate(members, start=1):
        acc = savings_account(koperasi, "wajib", member=m)
        for month in range(min(i, 12)):
            obligations.append(
                Obligation(
                    koperasi=koperasi,
                    account=acc,
                    member=m,
                    kind="wajib",
                    period=dt.date(2024, month + 1, 1),
                    amount=D("50000"),
                    paid=D("20000") if i == 1 else D("0"),
                )
            )
    Obligation.objects.bulk_create(obligations)


def _expected_arrears(i: int) -> Decimal:
    return D("30000") if i == 1 else D("50000") * min(i, 12)


@pytest.fixture
def lists(koperasi: Koperasi, other_koperasi: Koperasi) -> list[Member]:
    """60 members with a bukti potong for January 2025 and some wajib arrears; the other
    koperasi has its own member "Rahasia" with a large withholding and arrears."""
    members = _members(koperasi, N)
    _withholdings(koperasi, members)
    _arrears(koperasi, members)
    secret = _members(other_koperasi, 1, prefix="Rahasia")
    _withholdings(other_koperasi, secret)
    _arrears(other_koperasi, secret)
    return members


def numbers(html: str) -> list[str]:
    return re.findall(r'data-label="Nomor">([^<]+)<', html)


def tile(html: str, name: str) -> str:
    found = re.search(rf'data-total="{name}">([^<]+)<', html)
    assert found is not None, name
    return found.group(1)


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- bukti potong --------------------------------------------------------------------------


def test_bukti_potong_by_pages_withheld_first_totals_over_all(
    client: Any, lists: list[Member], pengurus: Any, koperasi: Koperasi
) -> None:
    client.force_login(pengurus)
    first = client.get(url("tax", koperasi), {"masa": "2025-01-01"}).content.decode()
    # The five withheld come first, then the 0% ones by number.
    assert numbers(first)[:6] == ["00056", "00057", "00058", "00059", "00060", "00001"]
    assert len(numbers(first)) == 50
    assert "Halaman 1 dari 2" in first
    # The next page keeps the chosen masa pajak.
    assert 'href="?masa=2025-01-01&amp;page=2"' in first
    second = client.get(url("tax", koperasi), {"masa": "2025-01-01", "page": 2}).content.decode()
    assert numbers(second) == [f"{i:05d}" for i in range(46, 56)]
    # The tiles count every member of the month, not the page.
    gross = sum(gross_of(i) for i in range(1, N + 1))
    tax = sum(tax_of(i) for i in range(1, N + 1))
    assert (gross, tax) == (D("2790306.25"), D("125290.25"))
    for html in (first, second):
        assert tile(html, "members") == "60"
        assert tile(html, "withheld-members") == "5"
        assert tile(html, "gross") == "Rp2.790.306,25"
        assert tile(html, "tax") == "Rp125.290,25"
        assert "Rahasia" not in html


def test_bukti_potong_search_and_only_withheld(
    client: Any, lists: list[Member], pengurus: Any, koperasi: Koperasi
) -> None:
    client.force_login(pengurus)
    only = client.get(url("tax", koperasi), {"dipotong": "on"}).content.decode()
    assert numbers(only) == ["00056", "00057", "00058", "00059", "00060"]
    assert tile(only, "members") == "60"  # the month's totals stay the month's
    by_number = client.get(url("tax", koperasi), {"q": "00012"}).content.decode()
    assert numbers(by_number) == ["00012"]
    by_name = client.get(url("tax", koperasi), {"q": "nomor 5"}).content.decode()
    # "Nomor 5" finds 5 and 50…59; 56…59 are withheld, so they lead.
    assert numbers(by_name) == ["00056", "00057", "00058", "00059", "00005"] + [
        f"{i:05d}" for i in range(50, 56)
    ]
    # The other koperasi's "Rahasia Nomor 1" matches the text but is not ours.
    assert "Rahasia00001" not in client.get(url("tax", koperasi), {"q": "Nomor 1"}).content.decode()


def test_bukti_potong_csv_has_every_row_with_full_nik_and_exact_rupiah(
    client: Any, lists: list[Member], pengurus: Any, koperasi: Koperasi
) -> None:
    client.force_login(pengurus)
    rows = csv_rows(client.get(url("tax_csv", koperasi), {"masa": "2025-01-01", "page": 2}))
    head, body = rows[0], rows[1:]
    assert head == [
        "Masa pajak",
        "Nomor anggota",
        "Nama",
        "NIK",
        "Alamat",
        "Bunga bruto",
        "Tarif (persen)",
        "PPh dipotong",
    ]
    assert len(body) == N  # every page, not the one asked for
    by_number = {r[1]: r for r in body}
    m56 = lists[55]
    assert by_number["00056"] == [
        "2025-01",
        "00056",
        "Anggota Nomor 56",
        m56.nik,  # the bukti potong names the recipient by full NIK
        "Kampung 56, Labuan Bajo",
        "250056.50",
        "10",
        "25056.05",
    ]
    assert by_number["00007"][5:] == ["7000.25", "0", "0.00"]
    assert sum(D(r[7]) for r in body) == D("125290.25")
    assert not any("Rahasia" in cell for r in body for cell in r)
    only = csv_rows(client.get(url("tax_csv", koperasi), {"dipotong": "on"}))
    assert [r[1] for r in only[1:]] == ["00056", "00057", "00058", "00059", "00060"]


def test_bukti_potong_xlsx_amounts_are_numbers(
    client: Any, lists: list[Member], pengurus: Any, koperasi: Koperasi
) -> None:
    client.force_login(pengurus)
    response = client.get(url("tax_xlsx", koperasi))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    data = [r for r in sheet.iter_rows(min_row=6, values_only=True) if r[1]]
    assert len(data) == N
    assert data[0][1:4] == ("00056", "Anggota Nomor 56", lists[55].nik)
    assert data[0][5] == pytest.approx(250056.50) and data[0][7] == pytest.approx(25056.05)
    assert "Rahasia" not in str(list(sheet.values))


def test_bukti_potong_export_masks_the_nik_for_the_pengawas(
    client: Any, lists: list[Member], pengawas: Any, koperasi: Koperasi
) -> None:
    client.force_login(pengawas)
    body = csv_rows(client.get(url("tax_csv", koperasi)))[1:]
    assert len(body) == N
    assert {r[3] for r in body} == {mask_nik(m.nik) for m in lists}
    assert not {r[3] for r in body} & {m.nik for m in lists}


def test_bukti_potong_export_of_another_koperasi_is_refused(
    client: Any, lists: list[Member], pengurus: Any, other_koperasi: Koperasi
) -> None:
    client.force_login(pengurus)
    for name in ("tax_csv", "tax_xlsx", "arrears_csv", "arrears_xlsx"):
        assert client.get(url(name, other_koperasi)).status_code == 404


# --- arrears -------------------------------------------------------------------------------


def test_arrears_by_pages_largest_first_totals_over_all(
    client: Any, lists: list[Member], kasir: Any, koperasi: Koperasi
) -> None:
    client.force_login(kasir)
    first = client.get(url("arrears", koperasi)).content.decode()
    # Members 12…60 owe 12 months (Rp600.000) each, by number; then 11 months, … member 1.
    assert numbers(first) == [f"{i:05d}" for i in range(12, N + 1)] + ["00011"]
    second = client.get(url("arrears", koperasi), {"page": 2}).content.decode()
    assert numbers(second) == [f"{i:05d}" for i in range(10, 0, -1)]
    total = sum(_expected_arrears(i) for i in range(1, N + 1))
    assert total == D("32680000")
    for html in (first, second):
        assert tile(html, "members") == "60"
        assert tile(html, "amount") == "Rp32.680.000"
        assert "Rahasia" not in html
    assert "Rp30.000" in second  # member 1: Rp50.000 billed, Rp20.000 paid


def test_arrears_search_keeps_the_query_in_the_pager(
    client: Any, lists: list[Member], pengurus: Any, koperasi: Koperasi
) -> None:
    client.force_login(pengurus)
    one = client.get(url("arrears", koperasi), {"q": "00003"}).content.decode()
    assert numbers(one) == ["00003"] and "Rp150.000" in one
    assert tile(one, "members") == "60"
    many = client.get(url("arrears", koperasi), {"q": "anggota"}).content.decode()
    assert 'href="?q=anggota&amp;page=2"' in many
    other = client.get(url("arrears", koperasi), {"q": "Rahasia"}).content.decode()
    assert numbers(other) == [] and "Rahasia00001" not in other


def test_arrears_exports_hold_every_member(
    client: Any, lists: list[Member], pengawas: Any, koperasi: Koperasi
) -> None:
    client.force_login(pengawas)  # the page's readers may take its file
    rows = csv_rows(client.get(url("arrears_csv", koperasi), {"page": 2, "q": "00003"}))
    assert rows[0] == ["Nomor anggota", "Nama", "Nomor HP", "Bulan", "Sejak", "Tunggakan"]
    body = rows[1:]
    assert len(body) == N
    by_number = {r[0]: r for r in body}
    assert by_number["00001"] == [
        "00001",
        "Anggota Nomor 1",
        "0812-0000-0001",
        "1",
        "2024-01-01",
        "30000.00",
    ]
    assert by_number["00040"][3:] == ["12", "2024-01-01", "600000.00"]
    assert sum(D(r[5]) for r in body) == D("32680000")
    assert not any("Rahasia" in cell for r in body for cell in r)
    sheet = load_workbook(io.BytesIO(client.get(url("arrears_xlsx", koperasi)).content)).active
    data = [r for r in sheet.iter_rows(min_row=6, values_only=True) if r[0]]
    assert len(data) == N
    assert sum(r[5] for r in data) == pytest.approx(32680000)


def test_exports_answer_only_the_page_readers(
    client: Any, lists: list[Member], dinas_admin: Any, koperasi: Koperasi
) -> None:
    client.force_login(dinas_admin)
    for name in ("tax", "tax_csv", "arrears", "arrears_xlsx"):
        assert client.get(url(name, koperasi)).status_code in (403, 404), name


# --- kasir sessions, a payroll file --------------------------------------------------------


def test_kasir_sessions_by_pages_count_differences_over_all(
    client: Any, pengurus: Any, kasir: Any, koperasi: Koperasi
) -> None:
    CashierSession.objects.bulk_create(
        CashierSession(
            koperasi=koperasi,
            kasir=kasir,
            business_date=dt.date(2024, 1, 1) + dt.timedelta(days=i),
            opening_count=D("1000000"),
            closed_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i, hours=9),
            closing_count=D("1000000"),
            expected=D("1000000") if i % 20 else D("1000500"),
            difference=D("0") if i % 20 else D("-500"),
            note=f"sesi {i}",
        )
        for i in range(N)
    )
    client.force_login(pengurus)
    first = client.get(url("sessions", koperasi)).content.decode()
    second = client.get(url("sessions", koperasi), {"page": 2}).content.decode()
    assert len(re.findall(r"sesi \d+<", first)) == 50
    assert len(re.findall(r"sesi \d+<", second)) == 10
    assert "3 sesi dengan selisih kas" in second  # sessions 0, 20 and 40, wherever they are


def test_payroll_file_rows_by_pages(client: Any, kasir: Any, koperasi: Koperasi) -> None:
    acc = savings_account(koperasi, "wajib")
    rows = [
        {
            "row": i + 2,
            "number": f"{i:05d}",
            "name": f"Pegawai {i}",
            "amounts": {str(acc.pk): "50000"},
        }
        for i in range(1, N + 1)
    ]
    batch = PayrollBatch.objects.create(
        koperasi=koperasi, filename="gaji.csv", value_date=dt.date(2025, 1, 25), rows=rows
    )
    client.force_login(kasir)
    page = url("payroll_batch", koperasi, batch_id=batch.pk)
    first = client.get(page).content.decode()
    second = client.get(page, {"page": 2}).content.decode()
    assert "Pegawai 50<" in first and "Pegawai 51<" not in first
    assert "Pegawai 51<" in second and "Pegawai 60<" in second and "Pegawai 1<" not in second
    assert "SW Rp50.000" in second


def test_month_end_history_one_row_a_month_twelve_a_page(
    client: Any, pengurus: Any, koperasi: Koperasi, other_koperasi: Koperasi
) -> None:
    """Fifteen month ends (Jan 2025 … Mar 2026) of four steps each: 12 months on page 1, the
    three oldest on page 2, nothing cut off; another koperasi's runs never show."""
    import calendar

    ends = []
    for n in range(15):
        year, month = 2025 + n // 12, n % 12 + 1
        ends.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    for day in ends:
        for step, count in (("berjangka", 0), ("wajib", 60), ("bunga", 120), ("pajak", 60)):
            MonthEndRun.objects.create(
                koperasi=koperasi, date=day, step=step, count=count, total=D(count) * 1000
            )
    MonthEndRun.objects.create(
        koperasi=other_koperasi, date=dt.date(2024, 6, 30), step="bunga", count=7, total=D(7)
    )
    client.force_login(pengurus)
    first = client.get(url("month_end", koperasi)).content.decode()
    shown = re.findall(r'data-month-end="([\d-]+)"', first)
    assert shown == [d.isoformat() for d in reversed(ends)][:12]
    assert "Halaman 1 dari 2" in first
    assert "Rp120.000,00" in first and "120 baris" in first  # bunga of a month, in its row
    second = client.get(url("month_end", koperasi), {"page": 2}).content.decode()
    assert re.findall(r'data-month-end="([\d-]+)"', second) == [
        "2025-03-31",
        "2025-02-28",
        "2025-01-31",
    ]
    assert "2024-06-30" not in first + second
