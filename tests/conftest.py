from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import settings

from registry.models import Koperasi, Role
from tests.factories import KoperasiFactory, staff_user

# No time limit per example: speed is measured in bench/, never asserted by a test (hypothesis'
# default 200 ms deadline fails a pure test on a loaded machine).
settings.register_profile("kopdig", deadline=None)
settings.load_profile("kopdig")


@pytest.fixture(autouse=True)
def _indonesian_after_each_test() -> Any:
    """Each test starts in the default language: a request with ``Accept-Language: en`` leaves
    English active in its thread (LocaleMiddleware does not switch back), and the next test on
    that worker would read English messages."""
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(name="KSP Sinar Bajo", code="sinar-bajo")


@pytest.fixture
def other_koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(name="KSP Rahasia Lain", code="rahasia-lain")


# One user per role, each in ``koperasi`` only (Dinas roles are district-wide).


@pytest.fixture
def pengurus(koperasi: Koperasi) -> Any:
    return staff_user("pengurus", Role.PENGURUS, koperasi)


@pytest.fixture
def kasir(koperasi: Koperasi) -> Any:
    return staff_user("kasir", Role.KASIR, koperasi)


@pytest.fixture
def pengawas(koperasi: Koperasi) -> Any:
    return staff_user("pengawas", Role.PENGAWAS, koperasi)


@pytest.fixture
def konsultan(koperasi: Koperasi) -> Any:
    """The konsultan assigned to ``koperasi`` (and to nothing else)."""
    return staff_user("konsultan", Role.KONSULTAN, koperasi)


@pytest.fixture
def dinas_admin(db: Any) -> Any:
    return staff_user("dinas", Role.DINAS_ADMIN)


@pytest.fixture
def dinas_staff(db: Any) -> Any:
    return staff_user("staf.dinas", Role.DINAS_STAFF)


def _on_postgresql() -> bool:
    import os

    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def pytest_ignore_collect(collection_path: Any, config: Any) -> bool | None:
    """``*_pg.py`` test files need PostgreSQL (row locks, threads); collect them only there."""
    if collection_path.name.endswith("_pg.py"):
        return not _on_postgresql()
    return None


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests of SQLite's own guards (marked ``sqlite_only``) are not run on PostgreSQL, which
    has its own, tested separately: deselected, so no test is reported as skipped."""
    if not _on_postgresql():
        return
    dropped = [item for item in items if item.get_closest_marker("sqlite_only")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("sqlite_only")]
