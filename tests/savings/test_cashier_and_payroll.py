"""The kasir's day, bulk payroll deduction, and the rules the database holds by itself."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import xlsxwriter
from django.db import IntegrityError, transaction

from ledger.models import JournalEntry
from savings import services
from savings.models import Account, CashierSession, Kind, PayrollBatch, ProductTerms, Transaction
from tests.savings.books import assert_books_agree, gl, member_fields
from tests.savings.conftest import account

D = Decimal


def test_kasir_day_with_a_shortage(member, kasir):
    session = services.cashier_open(
        koperasi=member.koperasi, kasir=kasir, count="1.000.000", actor=kasir
    )
    with pytest.raises(services.SavingsError, match="masih terbuka"):
        services.cashier_open(koperasi=member.koperasi, kasir=kasir, count=0, actor=kasir)
    sukarela = account(member, Kind.SUKARELA)
    services.deposit(account=sukarela, amount=D("200000"), actor=kasir, session=session)
    services.withdraw(account=sukarela, amount=D("50000"), actor=kasir, session=session)
    assert services.session_expected(session) == D("1150000")
    with pytest.raises(services.SavingsError, match=r"selisih -Rp10\.000"):
        services.cashier_close(session=session, count=D("1140000"), actor=kasir)
    closed = services.cashier_close(
        session=session, count=D("1140000"), actor=kasir, note="Uang kembalian salah"
    )
    assert (closed.expected, closed.difference) == (D("1150000"), D("-10000"))
    assert gl(member.koperasi, "selisih_kas") == D("-10000")  # an expense (debit)
    with pytest.raises(services.SavingsError, match="Sesi kasir sudah ditutup"):
        services.deposit(account=sukarela, amount=D("1000"), actor=kasir, session=closed)
    assert_books_agree(member.koperasi)


def _members(koperasi, kasir, n):
    return [
        services.member_join(
            koperasi=koperasi, actor=kasir, **member_fields(f"Karyawan {i}", 100 + i)
        ).member
        for i in range(n)
    ]


CSV = """nomor_anggota;nama;SW;SS
{a};Karyawan 0;50000;100.000
{b};Karyawan 1;50000;
99999;Orang Asing;50000;25000
{c};Karyawan 2;50.000,5x;10000
"""


def test_payroll_csv_reports_every_bad_row_and_posts_nothing_unless_asked(products, kasir):
    koperasi = products.koperasi
    a, b, c = _members(koperasi, kasir, 3)
    content = CSV.format(a=a.number, b=b.number, c=c.number).encode()
    batch = services.payroll_preview(
        koperasi=koperasi, actor=kasir, filename="gaji-januari.csv", content=content
    )
    errors = [(e["row"], e["column"], e["code"], e["text"]) for e in batch.errors]
    assert errors == [
        (4, "A", "anggota_tidak_dikenal", "99999"),
        (5, "C", "jumlah_tidak_sah", "50.000,5x"),
    ]
    assert "tidak terdaftar" in batch.errors[0]["message"]
    assert [r["number"] for r in batch.rows] == [a.number, b.number]
    entries = JournalEntry.objects.count()
    with pytest.raises(services.SavingsError, match="Ada 2 kesalahan"):
        services.payroll_post(batch=batch, actor=kasir)
    assert JournalEntry.objects.count() == entries
    posted = services.payroll_post(batch=batch, actor=kasir, only_valid=True)
    assert posted.status == PayrollBatch.Status.POSTED
    assert posted.total == D("200000")
    assert Transaction.objects.filter(entry=posted.entry).count() == 3
    assert gl(koperasi, "bank") == D("-200000")
    assert account(a, Kind.SUKARELA).balance == D("100000")
    # Posting the same batch again changes nothing.
    services.payroll_post(batch=batch, actor=kasir, only_valid=True)
    assert JournalEntry.objects.count() == entries + 1
    assert_books_agree(koperasi)


def test_payroll_xlsx_numbers_are_read_exactly(products, kasir):
    koperasi = products.koperasi
    (a,) = _members(koperasi, kasir, 1)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("Potongan")
    sheet.write_row(0, 0, ["Daftar potong gaji PT Bajo"])
    sheet.write_row(2, 0, ["No Anggota", "Nama", "Simpanan Wajib", "SS"])
    sheet.write_row(3, 0, [a.number, "Karyawan 0", 50000, 125000.5])
    sheet.write_row(4, 0, [a.number + "X", "Salah", 50000, 1.005])
    book.close()
    batch = services.payroll_preview(
        koperasi=koperasi, actor=kasir, filename="gaji.xlsx", content=buffer.getvalue()
    )
    assert [(e["sheet"], e["row"], e["code"]) for e in batch.errors] == [
        ("Potongan", 5, "anggota_tidak_dikenal"),
        ("Potongan", 5, "jumlah_tidak_sah"),
    ]
    assert batch.rows[0]["amounts"] == {
        str(account(a, Kind.WAJIB).pk): "50000.00",
        str(account(a, Kind.SUKARELA).pk): "125000.50",
    }


# --- database-held rules: each goes around Python ------------------------------------------------


def test_database_refuses_a_balance_below_the_floor(member):
    sukarela = account(member, Kind.SUKARELA)
    assert sukarela.floor == D("10000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=sukarela.pk).update(balance=D("9999"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account(member, Kind.POKOK).pk).update(balance=D("-1"))


def test_database_refuses_closing_an_account_with_money_in_it(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account(member, Kind.SUKARELA).pk).update(
            status="ditutup", closed_on=dt.date(2025, 1, 20), floor=0
        )


def test_database_refuses_editing_or_deleting_a_movement(member):
    tx = Transaction.objects.filter(account__member=member).first()
    assert tx is not None
    with pytest.raises(Exception, match="tidak dapat diubah"), transaction.atomic():
        Transaction.objects.filter(pk=tx.pk).update(amount=D("1"))
    with pytest.raises(Exception, match="tidak dapat diubah"), transaction.atomic():
        Transaction.objects.filter(pk=tx.pk).delete()


def test_database_refuses_a_rate_above_nine_percent_or_a_negative_cash_count(products, kasir):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductTerms.objects.filter(product=products.ss).update(rate_bp=901)
    with pytest.raises(IntegrityError), transaction.atomic():
        CashierSession.objects.create(
            koperasi=products.koperasi,
            kasir=kasir,
            business_date=dt.date(2025, 1, 1),
            opening_count=D("-1"),
        )
