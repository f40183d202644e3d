"""The outbox: messages to members written in the transaction of what they announce, delivered
later, at least once, by a backend (:mod:`core.notify.backends`).

- :func:`enqueue` writes one row inside the caller's transaction (a deposit rolled back leaves
  no receipt behind). Its ``dedupe_key`` is unique per koperasi: enqueuing the same message
  again writes nothing, so a retried request or a close of business run twice never sends a
  member the same message twice. :func:`notify_member` does the same for a member, following
  their channel preference (WhatsApp, SMS, or none).
- :func:`deliver_due` sends what is due: it claims a batch of rows (so two workers never send
  the same row), sends each outside any transaction, and records the outcomes.
  A failure is kept on the row (``attempts``, ``last_error``) and tried again after an
  exponential backoff (1, 2, 4 … minutes, at most 6 hours); after ``MAX_ATTEMPTS`` tries, or at
  once when the gateway refuses for good, the row is ``failed``. A worker that dies while
  sending leaves its claim to lapse (``CLAIM``), and the row is tried again.
- The background worker runs :func:`deliver_due` (``core.tasks.deliver_outbox``, handed to it
  when a transaction that enqueued commits); ``kopdig outbox send`` runs it in the foreground.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from core.models import OutboxMessage, OutboxStatus
from core.notify import messages
from core.notify.backends import Backend, DeliveryError, Outgoing, get_backend

log = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
CLAIM = dt.timedelta(minutes=5)  # how long a send may take before the row is tried again
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=6)
DEFAULT_MAX_ATTEMPTS = 8  # about two hours of tries with the backoff above


class OutboxError(ValueError):
    """A message that cannot be written (a programming error: unknown template or channel)."""


def max_attempts() -> int:
    return int(getattr(settings, "KOPDIG_NOTIFY", {}).get("MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4, 8 … minutes, capped."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def enqueue(
    *,
    koperasi: Any,
    to: str,
    channel: str,
    kind: str,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    member: Any = None,
    not_before: dt.datetime | None = None,
) -> int | None:
    """Write a message into the outbox, in the caller's transaction; its id, or ``None`` when a
    message with the same ``dedupe_key`` was written before (nothing is written again)."""
    if template not in messages.TEMPLATES:
        raise OutboxError(f"templat pesan tidak dikenal: {template}")
    if channel not in OutboxMessage.Channel.values:
        raise OutboxError(f"saluran tidak dikenal: {channel}")
    if not E164.match(to):
        raise OutboxError(f"nomor tujuan bukan E.164: {to!r}")
    now = timezone.now()
    row = OutboxMessage(
        koperasi_id=getattr(koperasi, "pk", koperasi),
        member_id=getattr(member, "pk", member),
        kind=kind[:20],
        channel=channel,
        to=to,
        template=template,
        context=context,
        dedupe_key=dedupe_key[:120],
        next_attempt_at=max(not_before or now, now),
    )
    pk = _insert(row)
    if pk is not None:
        transaction.on_commit(schedule_delivery)
    return pk


def notify_member(
    *,
    member: Any,
    koperasi: Any,
    kind: str,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    not_before: dt.datetime | None = None,
) -> int | None:
    """:func:`enqueue` a message to ``member`` on the channel they chose; nothing when they
    chose none or have no phone number. ``context`` gains the koperasi's short name (``k``)."""
    channel = getattr(member, "notify_channel", OutboxMessage.Channel.WHATSAPP)
    phone = getattr(member, "phone", "") or ""
    if channel not in OutboxMessage.Channel.values or not E164.match(phone):
        return None
    context = {"k": messages.short_name(koperasi.name), **context}
    return enqueue(
        koperasi=koperasi,
        member=member,
        to=phone,
        channel=channel,
        kind=kind,
        template=template,
        context=context,
        dedupe_key=dedupe_key,
        not_before=not_before,
    )


def notify_members(
    *,
    koperasi: Any,
    kind: str,
    template: str,
    notes: Iterable[tuple[Any, dict[str, Any], str]],
) -> None:
    """:func:`notify_member` for many members at once (the rows of a payroll): ``notes`` are
    (member, context, dedupe_key); one statement for all of them, in the caller's transaction,
    the same rules (their channel, nothing for those who chose none or have no number, nothing
    again for a key written before)."""
    if template not in messages.TEMPLATES:
        raise OutboxError(f"templat pesan tidak dikenal: {template}")
    now = timezone.now()
    name = messages.short_name(koperasi.name)
    rows = []
    for member, context, dedupe_key in notes:
        channel = getattr(member, "notify_channel", OutboxMessage.Channel.WHATSAPP)
        phone = getattr(member, "phone", "") or ""
        if channel not in OutboxMessage.Channel.values or not E164.match(phone):
            continue
        rows.append(
            OutboxMessage(
                koperasi_id=koperasi.pk,
                member_id=member.pk,
                kind=kind[:20],
                channel=channel,
                to=phone,
                template=template,
                context={"k": name, **context},
                dedupe_key=dedupe_key[:120],
                next_attempt_at=now,
            )
        )
    if rows:
        _insert_many(rows)
        transaction.on_commit(schedule_delivery)


_FIELDS = [f for f in OutboxMessage._meta.concrete_fields if not f.primary_key]


def _statement() -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in _FIELDS)
    marks = ", ".join(["%s"] * len(_FIELDS))
    table = quote(OutboxMessage._meta.db_table)
    return (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT ({quote('koperasi_id')}, {quote('dedupe_key')}) DO NOTHING"
    )


def _values(row: OutboxMessage) -> list[Any]:
    return [f.get_db_prep_save(f.pre_save(row, True), connection) for f in _FIELDS]


def _insert(row: OutboxMessage) -> int | None:
    """One ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` (SQLite ≥ 3.35 and PostgreSQL):
    a duplicate costs no exception, so it never aborts the caller's PostgreSQL transaction."""
    with connection.cursor() as cursor:
        cursor.execute(f"{_statement()} RETURNING id", _values(row))
        found = cursor.fetchone()
    return None if found is None else int(found[0])


def _insert_many(rows: list[OutboxMessage]) -> None:
    """:func:`_insert` for many rows, in one ``executemany``."""
    with connection.cursor() as cursor:
        cursor.executemany(_statement(), [_values(row) for row in rows])


# --- delivery ------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # given up on
    errors: list[str] = field(default_factory=list)

    @property
    def tried(self) -> int:
        return self.sent + self.retrying + self.failed


BATCH = 50  # messages claimed, sent and recorded together (one commit each way, not one each)


def _claim(now: dt.datetime, limit: int) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for this worker: marked ``sending`` with a claim that
    lapses after :data:`CLAIM`, in one short transaction. Rows another worker holds are
    skipped (PostgreSQL: ``SKIP LOCKED``; SQLite has one writer at a time anyway)."""
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            status__in=(OutboxStatus.PENDING, OutboxStatus.SENDING), next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.select_related("koperasi")[:limit])
        OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=OutboxStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + CLAIM
        )
    for row in rows:
        row.attempts += 1
    return rows


def deliver_due(
    *, backend: Backend | None = None, now: dt.datetime | None = None, limit: int = 500
) -> DeliveryReport:
    """Send every message due by ``now`` (at most ``limit``); see the module's docstring.

    Messages go in batches: claimed together, sent one by one, their outcomes recorded together.
    A worker that dies mid-batch leaves its claims to lapse, and those messages are sent again
    (at least once; the gateway sees the same ``Idempotency-Key``)."""
    report = DeliveryReport()
    now = now or timezone.now()
    try:
        backend = backend or get_backend()
    except DeliveryError as exc:
        report.errors.append(str(exc))
        return report
    while report.tried < limit:
        rows = _claim(now, min(BATCH, limit - report.tried))
        if not rows:
            break
        outcomes = [_send(row, backend, now, report) for row in rows]
        with transaction.atomic():
            for pk, changes in outcomes:
                OutboxMessage.objects.filter(pk=pk).update(**changes)
    return report


def _send(
    row: OutboxMessage, backend: Backend, now: dt.datetime, report: DeliveryReport
) -> tuple[int, dict[str, Any]]:
    """Send one claimed message; the row's changes to record."""
    try:
        text = messages.render(row.template, row.context)
        ref = backend.send(
            Outgoing(
                key=f"kopdig-{row.koperasi.code}-{row.pk}",
                channel=row.channel,
                to=row.to,
                text=text,
                koperasi=row.koperasi.code,
            )
        )
    except (messages.UnknownTemplate, KeyError, TypeError, ValueError) as exc:
        return row.pk, _failed(row, f"templat: {exc!r}", permanent=True, now=now, report=report)
    except DeliveryError as exc:
        return row.pk, _failed(row, str(exc), permanent=exc.permanent, now=now, report=report)
    except Exception as exc:  # a backend's bug must not stop the other messages
        log.exception("outbox %s", row.pk)
        error = f"{type(exc).__name__}: {exc}"
        return row.pk, _failed(row, error, permanent=False, now=now, report=report)
    report.sent += 1
    return row.pk, {
        "status": OutboxStatus.SENT,
        "sent_at": timezone.now(),
        "last_error": "",
        "provider_ref": ref,
    }


def _failed(
    row: OutboxMessage, error: str, *, permanent: bool, now: dt.datetime, report: DeliveryReport
) -> dict[str, Any]:
    give_up = permanent or row.attempts >= max_attempts()
    report.errors.append(f"{row.pk}: {error}")
    if give_up:
        report.failed += 1
    else:
        report.retrying += 1
    return {
        "status": OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
        "next_attempt_at": now if give_up else now + backoff(row.attempts),
        "last_error": error[:500],
    }


def next_due() -> dt.datetime | None:
    """When the earliest message still waiting may be tried."""
    return OutboxMessage.objects.filter(
        Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENDING)
    ).aggregate(at=Min("next_attempt_at"))["at"]


# --- handing delivery to the background worker ------------------------------------------------

# One delivery job covers every message committed before it runs: a process that has just handed
# one to the worker hands no other for this long (a busy counter commits many receipts a second).
COALESCE = dt.timedelta(seconds=2)
_handed: dict[str, dt.datetime] = {}


def schedule_delivery(at: dt.datetime | None = None) -> None:
    """Hand a delivery job to the background worker, to run at ``at`` (soon, by default).

    Called after a commit that enqueued; never raises into the caller (the message is safe in
    its row: ``kopdig outbox send`` or the next job sends it)."""
    from core.tasks import deliver_outbox

    now = timezone.now()
    at = max(at or now + COALESCE, now)
    last = _handed.get("at")
    if last is not None and now <= last <= at:
        return  # a job already waits that runs no later than this one would
    try:
        if deliver_outbox.get_backend().supports_defer:
            deliver_outbox.using(run_after=at).enqueue()
        elif at <= now + COALESCE:
            deliver_outbox.enqueue()  # a backend that runs it now (tests): never for later
        else:
            return
    except Exception:
        log.exception("outbox: the delivery job could not be handed to the worker")
        return
    _handed["at"] = at
