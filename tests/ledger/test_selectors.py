"""Reads for the ledger pages: journal filters, an entry, the general ledger, the statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ledger.models import JournalEntry
from ledger.selectors import (
    entry_get,
    general_ledger,
    journal_entries,
    perhitungan_hasil_usaha,
    posisi_keuangan,
    trial_balance,
)
from ledger.services import LedgerError, Line, period_close, post, reverse

D = Decimal


@pytest.fixture
def march(books: Any, acc: Any, kasir: Any) -> dict[str, JournalEntry]:
    """A small month: members pay in savings, a loan goes out and one instalment comes back."""

    def book(day: int, memo: str, kind: str, *lines: Line, source: str = "") -> JournalEntry:
        return post(
            koperasi=books,
            lines=list(lines),
            kind=kind,
            memo=memo,
            actor=kasir,
            value_date=dt.date(2026, 3, day),
            source=source,
        )

    return {
        "pokok": book(
            1,
            "Simpanan pokok 20 anggota",
            "savings.pokok",
            Line(acc.kas, debit=D("2000000")),
            Line(acc.pokok, credit=D("2000000")),
        ),
        "sukarela": book(
            2,
            "Setoran sukarela",
            "savings.deposit",
            Line(acc.kas, debit=D("15000000")),
            Line(acc.sukarela, credit=D("15000000")),
            source="savings.Transaction:7",
        ),
        "cair": book(
            5,
            "Pencairan pinjaman P-0001",
            "loans.disbursement",
            Line(acc.pinjaman, debit=D("10000000")),
            Line(acc.kas, credit=D("10000000")),
        ),
        "angsuran": book(
            12,
            "Angsuran ke-1 P-0001",
            "loans.repayment",
            Line(acc.kas, debit=D("933333")),
            Line(acc.pinjaman, credit=D("833333")),
            Line(acc.jasa, credit=D("100000")),
        ),
        "bunga": book(
            14,
            "Bunga simpanan",
            "manual",  # reversed below: a savings.* entry is undone by its void instead
            Line(acc.beban_bunga, debit=D("45000")),
            Line(acc.sukarela, credit=D("45000")),
        ),
    }


def test_journal_filters(books, march, acc):
    def numbers(**filters: Any) -> list[str]:
        return [e.number for e in journal_entries(koperasi=books, **filters)]

    assert numbers() == [f"JU/2026/00000{n}" for n in (5, 4, 3, 2, 1)]
    assert numbers(kind="loans.repayment") == ["JU/2026/000004"]
    assert numbers(date_from=dt.date(2026, 3, 5), date_to=dt.date(2026, 3, 12)) == [
        "JU/2026/000004",
        "JU/2026/000003",
    ]
    assert numbers(account=acc.pinjaman) == ["JU/2026/000004", "JU/2026/000003"]
    assert numbers(search="P-0001") == ["JU/2026/000004", "JU/2026/000003"]
    assert numbers(source="savings.Transaction:") == ["JU/2026/000002"]


def test_entry_detail_is_per_koperasi(books, other_books, march, kasir):
    undo = reverse(entry=march["bunga"], actor=kasir, memo="Bunga salah hitung")
    entry = entry_get(koperasi=books, pk=march["bunga"].pk)
    assert [(p.account.code, p.amount) for p in entry.postings.all()] == [
        ("5.1.01", D("45000")),
        ("2.1.01", D("-45000")),
    ]
    assert [r.pk for r in entry.reversals.all()] == [undo.pk]
    with pytest.raises(JournalEntry.DoesNotExist):
        entry_get(koperasi=other_books, pk=march["bunga"].pk)


def test_general_ledger_of_cash_with_running_balance(books, march, acc, kasir):
    post(
        koperasi=books,
        lines=[Line(acc.kas, debit=D("500000")), Line(acc.sukarela, credit=D("500000"))],
        kind="savings.deposit",
        memo="Setoran Februari",
        actor=kasir,
        value_date=dt.date(2026, 2, 20),
    )
    gl = general_ledger(
        koperasi=books, account=acc.kas, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)
    )
    assert gl.opening == D("500000")
    assert [(r.entry.number, r.debit, r.credit, r.running) for r in gl.rows] == [
        ("JU/2026/000001", D("2000000"), 0, D("2500000")),
        ("JU/2026/000002", D("15000000"), 0, D("17500000")),
        ("JU/2026/000003", 0, D("10000000"), D("7500000")),
        ("JU/2026/000004", D("933333"), 0, D("8433333")),
    ]
    assert gl.closing == D("8433333")
    assert (gl.total_debit, gl.total_credit) == (D("17933333"), D("10000000"))


def test_general_ledger_refuses_another_koperasis_account(books, other_books, acc):
    with pytest.raises(LedgerError):
        general_ledger(
            koperasi=other_books,
            account=acc.kas,
            date_from=dt.date(2026, 3, 1),
            date_to=dt.date(2026, 3, 31),
        )


def test_trial_balance_as_of_a_date(books, march):
    rows = {r.account.code: r for r in trial_balance(koperasi=books, as_of=dt.date(2026, 3, 5))}
    assert rows["1.1.01"].debit == D("7000000")
    assert rows["1.1.03"].debit == D("10000000")
    assert rows["2.1.01"].credit == D("15000000")
    assert rows["3.1.01"].credit == D("2000000")
    assert sum(r.debit for r in rows.values()) == sum(r.credit for r in rows.values())


def test_neraca_balances_and_shows_unclosed_shu(books, march, pengurus):
    period_close(koperasi=books, year=2026, month=2, actor=pengurus)
    neraca = posisi_keuangan(koperasi=books, as_of=dt.date(2026, 3, 31))
    aset, liabilitas, ekuitas = neraca.sections
    assert aset.total == D("2000000") + D("15000000") - D("10000000") + D("933333") + D(
        "10000000"
    ) - D("833333")
    assert liabilitas.total == D("15045000")
    assert ekuitas.total == D("2000000")
    assert neraca.figures["shu_belum_ditutup"] == D("55000")  # 100.000 jasa − 45.000 bunga
    assert neraca.figures["total_aset"] == neraca.figures["total_liabilitas_ekuitas"]
    lines = {line.account.code: (line.depth, line.amount) for line in aset.lines}
    assert lines["1"] == (0, aset.total)
    assert lines["1.1.01"] == (2, D("7933333"))
    assert "1.2" not in lines  # fixed assets: nothing there, left out


def test_perhitungan_hasil_usaha_for_a_range(books, march):
    phu = perhitungan_hasil_usaha(
        koperasi=books, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)
    )
    pendapatan, beban = phu.sections
    assert pendapatan.total == D("100000") and beban.total == D("45000")
    assert phu.figures["shu"] == D("55000")
    early = perhitungan_hasil_usaha(
        koperasi=books, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 12)
    )
    assert early.figures == {
        "total_pendapatan": D("100000"),
        "total_beban": D("0"),
        "shu": D("100000"),
    }
    with pytest.raises(LedgerError, match="Tanggal awal"):
        perhitungan_hasil_usaha(
            koperasi=books, date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 3, 1)
        )


def test_neraca_keeps_last_years_shu_apart_from_this_years(books, march, acc, kasir):
    """Jasa Rp70.000 earned in December 2025 is last year's SHU (until the RAT divides it);
    March 2026's jasa − bunga (Rp55.000) is this year's. Both sit in equity."""
    post(
        koperasi=books,
        lines=[Line(acc.kas, debit=D("70000")), Line(acc.jasa, credit=D("70000"))],
        kind="loans.interest",
        memo="Jasa Desember",
        actor=kasir,
        value_date=dt.date(2025, 12, 20),
    )
    neraca = posisi_keuangan(koperasi=books, as_of=dt.date(2026, 3, 31))
    assert neraca.figures["shu_tahun_lalu"] == D("70000")
    assert neraca.figures["shu_tahun_berjalan"] == D("55000")
    assert neraca.figures["shu_belum_ditutup"] == D("125000")
    assert neraca.figures["total_aset"] == neraca.figures["total_liabilitas_ekuitas"]
    # At the end of 2025 all of it was that year's.
    december = posisi_keuangan(koperasi=books, as_of=dt.date(2025, 12, 31))
    assert december.figures["shu_tahun_berjalan"] == D("70000")
    assert december.figures["shu_tahun_lalu"] == 0
