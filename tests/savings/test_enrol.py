"""One way to register a member: from the Anggota page the member gets the same accounts as
joining at the counter, and owes the simpanan pokok until the kasir takes it."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from core.models import AuditEvent
from ledger.models import JournalEntry
from members import services as members
from members.models import Member
from savings import services
from savings.models import Account, Kind, Obligation
from tests.savings.books import assert_books_agree, gl, member_fields
from tests.savings.conftest import account

D = Decimal
repair = importlib.import_module("savings.migrations.0011_repair_members_without_accounts").repair


def _page_data(**extra: Any) -> dict[str, str]:
    data = {
        "full_name": "Maria Goreti Nanur",
        "nik": "5315055708920003",
        "birth_date": "1992-08-17",
        "gender": "P",
        "phone": "081234500077",
        "address": "",
        "desa": "",
        "occupation": "",
        "heir_name": "",
        "heir_relation": "",
        "join_date": "2025-01-15",
        "number": "",
    }
    data.update(extra)
    return data


def test_registered_on_the_anggota_page_has_accounts_and_owes_pokok(
    client: Any, products: Any, pengurus: Any
) -> None:
    koperasi = products.koperasi
    client.force_login(pengurus)
    response = client.post(
        reverse("savings:member_register", kwargs={"kode": koperasi.code}), _page_data()
    )
    assert response.status_code == 302
    member = Member.objects.get(full_name="Maria Goreti Nanur")
    kinds = sorted(member.savings_accounts.values_list("kind", flat=True))
    assert kinds == [Kind.POKOK, Kind.SUKARELA, Kind.WAJIB]
    charge = Obligation.objects.get(member=member)
    assert (charge.kind, charge.amount, charge.paid) == ("pokok", D("100000"), D("0"))
    # Nothing paid, nothing booked: pokok is booked when the kasir takes it.
    assert not JournalEntry.objects.filter(kind__startswith="savings.member").exists()
    assert AuditEvent.objects.filter(action="savings.member_enrol").count() == 1


def test_then_the_counter_takes_the_pokok_and_offers_no_more(
    client: Any, products: Any, kasir: Any
) -> None:
    koperasi = products.koperasi
    result = services.member_enrol(
        koperasi=koperasi, actor=kasir, **member_fields("Maria Nanur", 7)
    )
    pokok = account(result.member, Kind.POKOK)
    client.force_login(kasir)
    kode = koperasi.code
    client.post(reverse("savings:session_open", kwargs={"kode": kode}), {"count": "500.000"})
    page = client.get(
        reverse("savings:counter_member", kwargs={"kode": kode, "member_id": result.member.pk})
    ).content.decode()
    deposit_url = reverse("savings:deposit", kwargs={"kode": kode, "savings_account_id": pokok.pk})
    assert deposit_url in page
    response = client.post(deposit_url, {"amount": "100.000", "idempotency_key": "pokok-1"})
    assert response.status_code == 302
    pokok.refresh_from_db()
    assert pokok.balance == D("100000")
    assert Obligation.objects.get(account=pokok).settled_on is not None
    # Cash +100.000, simpanan pokok −100.000 (credit-positive: 100.000).
    assert gl(koperasi, "simpanan_pokok") == D("100000")
    assert_books_agree(koperasi)
    page = client.get(
        reverse("savings:counter_member", kwargs={"kode": kode, "member_id": result.member.pk})
    ).content.decode()
    assert deposit_url not in page  # a paid-up pokok offers no deposit
    assert "lunas" in page


def test_no_products_no_member(client: Any, books: Any, pengurus: Any) -> None:
    client.force_login(pengurus)
    response = client.post(
        reverse("savings:member_register", kwargs={"kode": books.code}), _page_data()
    )
    assert response.status_code == 400
    assert "belum punya produk simpanan pokok" in response.content.decode()
    assert not Member.objects.exists()


def test_repair_gives_bare_members_their_accounts_once(products: Any, kasir: Any) -> None:
    koperasi = products.koperasi
    bare, _warnings = members.member_register(
        koperasi=koperasi, actor=kasir, **member_fields("Tanpa Rekening", 9)
    )
    joined = services.member_join(
        koperasi=koperasi, actor=kasir, **member_fields("Sudah Masuk", 10)
    ).member
    accounts_before = Account.objects.filter(member=joined).count()
    entries = JournalEntry.objects.count()
    repair(apps, None)
    assert sorted(bare.savings_accounts.values_list("kind", flat=True)) == [
        Kind.POKOK,
        Kind.SUKARELA,
        Kind.WAJIB,
    ]
    assert Obligation.objects.get(member=bare).amount == D("100000")
    assert Account.objects.filter(member=joined).count() == accounts_before
    assert JournalEntry.objects.count() == entries  # no money moved: the books are unchanged
    assert_books_agree(koperasi)
    repair(apps, None)  # a second run finds nobody
    assert Account.objects.filter(member=bare).count() == 3
    assert Obligation.objects.filter(member=bare).count() == 1


@pytest.mark.django_db
def test_repair_is_a_no_op_on_a_fresh_database() -> None:
    repair(apps, None)
    assert not Account.objects.exists()
    assert not AuditEvent.objects.exists()
