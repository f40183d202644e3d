"""How many instalments in a row a loan has paid on time (pure, no Django).

A restructured loan keeps its grade until three instalments in a row are paid on time
(DOMAIN.md, Loans; the close of business reads ``Loan.on_time_streak``). The streak is
recomputed from the current schedule after every repayment: walking the instalments in order,
one paid in full on or before its due date adds one; one paid late, or fallen due and still
unpaid, resets it to nought; the first one not yet due and unpaid ends the walk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol


class Row(Protocol):
    @property
    def due_date(self) -> dt.date: ...
    @property
    def paid_on(self) -> dt.date | None: ...
    @property
    def superseded(self) -> bool: ...
    @property
    def version(self) -> int: ...


def on_time_streak(rows: Iterable[Row], on: dt.date, *, version: int | None = None) -> int:
    """The run of on-time instalments ending at the latest one that counts on ``on``; with
    ``version``, of that schedule only (a restructuring starts the count again)."""
    streak = 0
    for row in rows:
        if row.superseded or (version is not None and row.version != version):
            continue
        if row.paid_on is not None:
            streak = streak + 1 if row.paid_on <= row.due_date else 0
        elif row.due_date <= on:
            streak = 0
        else:
            break
    return streak
