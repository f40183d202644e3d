"""The member page shows that member's savings accounts (and nobody else's)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member
from registry.models import Koperasi
from savings import services
from savings.models import Account, Product
from tests.factories import savings_products
from tests.savings.books import member_fields


def join(koperasi: Koperasi, actor: Any, name: str, serial: int, sukarela: str) -> Member:
    """A member who joined paying pokok Rp100.000 and ``sukarela`` into sukarela."""
    return services.member_join(
        koperasi=koperasi,
        actor=actor,
        sukarela_paid=Decimal(sukarela),
        **member_fields(name, serial),
    ).member


@pytest.fixture
def savers(koperasi: Koperasi, pengurus: Any, kasir: Any) -> tuple[Member, Member]:
    """Rina (sukarela Rp500.000) and Yuliana (sukarela Rp750.000), joined on 15 January 2025."""
    koperasi.business_date = dt.date(2025, 1, 15)
    koperasi.save(update_fields=["business_date"])
    savings_products(koperasi, pengurus)
    return (
        join(koperasi, kasir, "Rina Jehamat", 1, "500000"),
        join(koperasi, kasir, "Yuliana Jampur", 2, "750000"),
    )


def detail(client: Any, member: Member) -> str:
    url = reverse("members:detail", kwargs={"kode": member.koperasi.code, "member_id": member.pk})
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def account_url(account: Account) -> str:
    return reverse(
        "savings:account",
        kwargs={"kode": account.koperasi.code, "savings_account_id": account.pk},
    )


def test_member_page_lists_own_accounts_with_balances(
    client: Any, kasir: Any, savers: tuple[Member, Member]
) -> None:
    rina, yuliana = savers
    client.force_login(kasir)
    page = detail(client, rina)
    accounts = list(Account.objects.filter(member=rina))
    assert {a.kind for a in accounts} == {"pokok", "wajib", "sukarela"}
    for a in accounts:
        assert f'data-account="{a.number}"' in page
        assert account_url(a) in page
    assert "Simpanan Sukarela" in page
    assert "Rp500.000,00" in page  # sukarela
    assert "Rp100.000,00" in page  # pokok
    code = rina.koperasi.code
    assert reverse("savings:member", kwargs={"kode": code, "member_id": rina.pk}) in page
    assert reverse("savings:counter_member", kwargs={"kode": code, "member_id": rina.pk}) in page
    # Yuliana's accounts are not Rina's.
    for a in Account.objects.filter(member=yuliana):
        assert a.number not in page
        assert account_url(a) not in page
    assert "Rp750.000" not in page


def test_counter_link_only_for_the_kasir(
    client: Any, pengurus: Any, pengawas: Any, savers: tuple[Member, Member]
) -> None:
    rina, _yuliana = savers
    counter = reverse(
        "savings:counter_member", kwargs={"kode": rina.koperasi.code, "member_id": rina.pk}
    )
    for user in (pengurus, pengawas):
        client.force_login(user)
        page = detail(client, rina)
        assert "Rp500.000,00" in page
        assert counter not in page


def test_accounts_and_products_read_in_one_query(
    client: Any, kasir: Any, savers: tuple[Member, Member]
) -> None:
    rina, _yuliana = savers
    client.force_login(kasir)
    detail(client, rina)  # warm the per-request caches the page does not own
    tables = (Account._meta.db_table, Product._meta.db_table)
    with CaptureQueriesContext(connection) as queries:
        detail(client, rina)
    reads = [q["sql"] for q in queries if any(f'"{t}"' in q["sql"] for t in tables)]
    assert len(reads) == 1, reads
