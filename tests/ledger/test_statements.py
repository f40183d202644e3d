"""The financial statements as documents: always Indonesian, the koperasi's name, the period
beside the comparative one, a signature block, a deficit called *defisit*, a PDF beside the CSV
and XLSX; unpaid wajib deducted from equity, not shown as an asset.

KSP Sinar Bajo, business date 16 March 2026 (see ``conftest.books``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ledger import exports, reports
from ledger.services import Line, post
from registry.models import Koperasi
from tests.ledger.test_views import row, text

D = Decimal


def url(name: str, koperasi: Koperasi) -> str:
    return reverse(f"ledger:{name}", kwargs={"kode": koperasi.code})


def book(
    acc: Any, day: dt.date, debit: Any, credit: Any, amount: str, kind: str = "manual"
) -> None:
    post(
        koperasi=acc._koperasi,
        lines=[Line(debit, debit=D(amount)), Line(credit, credit=D(amount))],
        kind=kind,
        memo=f"Contoh {amount}",
        actor=None,
        value_date=day,
    )


@pytest.fixture
def wajib_billed(books: Koperasi, acc: Any) -> Koperasi:
    """Rp1.500.000 sukarela deposited in cash; Rp100.000 wajib billed to members of which
    Rp60.000 paid in cash, so Rp40.000 is still owed (piutang simpanan wajib)."""
    book(acc, dt.date(2026, 3, 2), acc.kas, acc.sukarela, "1500000", "savings.deposit")
    piutang = acc.piutang_simpanan_wajib
    book(acc, dt.date(2026, 3, 3), piutang, acc.wajib, "100000", "savings.wajib_billing")
    book(acc, dt.date(2026, 3, 4), acc.kas, piutang, "60000", "savings.deposit")
    return books


# --- piutang simpanan wajib: a deduction from equity ----------------------------------------


def test_unpaid_wajib_is_deducted_from_equity_not_shown_as_an_asset(
    wajib_billed: Koperasi,
) -> None:
    fs = reports.neraca(koperasi=wajib_billed, as_of=dt.date(2026, 3, 16))
    by_key = {r.key: r for r in fs.rows}
    assert "1.1.06" not in by_key  # Piutang Simpanan Wajib is not an asset line
    assert by_key["1.1.01"].amount == D("1560000")  # kas
    assert by_key["1.1"].amount == D("1560000")  # the group no longer counts the receivable
    assert by_key["aset"].amount == D("1560000")
    assert fs.figures["total_aset"] == D("1560000")

    # Under Ekuitas, straight after the simpanan wajib it reduces: 100.000 − 40.000 = 60.000.
    equity = [r.key for r in fs.rows]
    wajib_at = equity.index("3.1.02")
    assert equity[wajib_at + 1] == "piutang-wajib"
    deduction = by_key["piutang-wajib"]
    assert deduction.label == "Dikurangi: piutang simpanan wajib"
    assert deduction.amount == D("-40000")
    assert by_key["3.1.02"].amount == D("100000")
    assert by_key["ekuitas"].amount == D("60000")
    assert fs.figures["total_ekuitas"] == D("60000")
    assert fs.figures["piutang_simpanan_wajib"] == D("40000")

    # Aset 1.560.000 = Liabilitas 1.500.000 + Ekuitas 60.000.
    assert fs.figures["total_liabilitas_ekuitas"] == D("1560000")
    assert fs.balanced


def test_neraca_page_shows_the_deduction_under_equity(
    client: Any, wajib_billed: Koperasi, pengawas: Any
) -> None:
    client.force_login(pengawas)
    page = client.get(url("posisi_keuangan", wajib_billed), {"as_of": "2026-03-16"})
    body = page.content.decode()
    assert 'data-code="1.1.06"' not in body
    assert row(page, "piutang-wajib")[1:3] == [
        "Dikurangi: piutang simpanan wajib",
        "-Rp40.000",
    ]
    assert row(page, "aset")[2] == "Rp1.560.000"
    assert row(page, "ekuitas")[2] == "Rp60.000"
    assert 'data-figure="aset">Rp1.560.000' in body
    assert 'data-check="seimbang"' in body
    assert "piutang simpanan wajib) bukan aset koperasi" in text(page)

    lines = {r[1]: r[2] for r in get_file(client, wajib_billed, "posisi_keuangan", "csv")[1:]}
    assert "Piutang Simpanan Wajib" not in lines
    assert lines["Dikurangi: piutang simpanan wajib"] == "-40000.00"
    assert lines["Jumlah Aset"] == "1560000.00"
    assert lines["Jumlah Liabilitas dan Ekuitas"] == "1560000.00"


# --- comparative figures, defisit -------------------------------------------------------------


def test_neraca_shows_the_previous_year_end_beside_this_date(books: Koperasi, acc: Any) -> None:
    book(acc, dt.date(2025, 12, 20), acc.kas, acc.jasa, "70000")
    book(acc, dt.date(2026, 3, 5), acc.kas, acc.jasa, "30000")
    fs = reports.neraca(koperasi=books, as_of=dt.date(2026, 3, 16))
    assert fs.previous_to == dt.date(2025, 12, 31)
    assert (fs.current_label, fs.previous_label) == ("16 Mar 2026", "31 Des 2025")
    by_key = {r.key: r for r in fs.rows}
    assert (by_key["1.1.01"].amount, by_key["1.1.01"].previous) == (D("100000"), D("70000"))
    # Last year's SHU was this year's SHU at 31 December.
    assert (by_key["shu-tahun-lalu"].amount, by_key["shu-tahun-lalu"].previous) == (
        D("70000"),
        D("0"),
    )
    assert (by_key["shu-berjalan"].amount, by_key["shu-berjalan"].previous) == (
        D("30000"),
        D("70000"),
    )
    assert fs.previous_figures["total_aset"] == D("70000")
    assert fs.previous_figures["total_liabilitas_ekuitas"] == D("70000")


def test_hasil_usaha_compares_with_the_same_dates_a_year_earlier(books: Koperasi, acc: Any) -> None:
    book(acc, dt.date(2025, 2, 10), acc.kas, acc.jasa, "40000")
    book(acc, dt.date(2025, 12, 20), acc.kas, acc.jasa, "70000")  # outside both ranges
    book(acc, dt.date(2026, 3, 5), acc.kas, acc.jasa, "30000")
    book(acc, dt.date(2026, 3, 6), acc.beban_bunga, acc.kas, "50000")
    fs = reports.hasil_usaha(
        koperasi=books, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 16)
    )
    assert (fs.previous_from, fs.previous_to) == (dt.date(2025, 1, 1), dt.date(2025, 3, 16))
    by_key = {r.key: r for r in fs.rows}
    assert (by_key["4.1.01"].amount, by_key["4.1.01"].previous) == (D("30000"), D("40000"))
    assert (by_key["5.1.01"].amount, by_key["5.1.01"].previous) == (D("50000"), D("0"))
    # Rp30.000 income − Rp50.000 expense against last year's Rp40.000 SHU: the line says both,
    # never a bare "SHU" over a negative figure.
    assert by_key["shu"].label == "Sisa hasil usaha (defisit)"
    assert (by_key["shu"].amount, by_key["shu"].previous) == (D("-20000"), D("40000"))
    assert reports.shu_label(D("-20000"), D("0")) == "Defisit hasil usaha"
    assert reports.shu_label(D("20000"), D("0")) == "Sisa hasil usaha (SHU)"


def test_a_leap_day_compares_with_the_28th(books: Koperasi) -> None:
    fs = reports.hasil_usaha(
        koperasi=books, date_from=dt.date(2028, 2, 1), date_to=dt.date(2028, 2, 29)
    )
    assert (fs.previous_from, fs.previous_to) == (dt.date(2027, 2, 1), dt.date(2027, 2, 28))


def test_deficit_in_the_neraca_is_called_defisit(
    client: Any, books: Koperasi, acc: Any, pengawas: Any
) -> None:
    book(acc, dt.date(2026, 3, 2), acc.kas, acc.sukarela, "100000")
    book(acc, dt.date(2026, 3, 6), acc.beban_bunga, acc.kas, "25000")
    client.force_login(pengawas)
    page = client.get(url("posisi_keuangan", books), {"as_of": "2026-03-16"})
    assert row(page, "shu-berjalan")[1:3] == [
        "Defisit tahun berjalan (belum ditutup ke ekuitas)",
        "-Rp25.000",
    ]
    assert "SHU tahun berjalan (belum" not in text(page)
    phu = client.get(
        url("hasil_usaha", books), {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    )
    assert row(phu, "shu")[1:3] == ["Defisit hasil usaha", "-Rp25.000"]


# --- always Indonesian, name, period, signatures ------------------------------------------


def english(client: Any) -> None:
    client.cookies["django_language"] = "en"


def test_statements_speak_indonesian_whatever_the_interface_language(
    client: Any, books: Koperasi, acc: Any, pengawas: Any
) -> None:
    book(acc, dt.date(2026, 3, 2), acc.kas, acc.sukarela, "1500000")
    book(acc, dt.date(2026, 3, 5), acc.kas, acc.jasa, "100000")
    client.force_login(pengawas)
    english(client)
    page = client.get(url("posisi_keuangan", books), {"as_of": "2026-03-16"})
    words = text(page)
    assert "Download" in words  # the interface around the statement is in English …
    document = page.content.decode().split('data-document="neraca"', 1)[1]
    # … the statement itself is not.
    for indonesian in (
        "KSP Sinar Bajo",
        "Laporan Posisi Keuangan (Neraca)",
        "Per 16 Maret 2026",
        "ASET",
        "Jumlah Aset",
        "LIABILITAS",
        "EKUITAS",
        "Jumlah Liabilitas dan Ekuitas",
        "Uraian",
        "31 Des 2025",
        "Ketua",
        "Bendahara",
        "Ketua Pengawas",
    ):
        assert indonesian in document, indonesian
    for english_word in ("Assets", "Total", "Liabilities", "Equity", "Description"):
        assert english_word not in document, english_word

    rows = get_file(
        client, books, "hasil_usaha", "csv", date_from="2026-03-01", date_to="2026-03-31"
    )
    assert rows[0][:3] == ["Kode", "Uraian", "1 Mar 2026 – 31 Mar 2026"]
    labels = [r[1] for r in rows]
    assert "PENDAPATAN" in labels and "Jumlah Beban" in labels
    assert "Sisa hasil usaha (SHU)" in labels

    sheet = get_file(client, books, "posisi_keuangan", "xlsx", as_of="2026-03-16")
    assert [sheet["A1"].value, sheet["A2"].value, sheet["A3"].value] == [
        "KSP Sinar Bajo",
        "Laporan Posisi Keuangan (Neraca)",
        "Per 16 Maret 2026",
    ]
    column_b = [c.value for c in sheet["B"]]
    assert "Jumlah Aset" in column_b
    assert "Ketua (Pengurus)" in column_b and "Ketua Pengawas (Pengawas)" in column_b

    tb = get_file(client, books, "trial_balance", "csv", as_of="2026-03-16")
    assert tb[0] == ["Kode", "Nama akun", "Debit", "Kredit"]
    assert tb[-1][1] == "Jumlah"


def test_the_page_has_the_name_period_and_a_signature_block(
    client: Any, books: Koperasi, pengawas: Any
) -> None:
    client.force_login(pengawas)
    page = client.get(
        url("hasil_usaha", books), {"date_from": "2026-01-01", "date_to": "2026-03-16"}
    )
    words = text(page)
    assert "KSP Sinar Bajo Perhitungan Hasil Usaha 1 Januari 2026 s.d. 16 Maret 2026" in words
    assert "Pembanding: periode yang sama tahun sebelumnya (1 Jan 2025 – 16 Mar 2025)." in words
    assert "Pengurus Ketua Pengurus Bendahara Pengawas Ketua Pengawas" in words
    assert 'format=pdf"' in page.content.decode()


# --- PDF ------------------------------------------------------------------------------------


def pdf_text(document: Any) -> str:
    """The words laid out on the pages of a ``weasyprint.Document``."""
    from weasyprint.formatting_structure import boxes

    def walk(box: Any) -> Any:
        if isinstance(box, boxes.TextBox):
            yield box.text
        for child in getattr(box, "children", None) or []:
            yield from walk(child)

    return " ".join(" ".join(walk(page._page_box)) for page in document.pages)


def test_statements_and_the_neraca_saldo_come_as_a_pdf(
    client: Any, wajib_billed: Koperasi, pengawas: Any
) -> None:
    client.force_login(pengawas)
    english(client)
    for name, query in (
        ("posisi_keuangan", {"as_of": "2026-03-16"}),
        ("hasil_usaha", {"date_from": "2026-01-01", "date_to": "2026-03-16"}),
        ("trial_balance", {"as_of": "2026-03-16"}),
    ):
        response = client.get(url(name, wajib_billed), {**query, "format": "pdf"})
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].endswith('.pdf"')
        assert response.content.startswith(b"%PDF-")
        assert len(response.content) > 5000

    fs = reports.neraca(koperasi=wajib_billed, as_of=dt.date(2026, 3, 16))
    document = exports.pdf_document(exports.statement_table(fs), koperasi=wajib_billed)
    assert len(document.pages) == 1
    words = pdf_text(document)
    assert "KSP Sinar Bajo" in words
    assert "Laporan Posisi Keuangan (Neraca)" in words
    assert "Per 16 Maret 2026" in words
    assert "Dikurangi: piutang simpanan wajib" in words
    assert "Pengurus KSP Sinar Bajo" in words and "Pengawas KSP Sinar Bajo" in words
    assert "Bendahara" in words and "Ketua Pengawas" in words
    assert "Halaman" in words  # the page number in the footer
    page = document.pages[0]
    assert (round(page.width * 25.4 / 96), round(page.height * 25.4 / 96)) == (210, 297)  # A4


def test_lists_that_are_not_documents_give_no_pdf(
    client: Any, books: Koperasi, pengawas: Any
) -> None:
    client.force_login(pengawas)
    response = client.get(url("journal", books), {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


# --- dates a statement cannot be drawn for ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("hasil_usaha", {"date_to": "9999-12-31"}),
        ("hasil_usaha", {"date_from": "2026-01-01", "date_to": "9999-12-31"}),
        ("hasil_usaha", {"date_from": "0001-01-01", "date_to": "2026-01-01"}),
        ("posisi_keuangan", {"as_of": "0001-01-01"}),
        ("posisi_keuangan", {"as_of": "9999-12-31"}),
        ("posisi_keuangan", {"as_of": "9999-12-31", "format": "pdf"}),
    ],
)
def test_out_of_range_dates_give_a_message_not_a_server_error(
    client: Any, books: Koperasi, pengawas: Any, name: str, query: dict[str, str]
) -> None:
    client.force_login(pengawas)
    client.raise_request_exception = False
    response = client.get(url(name, books), query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    words = text(response)
    if "date_from" in query:
        assert "harus antara 1 Januari 1900 dan 31 Desember 2999." in words
    # The page still shows a statement, for the default dates.
    assert "Laporan Posisi Keuangan" in words or "Perhitungan Hasil Usaha" in words


def test_the_earliest_year_has_no_comparative_column(books: Koperasi) -> None:
    fs = reports.neraca(koperasi=books, as_of=dt.date(1900, 6, 30))
    assert not fs.has_previous
    assert all(r.previous is None for r in fs.rows)
    table = exports.statement_table(fs)
    assert [c.title for c in table.columns] == ["Kode", "Uraian", "30 Jun 1900"]


# --- helpers ----------------------------------------------------------------------------------


def get_file(client: Any, koperasi: Koperasi, name: str, fmt: str, **query: str) -> Any:
    response = client.get(url(name, koperasi), {**query, "format": fmt})
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return load_workbook(io.BytesIO(response.content)).active
