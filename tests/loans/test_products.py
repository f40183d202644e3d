"""Loan products and their dated terms: the services, the database's own rules, the roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.models import RoleMapping
from loans import selectors, services
from loans.models import LoanProduct, LoanProductTerms
from loans.services import LoansError
from registry.models import Koperasi
from tests.factories import loan_product, savings_products

D = Decimal
TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def books(koperasi: Koperasi, pengurus: Any) -> Koperasi:
    koperasi.business_date = TODAY
    koperasi.save(update_fields=["business_date"])
    ledger.chart_setup(koperasi=koperasi, actor=pengurus)
    return koperasi


def _terms(**extra: Any) -> dict[str, Any]:
    return {
        "method": "anuitas",
        "rate_percent": "1,5",
        "min_tenor": 6,
        "max_tenor": 24,
        "min_amount": "1.000.000",
        "max_amount": "20.000.000",
        **extra,
    }


def test_a_product_is_made_with_its_first_terms_and_defaults(
    books: Koperasi, pengurus: Any
) -> None:
    product = services.product_create(
        koperasi=books,
        actor=pengurus,
        code="pmb",
        name=" Modal  Usaha ",
        effective_from=TODAY,
        **_terms(),
    )
    assert (product.code, product.name) == ("PMB", "Modal Usaha")
    assert product.ledger_account.code == "1.1.03"
    t = product.terms.get()
    assert (t.method, t.rate_bp, t.rate_per, t.frequency) == ("anuitas", 150, "bulan", "bulanan")
    assert (t.min_amount, t.max_amount) == (D(1_000_000), D(20_000_000))
    # DOMAIN.md's defaults: 3 days' grace before denda, capped at the instalment, vertical.
    assert (t.denda_grace_days, t.denda_cap_bp, t.allocation) == (3, 10_000, "vertikal")
    assert t.accrues and t.prepayment_allowed and not t.excess_to_sukarela


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"min_tenor": 0}, "tidak boleh 0"),
        ({"rate_percent": "-1"}, "tidak boleh negatif"),
        ({"rate_percent": "12"}, "paling tinggi 10% per bulan"),
        ({"rate_percent": "1,555"}, "dua angka di belakang koma"),
        ({"max_tenor": 3}, "tidak boleh kurang dari yang terpendek"),
        ({"max_tenor": 121}, "paling lama 120 angsuran"),
        ({"min_amount": "0"}, "lebih dari nol"),
        ({"max_amount": "500.000"}, "tidak boleh kurang dari pinjaman terkecil"),
        ({"min_amount": "1.000.000,50"}, "rupiah penuh"),
        ({"provisi_kind": "persen", "provisi_percent": "11"}, "Provisi paling tinggi 10%"),
        ({"max_grace": 6}, "Masa tenggang"),
        ({"method": "bunga_berbunga"}, "tidak dikenal"),
        ({"saving_kind": "persen", "saving_percent": "5"}, "Pilih produk simpanan"),
    ],
)
def test_bad_terms_get_an_indonesian_message_and_nothing_is_saved(
    books: Koperasi, pengurus: Any, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(LoansError) as caught:
        services.product_create(
            koperasi=books,
            actor=pengurus,
            code="PX",
            name="X",
            effective_from=TODAY,
            **_terms(**extra),
        )
    assert message in " ".join(caught.value.messages)
    assert not LoanProduct.objects.exists() and not LoanProductTerms.objects.exists()


def test_a_code_is_unique_within_a_koperasi_only(
    books: Koperasi, other_koperasi: Koperasi, pengurus: Any
) -> None:
    loan_product(books, code="PU")
    with pytest.raises(LoansError, match="sudah dipakai"):
        services.product_create(
            koperasi=books,
            actor=pengurus,
            code="PU",
            name="Lagi",
            effective_from=TODAY,
            **_terms(),
        )
    assert loan_product(other_koperasi, code="PU").koperasi == other_koperasi


def test_new_terms_are_dated_carry_over_and_cannot_be_backdated(
    books: Koperasi, pengurus: Any
) -> None:
    product = loan_product(books, pengurus)
    later = TODAY + dt.timedelta(days=21)
    row = services.product_terms_set(
        product=product,
        actor=pengurus,
        effective_from=later,
        rate_percent="1,25",
        method="menurun",
    )
    assert (row.rate_bp, row.method, row.max_tenor, row.admin_amount) == (
        125,
        "menurun",
        36,
        D(25000),
    )
    before, after = (selectors.terms_in_force(product=product, on=d) for d in (TODAY, later))
    assert before is not None and before.rate_bp == 100
    assert after is not None and after.rate_bp == 125
    # The same date again replaces that row.
    services.product_terms_set(product=product, actor=pengurus, effective_from=later, max_tenor=48)
    assert product.terms.count() == 2
    assert product.terms.get(effective_from=later).max_tenor == 48
    with pytest.raises(LoansError, match="tidak boleh berlaku surut"):
        services.product_terms_set(
            product=product,
            actor=pengurus,
            effective_from=TODAY - dt.timedelta(days=1),
            rate_percent="2",
        )
    assert product.terms.count() == 2


def test_switching_a_fee_from_percent_to_fixed_clears_the_percent(
    books: Koperasi, pengurus: Any
) -> None:
    product = loan_product(books, pengurus)
    row = services.product_terms_set(
        product=product,
        actor=pengurus,
        effective_from=TODAY,
        provisi_kind="tetap",
        provisi_amount="50.000",
    )
    assert (row.provisi_kind, row.provisi_bp, row.provisi_amount) == ("tetap", 0, D(50_000))
    # Rp10.000.000: provisi Rp50.000 + administrasi Rp25.000.
    assert row.fees(D(10_000_000)) == D(75_000)


def test_compulsory_saving_goes_into_a_savings_product_of_the_same_koperasi(
    books: Koperasi, other_koperasi: Koperasi, pengurus: Any
) -> None:
    wajib = savings_products(books).wajib
    product = loan_product(
        books, pengurus, code="PS", saving_kind="persen", saving_percent="5", saving_product=wajib
    )
    assert product.terms.get().saving_product == wajib
    foreign = savings_products(other_koperasi).sukarela
    with pytest.raises(LoansError, match="koperasi lain"):
        services.product_terms_set(
            product=product, actor=pengurus, effective_from=TODAY, saving_product=foreign
        )
    with pytest.raises(LoansError, match="wajib atau sukarela"):
        services.product_terms_set(
            product=product,
            actor=pengurus,
            effective_from=TODAY,
            saving_product=savings_products(books).berjangka,
        )


def test_effective_rate_range_warns_above_24_percent(books: Koperasi, pengurus: Any) -> None:
    product = loan_product(books, pengurus)  # flat 1% a month, provisi 1%, admin Rp25.000
    terms = product.terms.get()
    found = selectors.effective_rate_range(terms=terms, start=TODAY)
    # Rp500.000 over 3 months pays Rp30.000 of fees out of the principal: far above the cap.
    assert found.high.annual_percent > 24 and found.warning is not None
    assert found.low.annual_percent < found.high.annual_percent
    plain = loan_product(
        books, pengurus, code="PA", method="anuitas", provisi_percent="0", admin_amount="0"
    )
    calm = selectors.effective_rate_range(terms=plain.terms.get(), start=TODAY)
    assert calm.warning is None and calm.high.annual_percent == D("12.00")


def test_simulation_compares_the_three_methods_for_one_loan(books: Koperasi, pengurus: Any) -> None:
    terms = loan_product(books, pengurus, provisi_percent="0", admin_amount="0").terms.get()
    sims = selectors.simulate_methods(terms=terms, amount=D(10_000_000), tenor=12, start=TODAY)
    assert [s.method for s in sims] == ["flat", "anuitas", "menurun"]
    assert [s.schedule.total_interest for s in sims] == [D(1_200_000), D(661_853), D(650_000)]
    assert sims[0].rate.annual_percent == D("21.46")


# --- the database's own rules, bypassing the services -----------------------------------------


def _raw(terms: LoanProductTerms, **values: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanProductTerms.objects.filter(pk=terms.pk).update(**values)


def test_the_database_refuses_terms_out_of_range(books: Koperasi, pengurus: Any) -> None:
    terms = loan_product(books, pengurus).terms.get()
    _raw(terms, min_tenor=0)
    _raw(terms, max_tenor=2)  # below min_tenor 3
    _raw(terms, rate_bp=1_001)  # above 10% a month
    _raw(terms, method="bunga")
    _raw(terms, min_amount=0)
    _raw(terms, max_amount=D(100_000))  # below min_amount
    _raw(terms, provisi_bp=1_001)
    _raw(terms, provisi_amount=D(5_000))  # a percent provisi with an amount as well
    _raw(terms, denda_cap_bp=10_001)
    _raw(terms, max_grace=3)  # leaves no repaying period on the shortest loan
    _raw(terms, saving_kind="persen")  # without a savings product
    # Weekly allows 520 instalments, monthly 120.
    _raw(terms, max_tenor=121)
    LoanProductTerms.objects.filter(pk=terms.pk).update(frequency="mingguan", max_tenor=520)
    with connection.cursor() as cursor:
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "UPDATE loans_loanproductterms SET rate_bp = -1 WHERE id = %s", [terms.pk]
            )


def test_the_database_refuses_a_second_product_code_in_one_koperasi(
    books: Koperasi, pengurus: Any
) -> None:
    product = loan_product(books, pengurus)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanProduct.objects.create(
            koperasi=books,
            code="PU",
            name="X",
            ledger_account=product.ledger_account,
            ledger_role="pinjaman_anggota",
        )


# --- ledger roles ----------------------------------------------------------------------------


LOAN_ROLES = {
    "pinjaman_anggota": "1.1.03",
    "penyisihan_pinjaman": "1.1.04",
    "bunga_pinjaman_diterima": "1.1.05",
    "pendapatan_jasa_pinjaman": "4.1.01",
    "pendapatan_provisi_admin": "4.1.03",
    "pendapatan_denda": "4.1.04",
    "pendapatan_pemulihan_pinjaman": "4.1.05",
    "beban_penyisihan_pinjaman": "5.1.02",
}


def test_a_new_chart_maps_every_role_loans_need(books: Koperasi) -> None:
    for role, code in LOAN_ROLES.items():
        assert ledger_selectors.account_for_role(koperasi=books, role=role).code == code


def test_the_migration_adds_the_loan_roles_to_an_existing_chart(books: Koperasi) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("ledger.migrations.0006_loan_roles")
    # A chart set up before loans: no 4.1.05 account, neither new role mapped.
    RoleMapping.objects.filter(
        koperasi=books, role__in=["bunga_pinjaman_diterima", "pendapatan_pemulihan_pinjaman"]
    ).delete()
    books.accounts.filter(code="4.1.05").delete()
    migration.add_loan_roles(apps, None)
    migration.add_loan_roles(apps, None)  # twice changes nothing
    for role, code in LOAN_ROLES.items():
        assert ledger_selectors.account_for_role(koperasi=books, role=role).code == code
    recovery = books.accounts.get(code="4.1.05")
    assert recovery.parent is not None
    assert (recovery.klass, recovery.normal_side, recovery.parent.code) == (
        "pendapatan",
        "kredit",
        "4.1",
    )
