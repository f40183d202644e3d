"""The same Idempotency-Key sent twice at the same moment (PostgreSQL: real threads, each with
its own connection): one deposit is posted, both requests get the same receipt."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from api.models import IdempotencyRecord
from api.services import token_create
from ledger import services as ledger
from ledger.models import JournalEntry
from registry.models import Region
from registry.regions import load_regions
from savings import services
from savings.models import Account, Kind
from tests.factories import KoperasiFactory, UserFactory, grant
from tests.savings.books import member_fields
from tests.savings.conftest import make_products
from tests.threads import at_once

pytestmark = pytest.mark.postgres
D = Decimal


@pytest.fixture
def counter(transactional_db: Any) -> tuple[Account, str]:
    if not Region.objects.exists():
        load_regions(Region)
    koperasi = KoperasiFactory.create(business_date=dt.date(2025, 1, 15))
    kasir = UserFactory.create(username="kasir-api-pg")
    grant(kasir, "kasir", koperasi)
    ledger.chart_setup(koperasi=koperasi, actor=kasir)
    make_products(koperasi, kasir)
    member = services.member_join(
        koperasi=koperasi, actor=kasir, sukarela_paid=D("500000"), **member_fields("Rina", 1)
    ).member
    services.cashier_open(koperasi=koperasi, kasir=kasir, count=D("1000000"), actor=kasir)
    raw, _token = token_create(koperasi=koperasi, user=kasir)
    return Account.objects.get(member=member, kind=Kind.SUKARELA), raw


def test_two_identical_requests_at_once_post_one_deposit(counter: tuple[Account, str]) -> None:
    account, raw = counter
    entries = JournalEntry.objects.count()

    def send() -> Any:
        response = Client().post(
            f"/api/v1/kasir/rekening/{account.pk}/setor",
            data=json.dumps({"amount": "25000"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            HTTP_IDEMPOTENCY_KEY="serentak-0001",
        )
        return response.status_code, response.json()

    results = at_once([send, send, send])
    assert [status for status, _body in results] == [201, 201, 201], results
    assert len({body["transaction_id"] for _status, body in results}) == 1
    assert JournalEntry.objects.count() == entries + 1
    assert IdempotencyRecord.objects.count() == 1
    account.refresh_from_db()
    assert account.balance == D("525000")
