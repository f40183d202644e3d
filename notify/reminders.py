"""Reminders as a close-of-business step (:mod:`closing.steps`): instalments due soon and
today, overdue instalments, unpaid simpanan wajib.

Closing day ``D`` prepares the messages for the morning after, ``R = D + 1`` (the next business
date), delivered from 07:00 in the koperasi's zone. When, is the koperasi's choice
(:class:`notify.models.ReminderSettings`, set by a pengurus; by default 3 days before, on the
due day, 1, 7 and 30 days late, and wajib on the 5th):

- an instalment due on ``R + days_before`` ("3 hari lagi") or on ``R`` ("hari ini");
- a loan whose oldest unpaid instalment became one of ``overdue_days`` days late on ``R``;
- on day ``wajib_day`` of a month, every active member with unpaid wajib.

Each message's dedupe key names what it reminds of and the date ``R``, so closing the same day
twice writes nothing new. A day closed late (catching up, ``R`` already past in the koperasi's
zone) sends nothing: a reminder of a date gone by helps nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from core import money as m
from core import outbox
from core.dates import local_today
from core.notify.messages import mask
from core.steps import StepFailure, StepOutcome
from loans.models import Instalment, LoanStatus
from members.models import Member
from notify.services import Reminders, reminders_of
from registry.models import Koperasi
from savings.models import ObligationKind
from savings.selectors import arrears_rows

MORNING = dt.time(7, 0)
KEYS = {"loans.due_in": "loans.due_soon"}


def send_reminders(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: list[int] | None = None
) -> StepOutcome:
    outcome = StepOutcome()
    morning = day + dt.timedelta(days=1)
    if morning < local_today(koperasi.timezone):
        return outcome
    at = send_at(koperasi, morning)
    when = reminders_of(koperasi)
    with transaction.atomic():
        _instalments(koperasi, morning, at, only, outcome, when)
        if when.wajib_day and morning.day == when.wajib_day and only is None:
            _wajib(koperasi, morning, at, outcome)
    return outcome


def send_at(koperasi: Koperasi, morning: dt.date) -> dt.datetime:
    """When the reminders for ``morning`` go out: 07:00 in the koperasi's zone."""
    return timezone.make_aware(dt.datetime.combine(morning, MORNING), ZoneInfo(koperasi.timezone))


def _open_instalments(koperasi: Koperasi, dates: Iterable[dt.date]) -> list[Instalment]:
    return list(
        Instalment.objects.filter(
            koperasi=koperasi,
            due_date__in=list(dates),
            paid_on__isnull=True,
            superseded=False,
            loan__status=LoanStatus.AKTIF,
        )
        .select_related("loan__member")
        .order_by("loan_id", "due_date", "number")
    )


def _instalments(
    koperasi: Koperasi,
    morning: dt.date,
    at: dt.datetime,
    only: list[int] | None,
    outcome: StepOutcome,
    when: Reminders,
) -> None:
    soon = morning + dt.timedelta(days=when.days_before) if when.days_before else None
    late = {morning - dt.timedelta(days=n): n for n in when.overdue_days}
    dates = [d for d in (soon, morning if when.due_day else None) if d is not None]
    rows = _open_instalments(koperasi, [*dates, *late])
    if only is not None:
        rows = [r for r in rows if r.loan_id in set(only)]
    oldest_unpaid = _oldest_unpaid({r.loan_id for r in rows if r.due_date in late})
    for row in rows:
        if row.due_date in late:
            if oldest_unpaid.get(row.loan_id) != row.pk:
                continue  # one notice per loan, about its oldest unpaid instalment
            template, extra = "loans.overdue", {"days": str(late[row.due_date])}
        elif row.due_date == morning:
            template, extra = "loans.due_today", {"n": str(row.number)}
        else:
            template = "loans.due_in"
            extra = {"n": str(row.number), "days": str(when.days_before)}
        loan = row.loan
        try:
            outbox.notify_member(
                member=loan.member,
                koperasi=koperasi,
                kind="reminder",
                template=template,
                context={
                    "loan": mask(loan.number),
                    "amount": m.format_rupiah(row.owed),
                    "date": row.due_date.strftime("%d/%m/%Y"),
                    **extra,
                },
                # "loans.due_soon": the key's name from before the days were a setting, so a
                # day closed again across the upgrade writes no second reminder.
                dedupe_key=f"{KEYS.get(template, template)}:{row.pk}:{morning.isoformat()}",
                not_before=at,
            )
        except outbox.OutboxError as exc:
            outcome.failures.append(StepFailure(loan.pk, str(exc)))
            continue
        outcome.done += 1


def _oldest_unpaid(loan_ids: set[int]) -> dict[int, int]:
    """For each loan, the id of its oldest unpaid instalment."""
    oldest: dict[int, int] = {}
    rows = (
        Instalment.objects.filter(loan_id__in=loan_ids, paid_on__isnull=True, superseded=False)
        .order_by("loan_id", "due_date", "number")
        .values_list("loan_id", "pk")
    )
    for loan_id, pk in rows:
        oldest.setdefault(loan_id, pk)
    return oldest


def _wajib(koperasi: Koperasi, morning: dt.date, at: dt.datetime, outcome: StepOutcome) -> None:
    rows = {r["member_id"]: r for r in arrears_rows(koperasi=koperasi, kind=ObligationKind.WAJIB)}
    members = Member.objects.filter(
        koperasi=koperasi, pk__in=list(rows), status=Member.Status.AKTIF
    ).only("pk", "phone", "notify_channel")
    for member in members:
        row = rows[member.pk]
        outbox.notify_member(
            member=member,
            koperasi=koperasi,
            kind="reminder",
            template="savings.wajib_due",
            context={
                "months": str(row["months"]),
                "amount": m.format_rupiah(m.money(row["unpaid"])),
            },
            dedupe_key=f"savings.wajib_due:{member.pk}:{morning.isoformat()}",
            not_before=at,
        )
        outcome.done += 1
