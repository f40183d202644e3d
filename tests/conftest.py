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


def pytest_ignore_collect(collection_path: Any, config: Any) -> bool | None:
    """``*_pg.py`` test files need PostgreSQL (row locks, threads); collect them only there."""
    import os

    if collection_path.name.endswith("_pg.py"):
        return not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    return None
