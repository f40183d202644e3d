"""The outbox: what a receipt costs the kasir's deposit, and how fast the worker delivers.

- ``outbox.deposit``: deposits through ``savings.services.deposit``, alternating between members
  with a phone (each deposit also writes its receipt into the outbox, in the same transaction)
  and members without one (no message: the floor), in the same run; per-deposit time and the
  ratio.
- ``outbox.deliver``: :func:`core.outbox.deliver_due` sending those receipts through the HTTP
  backend to a fake gateway on 127.0.0.1 (messages per second), against the same number of bare
  HTTP POSTs to that gateway with no outbox around them (the floor).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import urllib.request
from decimal import Decimal
from typing import Any

from bench import figure, koperasi, load, timer

N = 400  # deposits of each kind, and receipts delivered


def _setup() -> tuple[Any, list[Any], list[Any]]:
    from tests.factories import MemberFactory, savings_account

    k = koperasi("bench-outbox", dt.date(2025, 3, 22))
    with_phone = [
        savings_account(k, member=MemberFactory.create(koperasi=k, phone=f"+62812{n:08d}"))
        for n in range(20)
    ]
    without = [savings_account(k, member=MemberFactory.create(koperasi=k)) for _ in range(20)]
    return k, with_phone, without


def bench_deposit() -> tuple[Any, int]:
    from savings.services import deposit

    k, with_phone, without = _setup()
    times: dict[str, list[float]] = {"receipt": [], "none": []}
    cpu: dict[str, list[float]] = {"receipt": [], "none": []}
    for n in range(N):
        for label, accounts in (("receipt", with_phone), ("none", without)):
            account = accounts[n % len(accounts)]
            with timer() as t:
                deposit(account=account, amount=Decimal("10000"), actor=None)
            times[label].append(t.wall)
            cpu[label].append(t.cpu)
    print(f"outbox: {N} counter deposits each with and without a receipt ({load()})")
    med = {label: statistics.median(v) * 1000 for label, v in times.items()}
    figure("deposit without a message (floor), median", med["none"], "ms")
    figure("deposit + receipt into the outbox, median", med["receipt"], "ms")
    figure("ratio to the floor", med["receipt"] / med["none"], "×")
    spent = {label: sum(v) for label, v in cpu.items()}
    figure("CPU of this process, ratio to the floor", spent["receipt"] / spent["none"], "×")
    return k, N


def bench_deliver() -> None:
    from django.conf import settings

    from core import outbox
    from core.models import OutboxMessage
    from tests.notify.gateway import fake_gateway

    if not OutboxMessage.objects.exists():
        bench_deposit()
    # Due now: the receipts were written a moment ago.
    count = OutboxMessage.objects.filter(status="pending").count()
    with fake_gateway() as gw:
        settings.KOPDIG_NOTIFY = {"BACKEND": "http", "URL": gw.url, "TIMEOUT": 5}
        body = json.dumps({"id": "x", "channel": "sms", "to": "+6281", "text": "x" * 120})
        with timer() as floor:
            for n in range(count):
                request = urllib.request.Request(
                    gw.url,
                    data=body.encode(),
                    headers={"Content-Type": "application/json", "Idempotency-Key": f"f{n}"},
                    method="POST",
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    response.read()
        with timer() as t:
            report = outbox.deliver_due(limit=count)
    print(f"outbox: delivering {count} receipts through the HTTP backend ({load()})")
    figure("bare HTTP POSTs to the gateway (floor)", count / floor.wall, "msg/s")
    figure("outbox deliver_due, HTTP backend", report.sent / t.wall, "msg/s")
    figure("ratio of time to the floor", t.wall / floor.wall, "×")


PARTS = {"deposit": bench_deposit, "deliver": bench_deliver}


def run() -> None:
    bench_deposit()
    bench_deliver()
