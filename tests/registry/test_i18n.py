"""The interface is Indonesian; English is one button away."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from registry.models import Koperasi

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_catalogue(settings: Any) -> None:
    call_command("compilemessages_py")  # what `make setup` does; a no-op when up to date
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # forget catalogues loaded before


def test_indonesian_by_default_english_on_request(
    client: Client, dinas_admin: Any, koperasi: Koperasi, english_catalogue: None
) -> None:
    client.force_login(dinas_admin)
    page = client.get("/dinas/koperasi/").content.decode()
    assert "Registri koperasi Kabupaten Manggarai Barat" in page
    assert ">English<" in page and ">Bahasa Indonesia<" in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/dinas/koperasi/"})
    assert response["Location"] == "/dinas/koperasi/"
    page = client.get("/dinas/koperasi/").content.decode()
    assert '<html lang="en">' in page
    assert "Cooperative registry of Manggarai Barat Regency" in page
    assert "Registered cooperatives" in page
    assert "Savings and loan" in page  # the koperasi's type
    assert "Log out" in page


def test_login_errors_in_english_too(client: Client, english_catalogue: None) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    page = client.post("/masuk/", {"username": "siapa", "password": "salah"}).content.decode()
    assert "Log in to Kopdig" in page
    assert "Wrong username or password." in page
