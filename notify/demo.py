"""``kopdig demo`` step of notify: the outbox after two years of demo history.

The savings and loans demos write their history through the services, and the services enqueue
a receipt for every repayment and a message for every loan decision, dated years back. Nobody's
phone waits for those: the step keeps the most recent few (so the background worker prints
them on the console when ``make demo`` starts, showing what members receive) and drops the
rest. Reminders (written by the last days' close of business for the days to come) stay.
"""

from __future__ import annotations

from typing import Any

from core.models import OutboxMessage, OutboxStatus

KEEP = 5  # the history's most recent messages left for the worker to print


def step_outbox(demo: Any) -> str | None:
    history = OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, kind__in=("receipt", "decision")
    )
    keep = list(history.order_by("-pk").values_list("pk", flat=True)[:KEEP])
    dropped, _per_model = history.exclude(pk__in=keep).delete()
    if not dropped:
        return None
    waiting = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
    return (
        f"kotak keluar: {dropped} pesan riwayat demo tidak dikirim; {waiting} menunggu "
        "(worker mencetaknya di konsol)"
    )


STEPS = [step_outbox]
