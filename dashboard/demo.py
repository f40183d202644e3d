"""The district from 22 March 2022 to today: the funnel moving, RATs held and missed, the
Koperasi Desa/Kelurahan Merah Putih wave of 2025, a konsultan for every digital koperasi,
mentoring visits, and the figures refreshed from each koperasi's own records.

Every write goes through the services, in date order per koperasi, so the dated history
answers "as of any day" exactly as a real district's would. The pace is the Dinas's: short of
the target of 30 in the first years, met once the Merah Putih koperasi come in.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from dashboard import services
from dashboard.models import MemberAppAccount, MemberAppActivity, Visit
from registry import services as registry_services
from registry.demo import SEED_DAY, Demo, _unique_code
from registry.models import Koperasi, Region, Role

# New digital koperasi reached per year after the seed day (the Dinas's target is 30).
REACHED = {2022: 17, 2023: 21, 2024: 20, 2025: 34, 2026: 41}
MERAH_PUTIH_FROM = dt.date(2025, 7, 21)  # launched nationally (Inpres 9/2025)
CONSULTANTS = [
    ("konsultan3", "Yustina Mbakung"),
    ("konsultan4", "Gregorius Jehaut"),
    ("konsultan5", "Hendrikus Nabit"),
    ("konsultan6", "Veronika Suwe"),
    ("konsultan7", "Aloysius Jemadu"),
]
S = Koperasi.Status
ST = Koperasi.Stage


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def step_merah_putih(demo: Demo) -> str | None:
    """One Koperasi Desa/Kelurahan Merah Putih per desa and kelurahan, founded in 2025."""
    if demo.today < MERAH_PUTIH_FROM or Koperasi.objects.filter(code__startswith="kmp-").exists():
        return None
    rng = demo.rng("merah-putih")
    taken = set(Koperasi.objects.values_list("code", flat=True))
    villages = Region.objects.filter(
        level__in=[Region.Level.DESA, Region.Level.KELURAHAN]
    ).order_by("code")
    made = 0
    for region in villages:
        founded = _day(rng, MERAH_PUTIH_FROM, min(dt.date(2025, 10, 31), demo.today))
        word = "Kelurahan" if region.level == Region.Level.KELURAHAN else "Desa"
        assert region.parent is not None
        registry_services.koperasi_create(
            actor=demo.dinas,
            name=f"Koperasi {word} Merah Putih {region.name}",
            code=_unique_code([f"kmp-{slugify(region.name)}", f"kmp-{region.code[-4:]}"], taken),
            kind=Koperasi.Kind.SERBA_USAHA,
            kecamatan=region.parent,
            desa=region,
            founded_on=founded,
            legal_date=founded + dt.timedelta(days=rng.randrange(5, 40)),
            address=f"{region.get_level_display()} {region.name}",
            status=S.AKTIF,
        )
        made += 1
    return f"{made} Koperasi Desa/Kelurahan Merah Putih (2025)"


def _moves(demo: Demo, rng: random.Random) -> dict[int, list[tuple[dt.date, str, Any]]]:
    """Decide, per koperasi, the dated events from the seed day to today."""
    today = demo.today
    events: dict[int, list[tuple[dt.date, str, Any]]] = {}
    rows = list(Koperasi.objects.order_by("code"))
    old = [k for k in rows if not k.code.startswith("kmp-")]
    wave = [k for k in rows if k.code.startswith("kmp-")]
    rng.shuffle(wave)

    # Who goes digital when: the pipeline first, then other active koperasi, then revived
    # ones, then the Merah Putih koperasi (not before three months after their founding).
    pipeline = [k for k in old if k.digital_stage in (ST.PENDATAAN, ST.MIGRASI)]
    waiting = [
        k
        for k in old
        if k.digital_stage == ST.BELUM_DIGITAL and k.status in Koperasi.ACTIVE_STATUSES
    ]
    revivable = [k for k in old if k.status == S.TIDAK_AKTIF]
    rng.shuffle(waiting)
    rng.shuffle(revivable)
    revived = revivable[:12]
    for k in revived:
        on = _day(rng, dt.date(2023, 2, 1), dt.date(2024, 5, 31))
        events.setdefault(k.pk, []).append((on, "rat", on))
        events[k.pk].append((on, "status", S.AKTIF))
    queue: list[tuple[Koperasi, dt.date]] = [(k, SEED_DAY) for k in pipeline + waiting]
    queue += [(k, dt.date(2024, 6, 1)) for k in revived]
    queue += [(k, (k.founded_on or MERAH_PUTIH_FROM) + dt.timedelta(days=90)) for k in wave]
    for year, count in REACHED.items():
        start = max(dt.date(year, 1, 1), SEED_DAY + dt.timedelta(days=1))
        end = min(dt.date(year, 12, 31), today)
        if start > today:
            break
        picked = 0
        for item in list(queue):
            if picked == count:
                break
            k, earliest = item
            if earliest > end:
                continue
            digital_on = _day(rng, max(start, earliest), end)
            queue.remove(item)
            picked += 1
            path = []
            if k.digital_stage == ST.BELUM_DIGITAL or k.code.startswith("kmp-"):
                path.append((digital_on - dt.timedelta(days=rng.randrange(60, 120)), ST.PENDATAAN))
            if k.digital_stage != ST.MIGRASI:
                path.append((digital_on - dt.timedelta(days=rng.randrange(10, 45)), ST.MIGRASI))
            path.append((digital_on, ST.DIGITAL))
            in_use = digital_on + dt.timedelta(days=rng.randrange(120, 400))
            if in_use <= today and rng.random() < 0.55:
                path.append((in_use, ST.AKTIF_DIGUNAKAN))
            for on, stage in path:
                events.setdefault(k.pk, []).append((max(on, earliest), "stage", stage))
    # Koperasi left in the funnel at some stage for a while: pendataan or migrasi that stalls.
    for k, earliest in queue[:25]:
        if k.digital_stage == ST.BELUM_DIGITAL and earliest < today - dt.timedelta(days=200):
            on = _day(rng, earliest, today - dt.timedelta(days=150))
            events.setdefault(k.pk, []).append((on, "stage", ST.PENDATAAN))

    # RATs of the old koperasi that were active: most hold it every spring; some miss.
    for k in old:
        if k.status not in Koperasi.ACTIVE_STATUSES:
            continue
        goes_digital = k.is_digital or any(kind == "stage" for _d, kind, _v in events.get(k.pk, []))
        missed = 0
        for year in range(2022, today.year + 1):
            held = _day(rng, dt.date(year, 2, 1), dt.date(year, 6, 30))
            if held > today or (year == 2022 and held <= SEED_DAY and k.last_rat_on):
                continue
            if goes_digital or rng.random() < 0.85:
                events.setdefault(k.pk, []).append((held, "rat", held))
                if missed:
                    events[k.pk].append((held, "status", S.AKTIF))
                missed = 0
            else:
                missed += 1
                july = dt.date(year, 7, 1)
                if july <= today:
                    status = S.AKTIF_BELUM_RAT if missed == 1 else S.TIDAK_AKTIF
                    if missed <= 2:
                        events.setdefault(k.pk, []).append((july, "status", status))
                if missed >= 2:
                    break
    for k in wave:
        held = _day(rng, dt.date(2026, 2, 1), dt.date(2026, 6, 30))
        if held <= today and rng.random() < 0.7:
            events.setdefault(k.pk, []).append((held, "rat", held))
        elif dt.date(2026, 7, 1) <= today:
            events.setdefault(k.pk, []).append((dt.date(2026, 7, 1), "status", S.AKTIF_BELUM_RAT))
    return events


def step_movement(demo: Demo) -> str | None:
    """The funnel, RATs and statuses from 22 March 2022 to today, in date order."""
    if demo.today <= SEED_DAY:
        return None
    from dashboard.models import RatRecord

    if RatRecord.objects.exists():  # only this step records RATs in the demo
        return None
    rng = demo.rng("movement")
    actor = demo.dinas
    events = _moves(demo, rng)
    counts = {"stage": 0, "rat": 0, "status": 0}
    by_pk = Koperasi.objects.in_bulk(list(events))
    for pk, items in events.items():
        koperasi = by_pk[pk]
        items.sort(key=lambda e: (e[0], {"rat": 0, "status": 1, "stage": 2}[e[1]]))
        for on, kind, value in items:
            if kind == "stage":
                if koperasi.digital_stage == value:
                    continue
                registry_services.digital_stage_set(
                    actor=actor, koperasi=koperasi, stage=value, on=on
                )
            elif kind == "status":
                if koperasi.status == value:
                    continue
                koperasi = registry_services.koperasi_update(
                    actor=actor, koperasi=koperasi, status=value, status_on=on
                )
            else:
                services.rat_record(
                    actor=actor,
                    koperasi=koperasi,
                    book_year=on.year - 1,
                    held_on=on,
                    report_received_on=min(
                        on + dt.timedelta(days=rng.randrange(3, 40)), demo.today
                    ),
                )
            counts[kind] += 1
    return (
        f"perjalanan sejak 22 Maret 2022: {counts['stage']} perubahan tahap, "
        f"{counts['rat']} RAT, {counts['status']} perubahan status"
    )


def step_consultants(demo: Demo) -> str | None:
    """A konsultan for every digital koperasi; visits and follow-ups for the staffed ones."""
    User = get_user_model()
    made = 0
    users = []
    for username, full_name in CONSULTANTS:
        user, created = demo.person(username, full_name)
        made += created
        users.append(user)
    unmentored = list(
        Koperasi.objects.filter(digital_stage__in=Koperasi.DIGITAL_STAGES)
        .exclude(role_grants__role=Role.KONSULTAN)
        .order_by("code")
    )
    for n, koperasi in enumerate(unmentored):
        services.consultant_assign(
            actor=demo.dinas, consultant=users[n % len(users)], koperasi=koperasi
        )
        made += 1
    demo.logins += [
        (u, f"Konsultan pendamping: {n} koperasi digital")
        for u, n in [
            (user.username, user.role_grants.filter(role=Role.KONSULTAN).count()) for user in users
        ]
    ]
    konsultan1 = User.objects.filter(username="konsultan1").first()
    if konsultan1 is not None and not Visit.objects.exists():
        rng = demo.rng("visits")
        for grant in konsultan1.role_grants.filter(role=Role.KONSULTAN).select_related("koperasi"):
            mentored = grant.koperasi
            assert mentored is not None
            for i in range(3):
                on = demo.today - dt.timedelta(days=20 + 35 * i + rng.randrange(10))
                services.visit_log(
                    actor=konsultan1,
                    koperasi=mentored,
                    on=on,
                    kind=rng.choice(list(Visit.Kind.values)),
                    topics=rng.choice(
                        [
                            "Aktivasi aplikasi anggota",
                            "Pencocokan saldo hasil migrasi",
                            "Pelatihan kasir",
                            "Persiapan RAT",
                        ]
                    ),
                    attendees="Pengurus, kasir",
                    findings="Sebagian anggota belum punya ponsel pintar; kasir perlu latihan.",
                    follow_ups=[
                        services.FollowUpInput(
                            "Sosialisasi aplikasi di pertemuan kelompok",
                            on + dt.timedelta(days=21 + rng.randrange(14)),
                        )
                    ],
                )
                made += 1
    return f"{made} konsultan, penugasan dan kunjungan" if made else None


def step_adoption(demo: Demo) -> str | None:
    """The members' app records of the koperasi with members (written by the portal, later).

    The portal does not exist yet: these rows stand in for what it will write, so the adoption
    pages have something to compute from. Bajo adopts well; Lembor lags (flagged).
    """
    if MemberAppAccount.objects.exists():
        return None
    from members.models import Member

    shares = {"ksp-bajo": 0.45, "kopdit-mawar-lembor": 0.08, "nelayan-papagarang": 0.3}
    rng = demo.rng("adoption")
    made = 0
    for code, share in shares.items():
        koperasi = Koperasi.objects.filter(code=code).first()
        if koperasi is None:
            continue
        since = services.digital_since(koperasi) or demo.today
        members = list(Member.objects.filter(koperasi=koperasi, status=Member.Status.AKTIF))
        chosen = rng.sample(members, int(len(members) * share))
        accounts, activity = [], []
        for m in chosen:
            start = max(since, m.join_date, demo.today - dt.timedelta(days=365))
            activated = _day(rng, start, demo.today)
            accounts.append(MemberAppAccount(koperasi=koperasi, member=m, activated_on=activated))
            day = activated
            while day <= demo.today:
                if rng.random() < 0.5:
                    activity.append(
                        MemberAppActivity(
                            koperasi=koperasi, member=m, on=day, actions=rng.randrange(1, 4)
                        )
                    )
                day += dt.timedelta(days=rng.randrange(5, 25))
        MemberAppAccount.objects.bulk_create(accounts, batch_size=1000)
        MemberAppActivity.objects.bulk_create(activity, batch_size=1000)
        made += len(accounts)
    return f"{made} akun aplikasi anggota (contoh, sampai portal ada)" if made else None


def step_figures(demo: Demo) -> str | None:
    """Every koperasi's figures, computed from its records."""
    n = services.figures_refresh_all(today=demo.today)
    return f"angka {n} koperasi dihitung"


STEPS = [step_merah_putih, step_movement, step_consultants, step_adoption, step_figures]
