from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ledger import services
from ledger.models import Account
from ledger.selectors import account_for_role
from registry.models import Koperasi

BUSINESS_DATE = dt.date(2026, 3, 16)


@pytest.fixture
def books(koperasi: Koperasi, pengurus: Any) -> Koperasi:
    """KSP Sinar Bajo with the KSP chart, on business date 16 March 2026."""
    koperasi.business_date = BUSINESS_DATE
    koperasi.save(update_fields=["business_date"])
    services.chart_setup(koperasi=koperasi, actor=pengurus)
    return koperasi


@pytest.fixture
def other_books(other_koperasi: Koperasi, pengurus: Any) -> Koperasi:
    other_koperasi.business_date = BUSINESS_DATE
    other_koperasi.save(update_fields=["business_date"])
    services.chart_setup(koperasi=other_koperasi, actor=pengurus)
    return other_koperasi


class Accounts:
    """The accounts of a koperasi by role, for writing examples: ``acc.kas``."""

    def __init__(self, koperasi: Koperasi) -> None:
        self._koperasi = koperasi

    def __getattr__(self, role: str) -> Account:
        names = {
            "kas": "kas",
            "bank": "bank",
            "pinjaman": "pinjaman_anggota",
            "jasa": "pendapatan_jasa_pinjaman",
            "denda": "pendapatan_denda",
            "sukarela": "simpanan_sukarela",
            "pokok": "simpanan_pokok",
            "wajib": "simpanan_wajib",
            "beban_bunga": "beban_bunga_simpanan",
            "migrasi": "kliring_migrasi",
        }
        return account_for_role(koperasi=self._koperasi, role=names.get(role, role))


@pytest.fixture
def acc(books: Koperasi) -> Accounts:
    return Accounts(books)
