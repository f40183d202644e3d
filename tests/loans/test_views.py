"""The loan product pages: list, new product, terms history, simulator, roles, isolation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ledger import services as ledger
from loans.models import LoanProduct
from registry.models import Koperasi
from tests import isolation
from tests.factories import loan_product

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def books(koperasi: Koperasi, pengurus: Any) -> Koperasi:
    koperasi.business_date = TODAY
    koperasi.save(update_fields=["business_date"])
    ledger.chart_setup(koperasi=koperasi, actor=pengurus)
    return koperasi


def _url(name: str, koperasi: Koperasi, **kwargs: Any) -> str:
    return reverse(f"loans:{name}", kwargs={"kode": koperasi.code, **kwargs})


def _form(**extra: str) -> dict[str, str]:
    return {
        "code": "PMB",
        "name": "Pinjaman Modal Bakulan",
        "effective_from": "2026-03-10",
        "method": "anuitas",
        "rate_percent": "1,5",
        "rate_per": "bulan",
        "frequency": "mingguan",
        "min_tenor": "10",
        "max_tenor": "50",
        "max_grace": "0",
        "min_amount": "500.000",
        "max_amount": "5.000.000",
        "provisi_kind": "persen",
        "provisi_percent": "1",
        "admin_kind": "tetap",
        "admin_amount": "10.000",
        "denda_per": "hari",
        "denda_kind": "persen",
        "denda_percent": "0,1",
        "denda_grace_days": "3",
        "denda_cap_percent": "100",
        "allocation": "vertikal",
        "prepayment_allowed": "on",
        "accrues": "on",
        **extra,
    }


def test_pengurus_makes_a_weekly_product_through_the_page(
    client: Any, books: Koperasi, pengurus: Any
) -> None:
    client.force_login(pengurus)
    page = client.get(_url("product_create", books))
    assert page.status_code == 200
    response = client.post(_url("product_create", books), _form())
    product = LoanProduct.objects.get(koperasi=books, code="PMB")
    assert response.status_code == 302
    t = product.terms.get()
    assert (t.method, t.frequency, t.rate_bp, t.max_tenor) == ("anuitas", "mingguan", 150, 50)
    assert (t.denda_bp, t.denda_cap_bp, t.admin_amount) == (10, 10_000, Decimal(10_000))
    listing = client.get(_url("home", books)).content.decode()
    assert "Pinjaman Modal Bakulan" in listing and "Bunga efektif setahun" in listing


def test_a_tenor_of_zero_on_the_page_gets_a_message_and_makes_nothing(
    client: Any, books: Koperasi, pengurus: Any
) -> None:
    client.force_login(pengurus)
    response = client.post(_url("product_create", books), _form(min_tenor="0"))
    assert response.status_code == 400
    assert "tidak boleh 0" in response.content.decode()
    assert not LoanProduct.objects.exists()


def test_the_product_page_shows_the_effective_rate_and_warns_above_the_cap(
    client: Any, books: Koperasi, kasir: Any
) -> None:
    # Flat 2% a month: 12 × the monthly IRR is far above 24%.
    product = loan_product(books, code="PK", rate_percent="2")
    client.force_login(kasir)
    page = client.get(_url("product", books, loan_product_id=product.pk)).content.decode()
    assert "Bunga efektif setahun" in page
    assert "di atas batas 24% setahun" in page
    # The kasir reads but does not set terms.
    assert "Simpan ketentuan" not in page
    response = client.post(
        _url("product", books, loan_product_id=product.pk), {"effective_from": "2026-04-01"}
    )
    assert response.status_code == 403


def test_the_simulator_shows_the_worked_example_side_by_side(
    client: Any, books: Koperasi, pengurus: Any
) -> None:
    product = loan_product(books, provisi_percent="0", admin_amount="0")
    client.force_login(pengurus)
    page = client.get(
        _url("product", books, loan_product_id=product.pk),
        {"jumlah": "10.000.000", "tenor": "12"},
    ).content.decode()
    for figure in ("Rp933.337", "Rp888.485", "Rp841.670", "Rp1.200.000", "Rp661.853"):
        assert figure in page
    assert "21,46%" in page  # flat 1% a month, 12 × IRR
    outside = client.get(
        _url("product", books, loan_product_id=product.pk), {"jumlah": "100", "tenor": "12"}
    )
    assert outside.status_code == 400
    assert "Di luar batas pinjaman" in outside.content.decode()


def test_new_terms_through_the_page_join_the_history(
    client: Any, books: Koperasi, pengurus: Any
) -> None:
    product = loan_product(books)
    client.force_login(pengurus)
    url = _url("product", books, loan_product_id=product.pk)
    assert client.get(url).status_code == 200
    data = _form(
        effective_from="2026-04-01", method="flat", frequency="bulanan", rate_percent="1,25"
    )
    data.update(min_tenor="3", max_tenor="36")
    response = client.post(url, data)
    assert response.status_code == 302
    assert list(product.terms.values_list("rate_bp", flat=True)) == [125, 100]
    backdated = client.post(
        url, {**{k: str(v) for k, v in data.items()}, "effective_from": "2026-03-01"}
    )
    assert backdated.status_code == 400
    assert "tidak boleh berlaku surut" in backdated.content.decode()


def test_another_koperasis_product_is_not_found(
    client: Any, books: Koperasi, other_koperasi: Koperasi, pengurus: Any
) -> None:
    foreign = loan_product(other_koperasi)
    client.force_login(pengurus)
    assert client.get(_url("product", books, loan_product_id=foreign.pk)).status_code == 404
    assert "loan_product_id" in isolation.OBJECT_MAKERS
