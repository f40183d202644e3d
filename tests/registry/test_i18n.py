"""The interface is Indonesian; English is one button away."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from members import services as member_services
from members.models import Member
from registry.models import Koperasi
from savings.forms import TermsForm
from tests.factories import MemberFactory

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


# --- words that mean two things, plurals, percent signs ------------------------------------


def english(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


def test_masuk_and_keluar_say_what_they_mean_in_english(
    client: Client, koperasi: Koperasi, kasir: Any, english_catalogue: None
) -> None:
    """ "Masuk" is log in or money in; "Keluar" is log out, money out or a member who left."""
    page = client.get("/masuk/").content.decode()
    assert '<button class="btn" type="submit">Masuk</button>' in page
    english(client)
    page = client.get("/masuk/").content.decode()
    assert '<button class="btn" type="submit">Log in</button>' in page

    MemberFactory.create(koperasi=koperasi, status="keluar", left_on=dt.date(2026, 1, 2))
    client.force_login(kasir)
    english(client)
    page = client.get(f"/k/{koperasi.code}/anggota/").content.decode()
    assert '<span>Left</span><b data-count="keluar">1</b>' in page
    assert '<span class="pill keluar">Left</span>' in page
    assert ">Log out</button>" in page

    statement = SimpleNamespace(
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 31),
        opening=Decimal("0"),
        rows=[],
        credits=Decimal("0"),
        debits=Decimal("0"),
        closing=Decimal("0"),
    )
    with translation.override("en"):
        table = render_to_string("savings/_statement_table.html", {"st": statement})
    assert '<th class="num">In</th><th class="num">Out</th>' in table
    assert "Log in" not in table and "Log out" not in table
    with translation.override("id"):
        table = render_to_string("savings/_statement_table.html", {"st": statement})
    assert '<th class="num">Masuk</th><th class="num">Keluar</th>' in table


def test_counts_are_singular_or_plural_in_english(
    client: Client, koperasi: Koperasi, kasir: Any, english_catalogue: None
) -> None:
    MemberFactory.create(koperasi=koperasi)
    client.force_login(kasir)
    english(client)
    list_url = f"/k/{koperasi.code}/anggota/"
    assert re.search(r'<p class="muted">1 member\b(?!s)', client.get(list_url).content.decode())
    MemberFactory.create(koperasi=koperasi)
    assert '<p class="muted">2 members' in client.get(list_url).content.decode()

    def age_warning(born: dt.date) -> str:
        member = Member(birth_date=born, join_date=dt.date(2026, 3, 1))
        return member_services._warnings(member, None)[0]

    with translation.override("en"):
        assert "was 1 year old on joining" in age_warning(dt.date(2025, 1, 1))
        assert "was 2 years old on joining" in age_warning(dt.date(2024, 1, 1))
    with translation.override("id"):
        assert "saat masuk 1 tahun" in age_warning(dt.date(2025, 1, 1))


def test_rate_labels_with_a_percent_sign_render_in_both_languages(
    english_catalogue: None,
) -> None:
    form = TermsForm(kind="berjangka")
    rate = form.fields["rate_percent"]
    penalty = form.fields["early_penalty_percent"]
    # The labels are made once, when the module is imported, and translated when shown.
    with translation.override("id"):
        assert str(rate.label) == "Bunga per tahun (%)"
        assert str(rate.help_text) == "Paling tinggi 9% setahun. Contoh: 3 atau 4,5."
        assert str(penalty.label) == "Denda pencairan awal (% dari bunga diterima)"
    with translation.override("en"):
        assert str(rate.label) == "Interest per year (%)"
        assert str(rate.help_text) == "At most 9% a year. Example: 3 or 4.5."
        assert str(penalty.label) == "Early withdrawal penalty (% of interest earned)"
