"""``kopdig demo``'s members' app step: demo members activated with the known PIN, once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from portal import demo, services
from registry.demo import Demo
from registry.models import Role
from tests.factories import KoperasiFactory, MemberFactory, staff_user


def test_demo_members_sign_in_with_the_demo_pin(db: Any) -> None:
    bajo = KoperasiFactory.create(code=demo.KOPERASI, name="KSP Sinar Harapan Bajo")
    staff_user("kasir.bajo", Role.KASIR, bajo)
    saver = MemberFactory.create(koperasi=bajo, phone="+6281311112222")
    context = Demo(today=dt.date(2025, 3, 3))
    assert demo.step_members_app(context) == "1 anggota memakai aplikasi anggota (PIN 147258)"
    assert services.authenticate(phone=saver.phone, pin=demo.DEMO_PIN) == saver
    assert context.logins[0][0] == "/app/ HP 0813-1111-2222 PIN 147258"
    again = Demo(today=dt.date(2025, 3, 3))
    assert demo.step_members_app(again) is None
    assert len(again.logins) == 1
