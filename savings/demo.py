"""Savings in the demo district: members, products and two years of history for three koperasi.

KSP Sinar Harapan Bajo in Labuan Bajo (``ksp-bajo``) gets about 2 000 members, Kopdit Mawar
Sharon Lembor about 600 and Koperasi Nelayan Papagarang about 150: Manggarai (and, on the coast,
Bajo and Bima) names, NIKs of Kabupaten Manggarai Barat (5315…), Indonesian mobile numbers.
Nine in ten members joined before the two years; the rest join during them.

The history is written through the savings services, day by day: each counter day is one
:class:`~savings.services.Booking` (one ledger entry with a movement per member), joins, exits
and berjangka placements go through their own services, and every month end runs the real
``month_end`` (wajib billing, interest, tax). So the demo's books obey every rule the tests
check. The members who were already there when the history starts come in with an opening
balance (bulk, one entry), as a migrated koperasi would.

:func:`load` is the entry point; ``kopdig demo`` runs it through :data:`STEPS`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from core.dates import local_today
from ledger.services import chart_setup
from members.models import Member, MemberNumberFormat
from registry.models import Koperasi, Region, RoleGrant
from savings import services
from savings.models import Account, Kind, Obligation, Product, TaxDeposit
from savings.services._bulk import insert_rows, now
from savings.services._common import Booking, add_months, lock_accounts, month_start
from savings.services.opening import book_opening_balances
from savings.services.tax import withheld_in

D = Decimal
HISTORY_MONTHS = 24

# code → (members, counter weekdays (Mon=0), pokok, pokok instalments, wajib)
PLANS: dict[str, tuple[int, tuple[int, ...], int, int, int]] = {
    "ksp-bajo": (2000, (0, 1, 2, 3, 4, 5), 100_000, 1, 50_000),
    "kopdit-mawar-lembor": (600, (0, 2, 4), 200_000, 4, 30_000),
    "nelayan-papagarang": (150, (5,), 50_000, 1, 25_000),
}

MEN = [
    "Yohanes",
    "Fransiskus",
    "Agustinus",
    "Kornelis",
    "Stefanus",
    "Wilhelmus",
    "Benediktus",
    "Aloysius",
    "Hendrikus",
    "Paulus",
    "Petrus",
    "Anselmus",
    "Donatus",
    "Emilianus",
    "Fidelis",
    "Gabriel",
    "Hilarius",
    "Ignasius",
    "Klemens",
    "Lukas",
    "Markus",
    "Nikolaus",
    "Rofinus",
    "Silvester",
    "Tarsisius",
    "Valentinus",
    "Yakobus",
    "Gerardus",
    "Kanisius",
    "Yosef",
    "Blasius",
    "Dominikus",
    "Eduardus",
    "Marselinus",
    "Oktavianus",
    "Polikarpus",
]
WOMEN = [
    "Maria",
    "Yosefina",
    "Kristina",
    "Bernadeta",
    "Elisabeth",
    "Theresia",
    "Margareta",
    "Veronika",
    "Yuliana",
    "Katarina",
    "Adriana",
    "Beatrix",
    "Sesilia",
    "Dorotea",
    "Emerensiana",
    "Florentina",
    "Helena",
    "Imelda",
    "Natalia",
    "Regina",
    "Wilhelmina",
    "Agnes",
    "Anastasia",
    "Fransiska",
    "Getrudis",
    "Hildegardis",
    "Maria Goreti",
    "Oktaviana",
    "Petronela",
    "Rosalia",
]
MUSLIM_MEN = ["Muhammad", "Abdul", "Ahmad", "Hasan", "Ismail", "Yusuf", "Saleh", "Rahman", "Arif"]
MUSLIM_WOMEN = ["Siti", "Nur", "Aminah", "Fatimah", "Salmah", "Halimah", "Rukayah", "Zainab"]
FAMILY = [
    "Jehamat",
    "Jebarus",
    "Nggeli",
    "Ndaru",
    "Mbaru",
    "Dalu",
    "Gagur",
    "Jelahu",
    "Ngalu",
    "Sehadun",
    "Jemadu",
    "Jehaut",
    "Nggalu",
    "Ndapa",
    "Dangku",
    "Ndahur",
    "Janggur",
    "Tengko",
    "Nasut",
    "Pandur",
    "Habur",
    "Mangkur",
    "Jelalu",
    "Rambung",
    "Ngadut",
    "Hambur",
    "Jehadu",
    "Lalong",
    "Ampur",
    "Ndolu",
    "Kanta",
    "Meka",
    "Adur",
    "Jaga",
    "Wangge",
    "Sabon",
    "Ngamal",
    "Bahagia",
    "Jampur",
    "Pantur",
    "Agus",
    "Suhardi",
]
COASTAL = ["Daeng", "Bahri", "Labaco", "Lamatokan", "Sarita", "Dae Kelu", "Hamsi", "Sanusi"]
WORK = [
    "petani",
    "nelayan",
    "pedagang",
    "guru",
    "pemandu wisata",
    "sopir",
    "tukang",
    "ibu rumah tangga",
    "pegawai hotel",
    "wiraswasta",
    "penenun",
    "perawat",
    "pengrajin",
    "pegawai negeri",
]
PREFIXES = ["0812", "0813", "0821", "0822", "0823", "0852", "0853", "0811", "0857", "0878"]

Say = Callable[[str], None]


class _People:
    """Realistic, unique members for one koperasi."""

    def __init__(self, koperasi: Koperasi, rng: random.Random) -> None:
        self.rng = rng
        self.koperasi = koperasi
        kecamatan = koperasi.kecamatan
        self.desa: list[tuple[str | None, str]] = list(
            Region.objects.filter(parent=kecamatan).order_by("code").values_list("pk", "name")
        ) or [(None, kecamatan.name)]
        self.kec_code = kecamatan.code[-2:]
        self.coastal = koperasi.code in ("ksp-bajo", "nelayan-papagarang")
        self.niks: set[str] = set(
            Member.objects.filter(koperasi=koperasi).values_list("nik", flat=True)
        )
        self.phones: set[str] = set()

    def person(self, joined: dt.date) -> dict[str, Any]:
        rng = self.rng
        female = rng.random() < 0.5
        muslim = self.coastal and rng.random() < 0.3
        if muslim:
            first = rng.choice(MUSLIM_WOMEN if female else MUSLIM_MEN)
            name = f"{first} {rng.choice(COASTAL)}"
        else:
            first = rng.choice(WOMEN if female else MEN)
            name = f"{first} {rng.choice(FAMILY)}"
        born = dt.date(rng.randrange(1955, 2004), rng.randrange(1, 13), rng.randrange(1, 29))
        if (joined - born).days < 18 * 365:
            born = born.replace(year=joined.year - 20 - rng.randrange(30))
        kec = self.kec_code if rng.random() < 0.8 else f"{rng.randrange(1, 13):02d}"
        day = born.day + (40 if female else 0)
        while True:
            nik = f"5315{kec}{day:02d}{born:%m%y}{rng.randrange(1, 10000):04d}"
            if nik not in self.niks:
                self.niks.add(nik)
                break
        while True:
            phone = f"+62{rng.choice(PREFIXES)[1:]}{rng.randrange(10**6, 10**8)}"
            if phone not in self.phones:
                self.phones.add(phone)
                break
        desa_code, desa_name = rng.choice(self.desa)
        # Two draws, as before (the demo stays the same); a spouse's name and word follow the
        # member's gender: a woman's heir "suami" is a man.
        heir = rng.choice(MEN + WOMEN)
        relation = rng.choice(["pasangan", "pasangan", "anak", "saudara"])
        if relation == "pasangan":
            relation = "suami" if female else "istri"
            names = MEN if female else WOMEN
            heir = names[(MEN + WOMEN).index(heir) % len(names)]
        return {
            "full_name": name,
            "nik": nik,
            "birth_date": born,
            "gender": "P" if female else "L",
            "phone": phone if rng.random() < 0.9 else "",
            "address": f"Kampung {rng.choice(FAMILY)}, {desa_name}",
            "desa_id": desa_code,
            "occupation": rng.choice(WORK),
            "heir_name": f"{heir} {name.split()[-1]}",
            "heir_relation": relation,
        }


def _staff(koperasi: Koperasi, role: str) -> Any:
    grant = RoleGrant.objects.filter(koperasi=koperasi, role=role).select_related("user").first()
    return grant.user if grant else get_user_model().objects.filter(is_superuser=True).first()


def _set_date(koperasi: Koperasi, day: dt.date) -> None:
    koperasi.business_date = day
    Koperasi.objects.filter(pk=koperasi.pk).update(business_date=day)


def _products(koperasi: Koperasi, actor: Any, start: dt.date, plan: tuple) -> dict[str, Product]:
    _size, _days, pokok, instalments, wajib = plan
    since = dt.date(2000, 1, 1)
    common = {"koperasi": koperasi, "actor": actor, "effective_from": since}
    made = {
        "pokok": services.product_create(
            **common,
            code="SP",
            name="Simpanan Pokok",
            kind=Kind.POKOK,
            pokok_amount=D(pokok),
            pokok_instalments=instalments,
        ),
        "wajib": services.product_create(
            **common,
            code="SW",
            name="Simpanan Wajib",
            kind=Kind.WAJIB,
            wajib_amount=D(wajib),
            open_on_join=True,
        ),
        "sukarela": services.product_create(
            **common,
            code="SS",
            name="Tabungan Sukarela",
            kind=Kind.SUKARELA,
            rate_percent=D("3"),
            interest_method="harian",
            min_balance=D("20000"),
            interest_threshold=D("50000"),
            open_on_join=True,
        ),
        "berjangka": services.product_create(
            **common,
            code="SB",
            name="Simpanan Berjangka",
            kind=Kind.BERJANGKA,
            rate_percent=D("5.5"),
            tenors=[3, 6, 12],
            early_penalty_percent=D("10"),
            min_balance=D("1000000"),
        ),
    }
    if koperasi.code == "ksp-bajo":
        made["sibuhar"] = services.product_create(
            **common,
            code="SIBUHAR",
            name="Simpanan Hari Raya",
            kind=Kind.SUKARELA,
            rate_percent=D("4"),
            interest_method="rata_rata",
            min_balance=D("0"),
        )
    # The RAT of the first year lowered the sukarela rate: dated terms in the history.
    services.product_terms_set(
        product=made["sukarela"],
        actor=actor,
        effective_from=add_months(start, 12),
        rate_percent=D("2.5"),
    )
    return made


def _wealth(rng: random.Random) -> Decimal:
    """A sukarela balance: most modest, a few large (they pay PPh on their interest)."""
    if rng.random() < 0.015:
        return D(rng.randrange(80, 160) * 1_000_000)
    return D(int(rng.lognormvariate(13.8, 1.0)) // 1000 * 1000 + 20_000)


def _opening(
    koperasi: Koperasi,
    products: dict[str, Product],
    people: _People,
    count: int,
    start: dt.date,
    actor: Any,
) -> list[int]:
    """The members already there when the history starts, with their balances (migrated)."""
    rng = people.rng
    created = now()
    founded = koperasi.founded_on or dt.date(2005, 1, 1)
    joined = sorted(
        founded + dt.timedelta(days=rng.randrange(max(1, (start - founded).days - 30)))
        for _ in range(count)
    )
    rows = []
    for n, day in enumerate(joined, start=1):
        p = people.person(day)
        rows.append(
            (
                koperasi.pk,
                f"{n:05d}",
                p["full_name"],
                p["nik"],
                p["birth_date"],
                p["gender"],
                p["phone"],
                p["address"],
                p["desa_id"],
                p["occupation"],
                p["heir_name"],
                p["heir_relation"],
                day,
                "aktif",
                "",
                created,
                created,
            )
        )
    insert_rows(
        Member,
        (
            "koperasi_id",
            "number",
            "full_name",
            "nik",
            "birth_date",
            "gender",
            "phone",
            "address",
            "desa_id",
            "occupation",
            "heir_name",
            "heir_relation",
            "join_date",
            "status",
            "left_reason",
            "created_at",
            "updated_at",
        ),
        rows,
    )
    MemberNumberFormat.objects.update_or_create(koperasi=koperasi, defaults={"next_seq": count + 1})
    members = list(
        Member.objects.filter(koperasi=koperasi)
        .order_by("number")
        .values_list("pk", "join_date", "number")
    )
    pokok = services.terms_in_force(products["pokok"], start).pokok_amount
    wajib = services.terms_in_force(products["wajib"], start).wajib_amount
    day0 = start - dt.timedelta(days=1)
    accounts = []
    unpaid: dict[int, int] = {}  # member → wajib months billed before the start and not paid
    for member_id, join_date, number in members:
        months = max(1, (day0.year - join_date.year) * 12 + day0.month - join_date.month)
        paid_months = max(1, months - (rng.randrange(1, 4) if rng.random() < 0.1 else 0))
        if months > paid_months:
            unpaid[member_id] = months - paid_months
        balances = {"pokok": pokok, "wajib": wajib * paid_months, "sukarela": _wealth(rng)}
        if "sibuhar" in products and rng.random() < 0.25:
            balances["sibuhar"] = D(rng.randrange(5, 60) * 50_000)
        for key, balance in balances.items():
            product = products[key]
            accounts.append(
                (
                    koperasi.pk,
                    member_id,
                    product.pk,
                    product.kind,
                    f"{number}-{product.code}",
                    balance,
                    min(balance, D("20000")) if product.kind == Kind.SUKARELA else D(0),
                    "aktif",
                    join_date,
                    "",
                    D(0),
                    D(0),
                    "",
                    created,
                )
            )
    insert_rows(
        Account,
        (
            "koperasi_id",
            "member_id",
            "product_id",
            "kind",
            "number",
            "balance",
            "floor",
            "status",
            "opened_on",
            "close_reason",
            "prepaid",
            "term_interest",
            "at_maturity",
            "created_at",
        ),
        accounts,
    )
    # The unpaid months are the latest before the start; they become obligations (tunggakan).
    wajib_accounts = dict(
        Account.objects.filter(
            koperasi=koperasi, product=products["wajib"], member_id__in=list(unpaid)
        ).values_list("member_id", "pk")
    )
    last_month = month_start(day0)
    arrears = [
        (wajib_accounts[member_id], add_months(last_month, -i), wajib)
        for member_id, count in unpaid.items()
        for i in range(count)
    ]
    book_opening_balances(
        koperasi=koperasi,
        on=day0,
        actor=actor,
        kind="savings.opening_balance",
        memo="Saldo awal simpanan anggota (migrasi)",
        movement_memo="Saldo awal (migrasi)",
        arrears=arrears,
    )
    return [m[0] for m in members]


def _open_accounts(koperasi: Koperasi) -> list[tuple[int, str, str]]:
    return list(
        Account.objects.filter(koperasi=koperasi, status="aktif")
        .exclude(kind=Kind.BERJANGKA)
        .order_by("pk")
        .values_list("pk", "kind", "product__code")
    )


def _pick(rng: random.Random, rows: Any) -> Any:
    """One row of a queryset chosen by the seeded generator (the demo is the same every time)."""
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    return rows.model.objects.get(pk=rng.choice(ids)) if ids else None


def _counter_day(
    koperasi: Koperasi,
    day: dt.date,
    kasir: Any,
    rng: random.Random,
    accounts: list[tuple[int, str, str]],
    per_day: float,
) -> int:
    """One counter day: wajib payments (oldest month first), sukarela deposits and
    withdrawals, pokok instalments, in one booking and one ledger entry."""
    chosen = [
        a for a in accounts if rng.random() < per_day * (0.8 if a[1] != Kind.SUKARELA else 0.3)
    ]
    if not chosen:
        return 0
    locked = lock_accounts(koperasi, [a[0] for a in chosen])
    booking = Booking(koperasi, day)
    booking.preload_obligations(locked)
    total_in = D(0)
    moves = 0
    for pk, kind, code in chosen:
        account = locked[pk]
        if not account.is_open or not account.member.is_active:
            continue  # left since the month began
        if kind == Kind.WAJIB:
            owed = sum((o.outstanding for o in booking._open(account, "wajib")), D(0))
            amount = owed or booking.terms(account.product).wajib_amount
            if rng.random() < 0.2:
                amount += booking.terms(account.product).wajib_amount
        elif kind == Kind.POKOK:
            owed = sum((o.outstanding for o in booking._open(account, "pokok")), D(0))
            if not owed:
                continue
            amount = owed
        elif code == "SS" and rng.random() < 0.4:
            minimum = booking.terms(account.product).min_balance
            room = booking.balance_of(account) - minimum
            if room < 50_000:
                continue
            amount = min(room, D(rng.randrange(1, 40) * 25_000))
            booking.pay_out(account, amount, memo="Penarikan tunai", cash=-amount)
            total_in -= amount
            moves += 1
            continue
        else:
            amount = D(rng.randrange(1, 30) * 10_000)
        booking.pay_in(account, amount, memo="Setoran tunai", cash=amount)
        total_in += amount
        moves += 1
    if total_in:
        booking.cash("kas", total_in)
    if not moves or not booking.ledger_lines():
        return 0
    booking.post(
        kind="savings.counter_day",
        memo=f"Transaksi kasir {day:%d/%m/%Y}",
        actor=kasir,
        source=f"savings.demo:{day.isoformat()}",
    )
    return moves


def _deposit_tax(koperasi: Koperasi, day: dt.date, pengurus: Any, rng: random.Random) -> int:
    """Last month's withheld PPh deposited by bank on the first working day from the 10th (well
    before the 15th), with an NTPN as the bank prints it; 1 if deposited today."""
    masa = add_months(month_start(day), -1)
    if TaxDeposit.objects.filter(koperasi=koperasi, period=masa).exists():
        return 0
    withheld = withheld_in(koperasi, masa)
    if services.amount_due(withheld) <= 0:
        return 0
    alphabet = "0123456789ABCDEF"
    services.tax_deposit(
        koperasi=koperasi,
        period=masa,
        amount=services.amount_due(withheld),
        ntpn="".join(rng.choice(alphabet) for _ in range(16)),
        paid_on=day,
        via="bank",
        actor=pengurus,
    )
    return 1


def _history(
    koperasi: Koperasi,
    products: dict[str, Product],
    people: _People,
    start: dt.date,
    today: dt.date,
    plan: tuple,
    joins: int,
    months: int,
) -> dict[str, int]:
    rng = people.rng
    size, weekdays, *_ = plan
    kasir = _staff(koperasi, "kasir")
    pengurus = _staff(koperasi, "pengurus")
    counts = {
        "moves": 0,
        "joins": 0,
        "exits": 0,
        "berjangka": 0,
        "month_ends": 0,
        "tax_deposits": 0,
    }
    per_month = max(1, joins // months)
    # Per member and month: 0,8 wajib payments, 0,3 sukarela visits, spread over counter days.
    per_day = 1 / (4.3 * len(weekdays))
    accounts = _open_accounts(koperasi)
    day = start
    while day < today:
        _set_date(koperasi, day)
        if day.day == 1:
            accounts = _open_accounts(koperasi)
        if 10 <= day.day <= 14 and day.weekday() < 5:
            counts["tax_deposits"] += _deposit_tax(koperasi, day, pengurus, rng)
        if day.weekday() in weekdays:
            counts["moves"] += _counter_day(koperasi, day, kasir, rng, accounts, per_day)
            if counts["joins"] < joins and rng.random() < per_month / (4.3 * len(weekdays)):
                p = people.person(day)
                p["desa"] = Region.objects.filter(pk=p.pop("desa_id")).first()
                services.member_join(
                    koperasi=koperasi,
                    actor=kasir,
                    sukarela_paid=D(rng.randrange(1, 20) * 50_000),
                    **p,
                )
                counts["joins"] += 1
            # Leaving: about 1% of the members a year; berjangka: 2% of them a month.
            if rng.random() < size * 0.0008 / (4.3 * len(weekdays)):
                member = _pick(rng, Member.objects.filter(koperasi=koperasi, status="aktif"))
                if member is not None:
                    died = rng.random() < 0.25
                    services.member_exit(
                        member=member,
                        actor=pengurus,
                        on=day,
                        died=died,
                        reason="Meninggal dunia" if died else "Pindah domisili",
                    )
                    counts["exits"] += 1
            if rng.random() < size * 0.002 / (4.3 * len(weekdays)):
                rich = _pick(
                    rng,
                    Account.objects.filter(
                        koperasi=koperasi,
                        product__code="SS",
                        status="aktif",
                        balance__gte=D("3000000"),
                        member__status="aktif",
                    ),
                )
                if rich is not None:
                    amount = min(rich.balance - D("20000"), D(rng.randrange(1, 20) * 1_000_000))
                    if amount >= D("1000000"):
                        services.berjangka_open(
                            member=rich.member,
                            product=products["berjangka"],
                            amount=amount // 100_000 * 100_000,
                            tenor_months=rng.choice([3, 6, 12]),
                            actor=kasir,
                            via="sukarela",
                            at_maturity=rng.choice(["ke_sukarela", "perpanjang"]),
                        )
                        counts["berjangka"] += 1
        tomorrow = day + dt.timedelta(days=1)
        if tomorrow.day == 1:
            services.month_end(koperasi=koperasi, on=day, actor=pengurus)
            counts["month_ends"] += 1
        day = tomorrow
    _set_date(koperasi, today)
    # Yesterday's kasir session, closed with a small shortage, for the manager's list.
    session = services.cashier_open(koperasi=koperasi, kasir=kasir, count=D("2500000"), actor=kasir)
    services.cashier_close(
        session=session, count=D("2495000"), actor=kasir, note="Kembalian kurang Rp5.000"
    )
    return counts


def load_koperasi(
    koperasi: Koperasi,
    *,
    today: dt.date,
    rng: random.Random,
    members: int | None = None,
    months: int = HISTORY_MONTHS,
) -> str | None:
    """One koperasi's savings: its plan (:data:`PLANS`), ``members`` and ``months`` of history
    unless given (tests use a small one). Does nothing if it already has savings products."""
    plan = PLANS[koperasi.code]
    if Product.objects.filter(koperasi=koperasi).exists():
        return None
    size = members or plan[0]
    start = add_months(month_start(today), -months)
    pengurus = _staff(koperasi, "pengurus")
    chart_setup(koperasi=koperasi, actor=pengurus)
    _set_date(koperasi, start - dt.timedelta(days=1))
    products = _products(koperasi, pengurus, start, plan)
    people = _People(koperasi, rng)
    initial = int(size * 0.9)  # a koperasi that grows by about 5% a year
    _opening(koperasi, products, people, initial, start, pengurus)
    counts = _history(koperasi, products, people, start, today, plan, size - initial, months)
    members = Member.objects.filter(koperasi=koperasi, status="aktif").count()
    arrears = Obligation.objects.filter(koperasi=koperasi, kind="wajib", settled_on=None).count()
    return (
        f"{koperasi.code}: {members} anggota aktif, {counts['moves']} transaksi kasir, "
        f"{counts['joins']} masuk, {counts['exits']} keluar, {counts['berjangka']} berjangka, "
        f"{counts['month_ends']} akhir bulan, {counts['tax_deposits']} setoran PPh, "
        f"{arrears} bulan tunggakan wajib"
    )


def load(
    stdout: Any = None,
    *,
    koperasi_codes: tuple[str, ...] | list[str] | None = None,
    today: dt.date | None = None,
) -> list[str]:
    """Build the savings demo for the named (default: the three staffed) demo koperasi."""
    say: Say = (lambda line: stdout.write(line + "\n")) if stdout is not None else (lambda _l: None)
    today = today or local_today()
    done = []
    for code in koperasi_codes or list(PLANS):
        koperasi = Koperasi.objects.filter(code=code).first()
        if koperasi is None or code not in PLANS:
            continue
        with transaction.atomic():
            line = load_koperasi(
                koperasi, today=today, rng=random.Random(f"kopdig-demo/savings/{code}")
            )
        if line:
            say(line)
            done.append(line)
    return done


def step_savings(demo: Any) -> str | None:
    """``kopdig demo`` step: members, savings products and two years of history."""
    lines = load(today=demo.today)
    return "; ".join(lines) if lines else None


STEPS = [step_savings]
