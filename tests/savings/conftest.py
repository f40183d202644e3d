from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ledger import services as ledger
from members.models import Member
from registry.models import Koperasi
from savings import services
from savings.models import Account, Product
from tests.factories import savings_products
from tests.savings.books import member_fields

D = Decimal
# A Wednesday in the middle of January: month end is 31 January 2025.
BUSINESS_DATE = dt.date(2025, 1, 15)


@pytest.fixture
def books(koperasi: Koperasi, pengurus: Any) -> Koperasi:
    """KSP Sinar Bajo with the KSP chart, on business date 15 January 2025."""
    koperasi.business_date = BUSINESS_DATE
    koperasi.save(update_fields=["business_date"])
    ledger.chart_setup(koperasi=koperasi, actor=pengurus)
    return koperasi


class Products:
    def __init__(self, koperasi: Koperasi) -> None:
        self.koperasi = koperasi

    def __getattr__(self, code: str) -> Product:
        product = Product.objects.filter(koperasi=self.koperasi, code=code.upper()).first()
        if product is None:
            raise AttributeError(code)
        return product


def make_products(koperasi: Koperasi, actor: Any) -> Products:
    """The usual KSP set (tests.factories.savings_products): pokok Rp100.000, wajib Rp50.000 a
    month, sukarela 3% daily with a Rp10.000 minimum, berjangka 6% for 3/6/12 months with a 10%
    penalty on interest."""
    savings_products(koperasi, actor)
    return Products(koperasi)


@pytest.fixture
def products(books: Koperasi, pengurus: Any) -> Products:
    return make_products(books, pengurus)


@pytest.fixture
def member(products: Products, kasir: Any) -> Member:
    """Rina, joined today paying pokok Rp100.000 and Rp500.000 into sukarela."""
    result = services.member_join(
        koperasi=products.koperasi,
        actor=kasir,
        sukarela_paid=D("500000"),
        **member_fields("Rina Jehamat", 1),
    )
    return result.member


def account(member: Member, kind: str) -> Account:
    return Account.objects.get(member=member, kind=kind, status=Account.Status.AKTIF)
