"""The demo district: Kabupaten Manggarai Barat as its Dinas knew it, built offline and the same
way every time.

``kopdig demo`` runs a list of *steps*. Each app may add its own as ``STEPS`` in ``<app>/demo.py``;
the command runs the steps of every installed app in ``INSTALLED_APPS`` order (registry first, so
later steps find the koperasi and people made here). A step is a function of the :class:`Demo`
context that writes through the app's services and is idempotent: it returns a line saying what
it made, or ``None`` when its data was already there. Each step draws from its own seeded random
generator (:meth:`Demo.rng`), so adding a step never changes what the others make.

The district's figures (:data:`FIGURES`) are the Dinas's own as of :data:`SEED_DAY`
(22 March 2022): 145 koperasi, 87 active (60%), 32 digital, two founded in 2022, a target of 30
new digital koperasi a year. The registry's steps build the district as it stood that day; the
dashboard's demo step then moves it along the funnel, year by year, to today.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils.text import slugify

from registry import services
from registry.models import Koperasi, Region, Role

DEMO_PASSWORD = "kopdig-demo"
MARKER_CODE = "ksp-bajo"  # present exactly when the demo district has been loaded

SEED_DAY = dt.date(2022, 3, 22)  # the day the Dinas's figures describe

FIGURES = {
    "total": 145,
    "active": 87,
    "digital": 32,
    "founded_2022": 2,
    "target": 30,
}

Step = Callable[["Demo"], str | None]


@dataclass
class Demo:
    """What every step may use: today's date, seeded randomness, and the people made so far."""

    today: dt.date
    logins: list[tuple[str, str]] = field(default_factory=list)

    def rng(self, name: str) -> random.Random:
        return random.Random(f"kopdig-demo/{name}")

    @property
    def dinas(self) -> Any:
        """The Dinas admin: the actor of the district's writes."""
        return get_user_model().objects.get(username="dinas")

    def koperasi(self, code: str) -> Koperasi:
        return Koperasi.objects.get(code=code)

    def person(self, username: str, full_name: str) -> tuple[Any, bool]:
        """A demo user with the shared password; ``(user, created)``."""
        first, _, last = full_name.partition(" ")
        return get_user_model().objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "password": _demo_hash()},
        )


_HASH: dict[str, str] = {}


def _demo_hash() -> str:
    # One argon2 hash for everyone: the password is public, and hashing it once per user
    # would only make the demo slow.
    if "h" not in _HASH:
        _HASH["h"] = make_password(DEMO_PASSWORD)
    return _HASH["h"]


def is_loaded() -> bool:
    return Koperasi.objects.filter(code=MARKER_CODE).exists()


def demo_apps() -> list[str]:
    """Labels of the installed apps that add demo steps, in ``INSTALLED_APPS`` order."""
    return [label for label, _steps in _app_steps()]


def collect_steps(only: list[str] | None = None) -> list[Step]:
    """Every installed app's ``demo.STEPS`` (or only those of the apps labelled in ``only``)."""
    return [step for label, steps in _app_steps() if not only or label in only for step in steps]


def _app_steps() -> list[tuple[str, list[Step]]]:
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        found.append((config.label, list(getattr(module, "STEPS", []))))
    return found


# --- the district ----------------------------------------------------------------------------

# How many koperasi each kecamatan has: most in Komodo, where Labuan Bajo is.
PER_KECAMATAN = {
    "53.15.01": 13,  # Macang Pacar
    "53.15.02": 12,  # Kuwus
    "53.15.03": 16,  # Lembor
    "53.15.04": 10,  # Sano Nggoang
    "53.15.05": 30,  # Komodo
    "53.15.06": 10,  # Boleng
    "53.15.07": 10,  # Welak
    "53.15.08": 8,  # Ndoso
    "53.15.09": 11,  # Lembor Selatan
    "53.15.10": 9,  # Mbeliling
    "53.15.11": 8,  # Pacar
    "53.15.12": 8,  # Kuwus Barat
}
LABUAN_BAJO = "53.15.05.1025"
STREETS = ["Soekarno-Hatta", "Ande Bungin", "Frans Nala", "Gabriel Gampur", "Yos Sudarso"]
COASTAL = {
    "Papa Garang",
    "Komodo",
    "Pasir Putih",
    "Seraya Marannu",
    "Pantar",
    "Gorontalo",
    "Warloka",
    "Golo Mori",
    "Nanga Bere",
    "Nanga Lili",
    "Nanga Kantor",
    "Nggilat",
    "Tanjung Boleng",
    "Pontianak",
    "Mbuit",
    "Pulau Nuncung",
}

K = Koperasi.Kind
# (kind, name prefix, weight): savings-and-loan (KSP and credit unions) dominate in NTT.
PREFIXES = [
    (K.SIMPAN_PINJAM, "Kopdit", 28),
    (K.SIMPAN_PINJAM, "KSP", 24),
    (K.SERBA_USAHA, "KSU", 16),
    (K.PRODUSEN, "Koperasi Tani", 7),
    (K.PRODUSEN, "Koperasi Produsen", 5),
    (K.PRODUSEN, "Koperasi Tenun", 3),
    (K.PRODUSEN, "Koperasi Peternak", 2),
    (K.KONSUMEN, "Koperasi Konsumen", 5),
    (K.KONSUMEN, "KPRI", 3),
    (K.PEMASARAN, "Koperasi Pemasaran", 4),
    (K.JASA, "Koperasi Jasa", 3),
]
MOTIFS = [
    "Sinar Harapan",
    "Mawar Sharon",
    "Bintang Timur",
    "Harapan Baru",
    "Maju Bersama",
    "Tunas Harapan",
    "Cahaya Kasih",
    "Usaha Bersama",
    "Karya Mandiri",
    "Sumber Rejeki",
    "Suka Maju",
    "Bina Usaha",
    "Mekar Jaya",
    "Mitra Sejahtera",
    "Lonto Leok",
    "Ca Nai",
    "Mose Di'a",
    "Nai Ngalis",
    "Gerbang Kasih",
    "Kasih Setia",
    "Pelita Hati",
    "Sehati",
    "Surya Mandiri",
    "Tuka Ceki",
    "Bunga Rampai",
    "Sinar Pagi",
    "Bakti Luhur",
]

# The three koperasi with staff logins, fixed so the README can name them.
STAFFED = [
    {
        "code": MARKER_CODE,
        "name": "KSP Sinar Harapan Bajo",
        "kind": K.SIMPAN_PINJAM,
        "desa": LABUAN_BAJO,
        "founded_on": dt.date(2004, 3, 22),
        "digital_years_ago": 2,
        "users": "bajo",
    },
    {
        "code": "kopdit-mawar-lembor",
        "name": "Kopdit Mawar Sharon Lembor",
        "kind": K.SIMPAN_PINJAM,
        "desa": "53.15.03.1032",  # Tangge, the kelurahan of Lembor
        "founded_on": dt.date(1998, 7, 14),
        "digital_years_ago": 0,
        "users": "lembor",
    },
    {
        "code": "nelayan-papagarang",
        "name": "Koperasi Nelayan Papagarang",
        "kind": K.PRODUSEN,
        "desa": "Papa Garang",
        "founded_on": dt.date(2012, 10, 5),
        "digital_years_ago": 1,
        "users": "papagarang",
    },
]

S = Koperasi.Status
STATUS_COUNTS = {
    S.AKTIF: 72,
    S.AKTIF_BELUM_RAT: 15,
    S.TIDAK_AKTIF: 48,
    S.DALAM_PEMBUBARAN: 6,
    S.BUBAR: 4,
}
# When the 32 digital koperasi first went digital: years before this one → how many.
DIGITAL_SINCE = {0: 9, 1: 12, 2: 7, 3: 4}
IN_USE = 12  # of the 32, those whose members now use the app (aktif digunakan)
PIPELINE = {Koperasi.Stage.PENDATAAN: 8, Koperasi.Stage.MIGRASI: 6}


@dataclass
class Plan:
    """One demo koperasi, decided before anything is written."""

    code: str
    name: str
    kind: str
    kecamatan: Region
    desa: Region
    founded_on: dt.date
    status: str = S.AKTIF
    digital_on: dt.date | None = None
    in_use_on: dt.date | None = None
    pipeline: str = ""
    pipeline_on: dt.date | None = None


def _roman(month: int) -> str:
    return ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"][month - 1]


def _legal_number(rng: random.Random, founded: dt.date) -> str:
    if founded.year >= 2014:  # registered online with the Ministry of Law (AHU)
        return f"AHU-{rng.randrange(10**6, 10**7):07d}.AH.01.26.TAHUN {founded.year}"
    return f"{rng.randrange(1, 400):03d}/BH/XIV/{_roman(founded.month)}/{founded.year}"


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _unique_code(candidates: list[str], taken: set[str]) -> str:
    """The first candidate that fits a 20-character slug and is free; else one numbered."""
    slugs = [slugify(c).strip("-") for c in candidates]
    for slug in slugs:
        if len(slug) <= 20 and slug not in taken:
            taken.add(slug)
            return slug
    base = slugs[-1][:17].rsplit("-", 1)[0] if len(slugs[-1]) > 17 else slugs[-1]
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    taken.add(f"{base}-{n}")
    return f"{base}-{n}"


def _place_word(desa: Region) -> str:
    return "Bajo" if desa.code == LABUAN_BAJO else desa.name


def plan_district(today: dt.date, rng: random.Random) -> list[Plan]:
    """Decide all 145 koperasi: where, what, since when, and how far along the digital path."""
    regions = {r.code: r for r in Region.objects.all()}
    by_name = {r.name: r for r in regions.values() if r.level != Region.Level.KECAMATAN}
    desa_of: dict[str, list[Region]] = {}
    for region in regions.values():
        if region.level in (Region.Level.DESA, Region.Level.KELURAHAN) and region.parent_id:
            desa_of.setdefault(region.parent_id, []).append(region)

    plans: list[Plan] = []
    names: set[str] = set()
    codes: set[str] = set()
    for spec in STAFFED:
        desa = regions.get(str(spec["desa"])) or by_name[str(spec["desa"])]
        assert desa.parent_id is not None
        plans.append(
            Plan(
                code=_unique_code([str(spec["code"])], codes),
                name=str(spec["name"]),
                kind=str(spec["kind"]),
                kecamatan=regions[desa.parent_id],
                desa=desa,
                founded_on=spec["founded_on"],  # type: ignore[arg-type]
            )
        )
        names.add(str(spec["name"]))

    kinds = [(kind, prefix) for kind, prefix, _w in PREFIXES]
    weights = [w for _k, _p, w in PREFIXES]
    for kec_code, count in PER_KECAMATAN.items():
        already = sum(1 for p in plans if p.kecamatan.code == kec_code)
        villages = sorted(desa_of[kec_code], key=lambda r: r.code)
        for _ in range(count - already):
            desa = rng.choice(villages)
            if kec_code == "53.15.05" and rng.random() < 0.4:
                desa = regions[LABUAN_BAJO]
            kind, prefix = rng.choices(kinds, weights)[0]
            if desa.name in COASTAL and rng.random() < 0.5:
                kind, prefix = K.PRODUSEN, "Koperasi Nelayan"
            if desa.code == LABUAN_BAJO and rng.random() < 0.3:
                kind, prefix = K.JASA, rng.choice(["Koperasi Jasa Wisata", "Koperasi Angkutan"])
            while True:
                if prefix == "Koperasi Nelayan" and f"{prefix} {desa.name}" not in names:
                    name = f"{prefix} {desa.name}"
                else:
                    name = f"{prefix} {rng.choice(MOTIFS)} {_place_word(desa)}"
                if name not in names:
                    break
            names.add(name)
            # ksp-sinar-bajo, kopdit-mawar-lembor, nelayan-pantar, tani-harapan-rego …
            words = prefix.split()
            short = words[-1] if words[0] == "Koperasi" else words[0]
            motif = name.removeprefix(prefix).split()[0] if short != "Nelayan" else ""
            place = _place_word(desa)
            plans.append(
                Plan(
                    code=_unique_code(
                        [f"{short}-{motif}-{place}", f"{short}-{place}", f"{motif}-{place}"],
                        codes,
                    ),
                    name=name,
                    kind=kind,
                    kecamatan=regions[kec_code],
                    desa=desa,
                    founded_on=_day_between(rng, dt.date(1978, 1, 1), dt.date(2021, 12, 31)),
                )
            )
    assert len(plans) == FIGURES["total"], len(plans)

    # Two koperasi founded in 2022, the district's newest: active, not yet digital.
    staffed, others = plans[: len(STAFFED)], plans[len(STAFFED) :]
    rng.shuffle(others)
    for plan in others[:2]:
        plan.founded_on = _day_between(
            rng, dt.date(2022, 2, 1), max(dt.date(2022, 2, 1), min(dt.date(2022, 11, 30), today))
        )
    newest, rest = others[:2], others[2:]

    # Status: the digital and newest koperasi are among the active ones.
    digital = staffed + rest[: FIGURES["digital"] - len(staffed)]
    undecided = rest[len(digital) - len(staffed) :]
    statuses = [s for s, n in STATUS_COUNTS.items() for _ in range(n)]
    active_slots = [s for s in statuses if s in Koperasi.ACTIVE_STATUSES]
    inactive_slots = [s for s in statuses if s not in Koperasi.ACTIVE_STATUSES]
    for plan in digital + newest:
        plan.status = S.AKTIF
        active_slots.remove(S.AKTIF)
    rng.shuffle(active_slots)
    remaining = active_slots + inactive_slots
    for plan, status in zip(undecided, remaining, strict=True):
        plan.status = status

    # When each digital koperasi went digital; the staffed ones on fixed years.
    years = [y for y, n in DIGITAL_SINCE.items() for _ in range(n)]
    for spec in STAFFED:
        years.remove(int(spec["digital_years_ago"]))  # type: ignore[call-overload]
    rng.shuffle(years)
    ago = [int(spec["digital_years_ago"]) for spec in STAFFED] + years  # type: ignore[call-overload]
    for plan, years_ago in zip(digital, ago, strict=True):
        year = today.year - years_ago
        start = max(dt.date(year, 1, 1), plan.founded_on + dt.timedelta(days=400))
        end = min(dt.date(year, 12, 31), today)
        plan.digital_on = _day_between(rng, start, max(start, end))
    old_enough = [p for p in digital if p.digital_on and (today - p.digital_on).days > 90]
    for plan in [staffed[0], *rng.sample(old_enough[1:], IN_USE - 1)]:
        assert plan.digital_on is not None
        end = min(today, plan.digital_on + dt.timedelta(days=240))
        plan.in_use_on = _day_between(rng, plan.digital_on + dt.timedelta(days=45), end)

    # Koperasi on their way: pendataan and migrasi this year, all active.
    on_the_way = [p for p in undecided if p.status in Koperasi.ACTIVE_STATUSES]
    pipeline = [s for s, n in PIPELINE.items() for _ in range(n)]
    for plan, stage in zip(rng.sample(on_the_way, len(pipeline)), pipeline, strict=True):
        plan.pipeline = stage
        plan.pipeline_on = _day_between(
            rng, max(dt.date(today.year, 1, 1), today - dt.timedelta(days=200)), today
        )
    return plans


def _last_rat(rng: random.Random, plan: Plan, today: dt.date) -> dt.date | None:
    """The last RAT held: a book year's meeting is in February to June of the next year.

    Aktif: held in the last season; aktif belum RAT: missed the last one; the others have held
    none for at least two seasons (which is what makes a koperasi tidak aktif), or never.
    """
    season = today.year if today.month > 6 else today.year - 1  # the last finished season
    if plan.status == S.AKTIF:
        year = season
    elif plan.status == S.AKTIF_BELUM_RAT:
        year = season - 1
    elif rng.random() < 0.15:
        return None
    else:
        year = rng.randrange(2010, season - 1)
    if year <= plan.founded_on.year:
        return None
    return _day_between(rng, dt.date(year, 2, 1), dt.date(year, 6, 30))


def _stage_path(plan: Plan, rng: random.Random) -> Iterator[tuple[str, dt.date]]:
    Stage = Koperasi.Stage
    if plan.digital_on:
        pendataan = plan.digital_on - dt.timedelta(days=rng.randrange(60, 150))
        migrasi = plan.digital_on - dt.timedelta(days=rng.randrange(10, 45))
        yield Stage.PENDATAAN, max(pendataan, plan.founded_on)
        yield Stage.MIGRASI, max(migrasi, plan.founded_on)
        yield Stage.DIGITAL, plan.digital_on
        if plan.in_use_on:
            yield Stage.AKTIF_DIGUNAKAN, plan.in_use_on
    elif plan.pipeline and plan.pipeline_on:
        if plan.pipeline == Stage.MIGRASI:
            yield Stage.PENDATAAN, plan.pipeline_on - dt.timedelta(days=rng.randrange(30, 90))
        yield plan.pipeline, plan.pipeline_on


def step_people(demo: Demo) -> str | None:
    """The Dinas and its consultants."""
    made = 0
    for username, full_name, role in [
        ("dinas", "Yohanes Jehadu", Role.DINAS_ADMIN),
        ("staf.dinas", "Maria Goreti Ndori", Role.DINAS_STAFF),
    ]:
        user, created = demo.person(username, full_name)
        made += created
        if created:
            services.role_grant(actor=None, user=user, role=role)
    for username, full_name in [
        ("konsultan1", "Fransiskus Jemarut"),
        ("konsultan2", "Theresia Nggoro"),
    ]:
        _user, created = demo.person(username, full_name)
        made += created
    demo.logins += [
        ("dinas", "Admin Dinas: registri, tahap digital, target, audit seluruh kabupaten"),
        ("staf.dinas", "Staf Dinas: registri, hanya baca"),
        ("konsultan1", "Konsultan pendamping: 8 koperasi digital (termasuk ksp-bajo)"),
        ("konsultan2", "Konsultan pendamping: 8 koperasi digital lain"),
    ]
    return f"{made} pengguna Dinas dan konsultan dibuat" if made else None


def step_targets(demo: Demo) -> str | None:
    """The Dinas's target: 30 new digital koperasi a year, from the seed's year to next year."""
    from registry.models import AnnualTarget

    years = list(range(SEED_DAY.year, max(SEED_DAY.year, demo.today.year) + 2))
    missing = [y for y in years if not AnnualTarget.objects.filter(year=y).exists()]
    for year in missing:
        services.target_set(actor=demo.dinas, year=year, new_digital=FIGURES["target"])
    if not missing:
        return None
    return f"target {FIGURES['target']} koperasi digital baru untuk tahun " + ", ".join(
        str(y) for y in missing
    )


def step_koperasi(demo: Demo) -> str | None:
    """145 koperasi over the 12 kecamatan, each with its status, RAT and digital history, as
    they stood on :data:`SEED_DAY`."""
    if is_loaded():
        return None
    rng = demo.rng("koperasi")
    actor = demo.dinas
    seed = min(SEED_DAY, demo.today)
    plans = plan_district(seed, rng)
    for n, plan in enumerate(plans, start=1):
        certified = plan.status not in (S.BUBAR,) and rng.random() < 0.85
        koperasi = services.koperasi_create(
            actor=actor,
            name=plan.name,
            code=plan.code,
            kind=plan.kind,
            kecamatan=plan.kecamatan,
            desa=plan.desa,
            founded_on=plan.founded_on,
            legal_date=plan.founded_on + dt.timedelta(days=rng.randrange(20, 120)),
            legal_number=_legal_number(rng, plan.founded_on),
            nik_koperasi=f"5315{plan.kecamatan.code[-2:]}{n:010d}" if certified else "",
            address=(
                f"Jl. {rng.choice(STREETS)} No. {rng.randrange(1, 120)}, Labuan Bajo"
                if plan.desa.code == LABUAN_BAJO
                else f"{plan.desa.get_level_display()} {plan.desa.name}"
            ),
            status=plan.status,
            last_rat_on=_last_rat(rng, plan, seed),
            stage_since=plan.founded_on,
            status_since=plan.founded_on,
        )
        for stage, on in _stage_path(plan, rng):
            services.digital_stage_set(actor=actor, koperasi=koperasi, stage=stage, on=on)
    return (
        f"{len(plans)} koperasi di 12 kecamatan: "
        f"{sum(p.status in Koperasi.ACTIVE_STATUSES for p in plans)} aktif, "
        f"{sum(p.digital_on is not None for p in plans)} digital"
    )


def step_staff(demo: Demo) -> str | None:
    """Konsultan assignments, and pengurus, kasir and pengawas for three digital koperasi."""
    made = 0
    digital = list(
        Koperasi.objects.filter(digital_stage__in=Koperasi.DIGITAL_STAGES).order_by("code")
    )
    staffed = [demo.koperasi(str(spec["code"])) for spec in STAFFED]
    others = [k for k in digital if k not in staffed]
    rng = demo.rng("staff")
    rng.shuffle(others)
    assignments = {
        "konsultan1": [staffed[0], staffed[2], *others[:6]],
        "konsultan2": [staffed[1], *others[6:13]],
    }
    User = get_user_model()
    for username, koperasi_list in assignments.items():
        user = User.objects.get(username=username)
        for koperasi in koperasi_list:
            made += _grant(demo, user, Role.KONSULTAN, koperasi)

    people = {
        "bajo": ["Agustinus Mbaru", "Yosefina Dalu", "Benediktus Gagur"],
        "lembor": ["Stefanus Jelahu", "Kristina Ngalu", "Wilhelmus Sehadun"],
        "papagarang": ["Muhammad Saleh", "Siti Aminah", "Abdul Rahman"],
    }
    for spec, koperasi in zip(STAFFED, staffed, strict=True):
        place = str(spec["users"])
        for role, full_name in zip(
            (Role.PENGURUS, Role.KASIR, Role.PENGAWAS), people[place], strict=True
        ):
            user, created = demo.person(f"{role.value}.{place}", full_name)
            made += created
            made += _grant(demo, user, role, koperasi)
            demo.logins.append((user.username, f"{role.label}, {koperasi.name} ({koperasi.code})"))
    # Someone on two boards: pengawas in Labuan Bajo and pengurus on Papagarang.
    user, created = demo.person("dua.koperasi", "Elisabeth Wunga")
    made += created
    made += _grant(demo, user, Role.PENGAWAS, staffed[0])
    made += _grant(demo, user, Role.PENGURUS, staffed[2])
    demo.logins.append(
        ("dua.koperasi", f"Pengawas {staffed[0].name} dan pengurus {staffed[2].name}")
    )
    return f"{made} pengguna dan peran koperasi dibuat" if made else None


def _grant(demo: Demo, user: Any, role: str, koperasi: Koperasi) -> int:
    if user.role_grants.filter(role=role, koperasi=koperasi).exists():
        return 0
    services.role_grant(actor=demo.dinas, user=user, role=role, koperasi=koperasi)
    return 1


STEPS: list[Step] = [step_people, step_targets, step_koperasi, step_staff]
