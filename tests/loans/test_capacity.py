"""Repayment capacity (kemampuan bayar): the proposed instalment against the share of the
member's declared income the koperasi allows, less the instalments of their running loans.
Above it the application is entered with a warning the approver sees, not refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from loans import services
from loans.models import Loan
from registry.models import Koperasi
from tests.factories import MemberFactory, disbursed_loan, loan_product, savings_products
from tests.loans.life import D, move_to

START = dt.date(2025, 1, 15)


@pytest.fixture
def kop(koperasi: Koperasi) -> Koperasi:
    move_to(koperasi, START)
    savings_products(koperasi)
    loan_product(koperasi)
    return koperasi


def _apply(kop: Koperasi, member: Any, actor: Any, **kw: Any) -> Loan:
    return services.loan_apply(
        koperasi=kop,
        member=member,
        product=loan_product(kop),
        principal=10_000_000,
        tenor=12,
        actor=actor,
        **kw,
    )


def test_the_instalment_against_a_third_of_the_income_less_other_loans(
    kop: Koperasi, kasir: Any
) -> None:
    member = MemberFactory.create(koperasi=kop)
    # Flat 1% a month, Rp10.000.000 over 12: Rp933.333 a month, the last Rp933.337.
    fits = services.capacity_of(_apply(kop, member, kasir, income="3.000.000"))
    assert fits is not None
    assert (fits.limit, fits.existing, fits.proposed) == (D(999_900), D(0), D(933_337))
    assert not fits.over
    # Once a Rp5.000.000 loan runs (Rp466.666 a month), the same application is too much.
    disbursed_loan(kop, member=member, principal=5_000_000)
    assert services.instalments_of(member) == D(466_666)
    loan = _apply(kop, member, kasir, income=D(3_000_000))
    capacity = services.capacity_of(loan)
    assert capacity is not None and capacity.over
    assert capacity.available == D(999_900 - 466_666)
    assert "di atas kemampuan bayar" in capacity.message()
    assert "Rp533.234" in capacity.message()
    # Entered anyway, with the income and the warning in the audit trail.
    assert loan.status == "diajukan" and loan.declared_income == D(3_000_000)
    event = AuditEvent.objects.filter(action="loans.apply").order_by("-pk").first()
    assert event is not None and event.after is not None
    assert event.after["above_capacity"] is True
    # No income declared: no capacity to compare.
    assert services.capacity_of(_apply(kop, member, kasir)) is None
    # Bad income: an Indonesian message, nothing entered.
    before = Loan.objects.count()
    with pytest.raises(services.LoansError) as err:
        _apply(kop, member, kasir, income="tiga juta")
    assert "Penghasilan sebulan" in str(err.value.messages[0])
    assert Loan.objects.count() == before


def test_a_weekly_instalment_counts_52_over_12_times_a_month(kop: Koperasi, kasir: Any) -> None:
    product = loan_product(
        kop,
        code="PM",
        method="menurun",
        frequency="mingguan",
        rate_percent=D("24"),
        rate_per="tahun",
        min_tenor=10,
        max_tenor=52,
    )
    member = MemberFactory.create(koperasi=kop)
    loan = services.loan_apply(
        koperasi=kop,
        member=member,
        product=product,
        principal=1_000_000,
        tenor=10,
        actor=kasir,
        income=2_000_000,
    )
    capacity = services.capacity_of(loan)
    # Menurun: the first instalment is the largest, Rp100.000 + 24%/52 of Rp1.000.000.
    assert capacity is not None and capacity.proposed == (D(104_615) * 52 / 12).quantize(D(1))


def test_the_pages_show_the_capacity_and_warn_above_it(
    kop: Koperasi, kasir: Any, pengurus: Any
) -> None:
    member = MemberFactory.create(koperasi=kop, full_name="Yohanes Jehaut")
    disbursed_loan(kop, member=member, principal=5_000_000)
    c = Client()
    c.force_login(kasir)
    url = reverse("loans:loan_apply", kwargs={"kode": kop.code})
    page = c.get(url, {"member": member.pk}).content.decode()
    assert "Angsuran pinjaman berjalan sebulan" in page and "Rp466.666" in page
    assert "33,33%" in page
    response = c.post(
        url,
        {
            "member": member.pk,
            "product": loan_product(kop).pk,
            "principal": "10.000.000",
            "tenor": "12",
            "income": "3.000.000",
            "collateral": "BPKB",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "di atas kemampuan bayar" in text
    loan = Loan.objects.get(member=member, status="diajukan")
    assert 'data-capacity="over"' in text
    p = Client()
    p.force_login(pengurus)
    queue = p.get(reverse("loans:approvals", kwargs={"kode": kop.code})).content.decode()
    assert loan.number in queue and 'data-capacity="over"' in queue
