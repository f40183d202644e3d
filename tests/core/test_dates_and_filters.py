"""Business date, WITA, and the template filters pages use for amounts, dates and NIK."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core import dates
from core.money import InvalidAmount

# 23:30 UTC on 31 December is already New Year's Day in Labuan Bajo (WITA, UTC+8).
NEW_YEAR_UTC = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)


@pytest.fixture
def new_years_night(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NEW_YEAR_UTC)


def test_today_is_the_date_in_wita(new_years_night: None) -> None:
    assert dates.local_today() == dt.date(2026, 1, 1)
    assert dates.local_today("Asia/Jakarta") == dt.date(2026, 1, 1)
    assert dates.local_today("UTC") == dt.date(2025, 12, 31)


def test_business_date_is_the_koperasis_own_until_it_has_one(new_years_night: None) -> None:
    assert dates.business_date(SimpleNamespace(business_date=dt.date(2025, 12, 30))) == dt.date(
        2025, 12, 30
    )
    never_closed = SimpleNamespace(business_date=None, timezone="Asia/Makassar")
    assert dates.business_date(never_closed) == dt.date(2026, 1, 1)
    in_jakarta_time = SimpleNamespace(business_date=None, timezone="Asia/Jakarta")
    assert dates.business_date(in_jakarta_time) == dt.date(2026, 1, 1)
    assert dates.business_date(SimpleNamespace(business_date=None, timezone="UTC")) == dt.date(
        2025, 12, 31
    )


def test_tanggal_is_always_indonesian() -> None:
    assert dates.tanggal(dt.date(2022, 3, 22)) == "22 Maret 2022"
    with translation.override("en"):
        assert dates.tanggal(dt.date(2022, 8, 1)) == "1 Agustus 2022"


def render(source: str, **context: Any) -> str:
    return Template("{% load kopdig %}" + source).render(Context(context))


def test_rupiah_and_terbilang_filters() -> None:
    assert render("{{ a|rupiah }}", a=Decimal("1500000")) == "Rp1.500.000"
    assert render("{{ a|rupiah:True }}", a=Decimal("1500000.5")) == "Rp1.500.000,50"
    assert render("{{ a|rupiah }}", a=None) == ""
    assert render("{{ a|terbilang }}", a=Decimal("1500000")) == "satu juta lima ratus ribu rupiah"
    with pytest.raises(InvalidAmount):
        render("{{ a|rupiah }}", a=1500000.0)


def test_tanggal_filter_follows_the_language_and_wita() -> None:
    with translation.override("id"):
        assert render("{{ d|tanggal }}", d=dt.date(2022, 3, 22)) == "22 Maret 2022"
        assert render("{{ d|tanggal }}", d=NEW_YEAR_UTC) == "1 Januari 2026"
    with translation.override("en"):
        assert render("{{ d|tanggal }}", d=dt.date(2022, 3, 22)) == "22 March 2022"
    assert render("{{ d|tanggal }}", d=None) == ""


def test_nik_mask_filter() -> None:
    assert render("{{ n|nik_mask }}", n="5315010101900001") == "5315•••••••••001"
