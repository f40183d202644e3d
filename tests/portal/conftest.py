from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from members.models import Member
from portal import services
from registry.models import Koperasi
from savings.services import deposit
from tests.factories import MemberFactory, disbursed_loan, savings_account

PIN = "258147"


@pytest.fixture
def member(koperasi: Koperasi) -> Member:
    """Rina, with Rp150.000 in her sukarela and a running loan of Rp6.000.000 over 6 months."""
    koperasi.business_date = dt.date(2025, 3, 3)
    koperasi.save(update_fields=["business_date"])
    rina = MemberFactory.create(koperasi=koperasi, full_name="Rina Uji", phone="+6281234567001")
    account = savings_account(koperasi, member=rina)
    deposit(account=account, amount=Decimal("150000"), actor=None)
    disbursed_loan(koperasi, member=rina, principal=6_000_000, tenor=6)
    return rina


@pytest.fixture
def activated(member: Member, kasir: Any) -> Member:
    code = services.issue_activation_code(member=member, actor=kasir)
    services.activate(
        phone="0812-3456-7001", member_number=member.number, code=code, pin=PIN, pin_again=PIN
    )
    return member
