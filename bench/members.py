"""Member benchmarks: the kasir's quick find, and registration through the service.

1. Search: a koperasi of 2 500 members in a table that also holds 40 000 members of 16 other
   koperasi (the district). Median time of ``member_search`` per kind of query (number, name
   prefix, name inside, NIK, NIK tail, phone), against an exact number lookup as baseline.
2. Registration: ``member_register`` one transaction each (NIK check, numbering row lock,
   insert, audit row).

``KOPDIG_BENCH_SCALE=0.1 python -m bench members`` for a quick look.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
from typing import Any

from bench import figure, koperasi, timer

SCALE = float(os.environ.get("KOPDIG_BENCH_SCALE", "1"))
MEMBERS = max(200, int(2_500 * SCALE))
OTHERS = 16
OTHER_MEMBERS = max(200, int(2_500 * SCALE))
REGISTRATIONS = max(50, int(500 * SCALE))
REPEAT = 30

FIRST = ["Rina", "Yohanes", "Maria", "Fransiskus", "Siti", "Kornelis", "Agustinus", "Bernadeta"]
LAST = ["Marlina", "Jehaut", "Nggalu", "Ndapa", "Lado", "Sutri", "Aminah", "Jemadu", "Nona"]


def _nik(n: int, born: dt.date) -> str:
    # Kecamatan code varies with n so 16 digits stay unique well past 9 999 members.
    return f"53{15 + n // 9999 % 80:02d}05{born:%d%m%y}{n % 9999 + 1:04d}"


def _koperasi(code: str) -> Any:
    return koperasi(code, dt.date(2026, 6, 30))


def _fill(koperasi: Any, count: int, rng: random.Random) -> list[Any]:
    from members.models import Member

    rows = []
    for n in range(count):
        born = dt.date(1950 + rng.randrange(55), rng.randrange(1, 13), rng.randrange(1, 29))
        rows.append(
            Member(
                koperasi=koperasi,
                number=f"{n + 1:05d}",
                full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
                nik=_nik(n, born),
                birth_date=born,
                gender="L",
                phone=f"+628{rng.randrange(10**9, 10**10)}",
                join_date=dt.date(2015, 1, 1),
            )
        )
    return Member.objects.bulk_create(rows, batch_size=2_000)


def _median_ms(fn: Any) -> float:
    times = []
    for _ in range(REPEAT):
        with timer() as elapsed:
            fn()
        times.append(elapsed())
    return statistics.median(times) * 1000


def run() -> None:
    from django.db import connection

    from members.models import Member
    from members.selectors import member_search
    from members.services import member_register

    rng = random.Random(7)
    for i in range(OTHERS):
        _fill(_koperasi(f"bench-m-other-{i}"), OTHER_MEMBERS, rng)
    koperasi = _koperasi("bench-m-main")
    members = _fill(koperasi, MEMBERS, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE members_member")
    total = Member.objects.count()
    print(f"  {MEMBERS} members in the koperasi, {total} in the table")

    sample = members[MEMBERS // 2]
    local_phone = "0" + sample.phone[3:]
    queries = {
        "number, exact": sample.number,
        "number, prefix (3)": sample.number[:3],
        "name, prefix": sample.full_name.split()[0][:4].lower(),
        "name, inside": sample.full_name.split()[1][1:5],
        "NIK, exact": sample.nik,
        "NIK, last 6 digits": sample.nik[-6:],
        "phone, 08… prefix (7)": local_phone[:7],
        "phone, full 08…": local_phone,
    }
    base = _median_ms(lambda: member_search(koperasi=koperasi, q=sample.number))
    for label, q in queries.items():
        ms = _median_ms(lambda q=q: member_search(koperasi=koperasi, q=q))
        hits = len(member_search(koperasi=koperasi, q=q))
        figure(f"search {label}", ms, "ms", f"{hits} hits, ×{ms / base:.1f} of exact number")

    born = dt.date(1990, 1, 1)
    with timer() as elapsed:
        for n in range(REGISTRATIONS):
            member_register(
                koperasi=koperasi,
                actor=None,
                full_name=f"Baru {n}",
                nik=f"539905{born:%d%m%y}{n + 1:04d}",
                birth_date=born,
                gender="L",
            )
    figure("member_register, one transaction each", REGISTRATIONS / elapsed(), "per s")
