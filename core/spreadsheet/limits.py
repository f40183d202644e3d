"""What an upload may cost, and the refusal that names the limit it broke."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds checked before a file is parsed. The defaults suit a payroll file of a few
    thousand members; the migration importer passes its own.

    ``max_cells`` bounds the grid a sheet spans (its first to last row times its first to last
    column), which is what calamine allocates, not only the cells that hold a value.
    """

    max_bytes: int = 10 * MB
    max_rows: int = 50_000
    max_columns: int = 256
    max_cells: int = 1_000_000
    # xlsx and ods are zip archives: each member and all of them, decompressed.
    max_members: int = 1_000
    max_member_bytes: int = 64 * MB
    max_total_bytes: int = 128 * MB
    # A member above 1 MB that inflates more than this is a zip bomb, not a spreadsheet.
    max_ratio: int = 100


class SpreadsheetError(ValidationError):
    """A file refused before or while it is read; the message says why, in Indonesian."""
