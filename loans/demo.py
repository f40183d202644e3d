"""Loans in the demo district: products, two years of lending, arrears at every grade, and
books that look like a real KSP's.

For each staffed demo koperasi (the same three as the savings demo) the history is replayed day
by day through the loans services, after the savings history: applications entered by the
kasir and approved by the pengurus, disbursed into the member's sukarela and drawn in cash the
same day, instalments paid from sukarela after a cash deposit at the counter. Most members pay
on time; some pay late; a few stop paying at a chosen point, so that today the portfolio holds
loans in every kolektibilitas grade (Lancar, Kurang Lancar, Diragukan, Macet). A few settle
early. At each month end the pengurus books salaries and office costs, keeps a working float in
Kas and moves the rest to the bank (taking it back when disbursements need it), and the bank
pays interest: most assets end up as the loan portfolio and the bank, not the drawer.

The last days up to today are closed through the real close of business (accrual, denda,
arrears and kolektibilitas, PPAP at the month end), so every loans page shows real figures.

:func:`load` is the entry point; ``kopdig demo`` runs it through :data:`STEPS`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from core.dates import local_today
from ledger import selectors as ledger_selectors
from ledger.models import Account as LedgerAccount
from ledger.reports import MANUAL_KIND
from ledger.services import Line, post
from loans import services
from loans.models import Instalment, Loan, LoanProduct, LoanStatus
from members.models import Member
from registry.models import Koperasi, RoleGrant
from savings.services._common import Booking, add_months, lock_accounts, month_start
from savings.services.berjangka import sukarela_of

D = Decimal
Say = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    borrowers: int  # monthly loans over the two years
    weekly: int  # weekly loans (market traders, fishermen)
    float_kas: int  # what the pengurus keeps in Kas at a month end; the rest goes to the bank
    salaries: int  # a month's salaries
    office: int  # a month's office and RAT costs


PLANS: dict[str, Plan] = {
    "ksp-bajo": Plan(380, 30, 150_000_000, 42_000_000, 9_000_000),
    "kopdit-mawar-lembor": Plan(110, 0, 40_000_000, 12_000_000, 3_000_000),
    "nelayan-papagarang": Plan(30, 14, 15_000_000, 4_500_000, 1_000_000),
}

# code → (name, terms): flat for the general loan, anuitas for working capital, menurun weekly.
PRODUCTS: dict[str, tuple[str, dict[str, Any]]] = {
    "PU": (
        "Pinjaman Umum",
        {
            "method": "flat",
            "rate_percent": D("1"),
            "rate_per": "bulan",
            "frequency": "bulanan",
            "min_tenor": 6,
            "max_tenor": 36,
            "min_amount": D("2000000"),
            "max_amount": D("75000000"),
            "provisi_kind": "persen",
            "provisi_percent": D("1"),
            "admin_kind": "tetap",
            "admin_amount": D("50000"),
            "denda_kind": "persen",
            "denda_percent": D("0.1"),
        },
    ),
    "PMK": (
        "Pinjaman Modal Kerja",
        {
            "method": "anuitas",
            "rate_percent": D("18"),
            "rate_per": "tahun",
            "frequency": "bulanan",
            "min_tenor": 12,
            "max_tenor": 48,
            "min_amount": D("10000000"),
            "max_amount": D("250000000"),
            "provisi_kind": "persen",
            "provisi_percent": D("1"),
            "admin_kind": "tetap",
            "admin_amount": D("100000"),
            "denda_kind": "persen",
            "denda_percent": D("0.1"),
            "collateral_required": True,
        },
    ),
    "PM": (
        "Pinjaman Mingguan Pasar",
        {
            "method": "menurun",
            "rate_percent": D("24"),
            "rate_per": "tahun",
            "frequency": "mingguan",
            "min_tenor": 10,
            "max_tenor": 52,
            "min_amount": D("1000000"),
            "max_amount": D("15000000"),
            "provisi_kind": "persen",
            "provisi_percent": D("1"),
            "admin_kind": "tetap",
            "admin_amount": D("10000"),
            "denda_kind": "tetap",
            "denda_amount": D("5000"),
            "denda_per": "bulan",
        },
    ),
}

# Days past due wanted today for the loans that stop paying, by the grade they should show.
STOPPED = {"kurang_lancar": (100, 170), "diragukan": (200, 340), "macet": (380, 560)}
CLOSE_DAYS = 40  # the days before today closed through the real close of business


def _staff(koperasi: Koperasi, role: str) -> Any:
    grant = RoleGrant.objects.filter(koperasi=koperasi, role=role).select_related("user").first()
    return grant.user if grant else get_user_model().objects.filter(is_superuser=True).first()


def _set_date(koperasi: Koperasi, day: dt.date) -> None:
    koperasi.business_date = day
    Koperasi.objects.filter(pk=koperasi.pk).update(business_date=day)


def _products(koperasi: Koperasi, actor: Any, start: dt.date) -> dict[str, LoanProduct]:
    made = {}
    for code, (name, terms) in PRODUCTS.items():
        made[code] = services.product_create(
            koperasi=koperasi,
            actor=actor,
            code=code,
            name=name,
            effective_from=start - dt.timedelta(days=1),
            **terms,
        )
    return made


@dataclass
class _Spec:
    """One loan to be: who, what, when, and how the member will pay."""

    member_id: int
    product: str
    principal: D
    tenor: int
    on: dt.date
    behaviour: str  # baik, telat, berhenti, lunas_cepat
    stop_after: int = 0  # berhenti: instalments paid before stopping
    settle_after: int = 0  # lunas_cepat: instalments paid before settling the rest


def _round(amount: float | D, unit: int) -> D:
    """Down to a whole ``unit``, never below one unit (a random draw or a rupiah amount)."""
    return D(max(unit, int(amount) // unit * unit))


def _specs(
    koperasi: Koperasi, plan: Plan, start: dt.date, today: dt.date, rng: random.Random
) -> list[_Spec]:
    members = list(
        Member.objects.filter(koperasi=koperasi, status="aktif", join_date__lt=today)
        .order_by("pk")
        .values_list("pk", "join_date")
    )
    rng.shuffle(members)
    days = (today - start).days
    specs: list[_Spec] = []
    grades = [g for g in STOPPED for _ in range(max(1, plan.borrowers // 60))]
    for index, (member_id, joined) in enumerate(members[: plan.borrowers + plan.weekly]):
        weekly = index >= plan.borrowers
        earliest = max(start, joined + dt.timedelta(days=30))
        if weekly:
            product, tenor = "PM", rng.choice([20, 25, 30, 40, 50])
            principal = _round(rng.uniform(2, 12) * 1_000_000, 250_000)
            # Weekly loans are recent: most of the two years' ones are paid off already.
            on = today - dt.timedelta(days=rng.randrange(14, 7 * tenor))
        else:
            working = rng.random() < 0.35
            product = "PMK" if working else "PU"
            tenor = rng.choice([12, 18, 24, 36, 48] if working else [6, 10, 12, 18, 24, 36])
            principal = (
                _round(rng.lognormvariate(17.9, 0.55), 1_000_000)
                if working
                else _round(rng.lognormvariate(16.9, 0.6), 500_000)
            )
            principal = min(principal, PRODUCTS[product][1]["max_amount"])
            principal = max(principal, PRODUCTS[product][1]["min_amount"])
            # Lending grows: later days are likelier (a triangular draw leaning to today).
            on = start + dt.timedelta(days=int(rng.triangular(0, days - 20, days - 20)))
        old_enough = today - dt.timedelta(days=400)
        if grades and not weekly and on >= old_enough and earliest < old_enough - dt.timedelta(30):
            # A loan picked to stop paying is an old one, so that every grade shows even in a
            # small plan (few loans are old): lent in the first months of the history.
            on = earliest + dt.timedelta(days=rng.randrange(0, (old_enough - earliest).days - 29))
            tenor = max(tenor, 24)
        if on < earliest or on >= today:
            continue
        spec = _Spec(member_id, product, principal, tenor, on, "baik")
        draw = rng.random()
        if grades and not weekly and on < old_enough:
            grade = grades.pop()
            low, high = STOPPED[grade]
            target = today - dt.timedelta(days=rng.randrange(low, high))
            # The oldest unpaid instalment falls due on ``target``: pay those before it.
            paid = 0
            while add_months(on, paid + 1) < target and paid < tenor - 1:
                paid += 1
            if add_months(on, paid + 1) <= today - dt.timedelta(days=low):
                spec.behaviour, spec.stop_after = "berhenti", paid
        elif draw < 0.12:
            spec.behaviour = "telat"
        elif draw < 0.17:
            spec.behaviour, spec.stop_after = "berhenti", rng.randrange(1, max(2, tenor // 2))
        elif draw < 0.25:
            spec.behaviour, spec.settle_after = "lunas_cepat", rng.randrange(2, max(3, tenor - 1))
        specs.append(spec)
    specs.sort(key=lambda s: (s.on, s.member_id))
    return specs


class _Books:
    """The pengurus's month end outside the loans: costs, the bank, its interest."""

    def __init__(self, koperasi: Koperasi, plan: Plan, pengurus: Any) -> None:
        self.koperasi, self.plan, self.pengurus = koperasi, plan, pengurus
        codes = ["1.1.01", "1.1.02", "4.2.01", "5.2.01", "5.2.03"]
        found = {a.code: a for a in LedgerAccount.objects.filter(koperasi=koperasi, code__in=codes)}
        self.kas, self.bank = found["1.1.01"], found["1.1.02"]
        self.bank_interest, self.salaries, self.office = (
            found["4.2.01"],
            found["5.2.01"],
            found["5.2.03"],
        )

    def _post(self, day: dt.date, lines: list[Line], memo: str) -> None:
        post(
            koperasi=self.koperasi,
            lines=lines,
            kind=MANUAL_KIND,
            memo=memo,
            actor=self.pengurus,
            value_date=day,
            source=f"loans.demo:{memo}:{day.isoformat()}",
        )

    def kas_on(self, day: dt.date) -> D:
        return ledger_selectors.balance(account=self.kas, as_of=day)

    def ensure_kas(self, day: dt.date, needed: D) -> None:
        """Take money back from the bank when the day's disbursements need it."""
        short = needed + D(self.plan.float_kas) // 4 - self.kas_on(day)
        if short > 0:
            amount = _round(short, 1_000_000) + D(1_000_000)
            self._post(
                day,
                [Line(self.kas, debit=amount), Line(self.bank, credit=amount)],
                f"Penarikan bank untuk pencairan {day:%d/%m/%Y}",
            )

    def month_end(self, day: dt.date) -> None:
        self._post(
            day,
            [
                Line(self.salaries, debit=D(self.plan.salaries)),
                Line(self.office, debit=D(self.plan.office)),
                Line(self.kas, credit=D(self.plan.salaries + self.plan.office)),
            ],
            f"Gaji karyawan dan biaya kantor {day:%m/%Y}",
        )
        bank = ledger_selectors.balance(account=self.bank, as_of=day)
        interest = (bank * D("0.02") / 12).quantize(D("1"))
        if interest > 0:
            self._post(
                day,
                [Line(self.bank, debit=interest), Line(self.bank_interest, credit=interest)],
                f"Jasa giro bank {day:%m/%Y}",
            )
        surplus = self.kas_on(day) - D(self.plan.float_kas)
        if surplus > D(1_000_000):
            amount = surplus // 1_000_000 * 1_000_000
            self._post(
                day,
                [Line(self.bank, debit=amount), Line(self.kas, credit=amount)],
                f"Setor kelebihan kas ke bank {day:%d/%m/%Y}",
            )


def _cash_through_sukarela(
    koperasi: Koperasi, day: dt.date, kasir: Any, moves: dict[int, D], memo: str
) -> None:
    """One counter entry: each member's cash in (+) or out (−) of their sukarela."""
    if not moves:
        return
    locked = lock_accounts(koperasi, list(moves))
    booking = Booking(koperasi, day)
    total = D(0)
    for pk, amount in moves.items():
        account = locked[pk]
        if amount > 0:
            booking.pay_in(account, amount, memo=memo, cash=amount)
        else:
            booking.pay_out(account, -amount, memo=memo, cash=amount, enforce_rules=False)
        total += amount
    if total:
        booking.cash("kas", total)
    booking.post(
        kind="savings.counter_day",
        memo=f"{memo} {day:%d/%m/%Y}",
        actor=kasir,
        source=f"loans.demo:{memo}:{day.isoformat()}",
    )


def _due(loan: Loan) -> list[Instalment]:
    return list(
        Instalment.objects.filter(loan=loan, superseded=False, paid_on__isnull=True).order_by(
            "number"
        )
    )


def _month_end(day: dt.date) -> dt.date:
    return month_start(add_months(month_start(day), 1)) - dt.timedelta(days=1)


def _history(
    koperasi: Koperasi, plan: Plan, specs: list[_Spec], today: dt.date, rng: random.Random
) -> dict[str, int]:
    """Every day from the first loan to yesterday: the day's disbursements, then its repayments,
    then (at a month end) the pengurus's books; the last :data:`CLOSE_DAYS` days are closed."""
    kasir, pengurus = _staff(koperasi, "kasir"), _staff(koperasi, "pengurus")
    books = _Books(koperasi, plan, pengurus)
    products = {p.code: p for p in LoanProduct.objects.filter(koperasi=koperasi)}
    members = Member.objects.in_bulk([s.member_id for s in specs])
    counts = {"loans": 0, "repayments": 0, "settled": 0}
    # (day, order, tie, what, payload): a day's disbursements first, then its repayments.
    events: list[tuple[dt.date, int, int, str, Any]] = [
        (spec.on, 0, n, "pinjam", spec) for n, spec in enumerate(specs)
    ]
    heapq.heapify(events)
    paid_count: dict[int, int] = {}
    specs_of: dict[int, _Spec] = {}
    close_from = today - dt.timedelta(days=CLOSE_DAYS)
    day = events[0][0] if events else today
    while day < today:
        _set_date(koperasi, day)
        todays = []
        while events and events[0][0] <= day:
            todays.append(heapq.heappop(events))
        loans_today = [e[4] for e in todays if e[3] == "pinjam"]
        if loans_today:
            books.ensure_kas(day, sum((s.principal for s in loans_today), D(0)))
        withdrawals: dict[int, D] = {}
        for spec in loans_today:
            member = members[spec.member_id]
            loan = services.loan_apply(
                koperasi=koperasi,
                member=member,
                product=products[spec.product],
                principal=spec.principal,
                tenor=spec.tenor,
                purpose="Modal usaha" if spec.product != "PU" else "Kebutuhan keluarga",
                collateral="BPKB sepeda motor" if spec.product == "PMK" else "",
                officer=kasir,
                actor=kasir,
                on=day,
            )
            services.loan_approve(loan=loan, actor=pengurus, acknowledge_rate_cap=True)
            services.loan_disburse(
                loan=loan,
                actor=kasir,
                via="sukarela",
                on=day,
                idempotency_key=f"demo-cair-{loan.pk}",
            )
            loan.refresh_from_db()
            account = sukarela_of(member, actor=kasir, on=day)
            assert account is not None
            # The member draws the money in cash; what the product saved stays saved.
            withdrawals[account.pk] = withdrawals.get(account.pk, D(0)) - _net_paid_in(loan)
            specs_of[loan.pk] = spec
            paid_count[loan.pk] = 0
            counts["loans"] += 1
            first = _due(loan)[:1]
            if first:
                when = _pay_day(spec, first[0].due_date, rng)
                heapq.heappush(events, (when, 1, loan.pk * 1000, "bayar", loan.pk))
        _cash_through_sukarela(koperasi, day, kasir, withdrawals, "Penarikan pencairan pinjaman")
        repay_ids = [e[4] for e in todays if e[3] == "bayar"]
        if repay_ids:
            counts["repayments"] += _repay(
                koperasi, day, kasir, repay_ids, specs_of, paid_count, members, events, rng, counts
            )
        if day == _month_end(day):
            books.month_end(day)
        if day >= close_from:
            _close_day(koperasi, day)
        day += dt.timedelta(days=1)
    _set_date(koperasi, today)
    return counts


def _net_paid_in(loan: Loan) -> D:
    """What the disbursement put into the member's sukarela (principal less fees and saving)."""
    return loan.principal - loan.fees - loan.saving_taken


def _pay_day(spec: _Spec, due: dt.date, rng: random.Random) -> dt.date:
    if spec.behaviour == "telat":
        return due + dt.timedelta(days=rng.randrange(8, 45))
    return due + dt.timedelta(days=rng.randrange(0, 3))


def _repay(
    koperasi: Koperasi,
    day: dt.date,
    kasir: Any,
    loan_ids: list[int],
    specs_of: dict[int, _Spec],
    paid_count: dict[int, int],
    members: dict[int, Member],
    events: list[tuple[dt.date, int, int, str, Any]],
    rng: random.Random,
    counts: dict[str, int],
) -> int:
    pengurus = _staff(koperasi, "pengurus")
    loans = Loan.objects.in_bulk(loan_ids)
    plans: list[tuple[Loan, D, bool]] = []
    deposits: dict[int, D] = {}
    for pk in loan_ids:
        loan = loans[pk]
        spec = specs_of[pk]
        if loan.status != LoanStatus.AKTIF:
            continue
        if spec.behaviour == "berhenti" and paid_count[pk] >= spec.stop_after:
            continue
        settle = spec.behaviour == "lunas_cepat" and paid_count[pk] >= spec.settle_after
        if settle:
            amount = services.loan_payoff_quote(loan=loan, on=day).total
        else:
            rows = [r for r in _due(loan) if r.due_date <= day + dt.timedelta(days=10)]
            amount = sum((r.owed for r in rows[:1]), D(0))
        if amount <= 0:
            continue
        account = sukarela_of(members[spec.member_id], actor=kasir, on=day)
        assert account is not None
        deposits[account.pk] = deposits.get(account.pk, D(0)) + amount
        plans.append((loan, amount, settle))
    _cash_through_sukarela(koperasi, day, kasir, deposits, "Setoran untuk angsuran pinjaman")
    done = 0
    for loan, amount, settle in plans:
        pay = services.loan_settle_early if settle else services.loan_repay
        pay(
            loan=loan,
            amount=None if settle else amount,
            via="sukarela",
            actor=kasir,
            approved_by=pengurus,
            on=day,
            idempotency_key=f"demo-bayar-{loan.pk}-{day.isoformat()}",
        )
        done += 1
        paid_count[loan.pk] += 1
        loan.refresh_from_db()
        if settle or loan.status != LoanStatus.AKTIF:
            counts["settled"] += int(settle)
            continue
        following = _due(loan)
        if following:
            spec = specs_of[loan.pk]
            when = max(_pay_day(spec, following[0].due_date, rng), day + dt.timedelta(days=1))
            heapq.heappush(
                events, (when, 1, loan.pk * 1000 + paid_count[loan.pk], "bayar", loan.pk)
            )
    return done


def _close_day(koperasi: Koperasi, day: dt.date) -> None:
    """Close ``day`` through the real close of business (accrual, denda, arrears and grades,
    the month-end PPAP), when the closing app is installed."""
    from importlib import import_module

    try:
        closing = import_module("closing.services")
    except ModuleNotFoundError:
        return
    closing.close_to(koperasi=koperasi, to=day, actor=_staff(koperasi, "pengurus"))


def load_koperasi(
    koperasi: Koperasi, *, today: dt.date, rng: random.Random, plan: Plan | None = None
) -> str | None:
    """One koperasi's loans: its :data:`PLANS` entry unless ``plan`` is given (a test's small
    one: fewer borrowers, the same two years, grades and close). Nothing if it has products."""
    plan = plan or PLANS[koperasi.code]
    if LoanProduct.objects.filter(koperasi=koperasi).exists():
        return None
    pengurus = _staff(koperasi, "pengurus")
    start = add_months(month_start(today), -24)
    _products(koperasi, pengurus, start)
    specs = _specs(koperasi, plan, start, today, rng)
    counts = _history(koperasi, plan, specs, today, rng)
    active = Loan.objects.filter(koperasi=koperasi, status=LoanStatus.AKTIF)
    grades = sorted({loan.grade for loan in active})
    return (
        f"{koperasi.code}: {counts['loans']} pinjaman dicairkan, {counts['repayments']} angsuran, "
        f"{counts['settled']} lunas dipercepat, {active.count()} berjalan "
        f"({', '.join(grades)})"
    )


def load(
    stdout: Any = None,
    *,
    koperasi_codes: tuple[str, ...] | list[str] | None = None,
    today: dt.date | None = None,
) -> list[str]:
    say: Say = (lambda line: stdout.write(line + "\n")) if stdout is not None else (lambda _l: None)
    today = today or local_today()
    done = []
    for code in koperasi_codes or list(PLANS):
        koperasi = Koperasi.objects.filter(code=code).first()
        if koperasi is None or not koperasi.savings_accounts.exists():
            continue
        with transaction.atomic():
            line = load_koperasi(
                koperasi, today=today, rng=random.Random(f"kopdig-demo/loans/{code}")
            )
        if line:
            say(line)
            done.append(line)
    return done


def step_loans(demo: Any) -> str | None:
    """``kopdig demo`` step: loan products, two years of lending and the last days' close."""
    lines = load(today=demo.today)
    return "; ".join(lines) if lines else None


STEPS = [step_loans]
