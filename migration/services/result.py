"""What a plan or a commit returns: :class:`MigrationResult`, the same for the wizard, the
command's ``--json`` and the report workbook."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from migration.reading import Problem, ReadBook

if TYPE_CHECKING:
    from migration.models import MigrationBatch

# A row's status, as the report workbook writes it beside the row.
IMPORTED = "imported"  # created by this batch (or, in a plan, would be)
ALREADY = "already"  # came in with an earlier batch: nothing new
REJECTED = "rejected"
IGNORED = "ignored"  # a heading row of a trial balance: nothing to bring in


class MigrationError(ValidationError):
    """A migration refused as a whole (the koperasi, not a row); the message says why."""


def amount_text(amount: Decimal) -> str:
    """An amount for JSON: a plain decimal string with two places (``"1500000.00"``)."""
    return f"{amount:.2f}"


@dataclass(frozen=True)
class Figure:
    """One reconciled figure: the legacy books' against Kopdig's after the import."""

    name: str
    label: str
    legacy_total: Decimal
    kopdig_total: Decimal

    @property
    def difference(self) -> Decimal:
        return self.kopdig_total - self.legacy_total

    def as_json(self) -> dict[str, str]:
        return {
            "legacy_total": amount_text(self.legacy_total),
            "kopdig_total": amount_text(self.kopdig_total),
            "difference": amount_text(self.difference),
        }


@dataclass(frozen=True)
class LedgerLine:
    """One account's total in the batch's opening entries (what the plan shows)."""

    code: str
    name: str
    debit: Decimal
    credit: Decimal


@dataclass
class SheetResult:
    name: str
    kind: str
    header_row: int | None
    rows_read: int
    rows_imported: int
    rows_rejected: int
    totals: dict[str, Decimal]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "rows_rejected": self.rows_rejected,
            "totals": {k: amount_text(v) for k, v in self.totals.items()},
        }


@dataclass
class MigrationResult:
    """A plan (``dry_run``) or a commit of one file into one koperasi.

    ``statuses`` gives every data row's status by sheet and row number (``IMPORTED``,
    ``ALREADY``, ``REJECTED``, ``IGNORED``); ``errors`` every problem kept (``error_count``
    counts them all); ``created`` what was (or would be) created; ``ledger`` the batch's
    entries per account; ``reconciliation`` the legacy figures against Kopdig's.
    """

    filename: str
    sha256: str
    dry_run: bool
    committed: bool = False
    batch: MigrationBatch | None = None
    sheets: list[SheetResult] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    statuses: dict[str, dict[int, str]] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    ledger: list[LedgerLine] = field(default_factory=list)
    reconciliation: list[Figure] = field(default_factory=list)
    refused: str = ""  # why a commit was not made (rows rejected), empty otherwise
    nothing_new: bool = False  # every row came in before: nothing was (or would be) written
    migrated_on: Any = None
    # The workbook as read, every problem included (the report workbook lists them all).
    book: ReadBook | None = field(default=None, repr=False, compare=False)

    @property
    def rows_rejected(self) -> int:
        return sum(s.rows_rejected for s in self.sheets)

    @property
    def exit_code(self) -> int:
        """The command's exit status: 0 nothing rejected, 1 rows rejected."""
        return 1 if self.rows_rejected else 0

    def status_of(self, sheet: str, row: int) -> str | None:
        return self.statuses.get(sheet, {}).get(row)

    def messages_of(self, sheet: str, row: int) -> list[str]:
        return [p.message for p in self.errors if p.sheet == sheet and p.row == row]

    def as_json(self) -> dict[str, Any]:
        """The command's ``--json`` object (issue 9, point 11)."""
        return {
            "batch": None if self.batch is None else self.batch.pk,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "sheets": [s.as_json() for s in self.sheets],
            "errors": [p.as_dict() for p in self.errors],
            "reconciliation": {f.name: f.as_json() for f in self.reconciliation},
        }
