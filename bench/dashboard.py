"""The district home and the consultant's page with a district's worth of data.

150 koperasi, 100 000 members and ``BENCH_POSTINGS`` postings (default 2 000 000), built in
bulk: koperasi and members with ``bulk_create``, postings through ``ledger.services.post_many``
(the ledger's own set-based path, month totals kept by the database). Each koperasi's figures
row is then refreshed once (as the close of business would), and the pages are timed through
Django's test client, beside a trivial view in the same run: the pages read the ~150 figures
rows and the registry's dated history, never the postings.

``python -m bench dashboard`` (or ``dashboard.home`` / ``dashboard.consultant``).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
import types
from decimal import Decimal
from typing import Any

from bench import Timing

KOPERASI = 150
MEMBERS = 100_000
DIGITAL = 60


def _trivial(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("ok")


def _urlconf() -> str:
    from django.urls import include, path

    module = types.ModuleType("bench_dashboard_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/trivial/", _trivial, name="bench_trivial"),
        path("", include("kopdig.urls")),
    ]
    sys.modules["bench_dashboard_urls"] = module
    return "bench_dashboard_urls"


def _build() -> tuple[Any, Any]:
    from django.contrib.auth import get_user_model

    from dashboard import services
    from ledger import services as ledger_services
    from ledger.selectors import account_for_role
    from members.models import Member
    from registry import services as registry_services
    from registry.models import AnnualTarget, Koperasi, Region, Role

    User = get_user_model()
    dinas, _c = User.objects.get_or_create(username="bench-dinas")
    konsultan, _c = User.objects.get_or_create(username="bench-konsultan")
    if Koperasi.objects.filter(code="bench-d-0").exists():
        return dinas, konsultan
    registry_services.role_grant(actor=None, user=dinas, role=Role.DINAS_ADMIN)
    AnnualTarget.objects.get_or_create(year=2026, defaults={"new_digital": 30})
    kecamatan = list(Region.objects.filter(level=Region.Level.KECAMATAN).order_by("code"))
    rng = random.Random(11)
    t = Timing()
    koperasi = []
    for n in range(KOPERASI):
        k = registry_services.koperasi_create(
            actor=None,
            name=f"KSP Bench Dinas {n}",
            code=f"bench-d-{n}",
            kind=Koperasi.Kind.SIMPAN_PINJAM,
            kecamatan=kecamatan[n % len(kecamatan)],
            founded_on=dt.date(2000 + n % 20, 1, 1),
            stage_since=dt.date(2020, 1, 1),
        )
        if n < DIGITAL:
            for stage, on in [("pendataan", "2023-01-05"), ("migrasi", "2023-03-01")]:
                registry_services.digital_stage_set(
                    actor=None, koperasi=k, stage=stage, on=dt.date.fromisoformat(on)
                )
            registry_services.digital_stage_set(
                actor=None, koperasi=k, stage="digital", on=dt.date(2024 + n % 3, 5, 1)
            )
            if n < 10:
                services.consultant_assign(actor=None, consultant=konsultan, koperasi=k)
        koperasi.append(k)
    per = MEMBERS // DIGITAL
    rows = []
    for k in koperasi[:DIGITAL]:
        for i in range(per):
            rows.append(
                Member(
                    koperasi=k,
                    number=f"{i:06d}",
                    full_name=f"Anggota {i}",
                    nik=f"5315054107{i % 90 + 10:02d}{i % 9000 + 1000:04d}",
                    birth_date=dt.date(1980, 1, 1),
                    gender="P",
                    join_date=dt.date(2020, 1, 1) + dt.timedelta(days=i % 1500),
                )
            )
    Member.objects.bulk_create(rows, batch_size=5000)
    t.stop()
    print(f"  {KOPERASI} koperasi and {len(rows)} members: {t.wall:.1f} s", flush=True)

    target = int(os.environ.get("BENCH_POSTINGS", "2000000"))
    t = Timing()
    posted = 0
    books = koperasi[:DIGITAL]
    each = target // len(books)
    for k in books:
        ledger_services.chart_setup(koperasi=k, actor=None)
        kas = account_for_role(koperasi=k, role="kas")
        sukarela = account_for_role(koperasi=k, role="simpanan_sukarela")
        entries = []
        first = dt.date(2025, 1, 1)
        for j in range(each // 2):
            amount = Decimal(rng.randrange(10, 500) * 1000)
            entries.append(
                ledger_services.NewEntry(
                    lines=[
                        ledger_services.Line(kas, debit=amount),
                        ledger_services.Line(sukarela, credit=amount),
                    ],
                    kind="bench",
                    memo="",
                    value_date=first + dt.timedelta(days=j % 680),
                )
            )
        entries.sort(key=lambda e: e.value_date or first)
        for start in range(0, len(entries), 20_000):
            ledger_services.post_many(
                koperasi=k, entries=entries[start : start + 20_000], actor=None
            )
        posted += 2 * len(entries)
    t.stop()
    print(f"  {posted} postings: {t.wall:.1f} s", flush=True)
    t = Timing()
    services.figures_refresh_all()
    t.stop()
    print(f"  figures of {KOPERASI} koperasi refreshed: {t.wall:.1f} s", flush=True)
    return dinas, konsultan


def _median_ms(client: Any, url: str, repeat: int = 15) -> float:
    client.get(url)  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def _pages(which: list[str]) -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import clear_url_caches

    dinas, konsultan = _build()
    settings.ROOT_URLCONF = _urlconf()
    settings.ALLOWED_HOSTS = ["*"]
    clear_url_caches()
    client = Client()
    trivial = _median_ms(client, "/bench/trivial/")
    print(f"  trivial view: {trivial:.2f} ms")
    if "home" in which:
        client.force_login(dinas)
        for url in ["/dinas/", "/dinas/?per=2024-06-30"]:
            ms = _median_ms(client, url)
            print(f"  district home {url}: {ms:.1f} ms (×{ms / trivial:.0f} the trivial view)")
    if "consultant" in which:
        client.force_login(konsultan)
        ms = _median_ms(client, "/konsultan/")
        print(f"  consultant page: {ms:.1f} ms (×{ms / trivial:.0f} the trivial view)")


def _home() -> None:
    _pages(["home"])


def _consultant() -> None:
    _pages(["consultant"])


PARTS = {"home": _home, "consultant": _consultant}


def run() -> None:
    _pages(["home", "consultant"])
