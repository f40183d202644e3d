from __future__ import annotations

from typing import Any

import pytest

from registry.models import Koperasi, Role
from tests.factories import UserFactory, grant


@pytest.fixture
def pengawas(koperasi: Koperasi) -> Any:
    user = UserFactory(username="pengawas")
    grant(user, Role.PENGAWAS, koperasi)
    return user


@pytest.fixture
def dinas_staff(db: Any) -> Any:
    user = UserFactory(username="staf.dinas")
    grant(user, Role.DINAS_STAFF)
    return user


@pytest.fixture
def konsultan(koperasi: Koperasi) -> Any:
    """The konsultan assigned to ``koperasi`` (and to nothing else)."""
    user = UserFactory(username="konsultan")
    grant(user, Role.KONSULTAN, koperasi)
    return user
