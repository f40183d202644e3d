from __future__ import annotations

from typing import Any

import pytest

from registry.models import Koperasi, Role
from tests.factories import KoperasiFactory, UserFactory, grant


@pytest.fixture
def koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(name="KSP Sinar Bajo", code="sinar-bajo")


@pytest.fixture
def other_koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(name="KSP Rahasia Lain", code="rahasia-lain")


@pytest.fixture
def pengurus(koperasi: Koperasi) -> Any:
    user = UserFactory(username="pengurus")
    grant(user, Role.PENGURUS, koperasi)
    return user


@pytest.fixture
def kasir(koperasi: Koperasi) -> Any:
    user = UserFactory(username="kasir")
    grant(user, Role.KASIR, koperasi)
    return user


@pytest.fixture
def dinas_admin(db: Any) -> Any:
    user = UserFactory(username="dinas")
    grant(user, Role.DINAS_ADMIN)
    return user
