"""The beranda's figures: each one query (or a few), each with the list it comes from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum

from core.dates import business_date
from members.models import Member
from registry.models import Koperasi
from savings import selectors as savings_selectors
from savings.models import (
    CounterRequest,
    MonthEndRun,
    RequestStatus,
    Transaction,
    VoidRequest,
    VoidStatus,
)

ZERO = Decimal("0")


@dataclass
class KasirDay:
    name: str
    count: int
    cash_in: Decimal
    cash_out: Decimal


@dataclass
class Beranda:
    today: dt.date
    active: int
    joined: int
    left: int
    savings: dict[str, Decimal]
    kasir: list[KasirDay]
    drawers: Decimal
    open_sessions: int
    vault: Decimal | None  # None: the books cannot say (see savings.selectors.cash_position)
    vault_short: Decimal
    arrears_members: int
    arrears_amount: Decimal
    last_month_end: dt.date | None
    month_end_due: dt.date
    pending_requests: int
    pending_voids: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def month_end_done(self) -> bool:
        return self.last_month_end is not None and self.last_month_end >= self.month_end_due


def _previous_month_end(day: dt.date) -> dt.date:
    return day.replace(day=1) - dt.timedelta(days=1)


def beranda(*, koperasi: Koperasi) -> Beranda:
    today = business_date(koperasi)
    month = today.replace(day=1)
    people = Member.objects.filter(koperasi=koperasi).aggregate(
        active=Count("pk", filter=Q(status=Member.Status.AKTIF)),
        joined=Count("pk", filter=Q(join_date__gte=month, join_date__lte=today)),
        left=Count("pk", filter=Q(left_on__gte=month, left_on__lte=today)),
    )
    by_kasir = (
        Transaction.objects.filter(koperasi=koperasi, value_date=today, session__isnull=False)
        .values("session__kasir_id")
        .annotate(
            n=Count("pk"),
            cash_in=Sum("cash", filter=Q(cash__gt=0)),
            cash_out=Sum("cash", filter=Q(cash__lt=0)),
        )
        .order_by()
    )
    users = get_user_model().objects.in_bulk([r["session__kasir_id"] for r in by_kasir])
    kasir = [
        KasirDay(
            name=(u.get_full_name() or u.get_username())
            if (u := users.get(r["session__kasir_id"]))
            else "—",
            count=r["n"],
            cash_in=r["cash_in"] or ZERO,
            cash_out=-(r["cash_out"] or ZERO),
        )
        for r in by_kasir
    ]
    kasir.sort(key=lambda k: k.name)
    cash = savings_selectors.cash_position(koperasi=koperasi)
    arrears = savings_selectors.arrears_totals(koperasi=koperasi)
    last_run = (
        MonthEndRun.objects.filter(koperasi=koperasi)
        .order_by("-date")
        .values_list("date", flat=True)
    ).first()
    return Beranda(
        today=today,
        active=people["active"],
        joined=people["joined"],
        left=people["left"],
        savings=savings_selectors.totals_by_kind(koperasi=koperasi),
        kasir=kasir,
        drawers=cash.drawers,
        open_sessions=cash.open_sessions,
        vault=cash.vault,
        vault_short=cash.vault_short,
        arrears_members=arrears.members,
        arrears_amount=arrears.amount,
        last_month_end=last_run,
        month_end_due=_previous_month_end(today),
        pending_requests=CounterRequest.objects.filter(
            koperasi=koperasi, status=RequestStatus.PENDING
        ).count(),
        pending_voids=VoidRequest.objects.filter(
            koperasi=koperasi, status=VoidStatus.MENUNGGU
        ).count(),
    )
