"""``kopdig demo``: the Manggarai Barat district with the Dinas's own figures, on the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from core.dates import local_today
from core.models import AuditEvent
from registry import demo, selectors
from registry.models import AnnualTarget, Koperasi, Region, RoleGrant

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    """``kopdig demo`` with the registry's steps only: later apps' steps (members, savings …)
    are theirs to test, and take minutes."""
    out = StringIO()
    call_command("demo", "--only", "registry", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def district(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The demo, loaded once for this module inside a transaction rolled back at its end.

    Each test runs in a savepoint inside it (as Django's ``setUpTestData`` does), so what a
    test changes is undone before the next one.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield run()
        transaction.set_rollback(True)


def test_the_demo_has_the_dinas_figures(district: str) -> None:
    everything = Koperasi.objects.all()
    counts = selectors.registry_counts(everything)
    assert (counts.total, counts.active, counts.active_pct, counts.digital) == (145, 87, 60, 32)
    assert selectors.founded_in_year(everything, 2022) == 2
    assert selectors.latest_founding(everything) == selectors.Founded(year=2022, count=2)
    year = demo.SEED_DAY.year  # the registry's steps build the district as of 22 March 2022
    targets = [(t.year, t.new_digital) for t in AnnualTarget.objects.order_by("year")]
    assert targets == [(y, 30) for y in range(year, local_today().year + 2)]
    # 9 planned in 2022 (up to 22 March), 12 in 2021, 7 in 2020; a koperasi must be 400 days
    # old to go digital, which moves one of the older years' into 2022.
    assert selectors.new_digital_in_year(everything, year) == 10
    assert selectors.new_digital_in_year(everything, year - 1) == 12
    assert "145 koperasi di 12 kecamatan: 87 aktif, 32 digital" in district


def test_every_kecamatan_has_koperasi_and_komodo_the_most(district: str) -> None:
    per_kecamatan = {
        r.name: Koperasi.objects.filter(kecamatan=r).count()
        for r in Region.objects.filter(level=Region.Level.KECAMATAN)
    }
    assert len(per_kecamatan) == 12
    assert min(per_kecamatan.values()) >= 8
    assert max(per_kecamatan, key=per_kecamatan.__getitem__) == "Komodo"
    names = set(Koperasi.objects.values_list("name", flat=True))
    assert {"KSP Sinar Harapan Bajo", "Kopdit Mawar Sharon Lembor"} <= names
    assert "Koperasi Nelayan Papagarang" in names
    assert len(names) == 145


def test_the_demo_is_consistent(district: str) -> None:
    today = demo.SEED_DAY
    for k in Koperasi.objects.prefetch_related("stage_changes"):
        history = list(k.stage_changes.all())
        assert history[0].to_stage == "belum_digital"
        assert history[-1].to_stage == k.digital_stage
        dates = [c.changed_on for c in history]
        assert dates == sorted(dates) and dates[-1] <= today
        assert k.desa is not None and k.desa.parent_id == k.kecamatan_id
        assert k.founded_on is not None and k.founded_on.year <= 2022
        if k.is_digital:
            assert k.is_active
        if k.status == Koperasi.Status.AKTIF and k.founded_on.year < today.year - 1:
            assert k.last_rat_on is not None and today - k.last_rat_on < dt.timedelta(days=520)
        if k.status == Koperasi.Status.TIDAK_AKTIF and k.last_rat_on:
            assert today - k.last_rat_on > dt.timedelta(days=2 * 365)
        if k.last_rat_on:
            assert k.founded_on < k.last_rat_on <= today
    # every write went through the services and left its audit record
    assert AuditEvent.objects.filter(action="koperasi.create").count() == 145
    assert AuditEvent.objects.filter(action="koperasi.digital_stage").exists()


def test_people_and_their_roles(district: str) -> None:
    def roles(username: str) -> set[tuple[str, str | None]]:
        grants = RoleGrant.objects.filter(user__username=username).select_related("koperasi")
        return {(g.role, g.koperasi.code if g.koperasi else None) for g in grants}

    assert roles("dinas") == {("dinas_admin", None)}
    assert roles("staf.dinas") == {("dinas_staff", None)}
    for konsultan in ("konsultan1", "konsultan2"):
        assigned = Koperasi.objects.filter(
            role_grants__user__username=konsultan, role_grants__role="konsultan"
        )
        assert assigned.count() == 8
        assert all(k.is_digital for k in assigned)
    assert ("konsultan", "ksp-bajo") in roles("konsultan1")
    assert roles("kasir.bajo") == {("kasir", "ksp-bajo")}
    assert roles("dua.koperasi") == {("pengawas", "ksp-bajo"), ("pengurus", "nelayan-papagarang")}
    assert all(Koperasi.objects.get(code=c).is_digital for _r, c in roles("dua.koperasi"))
    assert "dinas " in district and "kopdig-demo" in district


def test_a_second_run_changes_nothing_and_says_so(district: str) -> None:
    before = (Koperasi.objects.count(), AuditEvent.objects.count(), RoleGrant.objects.count())
    again = run()
    assert "sudah dimuat; tidak ada yang berubah" in again
    assert "kasir.bajo" in again  # the logins are printed every time
    after = (Koperasi.objects.count(), AuditEvent.objects.count(), RoleGrant.objects.count())
    assert after == before


def test_reset_rebuilds_the_same_district(district: str) -> None:
    Koperasi.objects.filter(code="ksp-bajo").update(name="Diubah")
    codes = sorted(Koperasi.objects.values_list("code", flat=True))
    output = run("--reset")
    assert "dikosongkan" in output
    assert Koperasi.objects.get(code="ksp-bajo").name == "KSP Sinar Harapan Bajo"
    assert sorted(Koperasi.objects.values_list("code", flat=True)) == codes
    assert AuditEvent.objects.filter(action="koperasi.create").count() == 145
    assert Region.objects.count() == 182  # reference data came back after the flush


def test_the_registry_page_shows_the_demo_figures(client: Client, district: str) -> None:
    response = client.post("/masuk/", {"username": "dinas", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/dinas/koperasi/").content.decode()
    assert 'data-count="total">145<' in page
    assert 'data-count="active">87 <small>(60%)</small><' in page
    assert 'data-count="digital">32 <small>(22%)</small><' in page
    # The registry's steps stop at 22 March 2022; this year's movement is the dashboard's step.
    assert 'data-count="new-digital">0 / 30<' in page
    assert 'data-count="founded">2<' in page and "berdiri 2022" in page
