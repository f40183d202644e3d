"""Sub-ledgers: the member-level books (savings today, loans next) that a control account sums.

A sub-ledger keeps each member's balance on its own rows; the books keep one control account
for the lot. The two must agree to the sen, so money on a control account moves only through
the sub-ledger's own services, which write both sides in one transaction. This module is how
the ledger knows about them without importing them (ledger sits below savings and loans): each
sub-ledger :func:`register`\\ s itself from its ``AppConfig.ready()``, declaring

- which journal entries it owns (by the entry's ``kind`` prefix, e.g. ``"savings."``) and the
  page that undoes one of them (the generic :func:`ledger.services.reverse` refuses them);
- which accounts are its control accounts, each with the page that moves its money (the manual
  journal refuses lines on them);
- a ``reconcile`` function: per control account, the sub-ledger's total beside the ledger's
  balance (``kopdig ledger verify`` and the neraca saldo page show every difference).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.models import Account, JournalEntry
    from registry.models import Koperasi


@dataclass(frozen=True)
class ControlCheck:
    """One control account reconciled: both figures on the account's normal side (a credit
    balance of a simpanan account is positive), to the sen."""

    subledger: str
    account: Account
    label: str  # what the sub-ledger total is, e.g. "saldo rekening Simpanan Sukarela"
    subledger_total: Decimal
    ledger_balance: Decimal

    @property
    def difference(self) -> Decimal:
        return self.ledger_balance - self.subledger_total

    @property
    def ok(self) -> bool:
        return self.difference == 0


@dataclass(frozen=True)
class SubLedger:
    """What a sub-ledger declares; see the module docstring.

    ``control_accounts(koperasi)`` maps each control account's id to the name of the page that
    moves its money; ``undo_page`` names the page that undoes an entry it owns, and
    ``undo_url(entry)`` links to it (``None`` when that entry cannot be undone there);
    ``reconcile(koperasi)`` returns a :class:`ControlCheck` per control account.
    """

    name: str
    label: Callable[[], str]  # "simpanan anggota", for messages
    kind_prefixes: tuple[str, ...]
    undo_page: Callable[[], str]
    control_accounts: Callable[[Koperasi], dict[int, str]]
    reconcile: Callable[[Koperasi], list[ControlCheck]]
    undo_url: Callable[[JournalEntry], str | None] = lambda entry: None

    def owns_kind(self, kind: str) -> bool:
        return any(kind.startswith(prefix) for prefix in self.kind_prefixes)


_REGISTRY: dict[str, SubLedger] = {}


def register(subledger: SubLedger) -> None:
    """Declare a sub-ledger (from its app's ``ready()``); registering a name again replaces it."""
    _REGISTRY[subledger.name] = subledger


def registered() -> list[SubLedger]:
    return list(_REGISTRY.values())


def owner_of_kind(kind: str) -> SubLedger | None:
    """The sub-ledger whose services post entries of ``kind``, if any."""
    return next((s for s in _REGISTRY.values() if s.owns_kind(kind)), None)


def owner_of(entry: JournalEntry) -> SubLedger | None:
    return owner_of_kind(entry.kind)


def control_accounts(koperasi: Koperasi) -> dict[int, tuple[SubLedger, str]]:
    """Every control account of the koperasi: account id → (its sub-ledger, the page that
    moves its money)."""
    found: dict[int, tuple[SubLedger, str]] = {}
    for subledger in _REGISTRY.values():
        for account_id, page in subledger.control_accounts(koperasi).items():
            found.setdefault(account_id, (subledger, page))
    return found


def reconcile(koperasi: Koperasi) -> list[ControlCheck]:
    """Every sub-ledger against its control accounts, in account-code order."""
    checks: list[ControlCheck] = []
    for subledger in _REGISTRY.values():
        checks.extend(subledger.reconcile(koperasi))
    return sorted(checks, key=lambda c: (c.account.code, c.subledger))


def normal_side_balance(account: Account, debit_positive: Any) -> Decimal:
    """A ledger balance (debit positive, as the selectors give it) on the account's own side."""
    amount = Decimal(debit_positive)
    return amount if account.normal_side == "debit" else -amount
