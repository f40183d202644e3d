"""Members see only their own records: every member URL of the app, walked with the ids of
another member of the same koperasi and of another koperasi (tests/isolation.py's makers)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from members.models import Member
from registry.models import Koperasi
from savings.services import deposit
from tests import isolation
from tests.factories import MemberFactory, disbursed_loan, savings_account
from tests.portal.conftest import PIN


def _neighbour_objects(koperasi: Koperasi) -> dict[str, Any]:
    """Another member of the same koperasi: their account, movement, loan and receipt."""
    other = MemberFactory.create(koperasi=koperasi, phone="+6281234567999")
    account = savings_account(koperasi, member=other)
    tx = deposit(account=account, amount=Decimal("5000"), actor=None)
    loan = disbursed_loan(koperasi, member=other, principal=1_000_000, tenor=3)
    return {
        "savings_account_id": account.pk,
        "transaction_id": tx.pk,
        "loan_id": loan.pk,
        "loan_tx_id": loan.transactions.order_by("pk").first().pk,
    }


def test_another_members_records_are_not_found(activated: Member, other_koperasi: Koperasi) -> None:
    phone = Client()
    assert (
        phone.post(reverse("portal:login"), {"phone": activated.phone, "pin": PIN}).status_code
        == 302
    )
    routes = [
        r
        for r in isolation.iter_routes()
        if r.name.startswith("portal:") and r.kwargs and "kode" not in r.kwargs
    ]
    assert {r.name for r in routes} >= {
        "portal:mutations",
        "portal:statement_pdf",
        "portal:loan",
        "portal:receipt_savings",
        "portal:receipt_loan",
    }
    neighbour = _neighbour_objects(activated.koperasi)
    abroad = {kw: isolation.OBJECT_MAKERS[kw](other_koperasi) for r in routes for kw in r.kwargs}
    problems = []
    for route in routes:
        for ids in (neighbour, abroad):
            url = reverse(route.name, kwargs={kw: ids[kw] for kw in route.kwargs})
            for method in ("get", "post"):
                status = getattr(phone, method)(url).status_code
                if status not in isolation.REFUSED:
                    problems.append(f"{method.upper()} {url} answered {status}")
    assert problems == []
    # The member's own records do open.
    own = activated.savings_accounts.order_by("pk")[0]
    assert (
        phone.get(reverse("portal:mutations", kwargs={"savings_account_id": own.pk})).status_code
        == 200
    )


def test_member_pages_show_no_other_koperasi(activated: Member, other_koperasi: Koperasi) -> None:
    phone = Client()
    phone.post(reverse("portal:login"), {"phone": activated.phone, "pin": PIN})
    for route in isolation.iter_routes():
        if route.name.startswith("portal:") and not route.kwargs:
            body = phone.get(reverse(route.name)).content.decode(errors="replace")
            assert other_koperasi.name not in body, route.name
