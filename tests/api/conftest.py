"""KSP Sinar Bajo at the counter, for the API: Rina (a member with sukarela Rp500.000), a kasir
with an open cash session, and bearer tokens issued the way a phone gets them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from api import services as api_services
from members.models import Member
from registry.models import Koperasi
from savings import services
from tests.savings.books import member_fields
from tests.savings.conftest import BUSINESS_DATE, Products, make_products

D = Decimal


@pytest.fixture
def books(koperasi: Koperasi, pengurus: Any) -> Koperasi:
    from ledger import services as ledger

    koperasi.business_date = BUSINESS_DATE
    koperasi.save(update_fields=["business_date"])
    ledger.chart_setup(koperasi=koperasi, actor=pengurus)
    return koperasi


@pytest.fixture
def products(books: Koperasi, pengurus: Any) -> Products:
    return make_products(books, pengurus)


@pytest.fixture
def member(products: Products, kasir: Any) -> Member:
    result = services.member_join(
        koperasi=products.koperasi,
        actor=kasir,
        sukarela_paid=D("500000"),
        **member_fields("Rina Jehamat", 1),
    )
    return result.member


@pytest.fixture
def session(member: Member, kasir: Any) -> Any:
    return services.cashier_open(
        koperasi=member.koperasi, kasir=kasir, count=D("10000000"), actor=kasir
    )


def staff_token(user: Any, koperasi: Koperasi) -> str:
    raw, _token = api_services.token_create(koperasi=koperasi, user=user, device="uji")
    return raw


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def kasir_auth(kasir: Any, books: Koperasi) -> dict[str, str]:
    return bearer(staff_token(kasir, books))


def day(y: int, m: int, d: int) -> dt.date:
    return dt.date(y, m, d)
