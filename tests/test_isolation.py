"""Tenant isolation over every URL of the project (see tests/isolation.py)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from registry.models import Koperasi, Role
from tests import isolation
from tests.factories import UserFactory, grant


@pytest.fixture
def staff_everything(koperasi: Koperasi) -> Any:
    """One person holding every koperasi-level role in A, and A's konsultan."""
    user = UserFactory(username="serba-peran")
    for role in (Role.PENGURUS, Role.KASIR, Role.PENGAWAS, Role.KONSULTAN):
        grant(user, role, koperasi)
    return user


def test_every_url_refuses_another_koperasis_data(
    client: Any, koperasi: Koperasi, other_koperasi: Koperasi, staff_everything: Any
) -> None:
    client.force_login(staff_everything)
    routes = list(isolation.iter_routes())
    assert any(r.name == "dashboard:beranda" for r in routes)
    assert {"api:kasir_member", "api:kasir_deposit", "api:kasir_loan_repay"} <= {
        r.name for r in routes
    }
    assert isolation.walk(client, own=koperasi, other=other_koperasi) == []


def test_konsultan_sees_only_assigned_koperasi(
    client: Any, koperasi: Koperasi, other_koperasi: Koperasi
) -> None:
    user = UserFactory(username="konsultan-a")
    grant(user, Role.KONSULTAN, koperasi)
    client.force_login(user)
    assert isolation.walk(client, own=koperasi, other=other_koperasi) == []


def _leaky_view(request: HttpRequest, kode: str) -> HttpResponse:
    # Deliberately unscoped: looks the koperasi up without asking who is asking.
    return HttpResponse(Koperasi.objects.get(code=kode).name)


def test_walker_catches_an_unscoped_view(
    client: Any, koperasi: Koperasi, other_koperasi: Koperasi, staff_everything: Any
) -> None:
    leaky = types.ModuleType("tests_leaky_urls")
    leaky.urlpatterns = [  # type: ignore[attr-defined]
        path("", include("kopdig.urls")),
        path("bocor/<slug:kode>/", _leaky_view, name="leaky"),
    ]
    sys.modules["tests_leaky_urls"] = leaky
    client.force_login(staff_everything)
    from django.test import override_settings

    with override_settings(ROOT_URLCONF="tests_leaky_urls"):
        problems = isolation.walk(
            client, own=koperasi, other=other_koperasi, urlconf="tests_leaky_urls"
        )
    assert problems == [
        "GET /bocor/rahasia-lain/ (leaky) answered 200 for another koperasi's ids",
        "POST /bocor/rahasia-lain/ (leaky) answered 200 for another koperasi's ids",
    ]


def test_walker_demands_a_maker_for_new_kwargs(
    client: Any, koperasi: Koperasi, other_koperasi: Koperasi, staff_everything: Any
) -> None:
    module = types.ModuleType("tests_unknown_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("k/<slug:kode>/barang/<int:barang_id>/", _leaky_view, name="barang"),
    ]
    sys.modules["tests_unknown_urls"] = module
    client.force_login(staff_everything)
    problems = isolation.walk(
        client, own=koperasi, other=other_koperasi, urlconf="tests_unknown_urls"
    )
    assert problems == ["barang: no OBJECT_MAKERS entry for ['barang_id'] (tests/isolation.py)"]


def test_a_member_token_reaches_only_the_members_own_records(
    client: Any, koperasi: Koperasi, other_koperasi: Koperasi, kasir: Any
) -> None:
    """Another member's account, transaction, loan or receipt, in the member's koperasi or
    another, is a 404 to the member's API token (the member holds savings only, so every
    loan the walk finds is someone else's)."""
    from api.services import token_create
    from portal import services as portal
    from tests.factories import MemberFactory, savings_account

    member = MemberFactory.create(koperasi=koperasi, phone="+6281234567009")
    own_account = savings_account(koperasi, member=member)
    code = portal.issue_activation_code(member=member, actor=kasir)
    portal.activate(
        phone=member.phone, member_number=member.number, code=code, pin="258147", pin_again="258147"
    )
    raw, _token = token_create(koperasi=koperasi, member=member)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    own = client.get(f"/api/v1/anggota/rekening/{own_account.pk}/mutasi", **headers)
    assert own.status_code == 200
    names = {r.name for r in isolation.iter_routes()}
    assert {
        "api:member_mutations",
        "api:member_loan",
        "api:member_receipt",
        "api:member_loan_receipt",
    } <= names
    for other in (koperasi, other_koperasi):
        assert isolation.walk_member(client, member=member, headers=headers, other=other) == []
