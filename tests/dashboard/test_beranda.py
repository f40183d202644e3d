"""The beranda: the day's figures per role, each linking to its list; light on the wire."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member
from savings import services
from tests.savings.books import member_fields

# Beranda and counter: HTML + CSS + JS, gzip-compressed as whitenoise serves them.
PAGE_WEIGHT_LIMIT = 30 * 1024


def _beranda(koperasi: Any) -> str:
    return reverse("dashboard:beranda", kwargs={"kode": koperasi.code})


def test_pengurus_sees_the_days_figures_with_links(
    client: Any, member: Member, kasir: Any, pengurus: Any
) -> None:
    koperasi = member.koperasi
    session = services.cashier_open(koperasi=koperasi, kasir=kasir, count="200.000", actor=kasir)
    services.member_join(
        koperasi=koperasi, actor=kasir, session=session, **member_fields("Agnes Nurak", 4)
    )
    client.force_login(pengurus)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_beranda(koperasi))
    assert response.status_code == 200
    assert len(queries) <= 25
    page = response.content.decode()
    assert "Anggota aktif" in page and "Masuk bulan ini" in page
    assert "Simpanan pokok" in page and "Tunggakan wajib" in page
    assert "Uang di laci kasir" in page and "Rp300.000" in page  # 200.000 + pokok 100.000
    assert reverse("savings:arrears", kwargs={"kode": koperasi.code}) in page
    assert reverse("savings:month_end", kwargs={"kode": koperasi.code}) in page
    assert "belum dijalankan" in page
    assert reverse("registry:audit", kwargs={"kode": koperasi.code}) in page


def test_pengawas_reads_the_same_figures_and_the_audit(
    client: Any, member: Member, pengawas: Any
) -> None:
    client.force_login(pengawas)
    page = client.get(_beranda(member.koperasi)).content.decode()
    assert "hanya baca" in page and "Anggota aktif" in page
    assert reverse("registry:audit", kwargs={"kode": member.koperasi.code}) in page


def test_kasir_lands_on_the_counter(client: Any, member: Member, kasir: Any) -> None:
    client.force_login(kasir)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "savings:counter", kwargs={"kode": member.koperasi.code}
    )


def _static_weight(page: str) -> int:
    total = 0
    for part in page.split(
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
    )[1:]:
        name = part.split('"', 1)[0].split("?", 1)[0]
        found = finders.find(name)
        if found:
            total += len(gzip.compress(Path(found).read_bytes(), 9))
    return total


def test_beranda_and_counter_weigh_at_most_30_kb(
    client: Any, member: Member, kasir: Any, pengurus: Any
) -> None:
    client.force_login(pengurus)
    for url in (
        _beranda(member.koperasi),
        reverse("savings:counter", kwargs={"kode": member.koperasi.code}),
    ):
        page = client.get(url).content.decode()
        weight = len(gzip.compress(page.encode(), 6)) + _static_weight(page)
        print(f"{url}: {weight} bytes gzip with static files")
        assert weight <= PAGE_WEIGHT_LIMIT, (url, weight)
