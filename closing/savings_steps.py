"""The savings work of the close of business, wrapped as :mod:`core.steps` steps.

- :func:`savings_month_end`: the savings month end (maturities, wajib billing, interest, tax)
  for the month ending ``day``; it keeps its own record per step (``MonthEndRun``), so a
  second run posts nothing, and it is one transaction (all or nothing: it has no per-account
  failures, and ``only`` does not apply).
- :func:`berjangka_maturities`: every placement that reached maturity by ``day``, each in its
  own transaction; one that cannot be processed is reported by account and the rest go on.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from core.steps import StepFailure, StepOutcome
from registry.models import Koperasi
from savings import services as savings
from savings.services.berjangka import berjangka_mature, matured_due


def savings_month_end(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: list[int] | None = None
) -> StepOutcome:
    results = savings.month_end(koperasi=koperasi, on=day, actor=actor)
    outcome = StepOutcome()
    for r in results:
        if r.done_before:
            continue
        outcome.done += r.count
        outcome.total += r.total
        if r.entry is not None:
            outcome.entry_ids.append(r.entry.pk)
    return outcome


def berjangka_maturities(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: list[int] | None = None
) -> StepOutcome:
    outcome = StepOutcome()
    due = matured_due(koperasi, day)
    if only is not None:
        wanted = set(only)
        due = [a for a in due if a.pk in wanted]
    for account in due:
        balance = account.balance
        try:
            berjangka_mature(account=account, actor=actor)
        except ValidationError as exc:
            outcome.failures.append(StepFailure(account.pk, " ".join(exc.messages)))
            continue
        except Exception as exc:
            outcome.failures.append(StepFailure(account.pk, f"{type(exc).__name__}: {exc}"))
            continue
        outcome.done += 1
        outcome.total += balance if balance else Decimal("0")
    return outcome
