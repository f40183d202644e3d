"""Every GET page of the project, with hostile query strings: a message or a refusal, never a
server error. The names tried are every query parameter the project's GET pages read (filters,
dates, pages, formats); each gets each hostile value, alone and all together."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registry.models import Koperasi, Role
from tests import isolation
from tests.factories import UserFactory, grant

PARAMS = [
    "date_from",
    "date_to",
    "as_of",
    "start",
    "end",
    "on",
    "masa",
    "page",
    "q",
    "status",
    "kind",
    "account",
    "peran",
    "format",
    "kertas",
    "jumlah",
    "tenor",
    "koperasi",
    "semua",
    "desa",
    "tahap",
    "kecamatan",
    "dari",
    "sampai",
    "pengguna",
    "tindakan",
    "year",
    "month",
]
HOSTILE = [
    "9999-12-31",
    "0001-01-01",
    "-1",
    "99999999999999999999999999",
    "1e308",
    "abc",
    "2025-02-30",
    "Ω≈ç√∫˜µ≤ 😀",
    "%00",
    "' OR 1=1 --",
]


@pytest.fixture
def everyone(koperasi: Koperasi) -> Any:
    user = UserFactory(username="serba-peran-dan-dinas")
    for role in (Role.PENGURUS, Role.KASIR, Role.PENGAWAS, Role.KONSULTAN):
        grant(user, role, koperasi)
    grant(user, Role.DINAS_ADMIN)
    return user


def _get_urls(own: Koperasi) -> list[str]:
    urls = []
    for route in isolation.iter_routes():
        namespace, _sep, name = route.name.rpartition(":")
        if namespace.split(":")[0] in isolation.SKIP_NAMESPACES or name in isolation.SKIP_NAMES:
            continue
        if not name or any(kw not in isolation.OBJECT_MAKERS for kw in route.kwargs):
            continue
        kwargs = {kw: isolation.OBJECT_MAKERS[kw](own) for kw in route.kwargs}
        urls.append(reverse(route.name, kwargs=kwargs))
    return urls


def test_no_page_answers_500_to_hostile_query_strings(koperasi: Koperasi, everyone: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(everyone)
    failures = []
    urls = _get_urls(koperasi)
    assert len(urls) > 50
    for url in urls:
        queries: list[dict[str, str]] = [{p: v for p in PARAMS} for v in HOSTILE]
        queries += [
            {p: v}
            for p in ("date_from", "date_to", "as_of", "page", "masa")
            for v in ("9999-12-31", "0001-01-01", "abc")
        ]
        for query in queries:
            response = client.get(url, query)
            if response.status_code >= 500:
                failures.append(f"{url} {sorted(set(query.values()))} → {response.status_code}")
                break
    assert not failures, "\n".join(failures)
