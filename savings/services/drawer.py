"""The kasir's drawer: what it should hold, cash from and to the vault, the count by pecahan.

What a drawer should hold is the session's opening count, plus the cash of every movement of
the session (+ taken in, − paid out), plus the vault moves (+ from the vault, − back to it). No
payout may take it below zero: the kasir takes cash in from the vault first. The chart keeps one
``kas`` account for the vault and every drawer, so a vault move posts no entry; it is recorded
on the session, in the audit trail and on the session's summary.

Cash is whole rupiah (no note or coin below Rp1 exists): a cash payout with sen is refused, and
the count at close is made of notes and coins (:data:`DENOMINATIONS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core import audit
from savings.models import CashierSession, Transaction, TxKind, VaultMove
from savings.services._common import ZERO, SavingsError, amount_of, rupiah

# Notes then coins in circulation (Bank Indonesia), largest first.
DENOMINATIONS = (100000, 50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50)
MAX_PIECES = 10_000_000


class DrawerShort(SavingsError):
    """A cash payout larger than what the drawer holds."""


# Cash a higher app moves through the kasir's drawer (loans: disbursements and repayments),
# registered from its ``AppConfig.ready()``: savings cannot import it. Each source gives, for a
# session, its cash by kind: (label, signed total: + in, − out, number of movements).
CashRows = Callable[[CashierSession], list[tuple[str, Decimal, int]]]
_CASH_SOURCES: dict[str, CashRows] = {}


def register_cash_source(name: str, rows: CashRows) -> None:
    """Declare cash that moves through drawers outside savings movements."""
    _CASH_SOURCES[name] = rows


def other_cash(session: CashierSession) -> list[tuple[str, Decimal, int]]:
    return [row for source in _CASH_SOURCES.values() for row in source(session)]


def expected_cash(session: CashierSession) -> Decimal:
    """What the drawer should hold now (read in the caller's transaction)."""
    moved = session.transactions.aggregate(s=Sum("cash"))["s"] or ZERO
    vault = session.vault_moves.aggregate(s=Sum("amount"))["s"] or ZERO
    other = sum((row[1] for row in other_cash(session)), ZERO)
    return session.opening_count + moved + vault + other


def lock_drawer(session: CashierSession) -> None:
    """Hold the session's row so two payouts from one drawer are counted one after the other
    (a no-op on SQLite, whose writer holds the whole database)."""
    if connection.features.has_select_for_update:
        # NO KEY UPDATE: the movements inserted meanwhile (their foreign key takes KEY SHARE)
        # do not wait for it; a deposit's FOR SHARE and another payout do.
        rows = CashierSession.objects.select_for_update(no_key=True).filter(pk=session.pk)
        list(rows.values("pk"))


def check_payout(session: CashierSession, out: Decimal) -> None:
    """Refuse paying ``out`` (> 0) in cash when the drawer holds less; the caller holds the
    session (:func:`lock_drawer` or a lock taken with the account)."""
    if out <= 0:
        return
    if out != out.to_integral_value():
        raise SavingsError(
            _("Uang tunai dibayar dalam rupiah bulat: %(amt)s memuat sen.") % {"amt": rupiah(out)},
            code="cash_sen",
        )
    held = expected_cash(session)
    if out > held:
        raise DrawerShort(
            _(
                "Kas di laci tidak cukup: menurut catatan laci berisi %(held)s, akan dibayar "
                "%(out)s. Ambil kas dari brankas dulu."
            )
            % {"held": rupiah(held), "out": rupiah(out)},
            code="drawer_short",
        )


IN, OUT = "in", "out"


@transaction.atomic
def vault_move(
    *, session: CashierSession, amount: Any, direction: str, actor: Any, note: str = ""
) -> VaultMove:
    """Cash from the vault into the drawer (``in``) or from the drawer back to it (``out``)."""
    value = amount_of(amount)
    if value != value.to_integral_value():
        raise SavingsError(_("Uang tunai dihitung dalam rupiah bulat."), code="cash_sen")
    if direction not in (IN, OUT):
        raise SavingsError(_("Arah pindah kas harus masuk atau keluar."), code="direction")
    locked = CashierSession.objects.select_for_update().get(pk=session.pk)
    if locked.closed_at is not None:
        raise SavingsError(_("Sesi kasir ini sudah ditutup."), code="session_closed")
    if direction == OUT:
        held = expected_cash(locked)
        if value > held:
            raise DrawerShort(
                _("Laci hanya berisi %(held)s menurut catatan; tidak dapat menyetor %(amt)s.")
                % {"held": rupiah(held), "amt": rupiah(value)},
                code="drawer_short",
            )
    move = VaultMove.objects.create(
        koperasi_id=locked.koperasi_id,
        session=locked,
        amount=value if direction == IN else -value,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=" ".join(note.split())[:200],
    )
    audit.record(
        actor=actor,
        action="savings.vault_in" if direction == IN else "savings.vault_out",
        obj=locked,
        koperasi=locked.koperasi,
        after={"amount": str(move.amount), "expected": str(expected_cash(locked))},
        note=move.note,
    )
    return move


def count_of(pieces: Mapping[int, int]) -> Decimal:
    """The cash counted: Σ face × pieces, for known pecahan only."""
    total = ZERO
    for face, n in pieces.items():
        if face not in DENOMINATIONS:
            raise SavingsError(_("Pecahan Rp%(f)s tidak dikenal.") % {"f": face}, code="face")
        if not 0 <= n <= MAX_PIECES:
            raise SavingsError(_("Jumlah lembar/keping tidak masuk akal."), code="pieces")
        total += Decimal(face) * n
    return total


@dataclass
class Summary:
    """A session on one page: what came in and went out of the drawer, by kind."""

    session: CashierSession
    takings: list[tuple[str, Decimal, int]] = field(default_factory=list)
    payouts: list[tuple[str, Decimal, int]] = field(default_factory=list)
    vault_moves: list[VaultMove] = field(default_factory=list)
    vault_in: Decimal = ZERO
    vault_out: Decimal = ZERO
    expected: Decimal = ZERO
    counted: Decimal | None = None
    difference: Decimal | None = None
    denominations: list[tuple[int, int, Decimal]] = field(default_factory=list)

    @property
    def total_in(self) -> Decimal:
        return sum((t[1] for t in self.takings), ZERO)

    @property
    def total_out(self) -> Decimal:
        return sum((t[1] for t in self.payouts), ZERO)


def session_summary(session: CashierSession) -> Summary:
    labels = dict(TxKind.choices)
    summary = Summary(session=session)
    by_sign: dict[tuple[str, bool], list[Decimal]] = {}
    for tx in Transaction.objects.filter(session=session).exclude(cash=0).only("kind", "cash"):
        by_sign.setdefault((tx.kind, tx.cash > 0), []).append(tx.cash)
    for (kind, into), amounts in sorted(by_sign.items()):
        row = (str(labels.get(kind, kind)), abs(sum(amounts, ZERO)), len(amounts))
        (summary.takings if into else summary.payouts).append(row)
    for label, total, count in other_cash(session):
        if total:
            (summary.takings if total > 0 else summary.payouts).append((label, abs(total), count))
    summary.vault_moves = list(session.vault_moves.order_by("id"))
    summary.vault_in = sum((v.amount for v in summary.vault_moves if v.amount > 0), ZERO)
    summary.vault_out = -sum((v.amount for v in summary.vault_moves if v.amount < 0), ZERO)
    if session.closed_at is None:
        summary.expected = expected_cash(session)
    else:
        summary.expected = session.expected if session.expected is not None else ZERO
        summary.counted = session.closing_count
        summary.difference = session.difference
    summary.denominations = [
        (d.face, d.pieces, d.total) for d in session.denominations.order_by("-face")
    ]
    return summary


__all__ = [
    "DENOMINATIONS",
    "DrawerShort",
    "Summary",
    "check_payout",
    "count_of",
    "expected_cash",
    "lock_drawer",
    "other_cash",
    "register_cash_source",
    "session_summary",
    "vault_move",
]
